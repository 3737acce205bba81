"""Boundary-source manifests (TOML), installed as package data ``geo_kissos._boundaries``.

No code: this file only makes the folder importable for :mod:`importlib.resources`; see
:func:`geo_kissos.config.boundaries_dir`.
"""
