"""Availability gaps per territory (ORP by default) × service type: the plan's table.

For every ORP and type::

    need_units    = reference_per_1000 × target_population / 1000
    gap_units     = units − need_units          (negative: deficit, positive: surplus)
    deficit_units = max(−gap_units, 0)
    surplus_units = max(gap_units, 0)
    coverage_pct  = 100 × units / need_units

The reference is a norm (``norms``: ``type_code``, ``units_per_1000``) or, for types without
one, the regional average (population-weighted). With the regional average the gaps of a
type sum to zero over the region: they redistribute, they do not ask for more. The base may be
the target population (default) or a demand indicator such as care-allowance recipients
(:func:`geo_kissos.analysis.coverage.indicator_base`), then the reference is per 1,000
recipients.

``rank`` orders the ORPs within a type by deficit in units (1 = largest deficit; surpluses
rank after all deficits). ``priority`` orders all ORP × type rows by the share of the need
that is missing (``deficit_share``), so a small ORP with half its need missing comes before a
large one missing 5 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .coverage import PER, coverage_ratios

GAP_COLUMNS: tuple[str, ...] = (
    "level", "code", "name", "region_code", "type_code", "target_band", "units",
    "target_population", "units_per_1000", "reference", "reference_per_1000", "need_units",
    "gap_units", "deficit_units", "surplus_units", "coverage_pct", "deficit_share", "rank",
    "priority",
)


def availability_gaps(
    units: pd.DataFrame,
    base: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    norms: pd.DataFrame | None = None,
    level: str = "orp",
) -> pd.DataFrame:
    """The gap table: current units, need, deficit/surplus and rank per territory × type.

    Parameters
    ----------
    units : pandas.DataFrame
        ``municipality_code``, ``type_code``, ``units``.
    base : pandas.DataFrame
        ``municipality_code``, ``type_code``, ``target_population``.
    municipalities : pandas.DataFrame
        ``municipality_code``, ``orp_code``, ``region_code`` (names optional).
    norms : pandas.DataFrame, optional
        ``type_code``, ``units_per_1000``.
    level : {"orp", "municipality", "region"}
        Territorial level (default ORP, the unit of planning).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_COLUMNS` (``name`` only when names are available).
    """
    cov = coverage_ratios(units, base, municipalities, level=level, norms=norms)
    return gaps_from_coverage(cov)


def gaps_from_coverage(cov: pd.DataFrame) -> pd.DataFrame:
    """Add need, gap, deficit, surplus, rank and priority to a :func:`coverage_ratios` table."""
    g = cov.copy()
    g["need_units"] = g["reference_per_1000"] * g["target_population"] / PER
    g["gap_units"] = g["units"] - g["need_units"]
    g["deficit_units"] = (-g["gap_units"]).clip(lower=0)
    g["surplus_units"] = g["gap_units"].clip(lower=0)
    need = g["need_units"].to_numpy(float)
    g["coverage_pct"] = np.divide(100 * g["units"].to_numpy(float), need,
                                  out=np.full(len(g), np.nan), where=need > 0)
    g["deficit_share"] = np.divide(g["deficit_units"].to_numpy(float), need,
                                   out=np.zeros(len(g)), where=need > 0)
    g["rank"] = (
        g.groupby("type_code")["gap_units"].rank(method="min", ascending=True).astype("Int64")
    )
    g["priority"] = g["deficit_share"].rank(method="min", ascending=False).astype("Int64")
    g.loc[g["deficit_units"] <= 0, "priority"] = pd.NA
    cols = [c for c in GAP_COLUMNS if c in g.columns]
    return g[cols].drop(columns="index", errors="ignore").reset_index(drop=True)
