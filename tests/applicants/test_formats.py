"""What providers' software exports: XLSX with number and date cells, header synonyms, cp1250."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from applicants_helpers import TEST_KEY, csv_bytes
from openpyxl import Workbook

from geo_kissos.collect.applicants import parse_list
from geo_kissos.collect.pseudonym import PseudonymKey, normalise_birth_number
from geo_kissos.demo.applicants import birth_number
from geo_kissos.errors import InputError

KEY = PseudonymKey(TEST_KEY.encode())


def test_spreadsheet_number_cells_keep_the_person() -> None:
    rc = birth_number(date(2003, 4, 5), False, 17)  # born 2003: "03..."
    assert rc.startswith("03")
    assert normalise_birth_number(str(int(rc))) == rc  # the number cell lost the leading zero


def test_xlsx_and_csv_of_one_list_give_the_same_pseudonyms(loaded_gpkg_copy) -> None:
    code = str(loaded_gpkg_copy.read("municipality")["municipality_code"].iloc[0])
    wb = Workbook()
    ws = wb.active
    ws.append(["Příjmení a jméno", "RČ", "Obec bydliště", "Datum žádosti", "Urgentní", "Stav žádosti", "Vyřízeno"])
    ws.append(["Syntetická A", 455101123, int(code), datetime(2025, 3, 1), "ano", "V evidenci", None])
    ws.append(["Syntetický B", 5606151232, code, datetime(2024, 1, 2, 0, 0), 0, "Umístěn", datetime(2026, 5, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    x = parse_list(buf.getvalue(), source="seznam.xlsx", ico="00000019", key=KEY, reader=loaded_gpkg_copy,
                   data_date=date(2026, 11, 30))
    c = parse_list(csv_bytes([["A", "455101/123", code, "1. 3. 2025", "ano", "čeká"],
                              ["B", "560615/1232", code, "2.1.2024", "", "přijata"]]),
                   source="seznam.csv", ico="00000019", key=KEY, reader=loaded_gpkg_copy, data_date=date(2026, 11, 30))
    assert [r["pseudonym"] for r in x.rows] == [r["pseudonym"] for r in c.rows]
    assert [r["status"] for r in x.rows] == ["waiting", "admitted"] and x.rows[1]["closed_on"] == date(2026, 5, 1)
    assert [r["urgent"] for r in x.rows] == [1, 0] and x.ignored_columns == 1
    assert all(r["orp_code"] for r in x.rows)
    # a header without an identifier column is refused, naming the column
    with pytest.raises(InputError, match="Rodné číslo"):
        parse_list(csv_bytes([["A", code, "1.3.2025", "", "čeká"]], ["Jméno", "Kód obce", "Datum podání", "Naléhavost",
                                                                   "Stav"]),
                   source="s.csv", ico="00000019", key=KEY, reader=loaded_gpkg_copy, data_date=date(2026, 11, 30))
