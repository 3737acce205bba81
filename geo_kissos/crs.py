"""CRS discipline: store and measure in EPSG:5514, serve EPSG:4326, refuse unknown CRS."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

from .errors import CRSError

#: S-JTSK / Krovak East North: the Czech cadastral system, metres. Everything is stored in it.
STORE_EPSG = 5514
#: WGS 84: what browsers and GeoJSON (RFC 7946) get.
SERVE_EPSG = 4326


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
    if CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(STORE_EPSG)):
        return gdf.set_crs(STORE_EPSG, allow_override=True)
    return gdf.to_crs(STORE_EPSG)


def to_serve_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject stored data (EPSG:5514) to WGS 84 for browsers."""
    if gdf.crs is None:
        raise CRSError("stored data without a CRS: the store must always return EPSG:5514")
    return gdf.to_crs(SERVE_EPSG)
