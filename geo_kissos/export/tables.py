"""Coverage and gap tables of one ORP, as CSV and XLSX.

The numbers come from :mod:`geo_kissos.analysis` unchanged: the *gap* table is the ``gaps`` of
:func:`~geo_kissos.analysis.territory_tables` at ORP level (ORP × service type, against the norm or
the regional average) restricted to the ORP; the *coverage* table is its ``coverage`` at
municipality level restricted to the ORP's municipalities. Both are computed once for the whole
region (:class:`RegionTables`), so every ORP is compared with the same regional averages; the
services the analysis left out (with the reason) are listed on the XLSX ``about`` sheet and in
:func:`left_out_note`. Columns added for readers: ``type_name`` (the Czech
name of the § type), ``unit`` (``beds`` or ``fte``: what ``units`` counts, as in the network
table) and, in the coverage table, ``orp_code``.

Files are deterministic: rows in legal § order then code, UTF-8 CSV, XLSX with fixed document
dates and fixed ZIP timestamps.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..analysis import AnalysisInputs, TerritoryParams, territory_tables
from ..analysis.inputs import left_out_frame
from ..catalogue import SERVICE_TYPE_BY_CODE
from ..safe_cells import csv_frame, xlsx_cell

#: Fixed timestamp written into XLSX files (document properties and ZIP entries).
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)

#: Table kinds exported per ORP.
TABLE_KINDS: tuple[str, ...] = ("gaps", "coverage")

#: Sheet titles and descriptions (Czech first: the readers are ORP coordinators).
SHEETS: dict[str, str] = {
    "gaps": "Mezery v dostupnosti podle druhu služby (ORP × §): jednotky, potřeba, deficit/přebytek",
    "coverage": "Pokrytí obcí ORP: jednotky na 1 000 obyvatel cílové skupiny podle druhu služby",
    "applications": "Žádosti o zařazení do sítě a změny jednotek ve službách ORP (stav, body, rozhodnutí)",
}

#: Why a service is left out of the tables, in Czech (reason codes of
#: :data:`geo_kissos.analysis.LEFT_OUT_REASONS`).
LEFT_OUT_CS: dict[str, str] = {
    "no_units": "bez jednotek v daném roce (v síti ani v registrované kapacitě)",
    "no_place": "bez místa poskytování s obcí i bez územní působnosti",
    "outside": "jednotky v obcích mimo území kraje",
    "no_located_site": "bez místa se souřadnicemi (není v dostupnosti)",
}

#: What the columns mean, in Czech, listed on the ``about`` sheet (columns present only).
COLUMNS_CS: dict[str, str] = {
    "level": "úroveň území (orp / municipality = obec / region = kraj)",
    "code": "kód území (ORP nebo obce, ČSÚ)",
    "type_code": "druh služby, § zákona 108/2006 Sb.",
    "type_name": "název druhu služby",
    "unit": "v čem se počítají jednotky: beds = lůžka (pobytové), fte = úvazky v přímé péči",
    "target_band": "cílová skupina obyvatel (věk: total = všichni, 65+, 18-64, 0-17) nebo kód ukazatele",
    "units": "jednotky v síti (jinak registrovaná kapacita) v daném roce",
    "target_population": "počet obyvatel cílové skupiny",
    "units_per_1000": "jednotky na 1 000 obyvatel cílové skupiny",
    "reference": "srovnání: regional_average = průměr kraje vážený obyvateli, norm = zadaná norma",
    "reference_per_1000": "srovnávací hodnota na 1 000 obyvatel cílové skupiny",
    "difference_per_1000": "units_per_1000 − reference_per_1000",
    "index": "units_per_1000 / reference_per_1000 (1 = jako srovnání)",
    "need_units": "potřeba = reference_per_1000 × cílová skupina / 1 000",
    "gap_units": "jednotky − potřeba (záporné = chybí, kladné = přebývá)",
    "deficit_units": "chybějící jednotky (0 při přebytku)",
    "surplus_units": "přebývající jednotky (0 při deficitu)",
    "coverage_pct": "pokrytí potřeby v % (100 = jako srovnání)",
    "deficit_share": "podíl potřeby, který chybí (0–1)",
    "rank": "pořadí ORP v rámci druhu služby podle deficitu (1 = největší deficit v jednotkách)",
    "waiting_applicants": "unikátní žadatelé čekající na službu tohoto druhu s bydlištěm v ORP (evidence "
                          "žadatelů; <5 a skryto = ochrana malých počtů; prázdné = seznamy nejsou nahrány)",
    "priority": "pořadí všech řádků ORP × druh v kraji podle podílu chybějící potřeby "
                "(1 = nejvyšší priorita; prázdné = bez deficitu)",
}


@dataclass
class RegionTables:
    """Gap and coverage tables of the whole region for one year.

    Attributes
    ----------
    year : int
    gaps : pandas.DataFrame
        ORP × type (``code`` is the ORP code).
    coverage : pandas.DataFrame
        Municipality × type (``code`` is the municipality code, ``orp_code`` added).
    left_out : pandas.DataFrame
        Services left out of both tables, with the reason
        (:attr:`geo_kissos.analysis.TerritoryResult.left_out`).
    """

    year: int
    gaps: pd.DataFrame
    coverage: pd.DataFrame
    left_out: pd.DataFrame = field(default_factory=left_out_frame)

    def about_rows(self) -> list[tuple[str, str]]:
        """Rows of the XLSX ``about`` sheet saying what was left out (none: one row saying so)."""
        return left_out_note(self.left_out)

    def for_orp(self, orp_code: str) -> dict[str, pd.DataFrame]:
        """The two tables of one ORP (fresh index, rows in table order)."""
        g = self.gaps[self.gaps["code"].astype(str) == str(orp_code)].reset_index(drop=True)
        c = self.coverage[self.coverage["orp_code"].astype(str) == str(orp_code)]
        return {"gaps": g, "coverage": c.reset_index(drop=True)}


def _with_type_names(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``type_name`` (Czech name of the § type) and ``unit`` (``beds`` or ``fte``, the
    planning unit of the type, as in the network table) after ``type_code``."""
    out = df.copy()
    pos = out.columns.get_loc("type_code") + 1
    out.insert(pos, "type_name", out["type_code"].map(
        lambda c: SERVICE_TYPE_BY_CODE[c].name_cs if c in SERVICE_TYPE_BY_CODE else ""))
    out.insert(pos + 1, "unit", out["type_code"].map(
        lambda c: SERVICE_TYPE_BY_CODE[c].unit if c in SERVICE_TYPE_BY_CODE else ""))
    return out


def region_tables(inputs: AnalysisInputs, norms: pd.DataFrame | None = None,
                  type_codes: Iterable[str] | None = None) -> RegionTables:
    """Compute the gap and coverage tables of every ORP of the inputs.

    Parameters
    ----------
    inputs : AnalysisInputs
        From :func:`geo_kissos.analysis.load_inputs`.
    norms : pandas.DataFrame, optional
        ``type_code``, ``units_per_1000`` (default: regional averages).
    type_codes : iterable of str, optional
        § types (default: those present in the inputs).

    Returns
    -------
    RegionTables
    """
    codes = inputs.type_codes() if type_codes is None else [str(c) for c in type_codes]
    if not codes:
        empty = pd.DataFrame(columns=["code", "type_code"])
        return RegionTables(inputs.year, empty, empty.assign(orp_code=[]), inputs.left_out)
    orp = territory_tables(inputs, TerritoryParams(level="orp", type_codes=tuple(codes), norms=norms))
    mun = territory_tables(inputs, TerritoryParams(level="municipality", type_codes=tuple(codes),
                                                   norms=norms))
    cov = mun.coverage
    orp_of = pd.Series(inputs.municipalities["orp_code"].astype(str).to_numpy(),
                       index=inputs.municipalities["municipality_code"].astype(str).to_numpy())
    cov.insert(cov.columns.get_loc("code") + 1, "orp_code", cov["code"].astype(str).map(orp_of))
    return RegionTables(inputs.year, _with_type_names(orp.gaps), _with_type_names(cov), orp.left_out)


def left_out_note(left_out: pd.DataFrame) -> list[tuple[str, str]]:
    """What the tables leave out, as (key, value) rows in Czech for the ``about`` sheet/footer.

    One row per reason: ``vynecháno: <reason>`` → the count and the first service ids; with
    nothing left out, one row ``vynecháno`` → ``nic``.
    """
    if left_out is None or left_out.empty:
        return [("vynecháno", "nic: všechny služby roku jsou v tabulkách")]
    rows = []
    for reason, part in left_out.groupby("reason", sort=False):
        ids = ", ".join(part["service_id"].astype(str).head(10))
        more = f" a {len(part) - 10} dalších" if len(part) > 10 else ""
        rows.append((f"vynecháno: {LEFT_OUT_CS.get(str(reason), reason)}",
                     f"{len(part)} služeb ({ids}{more})"))
    return rows


with_type_names = _with_type_names


# --------------------------------------------------------------------------- writing
def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """UTF-8 CSV with BOM (Excel shows Czech letters), a header row, ``\\n`` line ends, no index.

    Text that a spreadsheet would run as a formula is written with a leading ``'``
    (:mod:`geo_kissos.safe_cells`); numbers are written as they are.
    """
    path = Path(path)
    csv_frame(df).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a ZIP (XLSX) with fixed entry timestamps and order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                              body)
            dst.writestr(new, body)
    return out.getvalue()


def write_xlsx(tables: dict[str, pd.DataFrame], path: str | Path,
               about: Iterable[tuple[str, str]] = ()) -> Path:
    """One workbook: a sheet per table (same columns and rows as the CSV) and an ``about`` sheet.

    Text cells are always stored as text: one beginning like a formula (``=``, ``+``, ``-``, ``@``)
    is written as a string with the quote prefix, never as a formula (:mod:`geo_kissos.safe_cells`).

    Parameters
    ----------
    tables : dict of str to DataFrame
        Sheet name -> table.
    path : str or Path
    about : iterable of (key, value)
        Metadata rows (ORP, year, data date, source...).
    """
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)  # streaming writer: several times faster on long tables
    bold = Font(bold=True)

    def header(ws: object, names: list[str]) -> list[Cell]:
        cells = [xlsx_cell(ws, n) for n in names]
        cells = [c if isinstance(c, Cell) else WriteOnlyCell(ws, value=c) for c in cells]
        for c in cells:
            c.font = bold
        return cells

    for name, df in tables.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 60)
        ws.append(header(ws, [str(c) for c in df.columns]))
        for row in df.itertuples(index=False):
            ws.append([xlsx_cell(ws, _cell(v)) for v in row])
    ws = wb.create_sheet("about")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    ws.append(header(ws, ["key", "value"]))
    present = {str(c) for df in tables.values() for c in df.columns}
    for key, value in [*about, *((f"sheet {k}", v) for k, v in SHEETS.items() if k in tables),
                       *((f"sloupec {c}", d) for c, d in COLUMNS_CS.items() if c in present)]:
        ws.append([xlsx_cell(ws, key), xlsx_cell(ws, value)])
    wb.properties.creator = "geo-kissos"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path = Path(path)
    path.write_bytes(_deterministic_zip(buf.getvalue()))
    return path


def _cell(v: object) -> object:
    """A value openpyxl accepts (missing → empty cell, numpy scalars → Python)."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and v != v:
            return None
    return v


def read_xlsx_sheet(path: str | Path, sheet: str) -> pd.DataFrame:
    """Read a sheet written by :func:`write_xlsx` back into a DataFrame (for checks)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    if not rows:
        return pd.DataFrame()
    names = list(rows[0])
    body = [tuple(r) + (None,) * (len(names) - len(r)) for r in rows[1:]]  # empty trailing cells
    return pd.DataFrame(body, columns=names)


__all__ = [
    "COLUMNS_CS",
    "FIXED_TIME",
    "LEFT_OUT_CS",
    "SHEETS",
    "TABLE_KINDS",
    "RegionTables",
    "left_out_note",
    "read_xlsx_sheet",
    "region_tables",
    "with_type_names",
    "write_csv",
    "write_xlsx",
]
