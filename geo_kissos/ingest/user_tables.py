"""Reading the small tables a user hands to the command line: norms and scenario changes.

They are typed by hand or saved from Excel, so the reader accepts what Czech offices produce:
CSV separated by ``,``, ``;`` or tabs, in UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text") or cp1250, decimal commas, ``§ 49`` for a type code, or an XLSX sheet. Every
problem names the file, the row (the header is row 1, as a spreadsheet shows it) and the column,
and is raised as :class:`click.BadParameter` for the option or argument the file came from, so
the command stops with a usage message and exit code 2 before anything is computed or written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click
import pandas as pd

from ..analysis.scenarios import ACTIONS
from ..catalogue import NORM_MAX_PER_1000, SERVICE_TYPE_BY_CODE, UNIT_MAX
from .tabular import detect_encoding, parse_number

#: Type codes as a user may write them: "49", "§49", "§ 49", " 60a ".
VALID_TYPES = ", ".join(SERVICE_TYPE_BY_CODE)


def _fail(path: Path, hint: str, where: str, message: str) -> click.BadParameter:
    place = ", ".join(p for p in (path.name, where) if p)
    return click.BadParameter(f"{place}: {message}", param_hint=hint)


def _decode(path: Path, hint: str) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    enc = detect_encoding(path)
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:  # pragma: no cover - cp1250 decodes almost anything
        raise _fail(path, hint, "", f"cannot decode as {enc}: {exc.reason}") from None


def read_user_table(path: Path, hint: str) -> pd.DataFrame:
    """Read a CSV or XLSX table as text cells.

    Returns
    -------
    pandas.DataFrame
        Stripped header names, every cell a ``str`` (``""`` when empty), blank rows dropped;
        the index is the row number in the file (header = row 1).

    Raises
    ------
    click.BadParameter
        For ``hint`` (``--norms``, ``CHANGES``...): unreadable, empty or headerless file.
    """
    if not path.is_file():
        raise _fail(path, hint, "", "file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        except Exception as exc:  # a broken or mis-named workbook: zipfile, openpyxl, ... errors
            raise _fail(path, hint, "", f"not a readable XLSX workbook ({exc})") from None
    elif path.suffix.lower() == ".xls":
        raise _fail(path, hint, "", "old .xls workbooks are not read: save it as .xlsx or .csv")
    else:
        text = _decode(path, hint).lstrip("\ufeff")
        first = text.splitlines()[0] if text.strip() else ""
        if not first.strip():
            raise _fail(path, hint, "row 1", "empty file: expected a header row")
        delim = max(("\t", ";", ","), key=first.count)
        rows = list(csv.reader(io.StringIO(text), delimiter=delim))
        header, body = rows[0], rows[1:]
        width = len(header)
        for n, cells in enumerate(body, start=2):
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise _fail(path, hint, f"row {n}", f"{len(cells)} cells but the header has {width} "
                            f"(separator is '{delim}'; quote values that contain it)")
        body = [(c + [""] * width)[:width] for c in body]
        df = pd.DataFrame(body, columns=header, index=range(2, len(body) + 2), dtype=str)
    df.columns = [str(c).strip() for c in df.columns]
    df = df.fillna("").astype(str).apply(lambda s: s.str.strip())
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        df.index = range(2, len(df) + 2)
    df = df[(df != "").any(axis=1)] if len(df.columns) else df
    return df


def _require(df: pd.DataFrame, path: Path, hint: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(repr(c) for c in df.columns) or "none"
        raise _fail(path, hint, "header", f"column(s) {', '.join(repr(c) for c in missing)} "
                    f"missing (the file has {have})")


def type_code(text: str) -> str | None:
    """``"§ 49"`` → ``"49"``; None when it is no § type of the Act."""
    code = str(text).replace("§", "").replace("\u00a0", "").strip().lower()
    return code if code in SERVICE_TYPE_BY_CODE else None


def _number(value: str, path: Path, hint: str, row: int, col: str, minimum: float | None = 0.0,
            blank_ok: bool = False, maximum: float | None = None, what: str = "") -> float | None:
    if blank_ok and not value:
        return None
    number, err = parse_number(value)
    if err:
        raise _fail(path, hint, f"row {row}, column '{col}'", err if value else "missing number")
    assert number is not None
    if minimum is not None and number < minimum:
        raise _fail(path, hint, f"row {row}, column '{col}'", f"{value} is below {minimum:g}")
    if maximum is not None and number > maximum:
        raise _fail(path, hint, f"row {row}, column '{col}'",
                    f"{value} is not plausible{' ' + what if what else ''} (at most {maximum:,.0f})")
    return number


def read_norms_file(path: Path, hint: str = "--norms") -> pd.DataFrame:
    """A norm table (``type_code``, ``units_per_1000``), checked row by row.

    Returns
    -------
    pandas.DataFrame
        ``type_code`` (str, e.g. ``"49"``) and ``units_per_1000`` (float), one row per type.
    """
    df = read_user_table(path, hint)
    _require(df, path, hint, ["type_code", "units_per_1000"])
    if df.empty:
        raise _fail(path, hint, "", "no rows under the header")
    codes, values, seen = [], [], {}
    for row, rec in zip(df.index, df.to_dict("records"), strict=True):
        code = type_code(rec["type_code"])
        if code is None:
            raise _fail(path, hint, f"row {row}, column 'type_code'",
                        f"'{rec['type_code']}' is no § type; use one of {VALID_TYPES}")
        if code in seen:
            raise _fail(path, hint, f"row {row}, column 'type_code'",
                        f"§ {code} already given on row {seen[code]}")
        seen[code] = row
        codes.append(code)
        unit = SERVICE_TYPE_BY_CODE[code].unit
        values.append(_number(rec["units_per_1000"], path, hint, row, "units_per_1000",
                              maximum=NORM_MAX_PER_1000, what=f"as {unit} per 1,000 inhabitants"))
    return pd.DataFrame({"type_code": codes, "units_per_1000": values})


def read_changes_file(path: Path, hint: str = "CHANGES") -> pd.DataFrame:
    """A scenario table (see :mod:`geo_kissos.analysis.scenarios`), checked row by row.

    Actions, type codes and numbers are checked here (numbers may use a decimal comma);
    whether a service exists or a point lies in the region is checked when the scenario is
    applied. The index stays the file's row number.
    """
    df = read_user_table(path, hint)
    _require(df, path, hint, ["action", "service_id"])
    if df.empty:
        raise _fail(path, hint, "", "no changes under the header")
    records = []
    for row, rec in zip(df.index, df.to_dict("records"), strict=True):
        rec = dict(rec)
        action = rec["action"].lower()
        if action not in ACTIONS:
            raise _fail(path, hint, f"row {row}, column 'action'",
                        f"'{rec['action']}' is no action; use {', '.join(ACTIONS)}")
        rec["action"] = action
        if not rec["service_id"]:
            raise _fail(path, hint, f"row {row}, column 'service_id'", "empty")
        for col in ("units", "x", "y"):
            if col in rec:
                rec[col] = None if not rec[col] else rec[col]
        if action in ("add", "resize"):
            if "units" not in df.columns:
                raise _fail(path, hint, "header", f"column 'units' missing (needed by '{action}')")
            code = type_code(rec.get("type_code", "")) if action == "add" else None
            unit = SERVICE_TYPE_BY_CODE[code].unit if code else None
            rec["units"] = _number(rec["units"] or "", path, hint, row, "units",
                                   maximum=UNIT_MAX[unit] if unit else max(UNIT_MAX.values()),
                                   what=f"for one service{' in ' + unit if unit else ''}")
        if action == "add":
            code = type_code(rec.get("type_code", ""))
            if code is None:
                raise _fail(path, hint, f"row {row}, column 'type_code'",
                            f"'{rec.get('type_code', '')}' is no § type; use one of {VALID_TYPES}")
            rec["type_code"] = code
            for col in ("x", "y"):
                if rec.get(col):
                    rec[col] = _number(rec[col], path, hint, row, col, minimum=None)
        records.append(rec)
    out = pd.DataFrame(records, index=df.index)
    for col in ("units", "x", "y"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


__all__ = ["read_changes_file", "read_norms_file", "read_user_table", "type_code"]
