"""The edges of the analysis rules, on numbers derived by hand: catchment boundaries, nothing in
reach, the secondary columns of the coverage table (sign of the difference, index against a norm).

Each test here kills a mutant that passed the rest of the suite (issue 17): the comment above a
test names the plausible bug it catches.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis import attribute_units, base_population, coverage_ratios
from geo_kissos.analysis.fca import METHODS, floating_catchment, pairs_from_costs

X0, Y0 = -550_000.0, -1_120_000.0


def _points(xs: list[float], values: list[float], col: str, prefix: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {col: np.asarray(values, dtype=float)},
        geometry=gpd.points_from_xy(np.asarray(xs, dtype=float) + X0, np.full(len(xs), Y0)),
        crs=5514,
        index=pd.Index([f"{prefix}{k}" for k in range(len(xs))], name="id"),
    )


# Three municipalities and one home of 6 beds; travel minutes m1 30 (exactly the catchment),
# m2 30.5 (just beyond), m3 12. Within 30 minutes: m1 (10 people) and m3 (20 people), so
# R = 6 / (10 + 20) = 0.2 and both reach 0.2 beds per person; m2 reaches nothing.
DEMAND = pd.DataFrame({"demand": [10.0, 30.0, 20.0]}, index=pd.Index(["m1", "m2", "m3"], name="id"))
SUPPLY = pd.DataFrame({"supply": [6.0]}, index=pd.Index(["h"], name="id"))
MINUTES = pd.DataFrame({"origin": ["m1", "m2", "m3"], "destination": ["h", "h", "h"],
                        "cost": [30.0, 30.5, 12.0]})


# mutant: ``cost <= max_cost`` made ``cost < max_cost`` in CostPairs.within (m1 would drop out
# and R become 6 / 20 = 0.3)
@pytest.mark.parametrize("as_pairs", [False, True])
def test_a_pair_exactly_at_max_cost_of_a_travel_cost_table_is_in_the_catchment(as_pairs):
    costs = pairs_from_costs(MINUTES, DEMAND.index, SUPPLY.index) if as_pairs else MINUTES
    out = floating_catchment(DEMAND, SUPPLY, method="2sfca", costs=costs, max_cost=30.0)
    assert out["n_sites"].tolist() == [1, 0, 1]
    assert out.loc["m1", "access"] == pytest.approx(0.2)
    assert out.loc["m3", "access"] == pytest.approx(0.2)
    assert out.loc["m1", "access_per_1000"] == pytest.approx(200.0)
    assert np.isnan(out.loc["m2", "access"])
    # one minute less: only m3 (20 people) is in, R = 6 / 20
    out = floating_catchment(DEMAND, SUPPLY, method="2sfca", costs=costs, max_cost=29.0)
    assert out["n_sites"].tolist() == [0, 0, 1]
    assert out.loc["m3", "access"] == pytest.approx(0.3)


# bug: every method raised ``ValueError: cannot convert float NaN to integer`` when no pair lay
# within max_cost (numpy's bincount of an empty array is an integer array)
@pytest.mark.parametrize("method", METHODS)
def test_nothing_within_max_cost_is_all_unreachable_not_an_error(method):
    demand = _points([0, 1000, 10_000], [100, 300, 50], "demand", "d")
    supply = _points([500, 1800], [10, 20], "supply", "s")  # nearest pair 500 m apart
    out = floating_catchment(demand, supply, method=method, max_cost=100)
    assert out["n_sites"].tolist() == [0, 0, 0]
    assert out["access"].isna().all() and out["access_per_1000"].isna().all()
    assert out["demand"].tolist() == [100, 300, 50]
    # the same through a travel-cost table whose every cost lies beyond the catchment
    out = floating_catchment(pd.DataFrame({"demand": DEMAND["demand"]}), SUPPLY, method=method,
                             costs=MINUTES, max_cost=5.0)
    assert out["n_sites"].tolist() == [0, 0, 0] and out["access"].isna().all()


# --------------------------------------------------------------------------- coverage columns
# The conftest region: § 49 O1 60 beds / 1,500 aged 65+ = 40 per 1,000, O2 30 / 2,500 = 12,
# region 90 / 4,000 = 22.5; § 40 O1 6 FTE / 1,500 = 4, O2 3 / 2,500 = 1.2, region 9 / 4,000 = 2.25.

def _coverage(region_inputs, norms=None, level="orp"):
    base = base_population(region_inputs)
    cov = coverage_ratios(attribute_units(region_inputs), base, region_inputs.municipalities,
                          level=level, norms=norms)
    return cov.set_index(["code", "type_code"])


# mutant: ``difference_per_1000 = reference - units_per_1000`` (sign flipped) was never asserted
def test_difference_per_1000_is_ratio_minus_reference(region_inputs):
    c = _coverage(region_inputs)
    assert c.loc[("O1", "49"), "difference_per_1000"] == pytest.approx(40 - 22.5)  # above: +
    assert c.loc[("O2", "49"), "difference_per_1000"] == pytest.approx(12 - 22.5)  # below: -
    assert c.loc[("O2", "40"), "difference_per_1000"] == pytest.approx(1.2 - 2.25)


# mutant: ``index`` divided by the regional average also where a norm applies
def test_index_divides_by_the_norm_where_one_applies(region_inputs):
    norms = pd.DataFrame({"type_code": ["49"], "units_per_1000": [25.0]})
    c = _coverage(region_inputs, norms)
    assert c.loc[("O1", "49"), "reference_per_1000"] == 25
    assert c.loc[("O1", "49"), "index"] == pytest.approx(40 / 25)  # not 40 / 22.5
    assert c.loc[("O2", "49"), "index"] == pytest.approx(12 / 25)
    assert c.loc[("O2", "49"), "difference_per_1000"] == pytest.approx(12 - 25)
    # § 40 has no norm: its index stays against the regional average
    assert c.loc[("O1", "40"), "reference"] == "regional_average"
    assert c.loc[("O1", "40"), "index"] == pytest.approx(4 / 2.25)
    # a norm of 0 gives no index (no division by zero), the difference is the ratio itself
    zero = _coverage(region_inputs, pd.DataFrame({"type_code": ["49"], "units_per_1000": [0.0]}))
    assert np.isnan(zero.loc[("O1", "49"), "index"])
    assert zero.loc[("O1", "49"), "difference_per_1000"] == pytest.approx(40)
