"""Text cells that a spreadsheet cannot run: the guard used by every CSV and XLSX writer.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (CSV/DDE injection, OWASP "CSV Injection"). Names come from
outside (the register, boundary files, users' tables), so every text cell of an export goes
through this module:

* **CSV**: such a cell is written with a leading apostrophe (``'=1+1``), which spreadsheets show
  as text and drop from the visible value. A carriage return inside a text cell becomes a line
  feed: CSV writers quote a cell holding their line end (``\n``) but not a lone ``\r``, which a
  reader takes as the end of the row, so the rest of the cell would start a row of its own.
  Other cells are written unchanged.
* **XLSX**: such a cell keeps its exact text, is stored as a string (``data_type 's'``, never
  ``'f'``) and carries the *quote prefix* style, so it stays text even when edited.

Numbers are never touched: a negative number stays a number (``-3.5`` in a numeric column, or a
text cell holding only a plain number such as ``-12`` or ``+3,5``, cannot run anything).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: A plain number written as text (sign, digits, one decimal point or comma, optional exponent).
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula_like(value: Any) -> bool:
    """True when ``value`` is text a spreadsheet would read as a formula.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` can be formula-like.

    Examples
    --------
    >>> is_formula_like("=HYPERLINK(\\"http://x\\")"), is_formula_like("-12"), is_formula_like(-12)
    (True, False, False)
    """
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def csv_text(value: Any) -> Any:
    """``value`` as a CSV cell: formula-like text gets a leading ``'``, a ``\r`` in text becomes
    ``\n``; anything else is unchanged."""
    if not isinstance(value, str):
        return value
    text = "'" + value if is_formula_like(value) else value
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _needs_care(value: Any) -> bool:
    return is_formula_like(value) or (isinstance(value, str) and "\r" in value)


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (column values and header) are safe in CSV.

    Numeric, boolean and date columns are returned as they are.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            if s.map(_needs_care, na_action="ignore").fillna(False).astype(bool).any():
                out[col] = s.astype(object).map(csv_text, na_action="ignore")
    return out.rename(columns={c: csv_text(c) for c in out.columns if _needs_care(c)})


def xlsx_cell(ws: Any, value: Any) -> Any:
    """A write-only openpyxl cell of ``ws`` holding ``value``; formula-like text stays text.

    Parameters
    ----------
    ws : openpyxl worksheet (write-only)
    value : object
        Already a value openpyxl accepts (``None``, number, ``str``, date...).

    Returns
    -------
    openpyxl.cell.WriteOnlyCell or object
        A cell with ``data_type 's'`` and the quote prefix for formula-like text, otherwise
        ``value`` itself (openpyxl stores it with its natural type).
    """
    if not is_formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl makes any "=..." a formula; this is text
    cell.quotePrefix = True  # and stays text when a user edits it
    return cell


__all__ = ["FORMULA_START", "csv_frame", "csv_text", "is_formula_like", "xlsx_cell"]
