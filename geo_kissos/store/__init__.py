"""Stores: PostGIS (``GEO_KISSOS_DATABASE_URL``) or the embedded GeoPackage default."""

from __future__ import annotations

import os

from ..config import get_config
from ..errors import ConfigError
from .base import Store, Writer
from .gpkg import GpkgStore
from .postgis import PostgisStore

__all__ = ["GpkgStore", "PostgisStore", "Store", "Writer", "open_store", "default_store_url"]


def default_store_url() -> str:
    """The store chosen by the environment.

    ``GEO_KISSOS_DATABASE_URL`` (a ``postgresql://`` URL, or a path to a ``.gpkg``) wins;
    otherwise the embedded store ``var/geo-kissos.gpkg`` under the current directory.
    """
    return get_config().database_url


def open_store(url: str | os.PathLike[str] | None = None) -> Store:
    """Open a store by URL or path.

    Parameters
    ----------
    url : str or path, optional
        ``postgresql://...`` / ``postgresql+psycopg://...`` for PostGIS; a path (or
        ``gpkg:///path``) for the embedded GeoPackage store. Defaults to
        :func:`default_store_url`.
    """
    target = os.fspath(url) if url is not None else default_store_url()
    if target.startswith(("postgresql", "postgres:", "postgis:")):
        return PostgisStore(target)
    if target.startswith("gpkg://"):
        target = target[len("gpkg://") :]
    if "://" in target:
        raise ConfigError(f"unsupported store URL {target!r}: use postgresql://... or a .gpkg path")
    return GpkgStore(target)
