"""Map-layer definitions (one TOML file per layer), installed as package data ``geo_kissos._layers``.

No code: this file only makes the folder importable for :mod:`importlib.resources`; see
:func:`geo_kissos.config.layers_dir`.
"""
