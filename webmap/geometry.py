"""Geometry for browsers: coverage simplification per zoom, WGS 84, coordinates rounded by zoom.

Municipalities (and ORPs) form a polygonal *coverage*: neighbours share their border vertex
for vertex. Simplifying each polygon on its own would open slivers and overlaps between
neighbours; :func:`shapely.coverage_simplify` simplifies the shared edges once, so borders stay
shared. It runs in EPSG:5514 (metres) with a tolerance of about one screen pixel at the
requested zoom, then the result is reprojected to EPSG:4326 and rounded (5 decimals, ~1 m, at
zoom >= 12; 4 decimals, ~10 m, below). Identical input vertices give identical output vertices,
so rounding keeps borders shared too. Results are cached per zoom.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo_kissos.crs import SERVE_EPSG, STORE_EPSG

#: Metres per screen pixel at zoom 0 in Web Mercator at the latitude of the region (~49.7° N).
_M_PER_PX_Z0 = 156_543.034 * math.cos(math.radians(49.7))
MAX_ZOOM = 22
#: Decimals of WGS 84 coordinates without a zoom (full detail, ~0.1 m).
FULL_DECIMALS = 6


def tolerance_for_zoom(zoom: int) -> float:
    """Simplification tolerance in metres: about one screen pixel at ``zoom``."""
    return _M_PER_PX_Z0 / 2 ** max(0, min(zoom, MAX_ZOOM))


def decimals_for_zoom(zoom: int | None) -> int:
    """Decimals of served coordinates: 5 at zoom >= 12, 4 below, 6 without a zoom."""
    if zoom is None:
        return FULL_DECIMALS
    return 5 if zoom >= 12 else 4


def round_coordinates(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every coordinate of an array of geometries (structure kept)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


class CoverageGeometry:
    """Served geometries of one territorial level, by zoom (thread-safe, cached).

    Parameters
    ----------
    codes : sequence of str
        Territory codes, one per geometry.
    geoms : geopandas.GeoSeries
        The polygons in EPSG:5514 (a coverage: no overlaps, shared borders).
    """

    def __init__(self, codes: Any, geoms: gpd.GeoSeries):
        if geoms.crs is None or geoms.crs.to_epsg() != STORE_EPSG:
            raise ValueError("coverage geometries must be in EPSG:5514")
        self.codes = [str(c) for c in codes]
        self._geoms = np.asarray(geoms.to_numpy(), dtype=object)
        self._cache: dict[int | None, dict[str, Any]] = {}
        self._simple: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def simplified(self, zoom: int | None) -> np.ndarray:
        """Simplified polygons in EPSG:5514 (the originals when ``zoom`` is None), cached."""
        if zoom is None:
            return self._geoms
        with self._lock:
            hit = self._simple.get(zoom)
        if hit is not None:
            return hit
        valid = np.array([g is not None and not g.is_empty for g in self._geoms], dtype=bool)
        out = self._geoms.copy()
        if valid.any():
            out[valid] = shapely.coverage_simplify(self._geoms[valid], tolerance_for_zoom(zoom),
                                                   simplify_boundary=True)
        with self._lock:
            self._simple[zoom] = out
        return out

    def served(self, zoom: int | None) -> dict[str, Any]:
        """Code -> polygon in EPSG:4326 with coordinates rounded for ``zoom``."""
        with self._lock:
            hit = self._cache.get(zoom)
        if hit is not None:
            return hit
        simple = gpd.GeoSeries(self.simplified(zoom), crs=STORE_EPSG).to_crs(SERVE_EPSG)
        rounded = round_coordinates(simple.to_numpy(), decimals_for_zoom(zoom))
        result = dict(zip(self.codes, rounded, strict=True))
        with self._lock:
            self._cache[zoom] = result
        return result


class DissolvedCoverage:
    """Polygons of groups of a coverage (ORPs of municipalities), dissolved after simplifying.

    ORPs are unions of their municipalities. Dissolving the *simplified* municipalities (with
    :func:`shapely.coverage_union_all`, exact for a coverage) makes ORP outlines coincide with
    municipal borders at every zoom, so an ORP line never cuts through a municipality.

    Parameters
    ----------
    base : CoverageGeometry
        The municipalities.
    group_of : mapping of str to str
        Municipality code -> group (ORP) code.
    """

    def __init__(self, base: CoverageGeometry, group_of: dict[str, str]):
        self.base = base
        self.group_of = group_of
        self._cache: dict[int | None, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def served(self, zoom: int | None) -> dict[str, Any]:
        """Group code -> polygon in EPSG:4326, rounded for ``zoom``."""
        with self._lock:
            hit = self._cache.get(zoom)
        if hit is not None:
            return hit
        simple = self.base.simplified(zoom)
        members: dict[str, list[Any]] = {}
        for code, geom in zip(self.base.codes, simple, strict=True):
            group = self.group_of.get(code)
            if group is not None and geom is not None and not geom.is_empty:
                members.setdefault(group, []).append(geom)
        groups = sorted(members)
        merged = [dissolve_parts(members[g]) for g in groups]
        served = gpd.GeoSeries(merged, crs=STORE_EPSG).to_crs(SERVE_EPSG).to_numpy()
        result = dict(zip(groups, round_coordinates(served, decimals_for_zoom(zoom)), strict=True))
        with self._lock:
            self._cache[zoom] = result
        return result


def dissolve_parts(parts: list[Any]) -> Any:
    """Union of neighbouring polygons: exact coverage union, or a plain union when they overlap.

    :func:`shapely.coverage_union_all` needs a valid coverage and raises ("CoverageUnion cannot
    process incorrectly noded inputs") where neighbours overlap slightly; boundaries imported
    since the coverage cleaning at import are valid, a store loaded before may not be.
    """
    try:
        return shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        return shapely.union_all(parts)


def serve_points(geoms: gpd.GeoSeries, zoom: int | None) -> np.ndarray:
    """Points (EPSG:5514) as EPSG:4326 with coordinates rounded for ``zoom``."""
    if len(geoms) == 0:
        return np.array([], dtype=object)
    return round_coordinates(geoms.to_crs(SERVE_EPSG).to_numpy(), decimals_for_zoom(zoom))
