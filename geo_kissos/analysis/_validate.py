"""Small input checks shared by the analysis modules."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..catalogue import UNIT_MAX
from ..crs import STORE_EPSG
from ..errors import CRSError
from .errors import AnalysisError


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`AnalysisError` naming the columns of ``df`` that are missing."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(
            f"{what}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"has {', '.join(repr(str(c)) for c in df.columns)}"
        )


def require_store_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a GeoDataFrame that is not in EPSG:5514 (distances must be in metres).

    Raises
    ------
    CRSError
        When ``gdf`` has no CRS or one other than EPSG:5514.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise AnalysisError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(STORE_EPSG)):
        raise CRSError(
            f"{what}: CRS is {gdf.crs if gdf.crs is not None else 'not declared'}, "
            f"expected EPSG:{STORE_EPSG} (metres). Reproject with geo_kissos.crs.to_store_crs."
        )


def point_coords(gdf: gpd.GeoDataFrame, what: str):
    """Return an ``(n, 2)`` array of point coordinates, refusing empty or non-point geometries."""
    require_store_crs(gdf, what)
    geoms = gdf.geometry
    bad = geoms.isna() | geoms.is_empty
    if bad.any():
        first = gdf.index[bad.to_numpy()][0]
        raise AnalysisError(f"{what}: {int(bad.sum())} feature(s) without a point, e.g. {first!r}")
    kinds = set(geoms.geom_type.unique())
    if kinds - {"Point"}:
        raise AnalysisError(f"{what}: expected Point geometries, got {sorted(kinds)}")
    return geoms.get_coordinates().to_numpy()


def require_plausible_units(value: float, unit: str | None, what: str) -> None:
    """Refuse a capacity of one service above :data:`geo_kissos.catalogue.UNIT_MAX` for its unit.

    ``1e308`` units would overflow every sum to infinity; ``1e15`` is a typing error.
    """
    limit = UNIT_MAX.get(str(unit), max(UNIT_MAX.values()))
    if value > limit:
        raise AnalysisError(f"{what}: {value:g} units{' (' + str(unit) + ')' if unit in UNIT_MAX else ''} "
                            f"is not plausible for one service (at most {limit:,.0f})")
