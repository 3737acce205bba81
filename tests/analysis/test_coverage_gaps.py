"""Coverage ratios, field reach and the gap table on the hand-checkable region (conftest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis import (
    AnalysisError,
    attribute_units,
    availability_gaps,
    base_population,
    coverage_ratios,
    field_coverage,
    indicator_base,
    target_population,
    unreached_municipalities,
)


def test_target_population_uses_type_band_and_latest_earlier_year(region_inputs):
    pop = region_inputs.population
    base = target_population(pop, 2025, ["49", "54"])
    assert set(base["population_year"]) == {2024}
    b49 = base[base["type_code"] == "49"].set_index("municipality_code")["target_population"]
    assert b49.to_dict() == {"900001": 1000, "900002": 500, "900003": 2000, "900004": 500}
    b54 = base[base["type_code"] == "54"]  # early intervention: children 0-17
    assert set(b54["target_band"]) == {"0-17"}
    assert b54.set_index("municipality_code").loc["900001", "target_population"] == 1000
    assert target_population(pop, 2023, ["49"])["target_population"].sum() == 8000
    with pytest.raises(AnalysisError):
        target_population(pop, 2020, ["49"])
    with pytest.raises(AnalysisError):
        target_population(pop, 2024, ["99"])


def test_attribution_rule_sites_versus_reach(region_inputs):
    units = attribute_units(region_inputs).set_index(["service_id", "municipality_code"])
    # residential: at the site
    assert units.loc[("S1", "900001"), "units"] == 60
    assert units.loc[("S1", "900001"), "how"] == "sites"
    # field-only: over the reach in proportion to the 65+ population (1000 : 500)
    assert units.loc[("S3", "900001"), "units"] == pytest.approx(4.0)
    assert units.loc[("S3", "900002"), "units"] == pytest.approx(2.0)
    assert units.loc[("S3", "900001"), "how"] == "reach"
    assert units["units"].sum() == pytest.approx(99.0)  # nothing counted twice


def test_coverage_per_orp_against_regional_average(region_inputs):
    base = base_population(region_inputs)
    cov = coverage_ratios(attribute_units(region_inputs), base, region_inputs.municipalities)
    c = cov.set_index(["code", "type_code"])
    assert c.loc[("O1", "49"), "units_per_1000"] == pytest.approx(60 / 1500 * 1000)  # 40
    assert c.loc[("O2", "49"), "units_per_1000"] == pytest.approx(30 / 2500 * 1000)  # 12
    assert c.loc[("O1", "49"), "reference_per_1000"] == pytest.approx(90 / 4000 * 1000)
    assert c.loc[("O1", "49"), "reference"] == "regional_average"
    assert c.loc[("O2", "40"), "units_per_1000"] == pytest.approx(3 / 2500 * 1000)
    assert c.loc[("O1", "49"), "name"] == "Orp One"
    assert c.loc[("O2", "49"), "index"] == pytest.approx(12 / 22.5)


def test_coverage_levels_and_norms(region_inputs):
    base = base_population(region_inputs)
    units = attribute_units(region_inputs)
    norms = pd.DataFrame({"type_code": ["49"], "units_per_1000": [25.0]})
    muni = coverage_ratios(units, base, region_inputs.municipalities, level="municipality",
                           norms=norms).set_index(["code", "type_code"])
    assert muni.loc[("900002", "49"), "units_per_1000"] == 0
    assert muni.loc[("900002", "49"), "reference"] == "norm"
    assert muni.loc[("900002", "49"), "reference_per_1000"] == 25
    assert muni.loc[("900002", "40"), "reference"] == "regional_average"  # no norm for § 40
    region = coverage_ratios(units, base, region_inputs.municipalities, level="region")
    assert len(region) == 2
    assert region.set_index("type_code").loc["49", "units_per_1000"] == pytest.approx(22.5)
    with pytest.raises(AnalysisError):
        coverage_ratios(units, base, region_inputs.municipalities, level="district")
    with pytest.raises(AnalysisError):
        coverage_ratios(units, base, region_inputs.municipalities,
                        norms=pd.DataFrame({"type_code": ["49"], "units_per_1000": [-1]}))


def test_gap_table_regional_average(region_inputs):
    base = base_population(region_inputs)
    gaps = availability_gaps(attribute_units(region_inputs), base, region_inputs.municipalities)
    g = gaps.set_index(["code", "type_code"])
    # need = 22.5 per 1000 × target population
    assert g.loc[("O1", "49"), "need_units"] == pytest.approx(33.75)
    assert g.loc[("O2", "49"), "need_units"] == pytest.approx(56.25)
    assert g.loc[("O2", "49"), "gap_units"] == pytest.approx(-26.25)
    assert g.loc[("O2", "49"), "deficit_units"] == pytest.approx(26.25)
    assert g.loc[("O1", "49"), "surplus_units"] == pytest.approx(26.25)
    assert g.loc[("O2", "49"), "rank"] == 1 and g.loc[("O1", "49"), "rank"] == 2
    assert g.loc[("O2", "49"), "coverage_pct"] == pytest.approx(100 * 30 / 56.25)
    # against the regional average, gaps of a type sum to zero
    assert gaps.groupby("type_code")["gap_units"].sum().abs().max() < 1e-9
    assert pd.isna(g.loc[("O1", "49"), "priority"])


def test_gap_table_with_norm(region_inputs):
    base = base_population(region_inputs)
    norms = pd.DataFrame({"type_code": ["49", "40"], "units_per_1000": [25.0, 3.0]})
    g = availability_gaps(attribute_units(region_inputs), base, region_inputs.municipalities,
                          norms=norms).set_index(["code", "type_code"])
    assert g.loc[("O1", "49"), "gap_units"] == pytest.approx(60 - 37.5)
    assert g.loc[("O2", "49"), "gap_units"] == pytest.approx(30 - 62.5)
    # § 40: O1 6 FTE vs 4.5 needed, O2 3 vs 7.5
    assert g.loc[("O2", "40"), "deficit_units"] == pytest.approx(4.5)
    # priority by share of need missing: O2/40 (4.5/7.5 = 0.6) before O2/49 (32.5/62.5 = 0.52)
    assert g.loc[("O2", "40"), "priority"] == 1
    assert g.loc[("O2", "49"), "priority"] == 2


def test_gap_from_demand_indicator(region_inputs):
    ind = pd.DataFrame({
        "municipality_code": ["900001", "900002", "900003", "900004"],
        "year": [2025] * 4,
        "code": ["PNP_TOTAL"] * 4,
        "value": [100.0, 100.0, 300.0, 100.0],
    })
    base = indicator_base(ind, 2025, "PNP_TOTAL", ["49"])
    units = attribute_units(region_inputs)
    g = availability_gaps(units[units["type_code"] == "49"], base,
                          region_inputs.municipalities).set_index("code")
    # regional: 90 beds / 600 recipients = 150 per 1000; O1 has 200 recipients -> need 30
    assert g.loc["O1", "reference_per_1000"] == pytest.approx(150)
    assert g.loc["O1", "need_units"] == pytest.approx(30)
    assert g.loc["O1", "gap_units"] == pytest.approx(30)
    assert g.loc["O2", "target_band"] == "PNP_TOTAL"


def test_field_coverage_and_unreached(region_inputs):
    svc = region_inputs.services[region_inputs.services["type_code"] == "40"]
    base = base_population(region_inputs, ["40"])
    fc = field_coverage(region_inputs.reach, svc, base, region_inputs.municipalities)
    f = fc.set_index("municipality_code")
    assert f.loc["900001", "units"] == pytest.approx(4.0)
    assert f.loc["900002", "units"] == pytest.approx(2.0)
    # proportional split: same FTE per 1,000 aged 65+ wherever S3 alone reaches
    assert f.loc["900001", "units_per_1000"] == pytest.approx(4.0)
    assert f.loc["900002", "units_per_1000"] == pytest.approx(4.0)
    assert f.loc["900003", "units_per_1000"] == pytest.approx(1.5)
    assert not f.loc["900004", "reached"] and f.loc["900004", "units"] == 0
    assert unreached_municipalities(fc)["municipality_code"].tolist() == ["900004"]
    assert fc["units"].sum() == pytest.approx(9.0)


def test_field_coverage_overlapping_services_and_empty_reach(caplog):
    reach = pd.DataFrame({"service_id": ["A", "A", "B", "C"],
                          "municipality_code": ["1", "2", "2", "3"]})
    svc = pd.DataFrame({"service_id": ["A", "B", "C", "D"], "type_code": ["40"] * 4,
                        "units": [3.0, 1.0, 2.0, 5.0]})
    base = pd.DataFrame({"municipality_code": ["1", "2", "3"], "type_code": ["40"] * 3,
                         "target_population": [100.0, 200.0, 0.0]})
    with caplog.at_level("INFO", logger="geo_kissos.analysis"):
        fc = field_coverage(reach, svc, base).set_index("municipality_code")
    assert any("no territorial reach" in r.getMessage() for r in caplog.records)
    assert fc.loc["1", "units"] == pytest.approx(1.0)
    assert fc.loc["2", "units"] == pytest.approx(2.0 + 1.0)
    assert fc.loc["2", "n_services"] == 2
    assert fc.loc["3", "units"] == pytest.approx(2.0)  # reach without target population
    assert np.isnan(fc.loc["3", "units_per_1000"])


def test_units_in_municipality_without_population_rows_still_count(region_inputs, caplog):
    base = base_population(region_inputs)
    base = base[base["municipality_code"] != "900001"]  # no population reported for m1
    units = attribute_units(region_inputs)
    cov = coverage_ratios(units, base, region_inputs.municipalities).set_index(
        ["code", "type_code"])
    assert cov.loc[("O1", "49"), "units"] == 60
    assert cov.loc[("O1", "49"), "target_population"] == 500
    with caplog.at_level("INFO", logger="geo_kissos.analysis"):
        coverage_ratios(pd.DataFrame({"municipality_code": ["999999"], "type_code": ["49"],
                                      "units": [5.0]}), base, region_inputs.municipalities)
    assert any("outside the territory" in r.getMessage() for r in caplog.records)
