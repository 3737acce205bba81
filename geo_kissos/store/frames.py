"""Coercion of frames to the schema, shared by both stores (one contract, identical frames)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from ..crs import STORE_EPSG
from ..errors import StoreError
from ..schema import TABLES, TableSpec


def spec(table: str) -> TableSpec:
    """Return the :class:`~geo_kissos.schema.TableSpec` of ``table`` or raise StoreError."""
    try:
        return TABLES[table]
    except KeyError:
        raise StoreError(f"unknown table '{table}'; known: {', '.join(sorted(TABLES))}") from None


def empty(table: str) -> pd.DataFrame:
    """An empty frame with the columns and dtypes of ``table``."""
    return coerce(table, pd.DataFrame({c: [] for c in spec(table).columns}))


def coerce(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of ``table``, in order, with the schema's dtypes.

    Geometry tables come back as GeoDataFrames in EPSG:5514 with the geometry column ``geom``;
    dates and timestamps as ``datetime64``; integers as nullable ``Int64``; text as ``str``.

    Raises
    ------
    StoreError
        When a key column is missing.
    """
    s = spec(table)
    missing = [k for k in s.key if k not in df.columns]
    if missing:
        raise StoreError(f"table '{table}': key column(s) {missing} missing")
    out: dict[str, Any] = {}
    n = len(df)
    for col, dtype in s.columns.items():
        values = df[col] if col in df.columns else pd.Series([None] * n, index=df.index)
        if dtype == "geometry":
            continue
        if dtype == "Int64":
            out[col] = pd.to_numeric(values, errors="raise").round().astype("Int64")
        elif dtype == "float64":
            out[col] = pd.to_numeric(values, errors="raise").astype("float64")
        elif dtype in ("date", "datetime64[us]"):
            ts = pd.to_datetime(values, errors="raise")
            if getattr(ts.dt, "tz", None) is not None:
                ts = ts.dt.tz_convert(None)
            out[col] = ts.dt.normalize() if dtype == "date" else ts
            out[col] = out[col].astype("datetime64[ms]")
        else:
            out[col] = values.astype("str").where(values.notna(), None).astype("str")
    frame = pd.DataFrame(out, index=df.index)
    if s.geometry_type is None:
        return frame.reset_index(drop=True)
    geom = df.geometry if isinstance(df, gpd.GeoDataFrame) else df.get("geom")
    if geom is None:
        geom = gpd.GeoSeries([None] * n, index=df.index, crs=STORE_EPSG)
    geom = gpd.GeoSeries(geom, index=df.index)
    if geom.crs is None:
        geom = geom.set_crs(STORE_EPSG)
    elif geom.crs.to_epsg() != STORE_EPSG:
        raise StoreError(f"table '{table}': geometry in {geom.crs}, the store takes EPSG:5514 only")
    frame["geom"] = geom.values
    return gpd.GeoDataFrame(frame, geometry="geom", crs=STORE_EPSG).reset_index(drop=True)


def check_unique_key(table: str, df: pd.DataFrame) -> None:
    """Raise StoreError when ``df`` holds the same key twice."""
    key = list(spec(table).key)
    dup = df.duplicated(subset=key, keep=False)
    if dup.any():
        first = df.loc[dup, key].iloc[0].to_dict()
        raise StoreError(f"table '{table}': duplicate key {first} in the rows to write")


def select(df: pd.DataFrame, where: dict[str, Any] | None) -> pd.DataFrame:
    """Rows of ``df`` matching ``where`` (column -> value, or list of values)."""
    if not where:
        return df
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        if col not in df.columns:
            raise StoreError(f"cannot filter on unknown column '{col}'")
        if isinstance(val, (list, tuple, set, frozenset)):
            mask &= df[col].isin(list(val))
        else:
            mask &= df[col] == val
    return df.loc[mask].reset_index(drop=True)
