"""What the web map reads from the store, computed once and kept for a while.

One :class:`ServedData` per app: it holds the store (opened once), the layer definitions and
time-limited caches of layer frames, served geometries and the search index. The store is
only read.

One data version at a time: every request first asks the store cheaply whether it changed
(:func:`store_stamp`: the GeoPackage file's identity and time, which every commit renews; on
PostGIS the store's data version counter, which every committed change adds one to). When it did,
a new :class:`DataVersion` with empty caches replaces the old one as a whole, so the next request
shows the new data and a feature and the list never mix two imports. A request keeps the version
it started with (:meth:`ServedData.begin`). Entries also expire after ``ttl`` seconds
(``GEO_KISSOS_CACHE_SECONDS``, default 300), which only bounds memory.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_kissos.crs import SERVE_EPSG
from geo_kissos.layers import Layer, available_years, layer_frame
from geo_kissos.store import GpkgStore, PostgisStore, Store
from geo_kissos.text import czech_sort_key

from .geometry import CoverageGeometry, DissolvedCoverage
from .index import VersionedCache

T = TypeVar("T")

class TTLCache:
    """A small thread-safe cache whose entries expire after ``ttl`` seconds."""

    def __init__(self, ttl: float, maxsize: int = 256):
        self.ttl, self.maxsize = ttl, maxsize
        self._data: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def _fresh(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return True, hit[1]
        return False, None

    def get(self, key: Any, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computed by ``compute()`` when missing or expired.

        Concurrent requests for the same missing key wait for one computation instead of
        all computing it (no stampede when an entry expires under load).
        """
        ok, value = self._fresh(key)
        if ok:
            return value
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            ok, value = self._fresh(key)
            if ok:
                return value
            value = compute()
            with self._lock:
                self._data.pop(key, None)  # re-inserted last: the dict's order is the age order
                if len(self._data) >= self.maxsize:  # the oldest goes (O(1), not a scan per insert)
                    oldest = next(iter(self._data))
                    del self._data[oldest]
                    self._key_locks.pop(oldest, None)
                self._data[key] = (time.monotonic(), value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


def store_stamp(store: Store) -> str:
    """A short text that changes whenever the store's data change (cheap: no table is read).

    GeoPackage: inode, size and modification time of the file (a commit renames a new file over
    it). PostGIS: the store's data version, a counter every transaction that changes data adds one
    to (one row read; the import and audit logs, which grow without end, are not scanned). Other
    stores: the import log read whole.
    """
    if isinstance(store, GpkgStore):
        try:
            st = os.stat(store.path)
        except FileNotFoundError:
            return "missing"
        return f"gpkg:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
    if isinstance(store, PostgisStore):  # imports and the partners' web writes alike
        return f"pg:{store.data_version()}"
    log = store.read("import_log")
    return f"log:{len(log)}:{log['imported_at'].max() if len(log) else ''}"


@dataclass
class DataVersion:
    """One state of the store's data and the caches computed from it.

    Attributes
    ----------
    stamp : str
        :func:`store_stamp` when the version was taken.
    id : str
        Short public name of the version (a hash of the stamp, the same in every process that
        serves the same store): ``dataVersion`` in the API and the basis of its ETags.
    cache : TTLCache
        What was computed from this version.
    """

    stamp: str
    id: str
    cache: TTLCache
    _date: list[Any] = field(default_factory=list)


class ServedData:
    """Cached access to the store for the map and its API.

    Parameters
    ----------
    store : Store
        The store (read only).
    layers : dict of str to Layer
        The layer definitions.
    ttl : float
        Seconds a cached result is kept.
    """

    def __init__(self, store: Store, layers: dict[str, Layer], ttl: float = 300.0):
        self.store = store
        self.layers = layers
        self.ttl = ttl
        self._swap = threading.Lock()
        self._version = self._new_version(store_stamp(store))
        self._local = threading.local()
        #: What is precomputed per data version (served geometries, spatial indexes, snapshots).
        self.versioned = VersionedCache(self.data_version)

    # ---------------------------------------------------------------- data version
    def _new_version(self, stamp: str) -> DataVersion:
        vid = hashlib.sha256(stamp.encode()).hexdigest()[:16]
        return DataVersion(stamp, vid, TTLCache(self.ttl))

    def current(self) -> DataVersion:
        """The version of the store's data now: a new one (empty caches) when the store changed."""
        stamp = store_stamp(self.store)
        with self._swap:
            if stamp != self._version.stamp:
                self._version = self._new_version(stamp)
            return self._version

    def begin(self) -> DataVersion:
        """Take :meth:`current` for the calling thread's request (kept until :meth:`end`)."""
        self._local.version = v = self.current()
        return v

    def end(self) -> None:
        """Forget the calling thread's request version."""
        self._local.version = None

    @property
    def version(self) -> DataVersion:
        """The request's version (:meth:`begin`), else the latest one seen."""
        return getattr(self._local, "version", None) or self._version

    @property
    def cache(self) -> TTLCache:
        """The caches of :attr:`version`."""
        return self.version.cache

    def data_version(self) -> str:
        """Public id of :attr:`version` (``dataVersion`` in every API response)."""
        return self.version.id

    def version_fields(self) -> dict[str, Any]:
        """``dataVersion`` and ``dataDate`` (ISO date of the latest import's data, or None)."""
        v = self.version
        if not v._date:  # computed once per version
            d = self.cache.get(("data_date",), self.store.data_date)
            v._date.append(None if d is None or pd.isna(d) else pd.Timestamp(d).date().isoformat())
        return {"dataVersion": v.id, "dataDate": v._date[0]}

    # ---------------------------------------------------------------- layers
    def frame(self, layer: Layer, year: int | None = None) -> gpd.GeoDataFrame:
        """The whole-region frame of ``layer`` (EPSG:5514), cached per year."""
        return self.cache.get(("frame", layer.id, year), lambda: layer_frame(self.store, layer, year))

    def years(self, layer: Layer) -> list[int]:
        """Years with data for ``layer``."""
        return self.cache.get(("years", layer.id), lambda: available_years(self.store, layer))

    def coverage(self, level: str) -> CoverageGeometry | DissolvedCoverage:
        """Served geometries of a territorial level (``municipality`` or ``orp``).

        ORPs are dissolved from the simplified municipalities, so their outlines follow
        municipal borders exactly at every zoom.
        """
        def municipalities() -> CoverageGeometry:
            mun = self.store.read("municipality")
            return CoverageGeometry(mun["municipality_code"].astype(str), mun.geometry)

        def orps() -> DissolvedCoverage:
            base = self.coverage("municipality")
            mun = self.store.read("municipality")
            groups = dict(zip(mun["municipality_code"].astype(str), mun["orp_code"].astype(str), strict=True))
            return DissolvedCoverage(base, groups)  # type: ignore[arg-type]

        if level == "orp":
            return self.versioned.get(("coverage", "orp"), orps)
        return self.versioned.get(("coverage", "municipality"), municipalities)

    # ---------------------------------------------------------------- territory
    def orps(self) -> dict[str, str]:
        """ORP code -> name, in Czech alphabetical order of the names."""
        def build() -> dict[str, str]:
            orp = self.store.read("orp")
            pairs = zip(orp["orp_code"].astype(str), orp["name"].astype(str), strict=True)
            return dict(sorted(pairs, key=lambda cn: czech_sort_key(cn[1])))
        return self.cache.get(("orps",), build)

    def bounds(self) -> list[list[float]] | None:
        """``[[south, west], [north, east]]`` of the region in WGS 84 (None when empty)."""
        def build() -> list[list[float]] | None:
            orp = self.store.read("orp")
            if orp.empty:
                return None
            w, s, e, n = orp.to_crs(SERVE_EPSG).total_bounds
            return [[round(float(s), 5), round(float(w), 5)], [round(float(n), 5), round(float(e), 5)]]
        return self.cache.get(("bounds",), build)

    def places(self) -> list[dict[str, Any]]:
        """Search index: every ORP and municipality with its WGS 84 bounding box."""
        def build() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for level, key in (("orp", "orp_code"), ("municipality", "municipality_code")):
                table = level
                terr = self.store.read(table)
                if terr.empty:
                    continue
                b = terr.to_crs(SERVE_EPSG).bounds.to_numpy()
                for i, row in enumerate(terr.itertuples(index=False)):
                    out.append({
                        "level": level, "code": str(getattr(row, key)), "name": str(row.name),
                        "orp_code": str(getattr(row, "orp_code", "")),
                        "orp_name": str(getattr(row, "orp_name", "") or "") if level == "municipality"
                        else str(row.name),
                        "bbox": [round(float(v), 5) for v in np.asarray(b[i])],
                    })
            out.sort(key=lambda p: (p["level"] != "orp", czech_sort_key(p["name"]), p["orp_name"], p["code"]))
            return out
        return self.cache.get(("places",), build)

    def data_date(self) -> pd.Timestamp | None:
        """Latest data date of the store's imports."""
        return self.cache.get(("data_date",), self.store.data_date)
