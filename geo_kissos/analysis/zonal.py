"""Zonal statistics of a population raster (rasterstats) and raster cells as demand points.

The raster must be in EPSG:5514, like every geometry of the project; a raster in another CRS is
refused rather than silently mis-overlaid. Cells count into a zone when their *centre* lies in
it (rasterstats' default; ``all_touched=True`` counts every touched cell, which double-counts
cells on shared borders).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS
from rasterstats import zonal_stats

from ..crs import STORE_EPSG
from ..errors import CRSError
from ._validate import require_columns, require_store_crs
from .errors import AnalysisError

RasterPath = str | os.PathLike


def _check_raster(path: RasterPath) -> None:
    try:
        with rasterio.open(path) as ds:
            crs = ds.crs
    except rasterio.errors.RasterioIOError as exc:
        raise AnalysisError(f"{path}: cannot open raster ({exc})") from exc
    if crs is None or not CRS.from_user_input(crs.to_wkt()).equals(CRS.from_epsg(STORE_EPSG)):
        raise CRSError(f"{path}: raster CRS is {crs or 'not declared'}, expected EPSG:{STORE_EPSG}")


def zonal_population(
    raster: RasterPath,
    zones: gpd.GeoDataFrame,
    *,
    id_col: str = "municipality_code",
    stats: Sequence[str] = ("sum", "count", "mean"),
    all_touched: bool = False,
    band: int = 1,
) -> pd.DataFrame:
    """Statistics of the raster cells within each zone (municipality, ORP, catchment).

    Parameters
    ----------
    raster : str or path
        GeoTIFF (or any GDAL raster) in EPSG:5514, e.g. persons per cell.
    zones : geopandas.GeoDataFrame
        Polygons in EPSG:5514 with an id column.
    id_col : str
        Zone id column.
    stats : sequence of str
        rasterstats statistics (``sum``, ``count``, ``mean``, ``max``...).
    all_touched : bool
        Count every touched cell instead of cells whose centre is inside.
    band : int
        Raster band.

    Returns
    -------
    pandas.DataFrame
        ``id_col`` and one column per statistic (``sum`` is 0, not NaN, for zones without
        cells).
    """
    require_store_crs(zones, "zones")
    require_columns(zones, [id_col], "zones")
    _check_raster(raster)
    res = zonal_stats(list(zones.geometry), raster, stats=list(stats), all_touched=all_touched,
                      band=band)
    out = pd.DataFrame(res, columns=list(stats))
    if "sum" in out.columns:
        out["sum"] = out["sum"].fillna(0.0)
    if "count" in out.columns:
        out["count"] = out["count"].fillna(0).astype(int)
    out.insert(0, id_col, zones[id_col].to_numpy())
    return out


def catchment_population(
    raster: RasterPath,
    sites: gpd.GeoDataFrame,
    radius: float,
    *,
    stats: Sequence[str] = ("sum",),
    all_touched: bool = False,
) -> pd.DataFrame:
    """Raster statistics within a circular catchment (``radius`` metres) of each site.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sites``, one column per statistic.
    """
    require_store_crs(sites, "sites")
    if not radius > 0:
        raise AnalysisError(f"radius must be > 0 metres, got {radius!r}")
    zones = gpd.GeoDataFrame({"_id": np.arange(len(sites))},
                             geometry=sites.geometry.buffer(radius, quad_segs=32).to_numpy(),
                             crs=sites.crs)
    out = zonal_population(raster, zones, id_col="_id", stats=stats, all_touched=all_touched)
    return out.drop(columns="_id").set_index(sites.index)


def raster_demand_points(raster: RasterPath, *, band: int = 1, min_value: float = 0.0
                         ) -> gpd.GeoDataFrame:
    """Cell centroids of a population raster as FCA demand points.

    Cells that are nodata or ``<= min_value`` are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed ``r<row>c<col>``: ``demand`` (the cell value), ``row``, ``col``, points in
        EPSG:5514.
    """
    _check_raster(raster)
    with rasterio.open(raster) as ds:
        arr = ds.read(band, masked=True)
        transform = ds.transform
    values = np.ma.filled(arr.astype(float), np.nan)
    rows, cols = np.nonzero(np.isfinite(values) & (values > min_value))
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    return gpd.GeoDataFrame(
        {"demand": values[rows, cols], "row": rows, "col": cols},
        geometry=gpd.points_from_xy(np.asarray(xs, float), np.asarray(ys, float)),
        crs=STORE_EPSG,
        index=pd.Index([f"r{r}c{c}" for r, c in zip(rows, cols, strict=True)], name="cell"),
    )
