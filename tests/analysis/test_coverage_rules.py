"""The rules of coverage, gaps and reach one by one, on numbers derived by hand.

Written against the survivors of a mutation run (``bench/bench_mutation.py coverage``): input
shapes the other tests never use (integer codes, fractional bases, ties, empty reaches) and the
messages that name a bad input.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis import (
    AnalysisError,
    availability_gaps,
    coverage_ratios,
    field_coverage,
    indicator_base,
    target_population,
    unreached_municipalities,
)
from geo_kissos.analysis.coverage import municipal_table, pick_year, read_norms
from geo_kissos.analysis.gaps import GAP_COLUMNS, gaps_from_coverage
from geo_kissos.analysis.reach import allocate_by_reach

# Three municipalities, two ORPs: m1 (O1, 1,000 aged 65+), m2 (O1, 1,000), m3 (O2, 2,000).
MUN = pd.DataFrame({"municipality_code": ["1", "2", "3"], "name": ["Jedna", "Dva", "Tři"],
                    "orp_code": ["O1", "O1", "O2"], "orp_name": ["Orp 1", "Orp 1", "Orp 2"],
                    "region_code": ["R", "R", "R"], "region_name": ["Kraj"] * 3})
BASE = pd.DataFrame({"municipality_code": ["1", "2", "3"], "type_code": ["49"] * 3, "target_band": ["65+"] * 3,
                     "target_population": [1000.0, 1000.0, 2000.0]})


def _units(**by_code: float) -> pd.DataFrame:
    return pd.DataFrame({"municipality_code": list(by_code), "type_code": ["49"] * len(by_code),
                         "units": list(by_code.values())})


# --------------------------------------------------------------------------- years, types, bases
def test_pick_year_and_its_message():
    assert pick_year([2020, 2023, None, 2025], 2024, "x") == 2023
    assert pick_year([2024], 2024, "x") == 2024
    with pytest.raises(AnalysisError, match=r"^population: no data for 2019 or earlier \(available: \[2020, 2023\]\)$"):
        pick_year([2023, 2020], 2019, "population")
    with pytest.raises(AnalysisError, match=r"^x: no data for 2019 or earlier \(available: none\)$"):
        pick_year([], 2019, "x")


def test_target_population_messages_and_sums():
    pop = pd.DataFrame({"municipality_code": ["1", "1", "1"], "year": [2024] * 3,
                        "age_band": ["65+", "65+", "total"], "persons": [300, 200, 900]})
    base = target_population(pop, 2025, ["49"])  # two rows of one band are summed
    assert base["target_population"].tolist() == [500.0] and base["population_year"].tolist() == [2024]
    assert base.index.tolist() == [0]
    both = target_population(pop, 2025, ["49", "50"])
    assert both.index.tolist() == [0, 1] and both["type_code"].tolist() == ["49", "50"]
    with pytest.raises(AnalysisError, match=r"^population 2024: no age band '0-17' \(needed by § 54\)$"):
        target_population(pop, 2025, ["54"])
    with pytest.raises(AnalysisError, match=r"^population: missing column\(s\) 'persons'"):
        target_population(pop.drop(columns="persons"), 2025, ["49"])
    with pytest.raises(AnalysisError, match=r"^population: no data for 2020 or earlier"):
        target_population(pop, 2020, ["49"])
    with pytest.raises(AnalysisError, match=r"^unknown service type code\(s\) \['99'\]; see catalogue.SERVICE_TYPES$"):
        target_population(pop, 2025, ["99"])
    two = pd.concat([pop, pd.DataFrame({"municipality_code": ["2"], "year": [2024], "age_band": ["total"],
                                        "persons": [50]})])
    assert target_population(two, 2025, ["49"]).set_index("municipality_code")["target_population"].to_dict() == \
        {"1": 500.0, "2": 0.0}  # no 65+ row: 0 people, not a missing value


def test_indicator_base_messages_and_year():
    ind = pd.DataFrame({"municipality_code": ["1", "2"], "year": [2023, 2023], "code": ["PNP_TOTAL"] * 2,
                        "value": [10.0, 30.0]})
    base = indicator_base(ind, 2025, "PNP_TOTAL", ["49", "50"])
    assert base["population_year"].tolist() == [2023] * 4 and base.index.tolist() == [0, 1, 2, 3]
    assert base["target_band"].tolist() == ["PNP_TOTAL"] * 4
    with pytest.raises(AnalysisError, match=r"^indicator PNP_TOTAL: no data for 2020 or earlier"):
        indicator_base(ind, 2020, "PNP_TOTAL", ["49"])
    with pytest.raises(AnalysisError, match=r"^indicators: missing column\(s\) 'value'"):
        indicator_base(ind.drop(columns="value"), 2025, "PNP_TOTAL", ["49"])


def test_read_norms_rules_and_messages():
    got = read_norms(pd.DataFrame({"type_code": [" 49 ", "50"], "units_per_1000": ["25.5", 0]}))
    assert got.to_dict() == {"49": 25.5, "50": 0.0} and got.index.name == "type_code"
    with pytest.raises(AnalysisError, match=r"^norm table: units_per_1000 must be numbers >= 0$"):
        read_norms(pd.DataFrame({"type_code": ["49"], "units_per_1000": ["lots"]}))
    with pytest.raises(AnalysisError, match=r"^norm table: type_code '50' repeats$"):
        read_norms(pd.DataFrame({"type_code": ["49", "50", "50"], "units_per_1000": [1, 2, 3]}))
    with pytest.raises(AnalysisError, match=r"^norm table: missing column\(s\) 'units_per_1000'"):
        read_norms(pd.DataFrame({"type_code": ["49"]}))
    with pytest.raises(AnalysisError, match=r"^unknown service type code\(s\) \['DS'\]"):
        read_norms(pd.DataFrame({"type_code": ["DS"], "units_per_1000": [1]}))


# --------------------------------------------------------------------------- coverage table
def test_coverage_columns_order_and_names():
    cov = coverage_ratios(_units(**{"1": 30.0, "3": 20.0}), BASE, MUN)
    assert list(cov.columns[:4]) == ["level", "code", "name", "region_code"]
    assert cov["level"].tolist() == ["orp", "orp"] and cov["name"].tolist() == ["Orp 1", "Orp 2"]
    assert cov.index.tolist() == [0, 1]
    muni = coverage_ratios(_units(**{"1": 30.0}), BASE, MUN, level="municipality")
    assert muni["name"].tolist() == ["Jedna", "Dva", "Tři"] and muni["code"].tolist() == ["1", "2", "3"]
    region = coverage_ratios(_units(**{"1": 30.0}), BASE, MUN, level="region")
    assert list(region.columns[:3]) == ["level", "code", "name"] and region["name"].tolist() == ["Kraj"]
    assert region["units_per_1000"].tolist() == pytest.approx([7.5])  # 30 / 4,000
    no_names = coverage_ratios(_units(**{"1": 30.0}), BASE, MUN.drop(columns=["orp_name", "name", "region_name"]))
    assert "name" not in no_names.columns
    with pytest.raises(AnalysisError, match=r"^unknown level 'district'; use one of municipality, orp, region$"):
        coverage_ratios(_units(**{"1": 1.0}), BASE, MUN, level="district")


def test_coverage_sorted_in_legal_order_of_types():
    base = pd.concat([BASE.assign(type_code=t) for t in ("60a", "49", "61", "60")], ignore_index=True)
    units = pd.concat([_units(**{"1": 1.0}).assign(type_code=t) for t in ("60a", "49", "61", "60")])
    cov = coverage_ratios(units, base, MUN, level="region")
    assert cov["type_code"].tolist() == ["49", "60", "60a", "61"]


def test_coverage_with_integer_codes_and_fractional_bases():
    """Codes given as numbers still join; a base of half a person (an indicator average) has a
    ratio: 1 unit / 0.5 = 2,000 per 1,000. A norm of 0.5 per 1,000 is a reference."""
    mun = MUN.assign(municipality_code=[1, 2, 3])
    base = pd.DataFrame({"municipality_code": [1, 2, 3], "type_code": [49, 49, 49], "target_band": ["PNP"] * 3,
                         "target_population": [0.5, 0.0, 2000.0]})
    units = pd.DataFrame({"municipality_code": [1, 3], "type_code": [49, 49], "units": [1.0, 3.0]})
    cov = coverage_ratios(units, base, mun, level="municipality",
                          norms=pd.DataFrame({"type_code": ["49"], "units_per_1000": [0.5]})).set_index("code")
    assert cov.loc["1", "units_per_1000"] == pytest.approx(2000.0)
    assert np.isnan(cov.loc["2", "units_per_1000"])  # no base: no ratio (not 0, not inf)
    assert cov.loc["3", "units_per_1000"] == pytest.approx(1.5)
    assert cov.loc["3", "index"] == pytest.approx(3.0)  # 1.5 / 0.5
    assert cov.loc["1", "difference_per_1000"] == pytest.approx(1999.5)


def test_municipal_table_messages(caplog):
    with pytest.raises(AnalysisError, match=r"^units: missing or non-numeric units$"):
        municipal_table(_units(**{"1": 1.0}).assign(units=["many"]), BASE, MUN)
    with pytest.raises(AnalysisError, match=r"^base: no target population for type\(s\) \['50'\]$"):
        municipal_table(_units(**{"1": 1.0}).assign(type_code="50"), BASE, MUN)
    with pytest.raises(AnalysisError, match=r"^municipalities: municipality_code repeats$"):
        municipal_table(_units(**{"1": 1.0}), BASE, pd.concat([MUN, MUN.iloc[:1]]))
    with pytest.raises(AnalysisError, match=r"^municipalities: missing column\(s\) 'region_code'"):
        municipal_table(_units(**{"1": 1.0}), BASE, MUN.drop(columns="region_code"))
    with pytest.raises(AnalysisError, match=r"^units: missing column\(s\) 'units'"):
        municipal_table(_units(**{"1": 1.0}).drop(columns="units"), BASE, MUN)
    with pytest.raises(AnalysisError, match=r"^base: missing column\(s\) 'target_population'"):
        municipal_table(_units(**{"1": 1.0}), BASE.drop(columns="target_population"), MUN)
    with caplog.at_level("INFO", logger="geo_kissos.analysis"):
        table = municipal_table(_units(**{"1": 1.0, "8": 3.0, "9": 4.0}), BASE, MUN)
    assert caplog.records[-1].getMessage().startswith(
        "2 unit row(s) (7 units) lie in municipalities outside the territory")
    assert table.set_index("municipality_code")["units"].to_dict() == {"1": 1.0, "2": 0.0, "3": 0.0}
    assert table["target_band"].tolist() == ["65+"] * 3 and table["orp_name"].tolist() == ["Orp 1", "Orp 1", "Orp 2"]


# --------------------------------------------------------------------------- gaps
def test_gap_ranks_ties_fractions_and_zero_need():
    """Regional average 40 units / 4,000 = 10 per 1,000. O1 (2,000 people) has 10 units: need 20,
    gap -10; O2 (2,000) has 30: gap +10. At municipality level m1 and m2 tie (need 10 each, 5
    units each: gap -5) and share rank 1."""
    g = availability_gaps(_units(**{"1": 5.0, "2": 5.0, "3": 30.0}), BASE, MUN, level="municipality")
    g = g.set_index("code")
    assert list(g.columns) == [c for c in GAP_COLUMNS if c != "code"]
    assert set(g["level"]) == {"municipality"}
    assert g["rank"].tolist() == [1, 1, 3] and str(g["rank"].dtype) == "Int64"
    assert g["gap_units"].tolist() == pytest.approx([-5.0, -5.0, 10.0])
    assert g.loc["3", "surplus_units"] == 10 and g.loc["3", "deficit_units"] == 0
    assert g["priority"].tolist()[:2] == [1, 1] and pd.isna(g.loc["3", "priority"])
    orp = availability_gaps(_units(**{"1": 5.0, "2": 5.0, "3": 30.0}), BASE, MUN).set_index("code")
    assert orp["need_units"].tolist() == pytest.approx([20.0, 20.0]) and orp["level"].tolist() == ["orp"] * 2


def test_gap_of_half_a_unit_is_a_deficit_and_a_surplus():
    """Norm 10 per 1,000: m1 needs 10 and has 9.5 (deficit 0.5), m2 needs 10 and has 10.5."""
    norms = pd.DataFrame({"type_code": ["49"], "units_per_1000": [10.0]})
    g = availability_gaps(_units(**{"1": 9.5, "2": 10.5, "3": 20.0}), BASE, MUN, norms=norms,
                          level="municipality").set_index("code")
    assert g.loc["1", "deficit_units"] == pytest.approx(0.5) and g.loc["1", "priority"] == 1
    assert g.loc["2", "surplus_units"] == pytest.approx(0.5) and g.loc["2", "deficit_units"] == 0
    assert pd.isna(g.loc["2", "priority"]) and pd.isna(g.loc["3", "priority"])  # m3 exactly at need
    assert g.loc["1", "deficit_share"] == pytest.approx(0.05)


def test_zero_and_fractional_need():
    """Half a person at norm 1,000 per 1,000 needs 0.5 units; nobody needs nothing."""
    cov = pd.DataFrame({"level": ["orp"] * 3, "code": ["A", "B", "C"], "region_code": ["R"] * 3,
                        "type_code": ["49"] * 3, "target_band": ["65+"] * 3, "units": [0.25, 2.0, 0.0],
                        "target_population": [0.5, 0.0, 0.5], "units_per_1000": [500.0, np.nan, 0.0],
                        "reference": ["norm"] * 3, "reference_per_1000": [1000.0] * 3, "index": [0.5, np.nan, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = gaps_from_coverage(cov).set_index("code")
    assert "index" not in g.columns
    assert g["need_units"].tolist() == pytest.approx([0.5, 0.0, 0.5])
    assert g.loc["A", "coverage_pct"] == pytest.approx(50.0) and g.loc["A", "deficit_share"] == pytest.approx(0.5)
    assert np.isnan(g.loc["B", "coverage_pct"]) and g.loc["B", "deficit_share"] == 0.0
    assert g.loc["B", "surplus_units"] == 2.0
    assert g.loc["C", "deficit_share"] == 1.0 and g["priority"].tolist()[0] == 2
    assert g.index.tolist() == ["A", "B", "C"]


# --------------------------------------------------------------------------- field services by reach
def test_reach_with_integer_ids_and_an_empty_reach_split_equally():
    """A (4 FTE) reaches m1 (100) and m2 (300): 1 and 3. E (2 FTE) reaches m8 and m9, which have
    no target population: 1 and 1 (split equally, nothing lost)."""
    reach = pd.DataFrame({"service_id": [1, 1, 5, 5, 5], "municipality_code": [1, 2, 8, 9, 9]})
    svc = pd.DataFrame({"service_id": [1, 5], "type_code": [40, 40], "units": [4, 2]})
    base = pd.DataFrame({"municipality_code": [1, 2], "type_code": [40, 40], "target_population": [100, 300]})
    alloc = allocate_by_reach(reach, svc, base)
    assert list(alloc.columns) == ["service_id", "type_code", "municipality_code", "share", "units"]
    a = alloc.set_index(["service_id", "municipality_code"])
    assert a["units"].to_dict() == pytest.approx({("1", "1"): 1.0, ("1", "2"): 3.0, ("5", "8"): 1.0, ("5", "9"): 1.0})
    assert a["share"].to_dict() == pytest.approx({("1", "1"): 0.25, ("1", "2"): 0.75, ("5", "8"): 0.5, ("5", "9"): 0.5})
    fc = field_coverage(reach, svc, base).set_index("municipality_code")
    assert fc["units"].to_dict() == pytest.approx({"1": 1.0, "2": 3.0})
    assert fc["n_services"].tolist() == [1, 1] and fc["units_per_1000"].tolist() == pytest.approx([10.0, 10.0])


def test_reach_of_fractional_bases_and_its_messages(caplog):
    reach = pd.DataFrame({"service_id": ["A", "A"], "municipality_code": ["1", "2"]})
    svc = pd.DataFrame({"service_id": ["A"] + [f"N{k}" for k in range(6)], "type_code": ["40"] * 7,
                        "units": [1.0] * 7})
    base = pd.DataFrame({"municipality_code": ["1", "2"], "type_code": ["40"] * 2, "target_population": [0.1, 0.3]})
    with caplog.at_level("INFO", logger="geo_kissos.analysis"):
        a = allocate_by_reach(reach, svc, base)
    assert caplog.records[0].getMessage() == ("6 service(s) have no territorial reach and are left out: "
                                              "N0, N1, N2, N3, N4")
    assert a["units"].tolist() == pytest.approx([0.25, 0.75])  # shares of 0.4 people, not equal
    for frame, col, what in ((reach, "municipality_code", "reach"), (svc, "units", "service units"),
                             (base, "target_population", "base")):
        args = [reach, svc, base]
        args[[reach is frame, svc is frame, base is frame].index(True)] = frame.drop(columns=col)
        with pytest.raises(AnalysisError, match=rf"^{what}: missing column\(s\) '{col}'"):
            allocate_by_reach(*args)


def test_field_coverage_with_municipalities_and_unreached():
    reach = pd.DataFrame({"service_id": ["A"], "municipality_code": ["1"]})
    svc = pd.DataFrame({"service_id": ["A"], "type_code": ["40"], "units": [2.0]})
    base = BASE.assign(type_code="40")
    fc = field_coverage(reach, svc, base, MUN)
    assert list(fc.columns[:4]) == ["municipality_code", "name", "orp_code", "orp_name"]
    assert fc["name"].tolist() == ["Jedna", "Dva", "Tři"]
    assert fc["reached"].tolist() == [True, False, False] and fc["n_services"].tolist() == [1, 0, 0]
    assert fc["units_per_1000"].tolist() == pytest.approx([2.0, 0.0, 0.0])
    un = unreached_municipalities(fc)
    assert un["municipality_code"].tolist() == ["2", "3"] and un.index.tolist() == [0, 1]
    only = field_coverage(reach, svc, base, MUN[MUN["municipality_code"] != "3"])
    assert only["municipality_code"].tolist() == ["1", "2"]


def test_second_round_of_survivors():
    """Column sets and dtypes a reader relies on; a reach municipality without a base row."""
    g = availability_gaps(_units(**{"1": 5.0, "2": 5.0, "3": 30.0}), BASE, MUN, level="municipality")
    assert str(g["priority"].dtype) == "Int64"
    assert g.set_index("code").loc["1", "surplus_units"] == 0  # a deficit is no negative surplus
    # municipal_table keeps the territory's names, and a base without target_band is fine
    table = municipal_table(_units(**{"1": 1.0}), BASE, MUN)
    assert list(table.columns[:4]) == ["municipality_code", "type_code", "target_band", "target_population"]
    assert table["name"].tolist() == ["Jedna", "Dva", "Tři"]
    bare = municipal_table(_units(**{"1": 1.0}), BASE.drop(columns="target_band"), MUN)
    assert "target_band" not in bare.columns and bare["units"].tolist() == [1.0, 0.0, 0.0]
    # A (4 FTE) reaches m1 (100 people) and m7, which has no base row: all 4 FTE go to m1
    reach = pd.DataFrame({"service_id": ["A", "A"], "municipality_code": ["1", "7"]})
    svc = pd.DataFrame({"service_id": ["A"], "type_code": ["40"], "units": [4.0]})
    base = pd.DataFrame({"municipality_code": ["1"], "type_code": ["40"], "target_population": [100.0]})
    a = allocate_by_reach(reach, svc, base).set_index("municipality_code")
    assert a["units"].to_dict() == {"1": 4.0, "7": 0.0}
    # field coverage: exact columns, integer counts, municipalities given with integer codes
    mun = MUN.assign(municipality_code=[1, 2, 3])
    fc = field_coverage(pd.DataFrame({"service_id": ["A"], "municipality_code": ["1"]}), svc,
                        BASE.assign(type_code="40", target_population=[0.4, 1000.0, 2000.0]), mun)
    assert list(fc.columns) == ["municipality_code", "name", "orp_code", "orp_name", "type_code",
                                "reached", "n_services", "units", "target_population", "units_per_1000"]
    assert fc["municipality_code"].tolist() == ["1", "2", "3"] and fc["n_services"].dtype.kind == "i"
    assert fc["units_per_1000"].tolist() == pytest.approx([10_000.0, 0.0, 0.0])  # 4 FTE / 0.4 people
    un = unreached_municipalities(fc)
    assert list(un.columns) == list(fc.columns)


def test_target_population_of_every_type_by_default():
    pop = pd.DataFrame({"municipality_code": ["1"] * 5, "year": [2024] * 5,
                        "age_band": ["0-17", "18-64", "65+", "80+", "total"], "persons": [1, 2, 3, 4, 10]})
    base = target_population(pop, 2025)
    assert len(base) == 33 and base["type_code"].iloc[0] == "37"
    assert base.set_index("type_code").loc["49", "target_population"] == 3.0
