"""CRS discipline: store and measure in EPSG:5514, serve EPSG:4326, refuse unknown CRS.

A declared CRS is also checked against the coordinates: every vertex must be a finite number
and lie in Czechia (:data:`CZECHIA_LONLAT`, with a margin) once transformed to longitude and
latitude. That catches the CRS declared wrongly — WGS 84 degrees labelled EPSG:5514, S-JTSK
metres labelled WGS 84 (or a GeoJSON without ``crs``, which RFC 7946 reads as WGS 84) — and
stray vertices (``1e300``, NaN), and says which CRS the numbers look like instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from .errors import CRSError, Problem

#: S-JTSK / Krovak East North: the Czech cadastral system, metres. Everything is stored in it.
STORE_EPSG = 5514
#: WGS 84: what browsers and GeoJSON (RFC 7946) get.
SERVE_EPSG = 4326

#: Czechia in longitude/latitude (west, south, east, north): 12.09-18.86 E, 48.55-51.06 N
#: (the extreme points), widened by about 35 km so border data and generalised lines pass.
CZECHIA_LONLAT = (11.6, 48.2, 19.4, 51.4)
#: Czechia in S-JTSK / Krovak East North (EPSG:5514) metres: xmin, ymin, xmax, ymax, same margin.
CZECHIA_5514 = (-940_000.0, -1_260_000.0, -395_000.0, -900_000.0)
#: More features than this outside Czechia are one problem (the CRS), not one per feature.
_MANY = 3


def parse_crs(value: object, source: str = "") -> CRS:
    """A :class:`pyproj.CRS` from an EPSG code, URN, WKT or PROJ string.

    Raises
    ------
    CRSError
        When PROJ does not know it (e.g. ``EPSG:99999``), naming ``source`` and the value.
    """
    try:
        return CRS.from_user_input(value)
    except ProjCRSError as exc:
        detail = str(exc).split("(Internal Proj Error: ")[-1].rstrip(")")
        raise CRSError(
            f"{source or 'input'}: the declared CRS '{value}' is not a coordinate reference system "
            f"PROJ knows ({detail}). Declare a real one, e.g. EPSG:5514 (S-JTSK / Krovak East North, "
            "metres) or EPSG:4326 (WGS 84, degrees)."
        ) from None


def looks_like(x: float, y: float) -> str:
    """What a coordinate pair looks like, as advice for a wrongly declared CRS ("" if unclear)."""
    lo_w, lo_s, lo_e, lo_n = CZECHIA_LONLAT
    x0, y0, x1, y1 = CZECHIA_5514
    if lo_w <= x <= lo_e and lo_s <= y <= lo_n:
        return "they look like WGS 84 longitude/latitude: declare EPSG:4326"
    if lo_w <= y <= lo_e and lo_s <= x <= lo_n:
        return "they look like latitude/longitude in swapped order: longitude comes first"
    if x0 <= x <= x1 and y0 <= y <= y1:
        return "they look like S-JTSK metres: declare EPSG:5514"
    if x0 <= -x <= x1 and y0 <= -y <= y1:
        return ("they look like S-JTSK metres with the signs dropped (RÚIAN 'Souřadnice Y/X'): "
                "negate both and declare EPSG:5514")
    if x0 <= -y <= x1 and y0 <= -x <= y1:
        return "they look like S-JTSK metres with positive, swapped axes (Y, X): use x = -Y, y = -X"
    return ""


def coordinate_problems(
    geoms: gpd.GeoSeries,
    labels: Sequence[str],
    source: str,
    crs_note: str = "",
) -> list[Problem]:
    """Vertices that are not finite or, in the declared CRS, do not fall in Czechia.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometries as read, in their declared CRS (``geoms.crs`` must be set).
    labels : sequence of str
        One location label per geometry (``"feature 3 (KOD_OBEC=500496)"``).
    source : str
        File name for the problems.
    crs_note : str
        Said after the CRS name, e.g. why it was assumed (a GeoJSON without ``crs``).

    Returns
    -------
    list of Problem
        One per bad feature (field ``geometry``); when more than a few features lie outside
        Czechia, one problem for the first of them with the count, since the CRS is what is wrong.
    """
    if geoms.crs is None or len(geoms) == 0:
        return []
    crs = CRS.from_user_input(geoms.crs)
    name = f"{crs.to_string()} ({crs.name}{crs_note})"
    xy, index = shapely.get_coordinates(geoms.to_numpy(), return_index=True)
    if len(xy) == 0:
        return []
    problems: list[Problem] = []
    finite = np.isfinite(xy).all(axis=1)
    bad_features = np.unique(index[~finite])
    for i in bad_features:
        x, y = xy[index == i][~finite[index == i]][0]
        problems.append(Problem(source, labels[i], "geometry",
                                f"vertex ({x}, {y}) is not a finite number: every coordinate must be a number"))
    xy, index = xy[finite], index[finite]
    if crs.equals(CRS.from_epsg(SERVE_EPSG)) or crs.is_geographic:
        lon, lat = xy[:, 0], xy[:, 1]
    else:
        to_lonlat = Transformer.from_crs(crs, SERVE_EPSG, always_xy=True)
        with np.errstate(all="ignore"):
            lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1], errcheck=False)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w, s, e, n = CZECHIA_LONLAT
    with np.errstate(invalid="ignore"):
        inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    out = np.unique(index[~inside])
    out = out[~np.isin(out, bad_features)]
    if len(out) == 0:
        return problems
    first = out[0]
    x, y = xy[index == first][~inside[index == first]][0]
    hint = looks_like(float(x), float(y))
    where = "is not longitude/latitude" if crs.is_geographic and not (-180 <= x <= 180 and -90 <= y <= 90) \
        else "lies outside Czechia"
    msg = f"vertex ({x:.10g}, {y:.10g}) {where} in the declared CRS {name}"
    if len(out) > _MANY:
        msg += f"; so do {len(out) - 1:,} more features ({len(out):,} of {len(geoms):,}): the CRS is wrong"
    msg += f"; {hint}" if hint else ""
    if len(out) > _MANY:
        return [*problems, Problem(source, labels[first], "geometry", msg)]
    problems.append(Problem(source, labels[first], "geometry", msg))
    for i in out[1:]:
        x, y = xy[index == i][~inside[index == i]][0]
        problems.append(Problem(source, labels[i], "geometry",
                                f"vertex ({x:.10g}, {y:.10g}) lies outside Czechia in the declared CRS {name}"))
    return problems


def to_store_crs(gdf: gpd.GeoDataFrame, source: str = "") -> gpd.GeoDataFrame:
    """Reproject a GeoDataFrame to EPSG:5514, refusing data without a declared CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Data as read from a file.
    source : str
        Name of the file, used in the error message.

    Returns
    -------
    geopandas.GeoDataFrame
        The same features in EPSG:5514.

    Raises
    ------
    CRSError
        When ``gdf`` has no CRS (e.g. a Shapefile without ``.prj``).
    """
    if gdf.crs is None:
        raise CRSError(
            f"{source or 'input'}: no coordinate reference system is declared "
            "(a Shapefile needs its .prj; GeoJSON without 'crs' is read as EPSG:4326). "
            "Refusing to guess: declare the CRS and load again."
        )
    if parse_crs(gdf.crs, source).equals(CRS.from_epsg(STORE_EPSG)):
        return gdf.set_crs(STORE_EPSG, allow_override=True)
    return gdf.to_crs(STORE_EPSG)

