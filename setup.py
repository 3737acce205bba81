"""Build script: the packages found as ``pyproject.toml`` would, plus the repository's ``layers/`` and
``boundaries/`` folders shipped inside the package as ``geo_kissos._layers`` and
``geo_kissos._boundaries`` (package data read with :mod:`importlib.resources`, see
:mod:`geo_kissos.config`), so an installed package finds them without the checkout.
"""

from setuptools import find_namespace_packages, setup

#: Package -> folder of the repository holding its files (TOML definitions, no Python code).
DATA_PACKAGES = {"geo_kissos._layers": "layers", "geo_kissos._boundaries": "boundaries"}

setup(
    packages=[*find_namespace_packages(include=["geo_kissos*", "webmap*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
