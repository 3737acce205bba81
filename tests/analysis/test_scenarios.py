"""Scenarios (in memory, before/after/delta) and the metrics they compare."""

from __future__ import annotations

import pandas as pd
import pytest

from geo_kissos.analysis import (
    AccessParams,
    AnalysisError,
    apply_scenario,
    compare_scenario,
    compute_metrics,
)

X0, Y0 = -560_000.0, -1_130_000.0


def _changes(*rows):
    return pd.DataFrame(rows)


def test_apply_scenario_returns_a_changed_copy(region_inputs):
    before_units = region_inputs.services.copy()
    changes = _changes(
        {"action": "add", "service_id": "NEW", "type_code": "49", "x": X0 + 35_000,
         "y": Y0 + 5_000, "units": 40},
        {"action": "remove", "service_id": "S1"},
        {"action": "resize", "service_id": "S2", "units": 50},
    )
    after = apply_scenario(region_inputs, changes)
    pd.testing.assert_frame_equal(region_inputs.services, before_units)  # original untouched
    s = after.services.set_index("service_id")
    assert "S1" not in s.index and s.loc["S2", "units"] == 50 and s.loc["NEW", "units"] == 40
    new_site = after.sites[after.sites["service_id"] == "NEW"]
    assert new_site["municipality_code"].tolist() == ["900004"]  # found from the point
    assert "S1" not in set(after.sites["service_id"])


def test_compare_scenario_deltas(region_inputs):
    changes = _changes(
        {"action": "add", "service_id": "NEW", "type_code": "49", "x": X0 + 35_000,
         "y": Y0 + 5_000, "units": 40},
        {"action": "remove", "service_id": "S1"},
        {"action": "resize", "service_id": "S2", "units": 50},
    )
    diff = compare_scenario(region_inputs, changes,
                            access=AccessParams(method="2sfca", max_cost=15_000))
    d = diff.set_index(["table", "code", "type_code", "metric"])
    # O1 loses S1 (60 beds); O2 gains 20 + 40; region still 90 beds / 4000 -> 22.5
    assert d.loc[("gaps", "O1", "49", "units"), "delta"] == pytest.approx(-60)
    assert d.loc[("gaps", "O2", "49", "units"), "after"] == pytest.approx(90)
    assert d.loc[("gaps", "O2", "49", "reference_per_1000"), "delta"] == pytest.approx(0)
    assert d.loc[("gaps", "O2", "49", "gap_units"), "before"] == pytest.approx(-26.25)
    assert d.loc[("gaps", "O2", "49", "gap_units"), "after"] == pytest.approx(90 - 56.25)
    assert d.loc[("gaps", "O2", "49", "rank"), "delta"] == 1
    # home care untouched
    home_care = diff[(diff["type_code"] == "40")]
    assert not home_care["changed"].any()
    # accessibility moves for § 49 and only there
    acc = diff[(diff["table"] == "access") & (diff["metric"] == "access_per_1000")]
    assert acc[acc["type_code"] == "49"]["changed"].any()
    assert not acc[acc["type_code"] == "40"]["changed"].any()


def test_add_field_service_with_reach(region_inputs):
    changes = _changes({"action": "add", "service_id": "F", "type_code": "40",
                        "reach": "900004", "units": 1.5, "forms": "field"})
    diff = compare_scenario(region_inputs, changes, with_access=False)
    d = diff.set_index(["table", "code", "type_code", "metric"])
    assert d.loc[("field", "900004", "40", "reached"), "before"] == 0
    assert d.loc[("field", "900004", "40", "reached"), "after"] == 1
    assert d.loc[("field", "900004", "40", "units_per_1000"), "after"] == pytest.approx(3.0)
    assert d.loc[("gaps", "O2", "40", "units"), "delta"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    "row",
    [
        {"action": "remove", "service_id": "NOPE"},
        {"action": "resize", "service_id": "S1", "units": -3},
        {"action": "add", "service_id": "S1", "type_code": "49", "x": X0, "y": Y0, "units": 1},
        {"action": "add", "service_id": "Z", "type_code": "99", "x": X0, "y": Y0, "units": 1},
        {"action": "add", "service_id": "Z", "type_code": "49", "x": 0, "y": 0, "units": 1},
        {"action": "close", "service_id": "S1"},
    ],
)
def test_invalid_changes_name_the_row(region_inputs, row):
    with pytest.raises(AnalysisError, match="scenario row 1"):
        apply_scenario(region_inputs, _changes(row))


def test_compute_metrics_tables(region_inputs):
    m = compute_metrics(region_inputs, access=AccessParams(method="3sfca", max_cost=15_000))
    assert set(m) == {"gaps", "field", "access"}
    a = m["access"].set_index(["code", "type_code"])
    # 3SFCA hands out all supply: demand-weighted access over the region = 90 beds / 4000
    acc49 = a.xs("49", level="type_code")
    total = (acc49["access_per_1000"] * acc49["demand"]).sum() / 1000
    assert total == pytest.approx(90)
