"""Issue 15.3: text that a spreadsheet would run as a formula stays text in CSV and XLSX.

Every writer is checked by reading its files back: openpyxl for XLSX (no cell of type ``f``,
formula-like text of type ``s`` with the quote prefix and its exact text, numbers of type ``n``,
negative ones still negative) and the csv module for CSV (formula-like text begins with ``'``,
numbers as written).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FORMULA_NAMES, HOSTILE_ORPS
from openpyxl import load_workbook

from geo_kissos.cli import main
from geo_kissos.cli.analysis import write_table
from geo_kissos.export import write_csv, write_xlsx
from geo_kissos.safe_cells import csv_frame, csv_text, is_formula_like
from webmap import create_app

FORMULA_ORP = "7103"


def _frame() -> pd.DataFrame:
    n = len(FORMULA_NAMES)
    return pd.DataFrame({
        "name": list(FORMULA_NAMES),
        "gap_units": [-3.5, 2.0, -0.25, 0.0, -12.0, 7.5][:n],
        "count": list(range(-2, n - 2)),
        "code_text": ["-12", "+3,5", "=1", "plain", "-1e3", "@x"][:n],
    })


def _xlsx_cells(path: Path):
    wb = load_workbook(path)  # not read-only: styles (quote prefix) are read too
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from (c for c in row if c.value is not None)


def _check_xlsx(path: Path, expect_text: set[str] = frozenset()) -> list:
    cells = list(_xlsx_cells(path))
    assert cells
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    seen = set()
    for c in cells:
        if isinstance(c.value, str) and is_formula_like(c.value):
            assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value)
        if isinstance(c.value, str):
            seen.add(c.value)
    expect = {t.replace("\r", "\n") for t in expect_text}  # XML reads a CR as a line feed
    assert expect <= seen, expect - seen
    return cells


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _check_csv(path: Path) -> list[list[str]]:
    rows = _csv_rows(path)
    assert rows
    live = [v for r in rows for v in r if is_formula_like(v)]
    assert live == []
    return rows


def test_the_rule():
    assert all(is_formula_like(t) for t in FORMULA_NAMES)
    assert not any(is_formula_like(v) for v in ("-12", "+3,5", "-0.5", "-1e3", "Olomouc", "", -3, 2.5, None))
    assert csv_text("=1+1") == "'=1+1" and csv_text("-3") == "-3" and csv_text(-3) == -3
    assert csv_text("\r=1+1") == "'\n=1+1" and csv_text("a\r\nb") == "a\nb"  # a CR ends no row
    out = csv_frame(_frame())
    assert out["name"].tolist() == ["'" + t.replace("\r", "\n") for t in FORMULA_NAMES]
    assert out["gap_units"].tolist() == _frame()["gap_units"].tolist()  # numbers untouched
    assert out["code_text"].tolist()[:5] == ["-12", "+3,5", "'=1", "plain", "-1e3"]


def test_export_writers_keep_formulas_as_text(tmp_path):
    df = _frame()
    rows = _check_csv(write_csv(df, tmp_path / "t.csv"))
    assert [r[0] for r in rows[1:]] == ["'" + t.replace("\r", "\n") for t in FORMULA_NAMES]
    assert [float(r[1]) for r in rows[1:]] == df["gap_units"].tolist()
    cells = _check_xlsx(write_xlsx({"t": df}, tmp_path / "t.xlsx", about=[("ORP", "=1+1 (7101)")]),
                        set(FORMULA_NAMES) | {"=1+1 (7101)"})
    numbers = [c for c in cells if c.column_letter == "B" and c.row > 1 and c.parent.title == "t"]
    assert [c.data_type for c in numbers] == ["n"] * len(df)
    assert [c.value for c in numbers] == df["gap_units"].tolist()  # -3.5 stays a number


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_analysis_writer_keeps_formulas_as_text(tmp_path, suffix):
    out = tmp_path / f"t{suffix}"
    write_table(_frame(), out, sheet="t", year=2025)
    if suffix == ".csv":
        rows = _check_csv(out)
        assert rows[0][:2] == ["year", "name"] and rows[1][1] == "'" + FORMULA_NAMES[0]
        assert rows[1][2] == "-3.5"
    else:
        _check_xlsx(out, set(FORMULA_NAMES))


def test_cli_export_of_an_orp_with_a_formula_name(hostile_store, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", str(hostile_store.url), "--orp", FORMULA_ORP,
                                    "--formats", "csv,xlsx", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    (xlsx,) = out.rglob("*.xlsx")
    cells = _check_xlsx(xlsx, {f"{HOSTILE_ORPS[FORMULA_ORP]} ({FORMULA_ORP})"})
    negative = [c for c in cells if isinstance(c.value, float) and c.value < 0]
    assert negative and all(c.data_type == "n" for c in negative)  # deficits stay numbers
    for path in out.rglob("*.csv"):
        rows = _check_csv(path)
        assert any(v.startswith("-") for r in rows for v in r)  # negative numbers written as numbers


def test_web_export_of_an_orp_with_a_formula_name(hostile_store, tmp_path):
    client = create_app({"STORE": hostile_store, "TILES": None}).test_client()
    r = client.get(f"/export/{FORMULA_ORP}/tables.xlsx")
    assert r.status_code == 200
    (tmp_path / "t.xlsx").write_bytes(r.data)
    _check_xlsx(tmp_path / "t.xlsx", {f"{HOSTILE_ORPS[FORMULA_ORP]} ({FORMULA_ORP})"})
    for name in ("gaps", "coverage"):
        r = client.get(f"/export/{FORMULA_ORP}/{name}.csv")
        assert r.status_code == 200
        (tmp_path / f"{name}.csv").write_bytes(r.data)
        _check_csv(tmp_path / f"{name}.csv")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_analysis_out_on_hostile_names(hostile_gpkg, tmp_path, suffix):
    out = tmp_path / f"cov{suffix}"
    res = CliRunner().invoke(main, ["analysis", "coverage", "--store", str(hostile_gpkg.url), "--type", "49",
                                    "--year", "2025", "--level", "orp", "--out", str(out)])
    assert res.exit_code == 0, res.output
    if suffix == ".csv":
        _check_csv(out)
    else:
        _check_xlsx(out)
