"""One result per territorial table: the map, the CLI and the export tables read the same numbers.

Hand values from the conftest region (§ 49, analysis year 2025, population of 2024): S1 has 60
beds in m1 (ORP O1; its latest 2025 network row), S2 30 beds in m3 (ORP O2; capacity, no network
row). Aged 65+: O1 1,500, O2 2,500, the region 4,000. Regional average 90 / 4,000 = 22.5 per
1,000, so O2 needs 22.5 × 2.5 = 56.25 beds, has 30: gap −26.25, deficit 26.25, coverage 12 per
1,000 (30 / 2,500 × 1,000).
"""

from __future__ import annotations

import click
import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import MultiPolygon

from geo_kissos import analysis as ga
from geo_kissos import layers as gl
from geo_kissos.cli.analysis import register
from geo_kissos.export.tables import read_xlsx_sheet, region_tables, write_xlsx
from geo_kissos.store import GpkgStore

O2_GAP, O2_PER_1000 = -26.25, 12.0


def _store_tables(region_tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The conftest region as store tables, with the ORPs and the provider the layers read."""
    mun = region_tables["municipality"]
    orp = mun.dissolve("orp_code", as_index=False)[["orp_code", "orp_name", "region_code", "geom"]]
    orp = gpd.GeoDataFrame(orp.rename(columns={"orp_name": "name"}), geometry="geom", crs=5514)
    orp["geom"] = [g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) for g in orp.geometry]
    provider = pd.DataFrame({"ico": ["12345678"], "name": ["Poskytovatel"], "address": [None]})
    pop = region_tables["population"]
    # the layers offer the population's years: 2025 as 2024, so the map shows 2025 as asked
    pop = pd.concat([pop, pop[pop["year"] == 2024].assign(year=2025)], ignore_index=True)
    return {"orp": orp, "provider": provider, **region_tables, "population": pop}


def _fill(store, tables: dict[str, pd.DataFrame]) -> None:
    with store.transaction() as w:
        for name, df in tables.items():
            w.upsert(name, df)


@pytest.fixture
def region_store(empty_store, region_tables):
    _fill(empty_store, _store_tables(region_tables))
    return empty_store


@pytest.fixture
def store_url(region_store, request) -> str:
    """What ``--store`` takes for the store of the test (PostGIS: the URL with its password)."""
    if isinstance(region_store, GpkgStore):
        return str(region_store.path)
    return request.getfixturevalue("pg_url")


def _cli(args: list[str]) -> click.testing.Result:
    return CliRunner().invoke(_cli_group(), args, catch_exceptions=False)


def test_result_holds_coverage_gaps_access_and_what_was_left_out(region_inputs):
    inputs = region_inputs.copy()
    extra = pd.DataFrame({"service_id": ["S5", "S6"], "type_code": ["49", "49"],
                          "name": ["Nowhere", "Unlocated"], "forms": [("residential",)] * 2,
                          "units": [5.0, 7.0], "unit": ["beds"] * 2, "units_source": ["capacity"] * 2})
    inputs.services = pd.concat([inputs.services, extra], ignore_index=True)
    unlocated = gpd.GeoDataFrame({"site_id": ["S6-a"], "service_id": ["S6"], "municipality_code": ["900004"],
                                  "location_quality": ["unlocated"]}, geometry=[None], crs=5514)
    inputs.sites = gpd.GeoDataFrame(pd.concat([inputs.sites, unlocated], ignore_index=True),
                                    geometry="geometry", crs=5514)
    res = ga.territory_tables(inputs, ga.TerritoryParams(
        level="orp", type_codes=("49",), access=ga.AccessParams(max_cost=15_000)))
    assert res.type_codes == ("49",) and res.base_year == 2024
    cov = res.values("49", "coverage")
    # S6 (7 beds, unlocated, in m4 of O2) counts in coverage: O2 has 37 beds of 2,500 people
    assert cov.loc["O2", "units"] == 37 and cov.loc["O2", "units_per_1000"] == pytest.approx(14.8)
    assert res.values("49", "gaps").loc["O1", "gap_units"] == pytest.approx(60 - 97 / 4000 * 1500)
    assert set(res.values("49", "access").index) == {"O1", "O2"}
    left = res.left_out.set_index("service_id")
    assert left["reason"].to_dict() == {"S5": "no_place", "S6": "no_located_site"}
    assert left.loc["S6", "part"] == "access" and left.loc["S5", "part"] == "all"
    lines = res.left_out_lines()
    assert len(lines) == 2 and "S5" in lines[0] and "accessibility" in lines[1]


def test_levels_agree_and_norms_are_checked_first(region_inputs):
    by_level = {lv: ga.territory_tables(region_inputs, ga.TerritoryParams(level=lv, type_codes=("49",)))
                for lv in ("municipality", "orp", "region")}
    totals = {lv: r.coverage["units"].sum() for lv, r in by_level.items()}
    assert totals == {"municipality": 90.0, "orp": 90.0, "region": 90.0}
    assert by_level["region"].gaps["gap_units"].tolist() == pytest.approx([0.0])
    with pytest.raises(ga.AnalysisError, match="unknown level 'district'"):
        ga.TerritoryParams(level="district")
    with pytest.raises(ga.AnalysisError, match="units_per_1000 must be numbers"):
        ga.TerritoryParams(norms=pd.DataFrame({"type_code": ["49"], "units_per_1000": ["many"]}))


def test_map_cli_and_export_table_agree_for_a_type_and_an_orp(region_store, store_url, tmp_path):
    """§ 49 in ORP O2: the gap layer, the coverage layer, the CLI gap and coverage tables, the
    export gap table and its XLSX all show the hand-derived numbers."""
    gap_layer = gl.layer_frame(region_store, gl.get_layer("gap-49-orp"), 2025).set_index("code")
    cov_layer = gl.layer_frame(region_store, gl.get_layer("coverage-49-orp"), 2025).set_index("code")
    assert gap_layer.attrs["year"] == cov_layer.attrs["year"] == 2025
    assert gap_layer.loc["O2", "value"] == pytest.approx(-O2_GAP)  # the layer shows the deficit
    assert gap_layer.loc["O2", "gap_units"] == pytest.approx(O2_GAP)
    assert cov_layer.loc["O2", "value"] == pytest.approx(O2_PER_1000)

    url = store_url
    out, cov_out = tmp_path / "gaps.csv", tmp_path / "coverage.csv"
    for cmd, path in (("gaps", out), ("coverage", cov_out)):
        res = _cli(["analysis", cmd, "--store", url, "--year", "2025", "--type", "49", "--out", str(path)])
        assert res.exit_code == 0, res.output
    cli_gaps = pd.read_csv(out, dtype={"code": str, "type_code": str}).set_index("code")
    cli_cov = pd.read_csv(cov_out, dtype={"code": str, "type_code": str}).set_index("code")
    assert cli_gaps.loc["O2", "gap_units"] == pytest.approx(O2_GAP)
    assert cli_cov.loc["O2", "units_per_1000"] == pytest.approx(O2_PER_1000)

    tables = region_tables(ga.load_inputs(region_store, 2025))
    export = tables.for_orp("O2")["gaps"].set_index("type_code")
    assert export.loc["49", "gap_units"] == pytest.approx(O2_GAP)
    assert export.loc["49", "units_per_1000"] == pytest.approx(O2_PER_1000)
    xlsx = write_xlsx(tables.for_orp("O2"), tmp_path / "o2.xlsx", about=tables.about_rows())
    sheet = read_xlsx_sheet(xlsx, "gaps").set_index("type_code")
    assert sheet.loc["49", "gap_units"] == pytest.approx(O2_GAP)
    about = dict(read_xlsx_sheet(xlsx, "about").values.tolist())
    assert "NOUNITS" in about["vynecháno: bez jednotek v daném roce (v síti ani v registrované kapacitě)"]
    for col in ("units", "need_units", "deficit_units"):  # every number, not only the gap
        assert gap_layer.loc["O2", col] == pytest.approx(cli_gaps.loc["O2", col])
        assert export.loc["49", col] == pytest.approx(cli_gaps.loc["O2", col])


def test_cli_prints_what_was_left_out(store_url, tmp_path):
    url = store_url
    res = _cli(["analysis", "gaps", "--store", url, "--year", "2025", "--out", str(tmp_path / "g.csv")])
    assert res.exit_code == 0
    assert "warning: 1 service(s) of 2025 left out of the tables: no units in the year" in res.output
    assert "NOUNITS" in res.output


def test_removed_service_counts_zero_in_popup_and_coverage(empty_store, region_tables):
    """S2 leaves the network in 2025 (a later row with status removed): 0 beds in the coverage,
    0 in the popup; S4's network row in beds (wrong unit for § 40) is not shown as network units,
    the coverage counts its 3 FTE of capacity instead."""
    tables = _store_tables(region_tables)
    tables["network"] = pd.concat([tables["network"], pd.DataFrame({
        "service_id": ["S2", "S2"], "year": [2025, 2025],
        "update_date": pd.to_datetime(["2025-03-31", "2025-09-30"]), "units": [30.0, 30.0],
        "unit": ["beds", "beds"], "status": ["included", "removed"]})], ignore_index=True)
    _fill(empty_store, tables)
    res = ga.territory_from_store(empty_store, 2025, ga.TerritoryParams(type_codes=("49", "40")))
    cov = res.coverage.set_index(["code", "type_code"])
    assert cov.loc[("O2", "49"), "units"] == 0
    assert cov.loc[("O2", "40"), "units"] == 3
    popup = gl.layer_frame(empty_store, gl.get_layer("sites"), 2025).set_index("service_id")
    assert popup.loc["S2", "network_units"] == 0
    assert popup.loc["S2", "network_text"].startswith("0 ") and "vyřazena" in popup.loc["S2", "network_text"]
    assert popup.loc["S1", "network_units"] == 60
    assert pd.isna(popup.loc["S4", "network_units"]) and popup.loc["S4", "network_text"] == ""
    gap_layer = gl.layer_frame(empty_store, gl.get_layer("gap-49-orp"), 2025).set_index("code")
    assert gap_layer.loc["O2", "units"] == 0


def test_year_without_network_rows_is_refused_by_the_library(region_store, store_url, tmp_path):
    with pytest.raises(ga.NetworkYearError, match=r"no units for 2031 \(years in the store: 2024, 2025\)") as e:
        ga.territory_from_store(region_store, 2031)
    assert e.value.year == 2031 and e.value.years == [2024, 2025]
    with pytest.raises(ga.NetworkYearError):
        ga.load_inputs(region_store, 2031)
    assert ga.load_inputs(region_store, 2031, check_year=False).year == 2031
    assert ga.analysis_years(region_store) == [2024, 2025]  # the network's, not the population's
    ga.check_network_year(pd.DataFrame(columns=["year"]), 2031)  # no network at all: capacities
    url = store_url
    res = CliRunner().invoke(_cli_group(), ["analysis", "coverage", "--store", url, "--year", "2031",
                                           "--out", str(tmp_path / "c.csv")])
    assert res.exit_code == 2 and "--year" in res.output and "no units for 2031" in res.output


def _cli_group() -> click.Group:
    @click.group()
    def main() -> None:
        """Test entry point."""

    register(main)
    return main
