"""Field services: coverage by declared territorial reach (územní působnost).

A field service has no building its clients come to, only the municipalities it declares to
serve. Allocation rule (documented, and used everywhere in the package):

    The units (FTE) of a service are split across the municipalities of its reach in
    proportion to their target population for the service's type:
    ``units_m = units_s * T_m / sum(T_k for k in reach_s)``. When the whole reach has no
    target population the units are split equally.

So a service reaching a town of 900 and a village of 100 aged 65+ puts 90 % of its FTE in the
town; the FTE per 1,000 target population is then the same in every municipality the service
alone reaches, and the FTE of a region are preserved exactly (nothing is counted twice).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ._validate import require_columns
from .coverage import PER

logger = logging.getLogger(__name__)


def allocate_by_reach(
    reach: pd.DataFrame, service_units: pd.DataFrame, base: pd.DataFrame
) -> pd.DataFrame:
    """Split each service's units over its reach in proportion to target population.

    Parameters
    ----------
    reach : pandas.DataFrame
        ``service_id``, ``municipality_code`` (the ``reach`` table).
    service_units : pandas.DataFrame
        ``service_id``, ``type_code``, ``units`` (one row per service).
    base : pandas.DataFrame
        ``municipality_code``, ``type_code``, ``target_population``.

    Returns
    -------
    pandas.DataFrame
        ``service_id``, ``type_code``, ``municipality_code``, ``share``, ``units``.
        Services without any reach row are left out (logged).
    """
    require_columns(reach, ["service_id", "municipality_code"], "reach")
    require_columns(service_units, ["service_id", "type_code", "units"], "service units")
    require_columns(base, ["municipality_code", "type_code", "target_population"], "base")
    r = pd.DataFrame(reach[["service_id", "municipality_code"]]).astype(str).drop_duplicates()
    s = pd.DataFrame(service_units[["service_id", "type_code", "units"]]).copy()
    s["service_id"] = s["service_id"].astype(str)
    s["type_code"] = s["type_code"].astype(str)
    no_reach = ~s["service_id"].isin(r["service_id"])
    if no_reach.any():
        logger.info("%d service(s) have no territorial reach and are left out: %s",
                    int(no_reach.sum()), ", ".join(s.loc[no_reach, "service_id"].head(5)))
    b = pd.DataFrame(base[["municipality_code", "type_code", "target_population"]]).copy()
    b["municipality_code"] = b["municipality_code"].astype(str)
    b["type_code"] = b["type_code"].astype(str)
    a = s.merge(r, on="service_id").merge(b, on=["municipality_code", "type_code"], how="left")
    a["target_population"] = a["target_population"].fillna(0.0)
    total = a.groupby("service_id")["target_population"].transform("sum").to_numpy(float)
    count = a.groupby("service_id")["municipality_code"].transform("size").to_numpy(float)
    t = a["target_population"].to_numpy(float)
    a["share"] = np.where(total > 0, np.divide(t, total, out=np.zeros_like(t), where=total > 0),
                          1.0 / count)
    a["units"] = a["units"].astype(float) * a["share"]
    return a[["service_id", "type_code", "municipality_code", "share", "units"]]


def field_coverage(
    reach: pd.DataFrame,
    service_units: pd.DataFrame,
    base: pd.DataFrame,
    municipalities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reach and FTE per target population per municipality and type.

    Parameters
    ----------
    reach, service_units, base : pandas.DataFrame
        See :func:`allocate_by_reach`. Only the types present in ``service_units`` appear.
    municipalities : pandas.DataFrame, optional
        Adds ``name``, ``orp_code`` (and ``orp_name``) when given; restricts the result to
        these municipalities.

    Returns
    -------
    pandas.DataFrame
        One row per municipality × type: ``reached`` (some service of the type declares the
        municipality), ``n_services``, ``units`` (allocated FTE), ``target_population``,
        ``units_per_1000`` (NaN when the target population is 0).
    """
    alloc = allocate_by_reach(reach, service_units, base)
    b = pd.DataFrame(base[["municipality_code", "type_code", "target_population"]]).copy()
    b["municipality_code"] = b["municipality_code"].astype(str)
    b["type_code"] = b["type_code"].astype(str)
    types = pd.DataFrame(service_units)["type_code"].astype(str).unique()
    b = b[b["type_code"].isin(types)]
    per = alloc.groupby(["municipality_code", "type_code"], as_index=False).agg(
        n_services=("service_id", "nunique"), units=("units", "sum")
    )
    out = b.merge(per, on=["municipality_code", "type_code"], how="left")
    out["n_services"] = out["n_services"].fillna(0).astype(int)
    out["units"] = out["units"].fillna(0.0)
    out["reached"] = out["n_services"] > 0
    p = out["target_population"].to_numpy(float)
    out["units_per_1000"] = np.divide(out["units"].to_numpy(float) * PER, p,
                                      out=np.full(len(p), np.nan), where=p > 0)
    if municipalities is not None:
        cols = [c for c in ("municipality_code", "name", "orp_code", "orp_name")
                if c in municipalities.columns]
        m = pd.DataFrame(municipalities[cols]).copy()
        m["municipality_code"] = m["municipality_code"].astype(str)
        out = m.merge(out, on="municipality_code", how="inner")
    cols = [c for c in out.columns if c not in ("reached", "n_services", "units",
                                                "target_population", "units_per_1000")]
    out = out[cols + ["reached", "n_services", "units", "target_population", "units_per_1000"]]
    return out.sort_values(["type_code", "municipality_code"]).reset_index(drop=True)


def unreached_municipalities(coverage: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`field_coverage` that no service of their type reaches."""
    return coverage[~coverage["reached"]].reset_index(drop=True)
