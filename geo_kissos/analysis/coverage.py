"""Coverage ratios: units per 1,000 inhabitants of a service type's target population.

The ratio of a territory (municipality, ORP, region) is *population-weighted*: the sum of the
units located in it divided by the sum of its target population, times 1,000 — never a mean of
municipal ratios. The regional average of a type is the same ratio over the whole region, so a
territory is compared with the region it lies in.

The target population of a type is the age band of :data:`geo_kissos.catalogue.SERVICE_TYPES`
(e.g. § 49 homes for the elderly: inhabitants aged 65+). Any other base (e.g. care-allowance
recipients) can be given instead, see :func:`indicator_base`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..catalogue import LEVELS, SERVICE_TYPE_BY_CODE
from ._validate import require_columns
from .errors import AnalysisError

logger = logging.getLogger(__name__)

PER = 1000.0


def pick_year(available: Iterable[int], year: int, what: str) -> int:
    """Return ``year`` if available, else the latest earlier year.

    Raises
    ------
    AnalysisError
        When no year ``<= year`` is available.
    """
    years = sorted({int(y) for y in available if pd.notna(y)})
    earlier = [y for y in years if y <= year]
    if not earlier:
        raise AnalysisError(f"{what}: no data for {year} or earlier (available: {years or 'none'})")
    return earlier[-1]


def _type_codes(type_codes: Iterable[str] | None) -> list[str]:
    codes = list(SERVICE_TYPE_BY_CODE) if type_codes is None else [str(c) for c in type_codes]
    unknown = [c for c in codes if c not in SERVICE_TYPE_BY_CODE]
    if unknown:
        raise AnalysisError(f"unknown service type code(s) {unknown}; see catalogue.SERVICE_TYPES")
    return codes


def target_population(
    population: pd.DataFrame, year: int, type_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Target population of each service type per municipality.

    Parameters
    ----------
    population : pandas.DataFrame
        The ``population`` table: ``municipality_code``, ``year``, ``age_band``, ``persons``.
    year : int
        Analysis year; the latest year ``<= year`` present in ``population`` is used.
    type_codes : iterable of str, optional
        § codes (default: all 33 types).

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``type_code``, ``target_band``, ``target_population``,
        ``population_year``.
    """
    require_columns(population, ["municipality_code", "year", "age_band", "persons"], "population")
    codes = _type_codes(type_codes)
    used = pick_year(population["year"].dropna().unique(), year, "population")
    pop = population[population["year"] == used]
    wide = pop.pivot_table(
        index="municipality_code", columns="age_band", values="persons", aggfunc="sum"
    )
    frames = []
    for code in codes:
        band = SERVICE_TYPE_BY_CODE[code].target_band
        if band not in wide.columns:
            raise AnalysisError(f"population {used}: no age band {band!r} (needed by § {code})")
        frames.append(
            pd.DataFrame(
                {
                    "municipality_code": wide.index.astype(str),
                    "type_code": code,
                    "target_band": band,
                    "target_population": wide[band].fillna(0).astype(float).to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["population_year"] = used
    return out


def indicator_base(
    indicator_value: pd.DataFrame, year: int, code: str, type_codes: Iterable[str]
) -> pd.DataFrame:
    """Use a demand indicator (e.g. ``PNP_TOTAL``, care-allowance recipients) as the base.

    Returns a frame shaped like :func:`target_population` (the indicator value in
    ``target_population``, ``target_band`` = the indicator code), so coverage and gaps are
    then per 1,000 recipients.
    """
    require_columns(indicator_value, ["municipality_code", "year", "code", "value"], "indicators")
    rows = indicator_value[indicator_value["code"] == code]
    used = pick_year(rows["year"].dropna().unique(), year, f"indicator {code}")
    rows = rows[rows["year"] == used].groupby("municipality_code")["value"].sum()
    frames = [
        pd.DataFrame(
            {
                "municipality_code": rows.index.astype(str),
                "type_code": str(t),
                "target_band": code,
                "target_population": rows.to_numpy(dtype=float),
            }
        )
        for t in _type_codes(type_codes)
    ]
    out = pd.concat(frames, ignore_index=True)
    out["population_year"] = used
    return out


def read_norms(norms: pd.DataFrame) -> pd.Series:
    """Validate a norm table (``type_code``, ``units_per_1000``) into a Series by type code."""
    require_columns(norms, ["type_code", "units_per_1000"], "norm table")
    codes = norms["type_code"].astype(str).str.strip()
    values = pd.to_numeric(norms["units_per_1000"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise AnalysisError("norm table: units_per_1000 must be numbers >= 0")
    if codes.duplicated().any():
        raise AnalysisError(f"norm table: type_code {codes[codes.duplicated()].iloc[0]!r} repeats")
    _type_codes(codes)
    return pd.Series(values.to_numpy(dtype=float), index=pd.Index(codes, name="type_code"))


def _territory(municipalities: pd.DataFrame) -> pd.DataFrame:
    require_columns(municipalities, list(LEVELS.values()), "municipalities")
    cols = [c for c in ("municipality_code", "name", "orp_code", "orp_name", "region_code")
            if c in municipalities.columns]
    terr = pd.DataFrame(municipalities[cols]).copy()
    for c in LEVELS.values():
        terr[c] = terr[c].astype(str)
    if terr["municipality_code"].duplicated().any():
        raise AnalysisError("municipalities: municipality_code repeats")
    return terr


def municipal_table(
    units: pd.DataFrame, base: pd.DataFrame, municipalities: pd.DataFrame
) -> pd.DataFrame:
    """Units and base per municipality × type (every municipality of ``base``, 0 units if none).

    Parameters
    ----------
    units : pandas.DataFrame
        ``municipality_code``, ``type_code``, ``units`` (e.g. from
        :func:`geo_kissos.analysis.inputs.attribute_units`); summed per municipality × type.
    base : pandas.DataFrame
        ``municipality_code``, ``type_code``, ``target_population`` (from
        :func:`target_population` or :func:`indicator_base`).
    municipalities : pandas.DataFrame
        ``municipality_code``, ``orp_code``, ``region_code``.

    Returns
    -------
    pandas.DataFrame
    """
    require_columns(units, ["municipality_code", "type_code", "units"], "units")
    require_columns(base, ["municipality_code", "type_code", "target_population"], "base")
    terr = _territory(municipalities)
    u = pd.DataFrame(units[["municipality_code", "type_code", "units"]]).copy()
    u["municipality_code"] = u["municipality_code"].astype(str)
    u["type_code"] = u["type_code"].astype(str)
    u["units"] = pd.to_numeric(u["units"], errors="coerce")
    if u["units"].isna().any():
        raise AnalysisError("units: missing or non-numeric units")
    outside = ~u["municipality_code"].isin(terr["municipality_code"])
    if outside.any():
        logger.warning("%d unit row(s) (%g units) lie in municipalities outside the territory "
                       "and are left out", int(outside.sum()), u.loc[outside, "units"].sum())
        u = u[~outside]
    u = u.groupby(["municipality_code", "type_code"], as_index=False)["units"].sum()
    b = pd.DataFrame(base).copy()
    b["municipality_code"] = b["municipality_code"].astype(str)
    b["type_code"] = b["type_code"].astype(str)
    b = b[b["municipality_code"].isin(terr["municipality_code"])]
    types_with_units = set(u["type_code"])
    missing_base = types_with_units - set(b["type_code"])
    if missing_base:
        raise AnalysisError(f"base: no target population for type(s) {sorted(missing_base)}")
    # every municipality × type, so units in a municipality without population rows still count
    bands = b.drop_duplicates("type_code").set_index("type_code")["target_band"] \
        if "target_band" in b.columns else None
    grid = pd.MultiIndex.from_product(
        [terr["municipality_code"], sorted(set(b["type_code"]))],
        names=["municipality_code", "type_code"],
    ).to_frame(index=False)
    b = grid.merge(b.drop(columns=["target_band"], errors="ignore"),
                   on=["municipality_code", "type_code"], how="left")
    b["target_population"] = b["target_population"].fillna(0.0)
    if bands is not None:
        b.insert(2, "target_band", b["type_code"].map(bands))
    table = b.merge(u, on=["municipality_code", "type_code"], how="left")
    table["units"] = table["units"].fillna(0.0)
    return table.merge(terr, on="municipality_code", how="left")


def coverage_ratios(
    units: pd.DataFrame,
    base: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    level: str = "orp",
    norms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Units per 1,000 of the target population per territory and type, against a reference.

    Parameters
    ----------
    units, base, municipalities : pandas.DataFrame
        See :func:`municipal_table`.
    level : {"municipality", "orp", "region"}
        Territorial level of the result.
    norms : pandas.DataFrame, optional
        ``type_code``, ``units_per_1000``: planning norms. Types without a norm (and every
        type when ``norms`` is None) are compared with the regional average.

    Returns
    -------
    pandas.DataFrame
        One row per territory × type: ``level``, ``code`` (territory code), ``type_code``,
        ``target_band``, ``units``, ``target_population``, ``units_per_1000``,
        ``reference`` (``"norm"`` or ``"regional_average"``), ``reference_per_1000``,
        ``difference_per_1000`` and ``index`` (ratio / reference; 1 = at reference).
        Ratios are NaN where the target population is 0.
    """
    if level not in LEVELS:
        raise AnalysisError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    table = municipal_table(units, base, municipalities)
    key = LEVELS[level]
    group = [key, "type_code", "target_band"]
    if key != "region_code":
        group.insert(1, "region_code")
    agg = table.groupby(group, as_index=False, dropna=False)[["units", "target_population"]].sum()
    agg["units_per_1000"] = _per_1000(agg["units"], agg["target_population"])
    regional = table.groupby(["region_code", "type_code"], as_index=False)[
        ["units", "target_population"]
    ].sum()
    regional["regional_per_1000"] = _per_1000(regional["units"], regional["target_population"])
    agg = agg.merge(regional[["region_code", "type_code", "regional_per_1000"]],
                    on=["region_code", "type_code"], how="left")
    agg["reference"] = "regional_average"
    agg["reference_per_1000"] = agg["regional_per_1000"]
    if norms is not None:
        norm = read_norms(norms)
        has = agg["type_code"].isin(norm.index).to_numpy()
        agg["reference"] = np.where(has, "norm", "regional_average")
        agg["reference_per_1000"] = np.where(
            has, agg["type_code"].map(norm).to_numpy(dtype=float),
            agg["regional_per_1000"].to_numpy(dtype=float))
    agg["difference_per_1000"] = agg["units_per_1000"] - agg["reference_per_1000"]
    ref = agg["reference_per_1000"].to_numpy(dtype=float)
    agg["index"] = np.divide(
        agg["units_per_1000"].to_numpy(dtype=float), ref,
        out=np.full(len(agg), np.nan), where=ref > 0,
    )
    agg = agg.drop(columns="regional_per_1000").rename(columns={key: "code"})
    agg.insert(0, "level", level)
    names = _names(municipalities, level)
    if names is not None:
        agg.insert(2, "name", agg["code"].map(names))
    return agg.sort_values(["type_code", "code"], key=_natural).reset_index(drop=True)


def _per_1000(units: pd.Series, pop: pd.Series) -> np.ndarray:
    p = pop.to_numpy(dtype=float)
    return np.divide(units.to_numpy(dtype=float) * PER, p, out=np.full(len(p), np.nan),
                     where=p > 0)


def _names(municipalities: pd.DataFrame, level: str) -> pd.Series | None:
    col = {"municipality": "name", "orp": "orp_name", "region": "region_name"}[level]
    if col not in municipalities.columns:
        return None
    key = LEVELS[level]
    m = pd.DataFrame(municipalities[[key, col]]).drop_duplicates(key)
    return pd.Series(m[col].to_numpy(), index=m[key].astype(str).to_numpy())


def _natural(col: pd.Series) -> pd.Series:
    """Sort key putting § codes in legal order (37 < 60 < 60a < 61)."""
    if col.name != "type_code":
        return col
    order = {c: k for k, c in enumerate(SERVICE_TYPE_BY_CODE)}
    return col.map(lambda c: order.get(c, len(order)))
