"""geo-kissos: map and plan the social services of a Czech region."""

from .errors import ConfigError, CRSError, GeoKissosError, InputError, Problem, StoreError
from .store import GpkgStore, PostgisStore, Store, open_store

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
