"""All metrics of one set of inputs: gaps (with coverage), field coverage, accessibility.

:func:`compute_metrics` is what scenarios compare and what the CLI writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalogue import DEFAULT_ACCESS_METHOD
from .coverage import PER, coverage_ratios
from .fca import Decay, floating_catchment
from .gaps import availability_gaps
from .inputs import (
    AnalysisInputs,
    RasterPath,
    StoreLike,
    _is_field_only,
    attribute_units,
    base_population,
    demand_points,
    load_inputs,
    raster_demand,
    supply_sites,
)
from .reach import field_coverage


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the accessibility part of :func:`compute_metrics`.

    Attributes
    ----------
    method : str
        ``2sfca``, ``e2sfca``, ``3sfca`` or ``bfca``.
    max_cost : float
        Catchment radius in metres (default 20 km).
    decay : callable, optional
        Decay function (see :mod:`geo_kissos.analysis.fca`).
    """

    method: str = DEFAULT_ACCESS_METHOD
    max_cost: float = 20_000.0
    decay: Decay | None = None


def summarise_access(result: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Aggregate demand-point accessibility to territories.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`geo_kissos.analysis.fca.floating_catchment`.
    groups : pandas.Series
        Territory code of each demand point (same index as ``result``).

    Returns
    -------
    pandas.DataFrame
        Per territory ``code``: ``demand``, ``unreached_demand``, ``unreached_share`` and
        ``access_per_1000`` — the demand-weighted mean of the points' access, counting
        unreachable points as 0 (they have no service within the catchment).
    """
    df = pd.DataFrame(
        {
            "code": groups.reindex(result.index).to_numpy(),
            "demand": result["demand"].to_numpy(float),
            "unreached_demand": np.where(result["access"].isna(), result["demand"], 0.0),
            "weighted": result["demand"].to_numpy(float) * result["access"].fillna(0).to_numpy(),
        }
    )
    agg = df.groupby("code", as_index=False)[["demand", "unreached_demand", "weighted"]].sum()
    d = agg["demand"].to_numpy(float)
    agg["unreached_share"] = np.divide(agg["unreached_demand"].to_numpy(float), d,
                                       out=np.full(len(d), np.nan), where=d > 0)
    agg["access_per_1000"] = np.divide(agg["weighted"].to_numpy(float) * PER, d,
                                       out=np.full(len(d), np.nan), where=d > 0)
    return agg.drop(columns="weighted")


def access_by_orp(
    inputs: AnalysisInputs,
    type_codes: Iterable[str] | None = None,
    params: AccessParams | None = None,
    base: pd.DataFrame | None = None,
    raster: RasterPath | None = None,
) -> pd.DataFrame:
    """Accessibility (demand points to located sites) summarised per ORP and type.

    Parameters
    ----------
    inputs : AnalysisInputs
    type_codes : iterable of str, optional
        Default: the types present. Types without any located site are skipped.
    params : AccessParams, optional
        Method, catchment and decay (default 3SFCA, 20 km, no decay).
    base : pandas.DataFrame, optional
        Target population per municipality × type (default from ``inputs``).
    raster : str or path, optional
        Population raster (EPSG:5514): demand points are its cells, carrying the target
        population dasymetrically (:func:`~geo_kissos.analysis.inputs.raster_demand`);
        default: one point per municipality.

    Returns
    -------
    pandas.DataFrame
        ``code`` (ORP), ``type_code``, ``demand``, ``unreached_demand``, ``unreached_share``,
        ``access_per_1000`` (see :func:`summarise_access`).
    """
    params = params or AccessParams()
    codes = inputs.type_codes() if type_codes is None else [str(c) for c in type_codes]
    if base is None:
        base = base_population(inputs, codes)
    frames = []
    for code in codes:
        sup = supply_sites(inputs, code)
        if sup.empty:
            continue
        dem = (demand_points(inputs, code, base) if raster is None
               else raster_demand(inputs, raster, code, base))
        res = floating_catchment(dem, sup, method=params.method, max_cost=params.max_cost,
                                 decay=params.decay, supply_col="supply")
        s = summarise_access(res, dem["orp_code"])
        s.insert(1, "type_code", code)
        frames.append(s)
    cols = ["code", "type_code", "demand", "unreached_demand", "unreached_share",
            "access_per_1000"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def compute_metrics(
    inputs: AnalysisInputs,
    *,
    type_codes: Iterable[str] | None = None,
    norms: pd.DataFrame | None = None,
    access: AccessParams | None = None,
    with_access: bool = True,
    raster: RasterPath | None = None,
) -> dict[str, pd.DataFrame]:
    """Every metric of the inputs.

    ``raster`` (a population raster in EPSG:5514) puts accessibility demand on its cells
    instead of municipality points (see :func:`access_by_orp`).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``gaps`` (ORP × type, :func:`~geo_kissos.analysis.gaps.availability_gaps`),
        ``field`` (municipality × type for field-only services,
        :func:`~geo_kissos.analysis.reach.field_coverage`) and, with ``with_access``,
        ``access`` (ORP × type, :func:`access_by_orp`).
    """
    codes = inputs.type_codes() if type_codes is None else [str(c) for c in type_codes]
    base = base_population(inputs, codes)
    units = attribute_units(inputs, base)
    units = units[units["type_code"].isin(codes)]
    out = {"gaps": availability_gaps(units, base, inputs.municipalities, norms=norms)}
    svc = inputs.services[inputs.services["type_code"].isin(codes)]
    field = svc[svc["forms"].map(_is_field_only)]
    out["field"] = field_coverage(inputs.reach, field, base, inputs.municipalities)
    if with_access:
        out["access"] = access_by_orp(inputs, codes, access, base, raster=raster)
    return out


def coverage_over_years(
    store: StoreLike,
    years: Iterable[int],
    *,
    level: str = "orp",
    norms: pd.DataFrame | None = None,
    type_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Coverage ratios (:func:`~geo_kissos.analysis.coverage.coverage_ratios`) for several years.

    Each year uses its own services, units and (latest available) population.

    Returns
    -------
    pandas.DataFrame
        The coverage tables of all years, with a ``year`` column first.
    """
    frames = []
    for year in years:
        inputs = load_inputs(store, int(year))
        codes = inputs.type_codes() if type_codes is None else [str(c) for c in type_codes]
        if not codes:
            continue
        base = base_population(inputs, codes)
        units = attribute_units(inputs, base)
        cov = coverage_ratios(units[units["type_code"].isin(codes)], base,
                              inputs.municipalities, level=level, norms=norms)
        cov.insert(0, "year", int(year))
        frames.append(cov)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
