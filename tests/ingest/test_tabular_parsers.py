"""The shared parsers of the imports (``geo_kissos/ingest/tabular.py``): numbers, dates, codes
and CSV dialects, every rule and its message. Fast (no store), for the mutation run
(``bench/bench_mutation.py parsers``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from geo_kissos.errors import InputError
from geo_kissos.ingest.tabular import (
    detect_encoding,
    iter_csv,
    municipality_code,
    parse_date,
    parse_int,
    parse_number,
    require_file,
)

COLUMNS = {"code": ("Kód obce", "kod_obce"), "value": ("Hodnota",), "note": ("Poznámka",)}


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12.0), ("12,5", 12.5), (" 1 234,5 ", 1234.5), ("1\u00a0234", 1234.0), ("-0,25", -0.25),
    (7, 7.0), (2.5, 2.5), (Decimal("3.75"), 3.75), ("1e3", 1000.0), ("0", 0.0),
])
def test_parse_number_accepts(text, value):
    assert parse_number(text) == (value, None)


@pytest.mark.parametrize(("text", "error"), [
    (None, "missing"), ("", "missing"), ("  ", "missing"),
    (True, "'True' is not a number"), ("abc", "'abc' is not a number"), ("1,2,3", "'1,2,3' is not a number"),
    ("NaN", "'NaN' is not a finite number"), ("inf", "'inf' is not a finite number"),
    (float("-inf"), "'-inf' is not a finite number"), (float("nan"), "'nan' is not a finite number"),
])
def test_parse_number_refuses(text, error):
    assert parse_number(text) == (None, error)


def test_parse_int():
    assert parse_int("12") == (12, None) and parse_int("12,0") == (12, None) and parse_int(0) == (0, None)
    assert parse_int("12,5") == (None, "'12,5' is not a whole number")
    assert parse_int("x") == (None, "'x' is not a number")
    assert parse_int(None) == (None, "missing")
    assert isinstance(parse_int("3")[0], int)


@pytest.mark.parametrize(("text", "value"), [
    ("2025-03-31", date(2025, 3, 31)), ("2025-03-31T00:00:00", date(2025, 3, 31)),
    ("2025-03-31 12:00", date(2025, 3, 31)), ("31.3.2025", date(2025, 3, 31)), ("1. 12. 2024", date(2024, 12, 1)),
    (" 05.01.2020 ", date(2020, 1, 5)),
])
def test_parse_date_accepts(text, value):
    assert parse_date(text) == (value, None)


@pytest.mark.parametrize("text", ["2025-02-30", "31.13.2025", "2025/03/31", "03-31-2025", "2025-03-31x", "dnes"])
def test_parse_date_refuses(text):
    assert parse_date(text) == (None, f"'{text}' is not a date (YYYY-MM-DD or D.M.YYYY)")


def test_parse_date_missing():
    assert parse_date(None) == (None, "missing") and parse_date(" ") == (None, "missing")


@pytest.mark.parametrize(("text", "code"), [
    (554499, "554499"), ("554499", "554499"), ("Obec/554499", "554499"), (" 554499 ", "554499"),
    (554499.0, "554499"), ("a/b/554499", "554499"),
])
def test_municipality_code_accepts(text, code):
    assert municipality_code(text) == (code, None)


@pytest.mark.parametrize("text", ["55449", "5544990", "55449a", "Obec/", 12345])
def test_municipality_code_refuses(text):
    assert municipality_code(text) == (None, f"'{text}' is not a 6-digit municipality code")


def test_municipality_code_missing():
    assert municipality_code(None) == (None, "missing") and municipality_code("") == (None, "missing")


# --------------------------------------------------------------------------- CSV files
def _write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_iter_csv_semicolons_cp1250_aliases_and_blank_lines(tmp_path):
    path = _write(tmp_path, "Kód obce;Hodnota;Jiné\r\n554499;12,5;x\r\n\r\n;;\r\n500001; ;y\r\n500002\r\n",
                  "cp1250")
    assert detect_encoding(path) == "cp1250"
    rows = list(iter_csv(path, COLUMNS, ["code"]))
    assert rows == [(2, {"code": "554499", "value": "12,5"}), (5, {"code": "500001", "value": None}),
                    (6, {"code": "500002", "value": None})]


def test_iter_csv_commas_utf8_bom_and_quoted_cells(tmp_path):
    path = _write(tmp_path, '\ufeffCODE,value,Poznámka\n554499,"1,5","a; b"\n', "utf-8")
    assert detect_encoding(path) == "utf-8-sig"
    assert list(iter_csv(path, COLUMNS, ["code", "value"])) == [(2, {"code": "554499", "value": "1,5",
                                                                     "note": "a; b"})]
    # as many semicolons as commas in the header: ';' wins (with ',' there would be no 'code')
    tie = _write(tmp_path, "code;value,x\n1;2,3\n", name="tie.csv")
    assert list(iter_csv(tie, COLUMNS, ["code"])) == [(2, {"code": "1"})]


def test_iter_csv_forced_encoding_and_errors(tmp_path):
    path = _write(tmp_path, "code\nŠ\n", "utf-8")
    assert list(iter_csv(path, COLUMNS, ["code"], encoding="utf-8")) == [(2, {"code": "Š"})]
    with pytest.raises(InputError) as info:
        list(iter_csv(_write(tmp_path, "code;Poznámka\n1;x\n", "cp1250", "bad.csv"), COLUMNS, ["code"],
                      encoding="utf-8"))
    assert str(info.value.problems[0].message).startswith("cannot decode as utf-8:")
    with pytest.raises(InputError) as info:
        list(iter_csv(_write(tmp_path, "\n1;2\n", name="empty.csv"), COLUMNS, ["code"]))
    p = info.value.problems[0]
    assert (p.source, p.location, p.message) == ("empty.csv", "line 1", "empty file: no header")
    with pytest.raises(InputError) as info:
        list(iter_csv(_write(tmp_path, "Obec;Hodnota\n1;2\n", name="h.csv"), COLUMNS, ["value", "code"]))
    p = info.value.problems[0]
    assert (p.location, p.field) == ("header", "code")
    assert p.message == "column missing: expected 'code' or 'Kód obce' or 'kod_obce' (file has: Obec, Hodnota)"


def test_require_file(tmp_path):
    require_file(_write(tmp_path, "x"))
    with pytest.raises(InputError) as info:
        require_file(tmp_path / "nothing.csv")
    p = info.value.problems[0]
    assert (p.source, p.message) == (str(tmp_path / "nothing.csv"), "file not found")


def test_problems_name_no_field_or_place_when_there_is_none(tmp_path):
    """A missing, empty or undecodable file is a problem of the whole file: location and field
    are empty, the source is the file's name."""
    cases = [(lambda: require_file(tmp_path / "none.csv"), str(tmp_path / "none.csv"), ""),
             (lambda: list(iter_csv(_write(tmp_path, "\n", name="e.csv"), COLUMNS, ["code"])), "e.csv", "line 1"),
             (lambda: list(iter_csv(_write(tmp_path, "code\nŠ\n", "cp1250", "d.csv"), COLUMNS, ["code"],
                                    encoding="utf-8")), "d.csv", "")]
    for call, source, location in cases:
        with pytest.raises(InputError) as info:
            call()
        p = info.value.problems[0]
        assert (p.source, p.location, p.field) == (source, location, "")


def test_quoted_cells_may_hold_line_breaks_and_a_bar_may_count(tmp_path, capsys):
    path = _write(tmp_path, 'code;note\n554499;"první\nřádek"\n500001;x\n')
    rows = list(iter_csv(path, COLUMNS, ["code"], progress=True))
    assert rows == [(2, {"code": "554499", "note": "první\nřádek"}), (3, {"code": "500001", "note": "x"})]
    assert "t.csv" in capsys.readouterr().err  # the progress bar names the file on stderr
