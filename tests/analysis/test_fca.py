"""Floating-catchment methods: hand-computed cases and equality with PySAL ``access``."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis.errors import AnalysisError
from geo_kissos.analysis.fca import (
    enhanced_two_step_fca,
    euclidean_costs,
    floating_catchment,
    gaussian_decay,
    step_decay,
    three_step_fca,
    two_step_fca,
)
from geo_kissos.errors import CRSError

X0, Y0 = -550_000.0, -1_120_000.0  # somewhere in Moravia, EPSG:5514


def _points(xs, values, col, prefix, crs=5514):
    return gpd.GeoDataFrame(
        {col: np.asarray(values, dtype=float)},
        geometry=gpd.points_from_xy(np.asarray(xs, dtype=float) + X0, np.full(len(xs), Y0)),
        crs=crs,
        index=pd.Index([f"{prefix}{k}" for k in range(len(xs))], name="id"),
    )


@pytest.fixture
def line():
    """Demand a (x=0, 100 people), b (x=1000, 300), c (x=10000, 50); sites s0 (x=500, 10 units),
    s1 (x=1800, 20 units). Within 1,000 m: a-s0 500, b-s0 500, b-s1 800; c reaches nothing."""
    demand = _points([0, 1000, 10_000], [100, 300, 50], "demand", "d")
    supply = _points([500, 1800], [10, 20], "supply", "s")
    return demand, supply


def test_2sfca_hand_computed(line):
    demand, supply = line
    out = two_step_fca(demand, supply, max_cost=1000)
    # R0 = 10 / (100 + 300), R1 = 20 / 300
    assert out.loc["d0", "access"] == pytest.approx(10 / 400)
    assert out.loc["d1", "access"] == pytest.approx(10 / 400 + 20 / 300)
    assert np.isnan(out.loc["d2", "access"])
    assert out["n_sites"].tolist() == [1, 2, 0]
    assert out.loc["d1", "access_per_1000"] == pytest.approx(1000 * (10 / 400 + 20 / 300))
    # without decay, 2SFCA hands out exactly the supply of sites that have demand
    reached = out.dropna()
    assert (reached["demand"] * reached["access"]).sum() == pytest.approx(30)


def test_catchment_is_inclusive_and_zero_distance_counts(line):
    demand, supply = line
    out = two_step_fca(demand, supply, max_cost=500)  # a-s0 and b-s0 exactly 500 m
    assert out["n_sites"].tolist() == [1, 1, 0]
    assert out.loc["d0", "access"] == pytest.approx(10 / 400)
    same_place = _points([500], [40], "demand", "z")
    out = two_step_fca(same_place, supply, max_cost=1)
    assert out.loc["z0", "access"] == pytest.approx(10 / 40)


def test_e2sfca_steps_hand_computed(line):
    demand, supply = line
    out = enhanced_two_step_fca(demand, supply, decay=step_decay({600: 1.0, 1000: 0.5}))
    r0 = 10 / (100 + 300)
    r1 = 20 / (300 * 0.5)
    assert out.loc["d0", "access"] == pytest.approx(r0)
    assert out.loc["d1", "access"] == pytest.approx(r0 + 0.5 * r1)
    assert np.isnan(out.loc["d2", "access"])


def test_e2sfca_gaussian_hand_computed(line):
    demand, supply = line
    sigma = 700.0
    out = enhanced_two_step_fca(demand, supply, max_cost=1000, decay=gaussian_decay(sigma))
    w5, w8 = np.exp(-(500**2) / (2 * sigma**2)), np.exp(-(800**2) / (2 * sigma**2))
    r0 = 10 / (100 * w5 + 300 * w5)
    r1 = 20 / (300 * w8)
    assert out.loc["d1", "access"] == pytest.approx(r0 * w5 + r1 * w8)


def test_3sfca_hand_computed(line):
    demand, supply = line
    out = three_step_fca(demand, supply, max_cost=1000)
    # selection weights: a -> s0 only (G=1); b splits 1/2, 1/2
    r0 = 10 / (100 * 1 + 300 * 0.5)
    r1 = 20 / (300 * 0.5)
    assert out.loc["d0", "access"] == pytest.approx(r0)
    assert out.loc["d1", "access"] == pytest.approx(0.5 * r0 + 0.5 * r1)
    reached = out.dropna()
    assert (reached["demand"] * reached["access"]).sum() == pytest.approx(30)


def test_bfca_hand_computed_and_no_inflation(line):
    demand, supply = line
    out = floating_catchment(demand, supply, method="bfca", max_cost=1000)
    r0 = 10 / (100 * 1 + 300 * 0.5)
    r1 = 20 / (300 * 0.5)
    assert out.loc["d0", "access"] == pytest.approx(r0 * 0.5)
    assert out.loc["d1", "access"] == pytest.approx(r0 * 0.5 + r1 * 1.0)
    assert out["access"].sum() == pytest.approx(r0 + r1)  # NaN skipped: level of service kept


def test_user_cost_matrix_equals_euclidean_and_ignores_extra_rows(line):
    demand, supply = line
    costs = euclidean_costs(demand, supply, 5000)
    extra = pd.DataFrame({"origin": ["elsewhere"], "destination": ["s0"], "cost": [1.0]})
    costs = pd.concat([costs, extra], ignore_index=True)
    a = two_step_fca(pd.DataFrame(demand.drop(columns="geometry")), supply, costs=costs,
                     max_cost=1000)
    b = two_step_fca(demand, supply, max_cost=1000)
    pd.testing.assert_frame_equal(a, b)


def test_travel_time_matrix_with_other_column_names():
    demand = pd.DataFrame({"demand": [10.0, 30.0]}, index=["m1", "m2"])
    supply = pd.DataFrame({"supply": [4.0]}, index=["h"])
    tt = pd.DataFrame({"from": ["m1", "m2"], "to": ["h", "h"], "minutes": [12.0, 31.0]})
    out = two_step_fca(demand, supply, costs=tt, max_cost=30,
                       cost_cols=("from", "to", "minutes"))
    assert out.loc["m1", "access"] == pytest.approx(0.4)
    assert np.isnan(out.loc["m2", "access"])


def test_refuses_other_crs_and_bad_inputs(line):
    demand, supply = line
    with pytest.raises(CRSError):
        two_step_fca(demand.to_crs(4326), supply, max_cost=1000)
    with pytest.raises(AnalysisError):
        two_step_fca(demand, supply)  # no max_cost for Euclidean distances
    bad = demand.copy()
    bad.loc["d0", "demand"] = -1
    with pytest.raises(AnalysisError):
        two_step_fca(bad, supply, max_cost=1000)
    with pytest.raises(AnalysisError):
        floating_catchment(demand, supply, method="4sfca", max_cost=1000)
    costs = pd.DataFrame({"origin": ["d0", "d0"], "destination": ["s0", "s0"], "cost": [1, 2]})
    with pytest.raises(AnalysisError):
        two_step_fca(demand, supply, costs=costs)


# --------------------------------------------------------------------------- PySAL access
access = pytest.importorskip("access")


@pytest.fixture
def random_points():
    rng = np.random.default_rng(42)
    nd, ns = 400, 30
    demand = gpd.GeoDataFrame(
        {"demand": rng.integers(1, 2000, nd).astype(float)},
        geometry=gpd.points_from_xy(rng.uniform(0, 20_000, nd) + X0,
                                    rng.uniform(0, 20_000, nd) + Y0),
        crs=5514,
        index=pd.Index([f"cell{k}" for k in range(nd)], name="geoid"),
    )
    supply = gpd.GeoDataFrame(
        {"supply": rng.integers(1, 80, ns).astype(float)},
        geometry=gpd.points_from_xy(rng.uniform(0, 20_000, ns) + X0,
                                    rng.uniform(0, 20_000, ns) + Y0),
        crs=5514,
        index=pd.Index([f"site{k}" for k in range(ns)], name="geoid"),
    )
    return demand, supply


def _access_model(demand, supply, costs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pandas4Warning (inplace=True) from access
        return access.Access(
            demand_df=pd.DataFrame(demand.drop(columns="geometry")),
            demand_index=True,
            demand_value="demand",
            supply_df=pd.DataFrame(supply.drop(columns="geometry")),
            supply_index=True,
            supply_value="supply",
            cost_df=costs,
            cost_origin="origin",
            cost_dest="destination",
            cost_name="cost",
        )


def _run(model, fn, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(model, fn)(name="x", **kw)["x_supply"]


def test_2sfca_equals_access(random_points):
    demand, supply = random_points
    full = euclidean_costs(demand, supply, 1e9)  # every pair: access truncates itself
    model = _access_model(demand, supply, full)
    for radius in (2500.0, 4000.0):
        theirs = _run(model, "two_stage_fca", max_cost=radius).reindex(demand.index)
        ours = two_step_fca(demand, supply, max_cost=radius)["access"]
        assert theirs.isna().sum() > 0  # the case must include unreachable points
        assert np.array_equal(theirs.isna(), ours.isna())
        assert np.allclose(theirs, ours, equal_nan=True, rtol=1e-12, atol=0)


def test_e2sfca_steps_equals_access(random_points):
    demand, supply = random_points
    steps = {1500.0: 1.0, 3000.0: 0.68, 4500.0: 0.22}
    full = euclidean_costs(demand, supply, 1e9)
    model = _access_model(demand, supply, full)
    ours = enhanced_two_step_fca(demand, supply, decay=step_decay(steps))["access"]
    # with max_cost, access leaves unreachable points NaN, like us
    theirs = _run(model, "enhanced_two_stage_fca", weight_fn=access.weights.step_fn(steps),
                  max_cost=4500.0).reindex(demand.index)
    assert ours.isna().sum() > 0
    assert np.allclose(theirs, ours, equal_nan=True, rtol=1e-12, atol=0)
    # without max_cost access keeps far pairs at weight 0 and reports 0 instead of NaN
    theirs = _run(model, "enhanced_two_stage_fca",
                  weight_fn=access.weights.step_fn(steps)).reindex(demand.index)
    assert np.allclose(theirs, ours.fillna(0.0), rtol=1e-12, atol=0)


def test_e2sfca_gaussian_equals_access(random_points):
    demand, supply = random_points
    full = euclidean_costs(demand, supply, 1e9)
    model = _access_model(demand, supply, full)
    ours = enhanced_two_step_fca(demand, supply, max_cost=5000.0,
                                 decay=gaussian_decay(2000.0))["access"]
    theirs = _run(model, "two_stage_fca", weight_fn=access.weights.gaussian(2000.0),
                  max_cost=5000.0).reindex(demand.index)
    assert np.allclose(theirs, ours, equal_nan=True, rtol=1e-12, atol=0)


@pytest.mark.parametrize("sigma", [1500.0, 3000.0])
def test_3sfca_equals_access(random_points, sigma):
    demand, supply = random_points
    radius = 4000.0
    # access normalises selection weights over every row of its cost table: give it the
    # pairs within the catchment (Wan et al. 2012), the table our sparse costs represent
    costs = euclidean_costs(demand, supply, radius)
    model = _access_model(demand, supply, costs)
    theirs = _run(model, "three_stage_fca", max_cost=radius,
                  weight_fn=access.weights.gaussian(sigma)).reindex(demand.index)
    ours = three_step_fca(demand, supply, max_cost=radius, decay=gaussian_decay(sigma))["access"]
    assert ours.isna().sum() > 0
    assert np.allclose(theirs, ours, equal_nan=True, rtol=1e-12, atol=0)


def test_3sfca_step_decay_equals_access_on_full_matrix(random_points):
    demand, supply = random_points
    steps = {1500.0: 1.0, 3000.0: 0.68, 4500.0: 0.22}
    full = euclidean_costs(demand, supply, 1e9)
    model = _access_model(demand, supply, full)
    theirs = _run(model, "three_stage_fca", max_cost=4500.0,
                  weight_fn=access.weights.step_fn(steps)).reindex(demand.index)
    ours = three_step_fca(demand, supply, decay=step_decay(steps))["access"]
    assert np.allclose(theirs, ours, equal_nan=True, rtol=1e-12, atol=0)


def test_3sfca_separate_selection_decay(line):
    demand, supply = line
    sel = step_decay({600: 3.0, 1000: 1.0})  # b prefers s0 (500 m) 3:1 over s1 (800 m)
    out = three_step_fca(demand, supply, max_cost=1000, selection_decay=sel)
    r0 = 10 / (100 * 1 + 300 * 0.75)
    r1 = 20 / (300 * 0.25)
    assert out.loc["d0", "access"] == pytest.approx(r0)
    assert out.loc["d1", "access"] == pytest.approx(0.75 * r0 + 0.25 * r1)


def test_bfca_and_3sfca_do_not_inflate_on_random_points(random_points):
    demand, supply = random_points
    radius = 5000.0
    two = two_step_fca(demand, supply, max_cost=radius, decay=gaussian_decay(2000))
    three = three_step_fca(demand, supply, max_cost=radius, decay=gaussian_decay(2000))
    bal = floating_catchment(demand, supply, method="bfca", max_cost=radius,
                             decay=gaussian_decay(2000))
    # sites with demand in reach (every site here): their supply is handed out exactly once
    costs = euclidean_costs(demand, supply, radius)
    served = supply.loc[supply.index.isin(costs["destination"]), "supply"].sum()
    handed = (three["demand"] * three["access"]).sum()
    assert handed == pytest.approx(served)
    # BFCA against an independent pandas transcription of the R `accessibility::fca_bfca`
    t = costs.copy()
    t["w"] = np.exp(-t["cost"] ** 2 / (2 * 2000.0**2))
    t["w_i"] = t["w"] / t.groupby("origin")["w"].transform("sum")
    t["w_j"] = t["w"] / t.groupby("destination")["w"].transform("sum")
    t["pop"] = t["origin"].map(demand["demand"])
    served_pop = (t["pop"] * t["w_i"]).groupby(t["destination"]).sum()
    ppr = supply["supply"].reindex(served_pop.index) / served_pop
    expected = (t["destination"].map(ppr) * t["w_j"]).groupby(t["origin"]).sum()
    expected = expected.reindex(demand.index)
    assert np.allclose(bal["access"], expected, rtol=1e-12, atol=0, equal_nan=True)
    assert bal["access"].sum() == pytest.approx(ppr.sum())  # level of service not inflated
    assert bal["access"].notna().equals(two["access"].notna())
