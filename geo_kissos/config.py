"""Configuration from the environment.

``GEO_KISSOS_DATABASE_URL``
    Store: ``postgresql+psycopg://...`` or a ``.gpkg`` path (default ``var/geo-kissos.gpkg``).
``GEO_KISSOS_DATA_DIR``
    Folder of input files (boundaries, register, population, ...). Default: ``../shared/data``
    beside the checkout when it has the data-folder layout (a ``boundaries/`` folder), else
    ``var/demo-data`` (synthetic demo data).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the folder holding ``geo_kissos/``).
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder input files are read from (see module docstring)."""
    env = os.environ.get("GEO_KISSOS_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    shared = REPO_ROOT.parent / "shared" / "data"
    if (shared / "boundaries").is_dir():  # the data-folder layout of the README
        return shared
    return REPO_ROOT / "var" / "demo-data"


def layers_dir() -> Path:
    """The folder of map-layer definitions (``GEO_KISSOS_LAYERS_DIR`` or ``layers/``)."""
    return Path(os.environ.get("GEO_KISSOS_LAYERS_DIR") or REPO_ROOT / "layers")


def boundaries_dir() -> Path:
    """The folder of boundary-source manifests (``boundaries/``)."""
    return REPO_ROOT / "boundaries"
