"""What the layer sources share: year resolution and territory frames.

Carried out of :mod:`geo_kissos.layers.choropleth` so that every source module reads years and
territories one way: the distinct years of a table (:func:`years_of`), a requested year resolved
to the latest earlier year with data (:func:`resolve_year`), the municipalities or ORPs as one
frame (:func:`territory_frame`) and municipal columns summed per ORP (:func:`per_level`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ...crs import STORE_EPSG

__all__ = ["municipality_orp", "per_level", "rate", "resolve_year", "territory_frame", "years_of"]


def years_of(frame: pd.DataFrame) -> list[int]:
    """Distinct years of a table's ``year`` column, ascending."""
    if frame.empty or "year" not in frame.columns:
        return []
    return sorted({int(y) for y in frame["year"].dropna().unique()})


def resolve_year(years: list[int], year: int | None) -> int | None:
    """``year`` itself or the latest earlier year with data (None: the latest).

    Examples
    --------
    >>> resolve_year([2021, 2023], 2022), resolve_year([2021, 2023], None), resolve_year([2021], 2020)
    (2021, 2023, None)
    """
    if not years:
        return None
    if year is None:
        return years[-1]
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else None


def territory_frame(store: Any, level: str) -> gpd.GeoDataFrame:
    """The municipalities (or ORPs) of the store: ``code, name, orp_code, orp_name, geom``, by code.

    Parameters
    ----------
    store : Store
        Where to read from.
    level : str
        ``municipality`` or ``orp``.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:5514, sorted by ``code`` (an ORP is its own ``orp_code``).
    """
    if level == "orp":
        orp = store.read("orp")
        out = gpd.GeoDataFrame(
            {"code": orp["orp_code"].astype(str).to_numpy(), "name": orp["name"].astype(str).to_numpy(),
             "orp_code": orp["orp_code"].astype(str).to_numpy(), "orp_name": orp["name"].astype(str).to_numpy()},
            geometry=gpd.GeoSeries(orp.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    else:
        mun = store.read("municipality")
        out = gpd.GeoDataFrame(
            {"code": mun["municipality_code"].astype(str).to_numpy(), "name": mun["name"].astype(str).to_numpy(),
             "orp_code": mun["orp_code"].astype(str).to_numpy(),
             "orp_name": mun["orp_name"].astype("string").fillna("").astype(str).to_numpy()},
            geometry=gpd.GeoSeries(mun.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    out = out.rename_geometry("geom")
    return out.sort_values("code").reset_index(drop=True)


def municipality_orp(store: Any) -> pd.Series:
    """Municipality code -> ORP code."""
    mun = store.read("municipality")
    return pd.Series(mun["orp_code"].astype(str).to_numpy(), index=mun["municipality_code"].astype(str).to_numpy())


def per_level(values: pd.DataFrame, store: Any, level: str) -> pd.DataFrame:
    """Sum municipal columns per ORP (index: municipality code -> ORP code); as is for municipalities."""
    if level == "municipality" or values.empty:
        return values
    orp = municipality_orp(store)
    return values.groupby(values.index.map(orp)).sum(min_count=1)


def rate(numerator: pd.Series, denominator: pd.Series, per: float) -> np.ndarray:
    """``per * numerator / denominator`` (a share in % with ``per=100``, per 1,000 with 1000);
    NaN where the denominator is not positive or missing."""
    den = denominator.to_numpy(float)
    return np.divide(per * numerator.to_numpy(float), den, out=np.full(len(den), np.nan), where=den > 0)
