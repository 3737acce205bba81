"""Inputs from a real store (GeoPackage and PostGIS, via the shared ``empty_store`` fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis import (
    AccessParams,
    compute_metrics,
    load_inputs,
    service_units,
)


def test_service_units_rules(region_tables):
    t = region_tables
    u = service_units(t["service"], t["network"], t["capacity"], 2025).set_index("service_id")
    assert u.loc["S1", "units"] == 60 and u.loc["S1", "units_source"] == "network"  # latest
    assert u.loc["S2", "units"] == 30 and u.loc["S2", "units_source"] == "capacity"  # beds only
    assert u.loc["S4", "units"] == 3 and u.loc["S4", "units_source"] == "capacity"  # unit check
    assert np.isnan(u.loc["NOUNITS", "units"])
    u24 = service_units(t["service"], t["network"], t["capacity"], 2024).set_index("service_id")
    assert u24.loc["S1", "units"] == 10


def test_load_inputs_from_store_matches_in_memory(empty_store, region_inputs, region_tables):
    with empty_store.transaction() as w:
        for name, df in region_tables.items():
            w.upsert(name, df)
    loaded = load_inputs(empty_store, 2025)
    assert loaded.without_units == ["NOUNITS"]
    assert loaded.left_out[["service_id", "reason"]].values.tolist() == [["NOUNITS", "no_units"]]
    assert sorted(loaded.services["service_id"]) == ["S1", "S2", "S3", "S4"]  # OLD expired
    assert loaded.services.set_index("service_id").loc["S3", "forms"] == ("field",)
    params = AccessParams(method="3sfca", max_cost=15_000)
    got = compute_metrics(loaded, access=params)
    want = compute_metrics(region_inputs, access=params)
    for name in ("gaps", "access"):
        pd.testing.assert_frame_equal(got[name].reset_index(drop=True),
                                      want[name].reset_index(drop=True),
                                      check_dtype=False, check_exact=False)
    assert got["field"]["units"].sum() == pytest.approx(9.0)


def test_load_inputs_from_loaded_demo_store(loaded_store):
    """Runs once the shared demo store holds services (skipped while it has none)."""
    store = loaded_store
    if store.count("service") == 0 or store.count("population") == 0:
        pytest.skip("the loaded demo store has no services/population yet")
    year = int(store.read("population")["year"].max())
    inputs = load_inputs(store, year)  # registry-only services may lack planning units
    metrics = compute_metrics(inputs, with_access=False)
    assert sorted(inputs.left_out["service_id"]) == sorted(inputs.without_units)
    gaps = metrics["gaps"]
    assert len(gaps) == gaps["code"].nunique() * gaps["type_code"].nunique()
    # against the regional average, the gaps of each type balance out over the region
    assert gaps.groupby("type_code")["gap_units"].sum().abs().max() < 1e-6


def test_coverage_over_years(empty_store, region_tables):
    from geo_kissos.analysis import coverage_over_years

    with empty_store.transaction() as w:
        for name, df in region_tables.items():
            w.upsert(name, df)
    cov = coverage_over_years(empty_store, [2024, 2025], type_codes=["49"])
    c = cov.set_index(["year", "code"])
    # 2024: S1 had 10 beds in the network, population of 2024 (S2: 30 beds from capacity)
    assert c.loc[(2024, "O1"), "units"] == 10
    assert c.loc[(2025, "O1"), "units"] == 60
    assert c.loc[(2025, "O2"), "units_per_1000"] == pytest.approx(12)


def test_service_removed_from_network_counts_zero(region_tables):
    t = region_tables
    net = t["network"]
    s1 = net[net["service_id"] == "S1"].sort_values("update_date").iloc[[-1]].copy()
    s1["update_date"] = pd.Timestamp("2025-12-31")
    s1["status"] = "removed"
    u = service_units(t["service"], pd.concat([net, s1]), t["capacity"], 2025).set_index("service_id")
    assert u.loc["S1", "units"] == 0 and u.loc["S1", "units_source"] == "network-removed"
    assert u.loc["S2", "units"] == 30  # others untouched
