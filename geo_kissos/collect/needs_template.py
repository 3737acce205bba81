"""The XLSX template of reported needs: pre-filled for an ORP's municipalities, filled in Excel,
uploaded back.

The sheet ``Potřebnost`` has one row per need already reported and one empty row per
municipality that has none yet (its to-do). Lists (need, source, § type) are offered as Excel
drop-downs; the header is row 1, so an error names the row number Excel shows. Reading accepts
what Czech Excel saves: the XLSX itself, or "CSV (oddělený středníkem)" in cp1250 or UTF-8,
decimal commas, ``§ 49`` / ``49`` / ``60a``, labels with or without diacritics. A row whose
need is left empty is not filled in and is skipped; a row removed from the sheet deletes
nothing (set the need to "žádná", or delete it on the web). Any bad row refuses the whole
upload, naming row and column; nothing is written.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .. import catalogue
from ..accounts import audit
from ..accounts.roles import Actor
from ..errors import InputError, Problem
from ..store.base import Store
from . import needs

__all__ = ["COLUMNS", "WHOLE_ORP", "template_workbook", "read_template", "upload_template"]

#: Column header -> field of :class:`~geo_kissos.collect.needs.NeedEntry` (None: information only).
COLUMNS: dict[str, str | None] = {
    "Kód obce": "municipality_code",
    "Obec": None,
    "Období": "period",
    "Druh služby (§)": "type_code",
    "Název druhu": None,
    "Cílová skupina": "target_group",
    "Potřeba": "level",
    "Požadované jednotky": "units_requested",
    "Zdůvodnění": "justification",
    "Zdroj": "source",
}
#: What the "Kód obce" cell says for a need of the whole ORP.
WHOLE_ORP = "celé ORP"
SHEET = "Potřebnost"
_WIDTHS = (11, 24, 11, 15, 34, 20, 10, 12, 50, 18)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(t.lower().replace("_", " ").split())


_LEVEL_WORDS = {_fold(v): k for k, v in needs.LEVELS.items()} | {k: k for k in needs.LEVELS}
_SOURCE_WORDS = {_fold(v): k for k, v in needs.SOURCES.items()} | {_fold(k): k for k in needs.SOURCES}


def _text_cell(ws: Any, row: int, col: int, value: Any) -> None:
    """Write ``value``; user text is always text (never a live formula)."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return
    cell.value = str(value)
    cell.data_type = "s"
    if str(value).startswith(_FORMULA_START):
        cell.quotePrefix = True


def template_workbook(store: Store, actor: Actor, orp_code: str, period: str) -> Workbook:
    """The pre-filled template of ``orp_code`` for ``period`` (readable by ``actor``).

    Raises
    ------
    PermissionDenied
        When ``actor`` may not read the ORP's needs.
    """
    from ..errors import PermissionDenied

    p = needs.normalise_period(period)
    if p is None:
        raise InputError([Problem("period", "", "period", f"období {period!r} není ve tvaru 2027-2029")])
    probe = {"orp_code": str(orp_code)}
    if not audit.can_read(actor, needs.TABLE, probe, store):
        raise PermissionDenied(f"{actor.describe()} nemá přístup k potřebnosti ORP {orp_code}")
    mun = store.read("municipality", {"orp_code": str(orp_code)})
    mun = mun.sort_values("municipality_code")
    have = needs.needs_frame(store, p)
    have = have[have["orp_code"].astype(str) == str(orp_code)]

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for col, (name, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True), start=1):
        c = ws.cell(row=1, column=col, value=name)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDE7F0")
        ws.column_dimensions[c.column_letter].width = width
    ws.freeze_panes = "A2"
    names = dict(zip(mun["municipality_code"].astype(str), mun["name"], strict=True))
    rows: list[list[Any]] = []
    for rec in have.sort_values(["municipality_code", "type_code"], na_position="first").to_dict("records"):
        code = rec["municipality_code"]
        t = catalogue.SERVICE_TYPE_BY_CODE.get(str(rec["type_code"])) if rec["type_code"] else None
        rows.append([code if code else WHOLE_ORP, names.get(str(code), "") if code else "", p,
                     rec["type_code"], t.name_cs if t else "", rec["target_group"],
                     needs.LEVELS[rec["level"]], rec["units_requested"], rec["justification"],
                     needs.SOURCES[rec["source"]]])
    reported = set(have["municipality_code"].dropna().astype(str))
    for code, name in names.items():
        if code not in reported:
            rows.append([code, name, p, None, None, None, None, None, None, None])
    rows.sort(key=lambda r: (r[0] != WHOLE_ORP, str(r[0])))
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            _text_cell(ws, r, c, v)
    last = max(len(rows) + 200, 500)
    for col, options in (("G", needs.LEVELS.values()), ("J", needs.SOURCES.values())):
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Neplatná hodnota",
                            error="Vyberte hodnotu ze seznamu.")
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)
    ws.auto_filter.ref = f"A1:J{len(rows) + 1}"

    info = wb.create_sheet("Návod")
    orp = store.read("orp", {"orp_code": str(orp_code)})
    orp_name = str(orp["name"].iloc[0]) if not orp.empty and "name" in orp else str(orp_code)
    lines = [
        ("ORP", f"{orp_code} {orp_name}"), ("Období", p),
        ("Potřeba", ", ".join(needs.LEVELS.values())), ("Zdroj", ", ".join(needs.SOURCES.values())),
        ("Kód obce", f"šestimístný kód obce, nebo „{WHOLE_ORP}“ pro potřebu celého ORP"),
        ("Druh služby (§)", "paragraf zákona 108/2006 Sb., např. 49 nebo § 49; "
                            "nebo vyplňte Cílovou skupinu"),
        ("Prázdná potřeba", "řádek bez vyplněné potřeby se nenahraje"),
        ("Smazání", "řádek odstraněný ze sešitu se nesmaže: nastavte potřebu „žádná“ nebo ji smažte na webu"),
        ("Osobní údaje", "do zdůvodnění nepište jména osob"),
    ]
    for r, (k, v) in enumerate(lines, start=1):
        info.cell(row=r, column=1, value=k).font = Font(bold=True)
        _text_cell(info, r, 2, v)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    types = wb.create_sheet("Druhy služeb")
    types.append(["§", "Název", "Jednotka"])
    for t in catalogue.SERVICE_TYPES:
        types.append([t.code, t.name_cs, catalogue.UNITS.get(t.unit, t.unit)])
    return wb


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile/openpyxl errors of a broken or mis-named workbook
            raise InputError([Problem(source, "", "", f"není čitelný sešit XLSX ({type(exc).__name__})")]) from None
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(it, ())]
        body = [(n, [_cell_text(v) for v in row]) for n, row in enumerate(it, start=2)]
        wb.close()
        return header, body
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1250"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    lines = text.splitlines()
    if not lines:
        raise InputError([Problem(source, "řádek 1", "", "prázdný soubor: chybí záhlaví")])
    delim = max(("\t", ";", ","), key=lines[0].count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    return [c.strip() for c in rows[0]], [(n, [c.strip() for c in r]) for n, r in enumerate(rows[1:], start=2)]


def read_template(path: str | Path, orp_code: str, source: str | None = None) -> list[needs.NeedEntry]:
    """Read a filled template into need entries, checking every row; nothing is written.

    Parameters
    ----------
    path : str or Path
        The uploaded file (XLSX, or CSV as Czech Excel saves it).
    orp_code : str
        The ORP the template is of (needs of the whole ORP, ``celé ORP``, are of this ORP).
    source : str, optional
        The file name to show in messages (default: the path's name).

    Raises
    ------
    InputError
        Listing every bad row with its row number and column.
    """
    path = Path(path)
    source = source or path.name
    header, body = _read_rows(path, source)
    missing = [c for c, f in COLUMNS.items() if f and c not in header]
    if missing:
        raise InputError([Problem(source, "řádek 1", c, "sloupec chybí v záhlaví") for c in missing])
    idx = {c: header.index(c) for c in COLUMNS if c in header}
    problems: list[Problem] = []
    entries: list[needs.NeedEntry] = []
    for n, cells in body:
        cells = cells + [""] * (len(header) - len(cells))

        def get(col: str, cells: list[str] = cells) -> str:
            return cells[idx[col]].strip()

        if not any(get(c) for c in COLUMNS if COLUMNS[c] and c not in ("Kód obce", "Období")):
            continue  # a to-do row not filled in
        where = f"řádek {n}"
        bad = len(problems)
        level_text = get("Potřeba")
        level = _LEVEL_WORDS.get(_fold(level_text))
        if not level_text:
            problems.append(Problem(source, where, "Potřeba", "řádek je vyplněný, ale chybí potřeba"))
        elif level is None:
            problems.append(Problem(source, where, "Potřeba",
                                    f"{level_text!r} není jedna z: {', '.join(needs.LEVELS.values())}"))
        src_text = get("Zdroj")
        src = _SOURCE_WORDS.get(_fold(src_text)) if src_text else None
        if src is None:
            choices = ", ".join(needs.SOURCES.values())
            problems.append(Problem(source, where, "Zdroj",
                                    f"{src_text!r} není jeden z: {choices}" if src_text else "chybí zdroj"))
        period = needs.normalise_period(get("Období"))
        if period is None:
            problems.append(Problem(source, where, "Období", f"{get('Období')!r} není ve tvaru 2027-2029"))
        code_text = get("Kód obce")
        mun = None
        if _fold(code_text) not in (_fold(WHOLE_ORP), ""):
            if not (code_text.isdigit() and len(code_text) == 6):
                problems.append(Problem(source, where, "Kód obce", f"{code_text!r} není šestimístný kód obce "
                                        f"ani „{WHOLE_ORP}“"))
            mun = code_text
        elif not code_text:
            problems.append(Problem(source, where, "Kód obce", f"chybí kód obce (nebo „{WHOLE_ORP}“)"))
        type_text = get("Druh služby (§)")
        tcode = type_text.replace("§", "").replace("\u00a0", "").strip().lower() or None
        if tcode is not None and tcode not in catalogue.SERVICE_TYPE_BY_CODE:
            problems.append(Problem(source, where, "Druh služby (§)", f"{type_text!r} není druh služby zákona"))
        group = get("Cílová skupina") if "Cílová skupina" in idx else ""
        if tcode is None and not group:
            problems.append(Problem(source, where, "Druh služby (§)", "uveďte druh služby nebo cílovou skupinu"))
        units_text = get("Požadované jednotky").replace("\u00a0", "").replace(" ", "")
        units = None
        if units_text:
            try:
                units = float(units_text.replace(",", "."))
            except ValueError:
                problems.append(Problem(source, where, "Požadované jednotky", f"{units_text!r} není číslo"))
            else:
                if not 0 <= units <= needs.MAX_UNITS:
                    problems.append(Problem(source, where, "Požadované jednotky",
                                            f"{units_text} není mezi 0 a {needs.MAX_UNITS}"))
        if len(problems) > bad:
            continue
        entries.append(needs.NeedEntry(
            period=period, level=level, source=src, municipality_code=mun,
            orp_code=None if mun else str(orp_code), type_code=tcode, target_group=group or None,
            units_requested=units, justification=get("Zdůvodnění") or None, location=where))
    if problems:
        raise InputError(problems)
    return entries


def upload_template(store: Store, actor: Actor, path: str | Path, orp_code: str,
                    source: str | None = None) -> list[audit.Written]:
    """Read a filled template and write its needs in one transaction (all rows or none).

    A municipality outside ``orp_code`` is refused with its row (the write path would refuse it
    too, with 403, if it were the coordinator's other ORP: a template is of one ORP).
    """
    path = Path(path)
    source = source or path.name
    entries = read_template(path, orp_code, source)
    if not entries:
        raise InputError([Problem(source, "", "Potřeba", "v souboru není vyplněna žádná potřeba")])
    mun = store.read("municipality", {"orp_code": str(orp_code)})
    inside = set(mun["municipality_code"].astype(str))
    problems = [Problem(source, e.location, "Kód obce", f"obec {e.municipality_code} není v ORP {orp_code}")
                for e in entries if e.municipality_code and e.municipality_code not in inside]
    if problems:
        raise InputError(problems)
    return needs.write_entries(store, actor, entries, source=source, note=f"šablona {source}")


def entries_frame(entries: Iterable[needs.NeedEntry]) -> pd.DataFrame:
    """Entries as a frame (for previews and tests)."""
    return pd.DataFrame([{**e.values(), "location": e.location} for e in entries])
