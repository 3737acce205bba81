"""``geo-kissos analysis ...`` against a GeoPackage store holding the conftest region."""

from __future__ import annotations

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from geo_kissos.cli.analysis import register
from geo_kissos.store import GpkgStore


@pytest.fixture
def cli():
    @click.group()
    def main() -> None:
        """Test entry point."""

    register(main)
    return main


@pytest.fixture
def store_path(tmp_path, region_tables):
    path = tmp_path / "store.gpkg"
    store = GpkgStore(path)
    with store.transaction() as w:
        for name, df in region_tables.items():
            w.upsert(name, df)
    store.close()
    return path


def _run(cli, args):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def test_gaps_csv_and_xlsx(cli, store_path, tmp_path):
    out = tmp_path / "gaps.csv"
    _run(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2025", "--out", str(out)])
    g = pd.read_csv(out, dtype={"type_code": str, "code": str}).set_index(["code", "type_code"])
    assert len(g) == 4  # 2 ORPs × 2 types
    assert g.loc[("O2", "49"), "gap_units"] == pytest.approx(-26.25)
    assert g.loc[("O2", "49"), "rank"] == 1
    norms = tmp_path / "norms.csv"
    pd.DataFrame({"type_code": ["49"], "units_per_1000": [25]}).to_csv(norms, index=False)
    xlsx = tmp_path / "gaps.xlsx"
    _run(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2025", "--norms",
               str(norms), "--type", "49", "--out", str(xlsx)])
    x = pd.read_excel(xlsx, dtype={"type_code": str}).set_index("code")
    assert x.loc["O1", "need_units"] == pytest.approx(37.5)
    assert set(x["reference"]) == {"norm"}


def test_field_access_and_scenario_commands(cli, store_path, tmp_path):
    s = ["--store", str(store_path), "--year", "2025"]
    _run(cli, ["analysis", "field", *s, "--out", str(tmp_path / "field.csv")])
    f = pd.read_csv(tmp_path / "field.csv", dtype={"municipality_code": str})
    assert f.loc[~f["reached"], "municipality_code"].tolist() == ["900004"]
    _run(cli, ["analysis", "access", *s, "--method", "2sfca", "--max-distance", "15000",
               "--out", str(tmp_path / "access.csv")])
    a = pd.read_csv(tmp_path / "access.csv", dtype={"type_code": str})
    assert set(a["type_code"]) == {"40", "49"}
    changes = tmp_path / "changes.csv"
    pd.DataFrame({"action": ["resize"], "service_id": ["S2"], "units": [50]}).to_csv(
        changes, index=False)
    _run(cli, ["analysis", "scenario", *s, "--out", str(tmp_path / "diff.csv"), str(changes)])
    d = pd.read_csv(tmp_path / "diff.csv", dtype={"type_code": str})
    row = d[(d["table"] == "gaps") & (d["code"] == "O2") & (d["type_code"] == "49")
            & (d["metric"] == "units")]
    assert row["delta"].iloc[0] == pytest.approx(20)
    # the store is untouched
    assert GpkgStore(store_path).read("capacity").set_index(["service_id", "unit"]).loc[
        ("S2", "beds"), "value"] == 30


def test_bad_output_extension(cli, store_path, tmp_path):
    res = CliRunner().invoke(cli, ["analysis", "gaps", "--store", str(store_path), "--year",
                                   "2025", "--out", str(tmp_path / "gaps.txt")])
    assert res.exit_code != 0 and ".csv or .xlsx" in res.output


def test_sensitivity_indicator_and_all_types(cli, store_path, tmp_path):
    s = ["--store", str(store_path), "--year", "2025"]
    out = tmp_path / "sens.csv"
    _run(cli, ["analysis", "sensitivity", *s, "--type", "49", "--distances", "5000,40000",
               "--methods", "2sfca,3sfca", "--decays", "none,7000", "--out", str(out)])
    t = pd.read_csv(out, dtype={"type_code": str, "code": str})
    assert set(t["method"]) == {"2sfca", "3sfca"}
    assert set(t["decay"]) == {"none", "gaussian(7000)"}
    big = t[(t["max_cost"] == 40_000) & (t["method"] == "2sfca") & (t["code"] == "all")]
    assert big["unreached_share"].iloc[0] == 0  # 40 km reaches both homes from everywhere
    assert big["access_per_1000"].iloc[0] == pytest.approx(90 / 4000 * 1000)
    assert (t["year"] == 2025).all()
    # need from an indicator stored in the store: 100/100/300/100 recipients
    from geo_kissos.store import GpkgStore

    store = GpkgStore(store_path)
    with store.transaction() as w:
        w.upsert("indicator_value", pd.DataFrame({
            "municipality_code": ["900001", "900002", "900003", "900004"], "year": [2025] * 4,
            "code": ["PNP_TOTAL"] * 4, "value": [100.0, 100.0, 300.0, 100.0]}))
    store.close()
    gaps = tmp_path / "gaps.csv"
    _run(cli, ["analysis", "gaps", *s, "--type", "49", "--indicator", "PNP_TOTAL",
               "--out", str(gaps)])
    g = pd.read_csv(gaps, dtype={"type_code": str, "code": str}).set_index("code")
    assert g.loc["O1", "need_units"] == pytest.approx(30)  # 150 beds per 1,000 recipients
    _run(cli, ["analysis", "gaps", *s, "--all-types", "--out", str(gaps)])
    g = pd.read_csv(gaps, dtype={"type_code": str, "code": str})
    assert len(g) == 2 * 33
