"""geo-kissos: map and plan the social services of a Czech region."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError, CRSError, GeoKissosError, InputError, Problem, StoreError

#: Imported on first use (PEP 562): the store pulls in geopandas and SQLAlchemy, which the
#: command line's ``--help`` does not need.
_LAZY = {"GpkgStore": "store", "PostgisStore": "store", "Store": "store", "open_store": "store"}

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "CRSError",
    "GeoKissosError",
    "GpkgStore",
    "InputError",
    "PostgisStore",
    "Problem",
    "Store",
    "StoreError",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
