"""Floating-catchment accessibility (2SFCA, E2SFCA, 3SFCA, BFCA) on sparse costs.

All methods work on a *sparse* set of demand–supply pairs: the pairs whose cost is at most
``max_cost`` (Euclidean distances from :func:`euclidean_costs`, built with
``scipy.spatial.cKDTree.sparse_distance_matrix``, or a user-supplied long travel-cost table).
Every step is a vectorised ``numpy.bincount`` over those pairs; there is no Python loop over
rows.

Notation: demand point *i* with demand (target population) :math:`P_i`, supply site *j*
with units :math:`S_j`, cost :math:`d_{ij} \\le d_0` (``max_cost``), weight
:math:`W_{ij} = f(d_{ij})` from a decay function.

2SFCA (Luo & Wang 2003), E2SFCA (Luo & Qi 2009)
    :math:`R_j = S_j / \\sum_i P_i W_{ij}`, :math:`A_i = \\sum_j R_j W_{ij}`. 2SFCA is the
    special case :math:`W = 1` inside the catchment.
3SFCA (Wan, Zou & Sternberg 2012)
    selection weight :math:`G_{ij} = T_{ij} / \\sum_{k: d_{ik} \\le d_0} T_{ik}` with
    :math:`T = f_{sel}(d)` (by default the same decay); then
    :math:`R_j = S_j / \\sum_i G_{ij} W_{ij} P_i`, :math:`A_i = \\sum_j G_{ij} W_{ij} R_j`.
    Dividing demand across competing sites corrects the inflated demand of 2SFCA where
    catchments overlap.
BFCA (Paez, Higgins & Vivona 2019)
    balanced weights :math:`W^i_{ij} = W_{ij} / \\sum_j W_{ij}` (by demand point) and
    :math:`W^j_{ij} = W_{ij} / \\sum_i W_{ij}` (by site);
    :math:`R_j = S_j / \\sum_i P_i W^i_{ij}`, :math:`A_i = \\sum_j R_j W^j_{ij}`.
    Neither demand nor level of service is inflated: :math:`\\sum_j \\sum_i P_i W^i_{ij}`
    equals the reached demand and :math:`\\sum_i A_i = \\sum_j R_j` (over sites with demand).
    This follows the reference implementation of the R package ``accessibility``
    (``fca_bfca``), co-authored by Paez.

Conventions (identical to PySAL ``access`` where both define a value)
---------------------------------------------------------------------
* A pair is in the catchment when ``cost <= max_cost`` (inclusive, as in ``access``).
* A demand point with **no** supply site within ``max_cost`` is *unreachable*: its access is
  ``NaN`` (not 0) and ``n_sites`` is 0. ``access`` returns NaN there too. A demand point that
  reaches sites with zero weight or zero supply gets 0.
* A site whose weighted demand is 0 (only empty demand points nearby) has no ratio and adds
  nothing (``access`` would produce ``inf`` for zero-population points next to it).
* 3SFCA selection weights are normalised over the sites *within the catchment* (Wan et al.
  2012). ``access.three_stage_fca`` normalises over every row of its cost table; the two agree
  whenever the cost table only holds pairs within ``max_cost`` (as ours always does) or the
  decay is 0 beyond it.
* Access values are units per person of demand; ``access_per_1000`` multiplies by 1,000
  (e.g. beds per 1,000 inhabitants aged 65+ within reach).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..catalogue import ACCESS_METHODS as METHODS
from ..catalogue import DEFAULT_ACCESS_METHOD
from ._validate import point_coords, require_columns
from .errors import AnalysisError

#: A decay function maps an array of costs to an array of weights (same shape).
Decay = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- decay functions
@dataclass(frozen=True)
class StepDecay:
    """Stepwise weights: the weight of the first threshold ``>= cost``, 0 beyond the last.

    Same rule as ``access.weights.step_fn``: with ``{10: 1, 20: 0.68, 30: 0.22}``, cost 10
    weighs 1, cost 10.5 weighs 0.68 and cost 31 weighs 0.
    """

    thresholds: tuple[float, ...]
    weights: tuple[float, ...]

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        t = np.asarray(self.thresholds, dtype=float)
        w = np.append(np.asarray(self.weights, dtype=float), 0.0)
        return w[np.searchsorted(t, np.asarray(cost, dtype=float), side="left")]

    @property
    def max_cost(self) -> float:
        """The largest threshold (cost beyond which the weight is 0)."""
        return float(self.thresholds[-1])


@dataclass(frozen=True)
class GaussianDecay:
    """Gaussian weights :math:`\\exp(-d^2 / 2\\sigma^2)`, 1 at distance 0.

    Same as ``access.weights.gaussian(sigma)`` (no normalisation constant).
    """

    sigma: float

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        c = np.asarray(cost, dtype=float)
        return np.exp(-c * c / (2.0 * self.sigma**2))


@dataclass(frozen=True)
class NoDecay:
    """Weight 1 for every pair in the catchment (classic 2SFCA)."""

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        return np.ones_like(np.asarray(cost, dtype=float))


def step_decay(steps: Mapping[float, float]) -> StepDecay:
    """Build a :class:`StepDecay` from ``{threshold: weight}``.

    Parameters
    ----------
    steps : mapping of float to float
        Upper bound of each zone (cost units, e.g. metres) and its weight (``>= 0``).

    Returns
    -------
    StepDecay
    """
    if not steps:
        raise AnalysisError("step_decay: at least one {threshold: weight} step is needed")
    items = sorted((float(k), float(v)) for k, v in steps.items())
    if any(v < 0 for _, v in items):
        raise AnalysisError("step_decay: weights must be >= 0")
    return StepDecay(tuple(k for k, _ in items), tuple(v for _, v in items))


def gaussian_decay(sigma: float) -> GaussianDecay:
    """Build a :class:`GaussianDecay` of width ``sigma`` (cost units, e.g. metres)."""
    if not sigma > 0:
        raise AnalysisError(f"gaussian_decay: sigma must be > 0, got {sigma!r}")
    return GaussianDecay(float(sigma))


def default_steps(max_cost: float) -> StepDecay:
    """The E2SFCA zones of Luo & Qi (2009) scaled to ``max_cost``.

    Three equal zones weighted 1, 0.68 and 0.22 (their 0–10, 10–20, 20–30 minute zones).
    """
    return step_decay({max_cost / 3: 1.0, 2 * max_cost / 3: 0.68, max_cost: 0.22})


# --------------------------------------------------------------------------- cost pairs
@dataclass(frozen=True)
class CostPairs:
    """Demand–supply pairs within the largest catchment, as positional arrays.

    Attributes
    ----------
    demand_ids, supply_ids : pandas.Index
        Ids of demand points and supply sites (positions refer to these).
    i, j : numpy.ndarray
        Positions of the demand point and the site of each pair.
    cost : numpy.ndarray
        Cost of each pair (metres for Euclidean costs).
    """

    demand_ids: pd.Index
    supply_ids: pd.Index
    i: np.ndarray
    j: np.ndarray
    cost: np.ndarray

    def within(self, max_cost: float | None) -> CostPairs:
        """Return the pairs with ``cost <= max_cost`` (all when ``max_cost`` is None)."""
        if max_cost is None:
            return self
        keep = self.cost <= max_cost
        return CostPairs(
            self.demand_ids, self.supply_ids, self.i[keep], self.j[keep], self.cost[keep]
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the long table ``origin`` (demand id), ``destination`` (site id), ``cost``."""
        return pd.DataFrame(
            {
                "origin": self.demand_ids.take(self.i),
                "destination": self.supply_ids.take(self.j),
                "cost": self.cost,
            }
        )


def euclidean_pairs(
    demand: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, max_distance: float
) -> CostPairs:
    """Euclidean distances (EPSG:5514 metres) of all pairs closer than ``max_distance``.

    Parameters
    ----------
    demand, supply : geopandas.GeoDataFrame
        Points in EPSG:5514; ids are the index.
    max_distance : float
        Radius in metres (inclusive).

    Returns
    -------
    CostPairs
    """
    if not max_distance > 0:
        raise AnalysisError(f"max_distance must be > 0 metres, got {max_distance!r}")
    xy_d = point_coords(demand, "demand points")
    xy_s = point_coords(supply, "supply sites")
    _unique_index(demand.index, "demand points")
    _unique_index(supply.index, "supply sites")
    if len(xy_d) == 0 or len(xy_s) == 0:
        empty = np.empty(0, dtype=np.intp)
        return CostPairs(demand.index, supply.index, empty, empty, np.empty(0))
    rec = cKDTree(xy_d).sparse_distance_matrix(
        cKDTree(xy_s), max_distance, output_type="ndarray"
    )
    return CostPairs(
        demand.index,
        supply.index,
        rec["i"].astype(np.intp),
        rec["j"].astype(np.intp),
        rec["v"].astype(float),
    )


def euclidean_costs(
    demand: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, max_distance: float
) -> pd.DataFrame:
    """Long cost table (``origin``, ``destination``, ``cost`` in metres) within a radius.

    Parameters
    ----------
    demand, supply : geopandas.GeoDataFrame
        Points in EPSG:5514; ids are the index.
    max_distance : float
        Radius in metres (inclusive).

    Returns
    -------
    pandas.DataFrame
    """
    return euclidean_pairs(demand, supply, max_distance).to_frame()


def pairs_from_costs(
    costs: pd.DataFrame,
    demand_ids: pd.Index,
    supply_ids: pd.Index,
    *,
    origin: str = "origin",
    destination: str = "destination",
    cost: str = "cost",
) -> CostPairs:
    """Turn a user-supplied long travel-cost table into :class:`CostPairs`.

    Rows whose origin is not a demand id or whose destination is not a supply id are ignored
    (a cost matrix usually covers more places than one analysis uses).

    Raises
    ------
    AnalysisError
        On missing columns, negative or missing costs, or duplicate (origin, destination) pairs.
    """
    require_columns(costs, [origin, destination, cost], "travel-cost table")
    _unique_index(demand_ids, "demand points")
    _unique_index(supply_ids, "supply sites")
    c = pd.to_numeric(costs[cost], errors="coerce").to_numpy(dtype=float)
    if np.isnan(c).any():
        n_bad = int(np.isnan(c).sum())
        raise AnalysisError(f"travel-cost table: {n_bad} missing/non-numeric cost(s)")
    if (c < 0).any():
        raise AnalysisError("travel-cost table: negative costs")
    if costs.duplicated([origin, destination]).any():
        raise AnalysisError("travel-cost table: duplicate (origin, destination) pairs")
    i = demand_ids.get_indexer(costs[origin])
    j = supply_ids.get_indexer(costs[destination])
    keep = (i >= 0) & (j >= 0)
    return CostPairs(demand_ids, supply_ids, i[keep], j[keep], c[keep])


def _unique_index(index: pd.Index, what: str) -> None:
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise AnalysisError(f"{what}: ids must be unique, {dup!r} repeats")


# --------------------------------------------------------------------------- core
def _values(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    require_columns(df, [col], what)
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(v).any() or (v < 0).any():
        raise AnalysisError(f"{what}: column {col!r} must be numbers >= 0 (no missing values)")
    return v


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def fca_arrays(
    pop: np.ndarray,
    sup: np.ndarray,
    pairs: CostPairs,
    method: str,
    decay: Decay,
    selection_decay: Decay | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The FCA computation on arrays (no validation; used by the public functions).

    Returns
    -------
    access : numpy.ndarray
        Per demand point, NaN where no site is within the catchment.
    n_sites : numpy.ndarray
        Number of sites within the catchment of each demand point.
    ratio : numpy.ndarray
        Per site, supply per weighted demand (:math:`R_j`), NaN where the weighted demand is 0.
    """
    n_d, n_s = len(pop), len(sup)
    i, j = pairs.i, pairs.j
    w = np.asarray(decay(pairs.cost), dtype=float)
    if method == "3sfca":
        t = np.asarray((selection_decay or decay)(pairs.cost), dtype=float)
        w = w * _safe_div(t, np.bincount(i, weights=t, minlength=n_d)[i])
    if method == "bfca":
        w_demand = _safe_div(w, np.bincount(i, weights=w, minlength=n_d)[i])
        w_supply = _safe_div(w, np.bincount(j, weights=w, minlength=n_s)[j])
    elif method in METHODS:
        w_demand = w_supply = w
    else:
        raise AnalysisError(f"unknown FCA method {method!r}; use one of {', '.join(METHODS)}")
    weighted_demand = np.bincount(j, weights=pop[i] * w_demand, minlength=n_s)
    ratio = np.full(n_s, np.nan)
    np.divide(sup, weighted_demand, out=ratio, where=weighted_demand > 0)
    contrib = np.nan_to_num(ratio)[j] * w_supply
    # float even when no pair lies within the catchment: numpy's bincount of an empty array is
    # an integer array, and NaN (unreachable) could not be stored in it
    access = np.bincount(i, weights=contrib, minlength=n_d).astype(float)
    n_sites = np.bincount(i, minlength=n_d)
    access[n_sites == 0] = np.nan
    return access, n_sites, ratio


def floating_catchment(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    method: str = DEFAULT_ACCESS_METHOD,
    max_cost: float | None = None,
    decay: Decay | None = None,
    selection_decay: Decay | None = None,
    costs: pd.DataFrame | CostPairs | None = None,
    demand_col: str = "demand",
    supply_col: str = "supply",
    cost_cols: tuple[str, str, str] = ("origin", "destination", "cost"),
) -> pd.DataFrame:
    """Floating-catchment accessibility of demand points to supply sites.

    Parameters
    ----------
    demand : pandas.DataFrame or geopandas.GeoDataFrame
        One row per demand point (municipality point, raster cell centroid), ids in the index,
        demand (target population) in ``demand_col``. Must be a GeoDataFrame of points in
        EPSG:5514 when ``costs`` is None.
    supply : pandas.DataFrame or geopandas.GeoDataFrame
        One row per supply site, ids in the index, units (beds, FTE) in ``supply_col``.
    method : {"2sfca", "e2sfca", "3sfca", "bfca"}
        See the module documentation. Default: the project's one default method,
        :data:`geo_kissos.catalogue.DEFAULT_ACCESS_METHOD` (``e2sfca``), as the map and the CLI.
    max_cost : float, optional
        Catchment size (metres for Euclidean costs; the cost unit of ``costs`` otherwise).
        Required for Euclidean costs, except with a :class:`StepDecay`, whose last threshold
        is used. With ``costs`` and no ``max_cost`` every given pair is in the catchment.
    decay : callable, optional
        Weights from costs. Default: none (weight 1) for ``2sfca``, ``bfca`` and ``3sfca``;
        :func:`default_steps` of ``max_cost`` for ``e2sfca``. For 3SFCA, the decay is used
        for both the distance weight and (unless ``selection_decay`` is given) the
        selection weight, as in ``access``.
    selection_decay : callable, optional
        3SFCA only: decay of the selection weights :math:`G` (Wan et al. use a Gaussian).
    costs : pandas.DataFrame or CostPairs, optional
        Travel costs as a long table (``origin`` = demand id, ``destination`` = site id,
        ``cost``); Euclidean distances of the geometries when omitted.
    demand_col, supply_col : str
        Value columns.
    cost_cols : tuple of str
        Names of the origin, destination and cost columns of ``costs``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``demand``: ``demand``, ``n_sites`` (sites in the catchment),
        ``access`` (units per person; NaN when unreachable) and ``access_per_1000``.

    Raises
    ------
    AnalysisError
        On invalid inputs. :class:`geo_kissos.errors.CRSError` when Euclidean costs are asked
        for data not in EPSG:5514.
    """
    method = method.lower()
    if method not in METHODS:
        raise AnalysisError(f"unknown FCA method {method!r}; use one of {', '.join(METHODS)}")
    if decay is None:
        if method == "e2sfca":
            if max_cost is None:
                raise AnalysisError("e2sfca: give max_cost or a decay function")
            decay = default_steps(max_cost)
        else:
            decay = NoDecay()
    if max_cost is None and isinstance(decay, StepDecay):
        max_cost = decay.max_cost
    pop = _values(demand, demand_col, "demand")
    sup = _values(supply, supply_col, "supply")
    if costs is None:
        if max_cost is None:
            raise AnalysisError("Euclidean catchments need max_cost (metres)")
        pairs = euclidean_pairs(demand, supply, max_cost)
    elif isinstance(costs, CostPairs):
        if not (costs.demand_ids.equals(demand.index) and costs.supply_ids.equals(supply.index)):
            raise AnalysisError("CostPairs were built for other demand/supply ids")
        pairs = costs.within(max_cost)
    else:
        o, d, c = cost_cols
        pairs = pairs_from_costs(
            costs, demand.index, supply.index, origin=o, destination=d, cost=c
        ).within(max_cost)
    access, n_sites, _ = fca_arrays(pop, sup, pairs, method, decay, selection_decay)
    return pd.DataFrame(
        {
            "demand": pop,
            "n_sites": n_sites,
            "access": access,
            "access_per_1000": access * 1000.0,
        },
        index=demand.index.copy(),
    )


def two_step_fca(demand: pd.DataFrame, supply: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """2SFCA (Luo & Wang 2003); see :func:`floating_catchment` for the parameters."""
    return floating_catchment(demand, supply, method="2sfca", **kwargs)


def enhanced_two_step_fca(demand: pd.DataFrame, supply: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """E2SFCA (Luo & Qi 2009) with stepwise or Gaussian decay; see :func:`floating_catchment`."""
    return floating_catchment(demand, supply, method="e2sfca", **kwargs)


def three_step_fca(demand: pd.DataFrame, supply: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """3SFCA (Wan, Zou & Sternberg 2012); see :func:`floating_catchment`."""
    return floating_catchment(demand, supply, method="3sfca", **kwargs)


def balanced_fca(demand: pd.DataFrame, supply: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Balanced FCA (Paez, Higgins & Vivona 2019); see :func:`floating_catchment`."""
    return floating_catchment(demand, supply, method="bfca", **kwargs)
