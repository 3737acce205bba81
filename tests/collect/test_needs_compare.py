"""The four agreement classes on a worked example whose numbers are checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from geo_kissos.analysis.needs import compare_needs, missing_reports, need_by_municipality

# Territory: ORP A (a1, a2, a3), ORP B (b1, b2), ORP C (c1).
MUN = pd.DataFrame({
    "municipality_code": ["100001", "100002", "100003", "200001", "200002", "300001"],
    "orp_code": ["A", "A", "A", "B", "B", "C"],
    "name": ["a1", "a2", "a3", "b1", "b2", "c1"],
})
# need 40 units, 30 present -> deficit 10 = 25 % of the need (computed shortage)
# need 20, 19 present -> deficit 1 = 5 % (below the 10 % bar: no computed shortage)
# B/49 surplus; B/50 need 8, 4 present -> 50 %; C/50 need 10, 9 present -> exactly 10 %
GAPS = pd.DataFrame({
    "code": ["A", "A", "B", "B", "C"],
    "name": ["ORP A", "ORP A", "ORP B", "ORP B", "ORP C"],
    "type_code": ["49", "50", "49", "50", "50"],
    "gap_units": [-10.0, -1.0, 5.0, -4.0, -1.0],
    "deficit_units": [10.0, 1.0, 0.0, 4.0, 1.0],
    "deficit_share": [10 / 40, 1 / 20, 0.0, 4 / 8, 1 / 10],
})
NEEDS = pd.DataFrame({
    "orp_code": ["A", "A", "A", "B", "C", "C"],
    "municipality_code": ["100001", "100002", "100001", "200001", None, "300001"],
    "type_code": ["49", "50", "50", "50", "49", None],
    "target_group": [None, None, None, None, None, "senioři"],
    "level": ["high", "medium", "low", "none", "high", "high"],
    "units_requested": [12.0, None, 2.5, None, 6.0, None],
})


def _row(out: pd.DataFrame, orp: str, t: str) -> pd.Series:
    hit = out[(out["orp_code"] == orp) & (out["type_code"] == t)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_four_classes_worked_example():
    out = compare_needs(GAPS, NEEDS, MUN)
    # A/49: high reported at a1, 25 % missing -> both
    a49 = _row(out, "A", "49")
    assert (a49["agreement"], a49["reported_level"], a49["units_requested"]) == ("both", "high", 12.0)
    # A/50: medium at a2 and low at a1 (strongest: medium; 1 municipality reports at least medium);
    # 5 % missing is below 10 % -> reported only; units 2.5 (a2 gave none)
    a50 = _row(out, "A", "50")
    assert (a50["agreement"], a50["reported_level"], a50["n_reporting_need"]) == ("reported_only", "medium", 1)
    assert a50["units_requested"] == 2.5
    # B/50: "none" reported, 50 % missing -> computed only
    assert _row(out, "B", "50")["agreement"] == "computed_only"
    # B/49: surplus, nothing reported -> neither
    b49 = _row(out, "B", "49")
    assert b49["agreement"] == "neither" and pd.isna(b49["reported_level"])
    # C/49: a need of the whole ORP, but no computed gap for C/49 -> no_gap, never "neither"
    c49 = _row(out, "C", "49")
    assert (c49["agreement"], bool(c49["reported"])) == ("no_gap", True) and pd.isna(c49["computed"])
    # C/50: exactly 10 % missing counts (the bar is inclusive)
    assert _row(out, "C", "50")["agreement"] == "computed_only"
    # the target-group need of c1 cannot stand beside a § gap
    assert out.attrs["left_out"] == 1
    # completeness: A 2 of 3 municipalities reported, B 1 of 2, C 1 of 1 (c1's target-group need)
    assert _row(out, "A", "49")["completeness"] == pytest.approx(2 / 3)
    assert _row(out, "B", "50")["completeness"] == pytest.approx(1 / 2)
    assert _row(out, "C", "50")["completeness"] == 1.0
    assert _row(out, "A", "49")["orp_name"] == "ORP A"


def test_thresholds_move_the_classes():
    # from "low": a1's low need for § 50 counts too
    assert _row(compare_needs(GAPS, NEEDS, MUN, reported_from="low"), "A", "50")["n_reporting_need"] == 2
    # a "low" alone is not a reported need by default, but is from "low"
    only_low = NEEDS[(NEEDS["orp_code"] == "A") & (NEEDS["level"] == "low")]
    assert _row(compare_needs(GAPS, only_low, MUN), "A", "50")["agreement"] == "neither"
    assert _row(compare_needs(GAPS, only_low, MUN, reported_from="low"), "A", "50")["agreement"] == "reported_only"
    out = compare_needs(GAPS, NEEDS, MUN, reported_from="high")
    assert _row(out, "A", "50")["agreement"] == "neither"  # medium < high, 5 % < 10 %
    assert _row(out, "A", "49")["agreement"] == "both"
    out = compare_needs(GAPS, NEEDS, MUN, min_deficit_share=0.30)
    assert _row(out, "A", "49")["agreement"] == "reported_only"  # 25 % < 30 %
    assert _row(out, "B", "50")["agreement"] == "computed_only"  # 50 % >= 30 %
    with pytest.raises(ValueError, match="reported_from"):
        compare_needs(GAPS, NEEDS, MUN, reported_from="none")


def test_missing_reports_is_the_todo_list():
    todo = missing_reports(NEEDS, MUN)
    # a3 and b2 reported nothing; c1 reported (a target group), the ORP-wide need of C counts for nobody
    assert list(todo["municipality_code"]) == ["100003", "200002"]
    assert list(missing_reports(NEEDS, MUN, "A")["name"]) == ["a3"]
    assert missing_reports(NEEDS.iloc[0:0], MUN, "B")["municipality_code"].tolist() == ["200001", "200002"]


def test_need_by_municipality_strongest_level():
    d = need_by_municipality(NEEDS, "50").set_index("municipality_code")
    assert d.loc["100001", "level"] == "low" and d.loc["100002", "level"] == "medium"
    assert d.loc["200001", "level_rank"] == 0
    assert "100003" not in d.index  # not reported: absent, not "none"
