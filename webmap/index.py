"""What an items request needs, precomputed once per data version: the fast path of the API.

A map client asks for many different windows (bbox), zooms and ORPs; caching whole responses
helps only for repeated requests. So the parts every response is made of are prepared once per
data version (see :meth:`webmap.cache.ServedData.data_version`) and a request only selects and joins:

* :class:`ServedIndex` - per territorial level and zoom: the served (simplified, WGS 84, rounded)
  polygons, each already written as GeoJSON (``shapely.to_geojson``), and a
  :class:`shapely.STRtree` over them, which answers a bbox without testing every polygon;
* :class:`LayerSnapshot` - per layer and year: the layer's frame (classified values, colours)
  with every row's ``properties`` already written as JSON, and per zoom every row's whole
  GeoJSON Feature as bytes and as a deflate segment (:class:`webmap.fastbody.FeatureBlocks`),
  so a response is joined, not serialised or compressed, per request.

:class:`VersionedCache` keeps them until the data version changes (not for a fixed time), so
a request never rebuilds them while the data stay the same.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely

from .fastbody import FeatureBlocks

T = TypeVar("T")


class VersionedCache:
    """Values kept until ``version()`` changes (then all are dropped and rebuilt on demand).

    A served worker takes what its warm-up built out of the cyclic garbage collector
    (:func:`gc.freeze`, :func:`webmap.serving.warm`): those objects live as long as the data
    version, and a full collection walking hundreds of thousands of them (frames, geometries,
    indexes) stops every thread of the worker for a few hundred milliseconds - the slowest
    requests under load. When the version changes they are handed back (:func:`gc.unfreeze`),
    so the old version's cycles are collected.

    Parameters
    ----------
    version : callable
        Returns the current data version (cheap; cached by its owner).
    """

    def __init__(self, version: Callable[[], str]):
        self._version = version
        self._seen: str | None = None
        self._data: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def get(self, key: Any, build: Callable[[], T]) -> T:
        """The value of ``key`` for the current data version, built once (concurrent callers wait)."""
        version = self._version()
        with self._lock:
            if version != self._seen:
                if self._seen is not None and gc.get_freeze_count():
                    gc.unfreeze()  # the old version's objects may be collected again
                self._data.clear()
                self._key_locks.clear()
                self._seen = version
            if key in self._data:
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = build()
            with self._lock:
                if self._seen == version:
                    self._data[key] = value
            if gc.get_freeze_count():  # a served worker after its warm-up: this too is long-lived
                gc.freeze()
        return value


class ServedIndex:
    """Served polygons of one level at one zoom, as GeoJSON text, with a spatial index.

    Parameters
    ----------
    served : dict of str to geometry
        Territory code -> polygon in EPSG:4326 (already simplified and rounded for the zoom).
    """

    def __init__(self, served: dict[str, Any]):
        self.codes = np.array(list(served), dtype=object)
        self.position = {c: i for i, c in enumerate(self.codes)}
        geoms = np.array(list(served.values()), dtype=object)
        self.geoms = geoms
        text = shapely.to_geojson(geoms)
        self.geojson = [t if t is not None else "null" for t in np.atleast_1d(text)]
        present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        self._tree_ids = np.flatnonzero(present)
        self.tree = shapely.STRtree(geoms[present]) if present.any() else None
        #: Envelope (xmin, ymin, xmax, ymax) of each indexed polygon, in tree order.
        self._bounds = shapely.bounds(geoms[present]) if present.any() else np.empty((0, 4))

    def positions(self, codes: pd.Series) -> np.ndarray:
        """Index position of each code (-1 when the level has no polygon for it)."""
        return np.fromiter((self.position.get(c, -1) for c in codes.astype(str)), dtype=np.int64, count=len(codes))

    def hits(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """Boolean mask over the index positions: polygons that intersect ``bbox`` (WGS 84).

        The tree gives the polygons whose envelope meets the box; one whose envelope lies
        inside the box intersects it, so only those whose envelope crosses the box's edge
        are tested exactly (a window over a country holds thousands of the first kind and
        a few hundred of the second).
        """
        mask = np.zeros(len(self.codes), dtype=bool)
        if self.tree is None:
            return mask
        box = shapely.box(*bbox)
        found = self.tree.query(box)
        env = self._bounds[found]
        w, s, e, n = bbox
        inside = (env[:, 0] >= w) & (env[:, 1] >= s) & (env[:, 2] <= e) & (env[:, 3] <= n)
        edge = found[~inside]
        if len(edge):
            inside[~inside] = shapely.intersects(self.geoms[self._tree_ids[edge]], box)
        mask[self._tree_ids[found[inside]]] = True
        return mask


class LayerSnapshot:
    """A layer's frame for one year with each row's ``properties`` written as JSON.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer frame (as :meth:`webmap.cache.ServedData.frame` returns it).
    properties : callable
        Frame -> list of property dicts, one per row (the API's serialisation).
    dumps : callable
        Object -> JSON text (the API's serialiser).
    """

    def __init__(self, frame: pd.DataFrame, properties: Callable[[pd.DataFrame], list[dict[str, Any]]],
                 dumps: Callable[[Any], bytes]):
        self.frame = frame
        self.props = properties(frame)
        self.props_json = [dumps(p).decode("utf-8") for p in self.props]
        self.ids_json = [json.dumps(str(p["code"]), ensure_ascii=False) for p in self.props]
        self.codes = frame["code"].astype(str) if "code" in frame else pd.Series([], dtype=str)
        self._positions: dict[Any, np.ndarray] = {}
        self._points: dict[int, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        self._forms: np.ndarray | None = None
        self._legend: Any = None
        self._blocks: dict[Any, FeatureBlocks] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def column(self, name: str) -> np.ndarray:
        """The frame's column ``name`` as a NumPy array (kept: masks without pandas per request)."""
        with self._lock:
            hit = self._columns.get(name)
        if hit is None:
            hit = self.frame[name].to_numpy()
            with self._lock:
                self._columns[name] = hit
        return hit

    def legend(self, build: Callable[[pd.DataFrame], Any]) -> Any:
        """The layer's legend for this frame (built once)."""
        if self._legend is None:
            self._legend = build(self.frame)
        return self._legend

    def points(self, decimals: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Point layers: rounded WGS 84 ``x``, ``y`` of every row and its GeoJSON text (kept per decimals)."""
        with self._lock:
            hit = self._points.get(decimals)
        if hit is not None:
            return hit
        from .geometry import round_coordinates

        geoms = self.frame.geometry
        present = (~geoms.isna() & ~geoms.is_empty).to_numpy()
        served = np.full(len(geoms), None, dtype=object)
        if present.any():
            served[present] = round_coordinates(geoms[present].to_crs(4326).to_numpy(), decimals)
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[present], y[present] = shapely.get_x(served[present]), shapely.get_y(served[present])
        text = [t if t is not None else "null" for t in np.atleast_1d(shapely.to_geojson(served))]
        hit = (x, y, text)
        with self._lock:
            self._points[decimals] = hit
        return hit

    def form_mask(self, forms: tuple[str, ...]) -> np.ndarray:
        """Rows offering any of ``forms`` (``form_codes`` is a ``;``-separated list)."""
        with self._lock:
            sets = self._forms
        if sets is None:
            sets = np.array([frozenset(str(v).split(";")) for v in self.frame["form_codes"]], dtype=object)
            with self._lock:
                self._forms = sets
        wanted = set(forms)
        return np.fromiter((bool(fs & wanted) for fs in sets), dtype=bool, count=len(sets))

    def positions_in(self, index: ServedIndex, key: Any) -> np.ndarray:
        """Position of each row's polygon in ``index`` (kept under ``key``, e.g. level and zoom)."""
        with self._lock:
            hit = self._positions.get(key)
        if hit is None:
            hit = index.positions(self.codes)
            with self._lock:
                self._positions[key] = hit
        return hit

    def features(self, geojson: list[str], pos: np.ndarray) -> list[bytes]:
        """Every row as a serialised GeoJSON Feature: its id, the geometry ``geojson[pos[row]]``
        (``null`` where ``pos`` is -1) and its properties."""
        return [f'{{"type":"Feature","id":{i},"geometry":{geojson[p] if p >= 0 else "null"},'
                f'"properties":{props}}}'.encode() for i, p, props in zip(self.ids_json, pos.tolist(), self.props_json,
                                                                          strict=True)]

    def blocks(self, key: Any, geojson: Callable[[], tuple[list[str], np.ndarray]]) -> FeatureBlocks:
        """The rows' Features as :class:`~webmap.fastbody.FeatureBlocks`, built once per ``key``.

        Parameters
        ----------
        key : hashable
            What the geometries depend on (level and zoom, or the points' decimals).
        geojson : callable
            Returns the geometries' GeoJSON texts and each row's position in them.
        """
        with self._lock:
            hit = self._blocks.get(key)
        if hit is not None:
            return hit
        with self._build_lock:  # one build at a time: concurrent requests for it wait
            with self._lock:
                hit = self._blocks.get(key)
            if hit is None:
                hit = FeatureBlocks(self.features(*geojson()))
                with self._lock:
                    self._blocks[key] = hit
        return hit
