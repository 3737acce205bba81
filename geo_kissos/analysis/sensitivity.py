"""Sensitivity of accessibility and access-based gaps to catchment size and decay.

Floating-catchment results depend on choices a planner must be able to defend: the catchment
radius and the decay. :func:`sensitivity_grid` recomputes accessibility over a grid of those
parameters (distances are computed once, at the largest radius) and reports, per territory,
how the accessibility and the access-based gap move.

Access-based gap of a territory, for one parameter set::

    access_gap_units = (access_per_1000 − reference_per_1000) × demand / 1000

where ``access_per_1000`` is the demand-weighted accessibility of the territory (unreachable
points count 0) and ``reference_per_1000`` is the same figure over all demand points (or a
norm, when given). Negative: fewer units within reach than the reference would give.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pandas as pd

from .coverage import PER, read_norms
from .errors import AnalysisError
from .fca import (
    METHODS,
    CostPairs,
    NoDecay,
    default_steps,
    euclidean_pairs,
    fca_arrays,
    gaussian_decay,
    pairs_from_costs,
)
from .inputs import AnalysisInputs, RasterPath, demand_points, raster_demand, supply_sites
from .metrics import summarise_access

DecaySpec = str | float | tuple[str, float]


def _decay(spec: DecaySpec, max_cost: float):
    if isinstance(spec, tuple):
        kind, value = spec
        if kind != "gaussian":
            raise AnalysisError(f"unknown decay {spec!r}")
        return f"gaussian({value:g})", gaussian_decay(float(value))
    if isinstance(spec, int | float):
        return f"gaussian({spec:g})", gaussian_decay(float(spec))
    if spec == "none":
        return "none", NoDecay()
    if spec == "steps":
        return "steps", default_steps(max_cost)
    raise AnalysisError(f"unknown decay {spec!r}: use 'none', 'steps' or a Gaussian sigma")


def sensitivity_grid(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    max_costs: Sequence[float],
    methods: Iterable[str] = ("2sfca", "e2sfca", "3sfca"),
    decays: Iterable[DecaySpec] = ("none", "steps"),
    groups: pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    reference_per_1000: float | None = None,
    demand_col: str = "demand",
    supply_col: str = "supply",
) -> pd.DataFrame:
    """Accessibility per territory over a grid of methods, catchment sizes and decays.

    Parameters
    ----------
    demand, supply : pandas.DataFrame or geopandas.GeoDataFrame
        As for :func:`~geo_kissos.analysis.fca.floating_catchment`.
    max_costs : sequence of float
        Catchment sizes (metres for Euclidean distances).
    methods : iterable of str
        FCA methods. ``2sfca`` is run without decay only; ``e2sfca`` with decays only.
    decays : iterable
        ``"none"``, ``"steps"`` (Luo & Qi zones scaled to the catchment) or a Gaussian sigma
        (float, or ``("gaussian", sigma)``).
    groups : pandas.Series, optional
        Territory code of each demand point (e.g. ``orp_code``); all points form one group
        ``"all"`` when omitted. A row ``"all"`` is always added.
    costs : pandas.DataFrame, optional
        Long travel-cost table instead of Euclidean distances.
    reference_per_1000 : float, optional
        Norm for the access-based gap; default the overall demand-weighted accessibility.

    Returns
    -------
    pandas.DataFrame
        ``method``, ``max_cost``, ``decay``, ``code``, ``demand``, ``unreached_share``,
        ``access_per_1000``, ``reference_per_1000``, ``access_gap_units``.
    """
    if not max_costs:
        raise AnalysisError("sensitivity_grid: give at least one max_cost")
    methods = [m.lower() for m in methods]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise AnalysisError(f"unknown FCA method(s) {bad}; use {', '.join(METHODS)}")
    pop = pd.to_numeric(demand[demand_col]).to_numpy(float)
    sup = pd.to_numeric(supply[supply_col]).to_numpy(float)
    largest = max(max_costs)
    if costs is None:
        pairs: CostPairs = euclidean_pairs(demand, supply, largest)
    else:
        pairs = pairs_from_costs(costs, demand.index, supply.index)
    grp = groups if groups is not None else pd.Series("all", index=demand.index)
    rows = []
    for method, max_cost, spec in itertools.product(methods, sorted(max_costs), decays):
        label, decay = _decay(spec, max_cost)
        if (method == "2sfca") != (label == "none"):
            continue
        access, _, _ = fca_arrays(pop, sup, pairs.within(max_cost), method, decay)
        res = pd.DataFrame({"demand": pop, "access": access}, index=demand.index)
        per = summarise_access(res, grp)
        overall = summarise_access(res, pd.Series("all", index=demand.index))
        if groups is not None:
            per = pd.concat([per, overall], ignore_index=True)
        ref = (overall["access_per_1000"].iloc[0] if reference_per_1000 is None
               else float(reference_per_1000))
        per["reference_per_1000"] = ref
        per["access_gap_units"] = (per["access_per_1000"] - ref) * per["demand"] / PER
        per.insert(0, "decay", label)
        per.insert(0, "max_cost", float(max_cost))
        per.insert(0, "method", method)
        rows.append(per)
    if not rows:
        raise AnalysisError("sensitivity_grid: no valid method × decay combination")
    out = pd.concat(rows, ignore_index=True)
    return out[["method", "max_cost", "decay", "code", "demand", "unreached_share",
                "access_per_1000", "reference_per_1000", "access_gap_units"]]


def access_sensitivity(
    inputs: AnalysisInputs,
    type_code: str,
    *,
    max_costs: Sequence[float] = (5_000.0, 10_000.0, 20_000.0, 30_000.0),
    methods: Iterable[str] = ("2sfca", "e2sfca", "3sfca"),
    decays: Iterable[DecaySpec] = ("none", "steps"),
    norms: pd.DataFrame | None = None,
    raster: RasterPath | None = None,
) -> pd.DataFrame:
    """:func:`sensitivity_grid` for one service type of the inputs, per ORP.

    Demand: the type's target population at municipality points (or raster cells, see
    :func:`~geo_kissos.analysis.inputs.raster_demand`); supply: the located sites. The
    reference of the access-based gap is the type's norm when ``norms`` has one, else the
    regional demand-weighted accessibility of each parameter set.

    Returns
    -------
    pandas.DataFrame
        As :func:`sensitivity_grid`, with ``type_code``; ``code`` is the ORP (``all`` = region).
    """
    code = str(type_code)
    supply = supply_sites(inputs, code)
    if supply.empty:
        raise AnalysisError(f"§ {code}: no located site in {inputs.year}, nothing to vary")
    demand = (demand_points(inputs, code) if raster is None
              else raster_demand(inputs, raster, code))
    ref = None
    if norms is not None:
        norm = read_norms(norms)
        ref = float(norm[code]) if code in norm.index else None
    grid = sensitivity_grid(demand, supply, max_costs=max_costs, methods=methods, decays=decays,
                            groups=demand["orp_code"], reference_per_1000=ref)
    grid.insert(0, "type_code", code)
    return grid
