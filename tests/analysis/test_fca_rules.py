"""The rules of :mod:`geo_kissos.analysis.fca` one by one, on numbers derived by hand.

Written against the survivors of a mutation run (``bench/bench_mutation.py fca``): every test
names what it pins down; each input is small enough to check the expected numbers on paper.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis.errors import AnalysisError
from geo_kissos.analysis.fca import (
    balanced_fca,
    default_steps,
    enhanced_two_step_fca,
    euclidean_costs,
    euclidean_pairs,
    floating_catchment,
    gaussian_decay,
    pairs_from_costs,
    step_decay,
    three_step_fca,
    two_step_fca,
)

X0, Y0 = -550_000.0, -1_120_000.0


def _points(xs: list[float], values: list[float], col: str, prefix: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {col: np.asarray(values, dtype=float)},
        geometry=gpd.points_from_xy(np.asarray(xs, dtype=float) + X0, np.full(len(xs), Y0)),
        crs=5514,
        index=pd.Index([f"{prefix}{k}" for k in range(len(xs))], name="id"),
    )


def _table(values: list[float], prefix: str, col: str) -> pd.DataFrame:
    return pd.DataFrame({col: values}, index=pd.Index([f"{prefix}{k}" for k in range(len(values))]))


# --------------------------------------------------------------------------- decay functions
def test_default_steps_are_thirds_of_max_cost_weighted_1_068_022():
    steps = default_steps(3000.0)
    assert steps.thresholds == (1000.0, 2000.0, 3000.0)
    assert steps.weights == (1.0, 0.68, 0.22)
    assert steps.max_cost == 3000.0
    got = steps(np.array([0.0, 1000.0, 1000.5, 2000.0, 2999.0, 3000.0, 3000.5]))
    np.testing.assert_allclose(got, [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0])


def test_e2sfca_without_a_decay_uses_the_default_steps():
    """Demand d0 (100) 500 m, d1 (50) 1,500 m, d2 (10) 2,500 m from one site of 10 units;
    with max_cost 3,000 the weights are 1, 0.68, 0.22: R = 10 / (100 + 34 + 2.2)."""
    demand = _points([500, 1500, 2500], [100, 50, 10], "demand", "d")
    supply = _points([0], [10], "supply", "s")
    r = 10 / (100 * 1 + 50 * 0.68 + 10 * 0.22)
    for out in (enhanced_two_step_fca(demand, supply, max_cost=3000),
                floating_catchment(demand, supply, method="E2SFCA", max_cost=3000)):
        np.testing.assert_allclose(out["access"], [r, 0.68 * r, 0.22 * r])
    # the same pairs without decay (2SFCA): R = 10 / 160 for everyone
    plain = floating_catchment(demand, supply, method="2sfca", max_cost=3000)
    np.testing.assert_allclose(plain["access"], [10 / 160] * 3)
    np.testing.assert_allclose(two_step_fca(demand, supply, max_cost=3000)["access"], [10 / 160] * 3)


def test_step_decay_rules():
    d = step_decay({20: 0.5, 10: 1})  # given out of order, integers
    assert d.thresholds == (10.0, 20.0) and d.weights == (1.0, 0.5)
    np.testing.assert_allclose(d(np.array([10, 11, 20, 21])), [1.0, 0.5, 0.5, 0.0])
    assert step_decay({5: 0.0})(np.array([1.0]))[0] == 0.0  # a weight of 0 is allowed
    with pytest.raises(AnalysisError, match=r"^step_decay: at least one \{threshold: weight\} step is needed$"):
        step_decay({})
    with pytest.raises(AnalysisError, match=r"^step_decay: weights must be >= 0$"):
        step_decay({5: -0.1})


def test_gaussian_decay_rules():
    g = gaussian_decay(0.5)  # any sigma > 0, also below 1
    assert g.sigma == 0.5 and g(np.array([0.0]))[0] == 1.0
    np.testing.assert_allclose(gaussian_decay(100)(np.array([100.0, 200.0])), np.exp([-0.5, -2.0]))
    for bad in (0, -1):
        with pytest.raises(AnalysisError, match=rf"^gaussian_decay: sigma must be > 0, got {bad}$"):
            gaussian_decay(bad)


# --------------------------------------------------------------------------- cost pairs
def test_euclidean_pairs_with_one_site_and_with_none():
    demand = _points([0, 300, 5000], [1, 1, 1], "demand", "d")
    one = _points([100], [4], "supply", "s")
    pairs = euclidean_pairs(demand, one, 1000)
    assert pairs.to_frame().sort_values("origin").to_dict("list") == {
        "origin": ["d0", "d1"], "destination": ["s0", "s0"], "cost": [100.0, 200.0]}
    out = floating_catchment(demand, one, method="2sfca", max_cost=1000)
    np.testing.assert_allclose(out["access"], [2.0, 2.0, np.nan])  # 4 units / 2 people
    none = one.iloc[:0]
    pairs = euclidean_pairs(demand, none, 1000)
    assert len(pairs.i) == len(pairs.j) == len(pairs.cost) == 0
    assert pairs.demand_ids.equals(demand.index) and pairs.supply_ids.equals(none.index)
    assert pairs.to_frame().empty
    out = floating_catchment(demand, none, method="2sfca", max_cost=1000)
    assert out["n_sites"].tolist() == [0, 0, 0] and out["access"].isna().all()
    pairs = euclidean_pairs(demand.iloc[:0], one, 1000)
    assert pairs.to_frame().empty and pairs.supply_ids.equals(one.index)


def test_euclidean_costs_table_and_radius():
    demand = _points([0, 300], [1, 1], "demand", "d")
    supply = _points([100], [1], "supply", "s")
    costs = euclidean_costs(demand, supply, 150).sort_values("origin")
    assert costs.to_dict("list") == {"origin": ["d0"], "destination": ["s0"], "cost": [100.0]}
    for bad in (0, -5):
        with pytest.raises(AnalysisError, match=rf"^max_distance must be > 0 metres, got {bad}$"):
            euclidean_pairs(demand, supply, bad)


def test_euclidean_inputs_are_named_in_errors():
    demand = _points([0, 300], [1, 1], "demand", "d")
    supply = _points([100], [1], "supply", "s")
    with pytest.raises(AnalysisError, match=r"^demand points: expected Point geometries"):
        euclidean_pairs(demand.set_geometry(demand.buffer(1)), supply, 100)
    with pytest.raises(AnalysisError, match=r"^supply sites: expected Point geometries"):
        euclidean_pairs(demand, supply.set_geometry(supply.buffer(1)), 100)
    twice = demand.set_axis(pd.Index(["d0", "d0"], name="id"))
    with pytest.raises(AnalysisError, match=r"^demand points: ids must be unique, 'd0' repeats$"):
        euclidean_pairs(twice, supply, 100)
    sites = _points([100, 200, 300], [1, 1, 1], "supply", "s").set_axis(pd.Index(["a", "b", "b"], name="id"))
    with pytest.raises(AnalysisError, match=r"^supply sites: ids must be unique, 'b' repeats$"):
        euclidean_pairs(demand, sites, 100)


def test_within_keeps_the_ids_and_the_pairs_up_to_max_cost():
    pairs = pairs_from_costs(
        pd.DataFrame({"origin": ["a", "b", "a"], "destination": ["x", "x", "y"], "cost": [5.0, 7.0, 9.0]}),
        pd.Index(["a", "b"]), pd.Index(["x", "y"]))
    part = pairs.within(7.0)
    assert part.demand_ids.equals(pd.Index(["a", "b"])) and part.supply_ids.equals(pd.Index(["x", "y"]))
    assert part.to_frame().to_dict("list") == {"origin": ["a", "b"], "destination": ["x", "x"], "cost": [5.0, 7.0]}
    assert pairs.within(None) is pairs


def test_travel_cost_table_rules():
    ids_d, ids_s = pd.Index(["a", "b"]), pd.Index(["x"])
    ok = pairs_from_costs(pd.DataFrame({"origin": ["a", "b"], "destination": ["x", "x"], "cost": [0.0, 0.5]}),
                          ids_d, ids_s)
    assert ok.cost.tolist() == [0.0, 0.5]  # zero and fractional costs are costs
    assert ok.i.tolist() == [0, 1] and ok.j.tolist() == [0, 0]
    text = pd.DataFrame({"origin": ["a", "b"], "destination": ["x", "x"], "cost": ["12", "n/a"]})
    with pytest.raises(AnalysisError, match=r"^travel-cost table: 1 missing/non-numeric cost\(s\)$"):
        pairs_from_costs(text, ids_d, ids_s)
    neg = pd.DataFrame({"origin": ["a"], "destination": ["x"], "cost": [-1.0]})
    with pytest.raises(AnalysisError, match=r"^travel-cost table: negative costs$"):
        pairs_from_costs(neg, ids_d, ids_s)
    dup = pd.DataFrame({"origin": ["a", "a"], "destination": ["x", "x"], "cost": [1.0, 2.0]})
    with pytest.raises(AnalysisError, match=r"^travel-cost table: duplicate \(origin, destination\) pairs$"):
        pairs_from_costs(dup, ids_d, ids_s)
    with pytest.raises(AnalysisError, match=r"^travel-cost table: missing column\(s\) 'cost'"):
        pairs_from_costs(neg.drop(columns="cost"), ids_d, ids_s)
    with pytest.raises(AnalysisError, match=r"^demand points: ids must be unique, 'a' repeats$"):
        pairs_from_costs(neg, pd.Index(["a", "a"]), ids_s)
    with pytest.raises(AnalysisError, match=r"^supply sites: ids must be unique, 'x' repeats$"):
        pairs_from_costs(neg, ids_d, pd.Index(["x", "x"]))


# --------------------------------------------------------------------------- inputs of floating_catchment
def test_demand_and_supply_values_are_checked_and_named():
    demand, supply = _table([0.0, 0.5], "d", "demand"), _table([3.0], "s", "supply")
    costs = pd.DataFrame({"origin": ["d0", "d1"], "destination": ["s0", "s0"], "cost": [1.0, 1.0]})
    out = two_step_fca(demand, supply, costs=costs)  # 0 and half a person are demand
    np.testing.assert_allclose(out["access"], [6.0, 6.0])  # R = 3 / 0.5
    text = _table(["1", "x"], "d", "demand")
    with pytest.raises(AnalysisError, match=r"^demand: column 'demand' must be numbers >= 0 \(no missing values\)$"):
        two_step_fca(text, supply, costs=costs)
    with pytest.raises(AnalysisError, match=r"^supply: column 'supply' must be numbers >= 0"):
        two_step_fca(demand, _table([-1.0], "s", "supply"), costs=costs)
    with pytest.raises(AnalysisError, match=r"^demand: missing column\(s\) 'people'"):
        two_step_fca(demand, supply, costs=costs, demand_col="people")
    with pytest.raises(AnalysisError, match=r"^supply: missing column\(s\) 'beds'"):
        two_step_fca(demand, supply, costs=costs, supply_col="beds")


def test_method_and_catchment_errors_say_what_to_give():
    demand, supply = _points([0], [1], "demand", "d"), _points([10], [1], "supply", "s")
    with pytest.raises(AnalysisError, match=r"^unknown FCA method 'x'; use one of 2sfca, e2sfca, 3sfca, bfca$"):
        floating_catchment(demand, supply, method="x", max_cost=100)
    with pytest.raises(AnalysisError, match=r"^e2sfca: give max_cost or a decay function$"):
        enhanced_two_step_fca(demand, supply)
    with pytest.raises(AnalysisError, match=r"^Euclidean catchments need max_cost \(metres\)$"):
        two_step_fca(demand, supply)
    # a step decay brings its own catchment: its last threshold
    out = enhanced_two_step_fca(demand, supply, decay=step_decay({5: 1.0, 20: 0.5}))
    assert out.loc["d0", "access"] == pytest.approx(1.0)  # 10 m, weight 0.5: R = 1 / 0.5, A = 0.5 R


def test_cost_pairs_must_be_those_of_the_inputs():
    demand, supply = _table([1.0, 1.0], "d", "demand"), _table([1.0], "s", "supply")
    costs = pd.DataFrame({"origin": ["d0"], "destination": ["s0"], "cost": [1.0]})
    pairs = pairs_from_costs(costs, demand.index, supply.index)
    assert two_step_fca(demand, supply, costs=pairs)["n_sites"].tolist() == [1, 0]
    other_sites = pairs_from_costs(costs, demand.index, pd.Index(["s0", "s1"]))
    other_demand = pairs_from_costs(costs, pd.Index(["d0", "d1", "d2"]), supply.index)
    for bad in (other_sites, other_demand):
        with pytest.raises(AnalysisError, match=r"^CostPairs were built for other demand/supply ids$"):
            two_step_fca(demand, supply, costs=bad)


# --------------------------------------------------------------------------- zero weights and zero demand
def test_zero_weight_and_zero_demand_give_zero_not_nan():
    """d0 reaches s0 at cost 15 with weight 0 (steps {10: 1, 20: 0}); d1 (2 people) reaches s1 at
    cost 5. d0 reaches a site, so it is not unreachable: its access is 0 for every method."""
    demand, supply = _table([4.0, 2.0], "d", "demand"), _table([3.0, 6.0], "s", "supply")
    costs = pd.DataFrame({"origin": ["d0", "d1"], "destination": ["s0", "s1"], "cost": [15.0, 5.0]})
    decay = step_decay({10: 1.0, 20: 0.0})
    for method in ("2sfca", "e2sfca", "3sfca", "bfca"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no 0/0 on the way
            out = floating_catchment(demand, supply, method=method, costs=costs, decay=decay)
        assert out["n_sites"].tolist() == [1, 1]
        assert out.loc["d0", "access"] == 0.0, method
        assert out.loc["d1", "access"] == pytest.approx(3.0), method  # 6 units / 2 people


def test_a_site_with_no_weighted_demand_adds_nothing():
    """s0 (5 units) is reached only by d0, which is empty; d0 also reaches s1 (2 units), shared
    with d1 (0.4 people at weight 1). R1 = 2 / 0.4 = 5: d0 gets 5 from s1 and nothing from s0."""
    demand, supply = _table([0.0, 0.4], "d", "demand"), _table([5.0, 2.0], "s", "supply")
    costs = pd.DataFrame({"origin": ["d0", "d0", "d1"], "destination": ["s0", "s1", "s1"],
                          "cost": [1.0, 1.0, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = two_step_fca(demand, supply, costs=costs)
    np.testing.assert_allclose(out["access"], [5.0, 5.0])


def test_fractional_weighted_demand_has_a_ratio():
    """One person at weight 0.22 (the third zone) is a weighted demand of 0.22, below 1:
    R = 1 / 0.22 and A = 0.22 R = 1."""
    demand, supply = _table([1.0], "d", "demand"), _table([1.0], "s", "supply")
    costs = pd.DataFrame({"origin": ["d0"], "destination": ["s0"], "cost": [2500.0]})
    out = enhanced_two_step_fca(demand, supply, costs=costs, max_cost=3000)
    assert out.loc["d0", "access"] == pytest.approx(1.0)


def test_balanced_and_three_step_shortcuts():
    """The line of test_fca: a (100) - s0 500 m; b (300) - s0 500 m, s1 800 m; within 1,000 m."""
    demand = _points([0, 1000, 10_000], [100, 300, 50], "demand", "d")
    supply = _points([500, 1800], [10, 20], "supply", "s")
    r0, r1 = 10 / (100 + 300 * 0.5), 20 / (300 * 0.5)
    bal = balanced_fca(demand, supply, max_cost=1000)
    np.testing.assert_allclose(bal["access"], [0.5 * r0, 0.5 * r0 + r1, np.nan])
    three = three_step_fca(demand, supply, max_cost=1000)
    np.testing.assert_allclose(three["access"], [r0, 0.5 * r0 + 0.5 * r1, np.nan])


def test_fca_arrays_refuses_an_unknown_method():
    """``fca_arrays`` is also called directly (sensitivity runs): it checks the method itself."""
    from geo_kissos.analysis.fca import fca_arrays

    pairs = pairs_from_costs(pd.DataFrame({"origin": ["d0"], "destination": ["s0"], "cost": [1.0]}),
                             pd.Index(["d0"]), pd.Index(["s0"]))
    one = np.ones(1)
    with pytest.raises(AnalysisError, match=r"^unknown FCA method 'x'; use one of 2sfca, e2sfca, 3sfca, bfca$"):
        fca_arrays(one, one, pairs, "x", step_decay({5: 1.0}))
    access, n_sites, ratio = fca_arrays(one * 4, one * 2, pairs, "bfca", step_decay({5: 1.0}))
    assert (access.tolist(), n_sites.tolist(), ratio.tolist()) == ([0.5], [1], [0.5])
