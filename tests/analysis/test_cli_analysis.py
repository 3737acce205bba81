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


def _fails(cli, args, *expected):
    """The command stops with a usage/input error (exit 2), no traceback, naming ``expected``."""
    from geo_kissos.errors import GeoKissosError

    res = CliRunner().invoke(cli, args)
    if isinstance(res.exception, GeoKissosError):  # geo_kissos.cli.run prints it, exits with 2
        text = f"{res.output}error: {res.exception}"
    else:
        assert res.exit_code == 2, (res.output, res.exception)
        text = res.output
    for part in expected:
        assert part in text, text
    return res


def test_coverage_of_one_type(cli, store_path, tmp_path):
    """``--type`` restricts coverage (it used to fail: units of the other types had no base)."""
    out = tmp_path / "cov.csv"
    _run(cli, ["analysis", "coverage", "--store", str(store_path), "--year", "2025",
               "--type", "49", "--level", "region", "--out", str(out)])
    c = pd.read_csv(out, dtype={"type_code": str})
    assert c["type_code"].tolist() == ["49"]
    assert c["units"].iloc[0] == pytest.approx(90)


def test_norms_file_as_excel_saves_it(cli, store_path, tmp_path):
    """';'-separated cp1250 CSV with a decimal comma and '§ 49' is read; bad rows are named."""
    s = ["analysis", "gaps", "--store", str(store_path), "--year", "2025", "--type", "49"]
    norms = tmp_path / "normy.csv"
    norms.write_bytes("type_code;units_per_1000;poznámka\n§ 49;25,0;domovy\n".encode("cp1250"))
    out = tmp_path / "gaps.csv"
    _run(cli, [*s, "--norms", str(norms), "--out", str(out)])
    g = pd.read_csv(out, dtype={"code": str}).set_index("code")
    assert g.loc["O1", "need_units"] == pytest.approx(37.5)
    norms.write_text("type_code,units_per_1000\n49,25\n4 9,3\n", encoding="utf-8")
    _fails(cli, [*s, "--norms", str(norms), "--out", str(tmp_path / "x.csv")],
           "--norms", "normy.csv, row 3, column 'type_code'", "'4 9' is no § type")
    norms.write_text("type_code,units_per_1000\n49,many\n", encoding="utf-8")
    _fails(cli, [*s, "--norms", str(norms), "--out", str(tmp_path / "x.csv")],
           "row 2, column 'units_per_1000'", "'many' is not a number")
    norms.write_bytes("type_code,units_per_1000\n49,25\n".encode("utf-16"))
    _run(cli, [*s, "--norms", str(norms), "--out", str(out)])
    norms.write_bytes(b"")
    _fails(cli, [*s, "--norms", str(norms), "--out", str(tmp_path / "x.csv")], "empty file")
    assert not (tmp_path / "x.csv").exists()


def test_scenario_file_errors_name_file_and_row(cli, store_path, tmp_path):
    s = ["analysis", "scenario", "--store", str(store_path), "--year", "2025",
         "--out", str(tmp_path / "diff.csv")]
    changes = tmp_path / "zmeny.csv"

    def fails(text, *expected):
        changes.write_text(text, encoding="utf-8")
        _fails(cli, [*s, str(changes)], *expected)

    fails("action,service_id,type_code,x,y,units\nadd,N1,49,abc,-1125000,80\n",
          "zmeny.csv, row 2, column 'x'", "'abc' is not a number")
    fails("action,service_id,units\nresize,S2,10\nopen,N1,80\n",
          "zmeny.csv, row 3, column 'action'", "'open' is no action")
    fails("action,service_id,type_code,x,y,units\nadd,N1,49,16.9,49.6,80\n",
          "zmeny.csv, row 2", "lies in no municipality")
    # a municipality or reach outside the region was silently ignored (0 changed)
    fails("action,service_id,type_code,municipality_code,units\nadd,N1,49,123456,80\n",
          "zmeny.csv, row 2", "'123456' is no municipality")
    fails("action,service_id,type_code,units,reach\nadd,N1,40,5,900001;999999\n",
          "zmeny.csv, row 2", "999999")
    assert not (tmp_path / "diff.csv").exists()
    # ';' and a decimal comma, as a Czech Excel saves it
    changes.write_text("action;service_id;units\nresize;S2;50,0\n", encoding="utf-8")
    _run(cli, [*s, str(changes)])
    d = pd.read_csv(tmp_path / "diff.csv", dtype={"type_code": str, "code": str})
    row = d[(d["table"] == "gaps") & (d["code"] == "O2") & (d["type_code"] == "49")
            & (d["metric"] == "units")]
    assert row["delta"].iloc[0] == pytest.approx(20)


def test_options_checked_before_anything_is_computed(cli, store_path, tmp_path):
    s = ["--store", str(store_path), "--year", "2025", "--out", str(tmp_path / "x.csv")]
    _fails(cli, ["analysis", "gaps", *s, "--type", "99"], "--type", "'99' is no § type")
    _fails(cli, ["analysis", "access", *s, "--max-distance", "-5"], "--max-distance")
    _fails(cli, ["analysis", "access", *s, "--sigma", "0"], "--sigma")
    _fails(cli, ["analysis", "sensitivity", *s, "--methods", "2sfca,foo"], "--methods", "foo")
    _fails(cli, ["analysis", "sensitivity", *s, "--decays", "gauss"], "--decays", "gauss")
    _fails(cli, ["analysis", "gaps", *s, "--indicator", "FOO"], "--indicator", "FOO")
    _fails(cli, ["analysis", "field", *s, "--type", "49"], "no field-only services")
    assert not (tmp_path / "x.csv").exists()


def test_year_without_network_is_refused(cli, store_path, tmp_path):
    """A year the network has no units for used to give a table of zeros with exit code 0."""
    _fails(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2031",
                 "--out", str(tmp_path / "x.csv")], "--year", "no units for 2031")
    assert not (tmp_path / "x.csv").exists()


def test_tables_say_what_units_count(cli, store_path, tmp_path):
    """Beds (§ 49) and FTE (§ 40) sit in one table: every row names its unit and type."""
    out = tmp_path / "gaps.xlsx"
    _run(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2025", "--out", str(out)])
    from openpyxl import load_workbook

    ws = load_workbook(out).worksheets[0]
    assert ws.freeze_panes == "A2"  # the header stays visible when scrolling
    g = pd.read_excel(out, dtype={"type_code": str})
    assert dict(zip(g["type_code"], g["unit"], strict=True)) == {"49": "beds", "40": "fte"}
    assert set(g.loc[g["type_code"] == "49", "type_name"]) == {"domovy pro seniory"}


def test_unwritable_output_is_a_usage_error(cli, store_path, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    _fails(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2025",
                 "--out", str(blocker / "gaps.csv")], "--out", "cannot write")


def test_sensitivity_method_and_decay_that_never_run_together(cli, store_path, tmp_path):
    """2sfca runs without decay only: '--methods 2sfca --decays steps' gives nothing to compute."""
    _fails(cli, ["analysis", "sensitivity", "--store", str(store_path), "--year", "2025",
                 "--type", "49", "--methods", "2sfca", "--decays", "steps",
                 "--out", str(tmp_path / "s.csv")], "--decays", "2sfca needs 'none'")
    res = CliRunner().invoke(cli, ["analysis", "sensitivity", "--help"])
    assert "2sfca runs with 'none' only" in " ".join(res.output.split())


def test_scenario_change_outside_the_types_asked_for_is_flagged(cli, store_path, tmp_path):
    """Resizing a § 40 service with --type 49 used to give '0 changed' without a word."""
    changes = tmp_path / "changes.csv"
    changes.write_text("action,service_id,units\nresize,S3,12\n", encoding="utf-8")
    res = _run(cli, ["analysis", "scenario", "--store", str(store_path), "--year", "2025",
                     "--type", "49", "--out", str(tmp_path / "d.csv"), str(changes)])
    assert "changes.csv, row 2: service S3 is § 40, not among --type 49" in res.output


def test_access_with_nothing_in_reach_says_so(cli, tmp_path, region_tables):
    """``--max-distance 100`` used to end in ``ValueError: cannot convert float NaN to integer``.

    The homes are moved 3 km north of the municipality points (the centres of the squares), so
    no demand point has a site within 100 m: every ORP is wholly unreached, and the command says
    it on stderr instead of leaving it to be read from the table."""
    from shapely.affinity import translate

    tables = dict(region_tables)
    tables["site"] = region_tables["site"].copy()
    tables["site"]["geom"] = tables["site"].geometry.map(lambda g: translate(g, yoff=3000.0))
    path = tmp_path / "far.gpkg"
    store = GpkgStore(path)
    with store.transaction() as w:
        for name, df in tables.items():
            w.upsert(name, df)
    store.close()
    out = tmp_path / "access.csv"
    res = _run(cli, ["analysis", "access", "--store", str(path), "--year", "2025", "--type", "49",
                     "--max-distance", "100", "--out", str(out)])
    a = pd.read_csv(out, dtype={"type_code": str, "code": str}).set_index("code")
    assert a["unreached_share"].tolist() == [1.0, 1.0]
    assert a.loc["O1", "unreached_demand"] == 1500 and a.loc["O2", "unreached_demand"] == 2500
    assert "§ 49: no service site lies within 100 m of any demand point" in res.stderr
    assert "4000 people" in res.stderr
    # 5 km reaches the homes again: no warning
    res = _run(cli, ["analysis", "access", "--store", str(path), "--year", "2025", "--type", "49",
                     "--max-distance", "5000", "--out", str(out)])
    assert "no service site lies within" not in res.stderr


def test_csv_output_starts_with_the_bom_it_promises(cli, store_path, tmp_path):
    """Read as bytes: ``utf-8-sig`` reads a file with or without a BOM alike, so it proves nothing."""
    out = tmp_path / "gaps.csv"
    _run(cli, ["analysis", "gaps", "--store", str(store_path), "--year", "2025", "--out", str(out)])
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data[3:].startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    assert header[0] == "year" and "gap_units" in header
