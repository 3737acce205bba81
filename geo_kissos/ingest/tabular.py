"""Streaming readers shared by the CSV and JSON imports: encoding, delimiter, header aliases, progress.

Official Czech CSV files come in two dialects: RÚIAN and most office exports are
semicolon-separated ``cp1250``; ČSÚ and MPSV open data are comma-separated UTF-8. The reader
detects both (UTF-8 first, with or without BOM; else cp1250) and the delimiter from the header.
Rows are yielded one by one with their 1-based line number (the header is line 1), so every
message can say ``row N``; a progress bar (tqdm, on stderr) follows the bytes read.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from ..errors import InputError, Problem

#: Bytes inspected to choose the encoding.
SNIFF_BYTES = 1 << 16


class _CountingReader(io.RawIOBase):
    """A binary file wrapper that advances a progress bar by the bytes read."""

    def __init__(self, raw: IO[bytes], bar: tqdm | None):
        self._raw = raw
        self._bar = bar

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        if self._bar is not None and n:
            self._bar.update(n)
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._bar is not None and data:
            self._bar.update(len(data))
        return data


def progress_bar(path: Path, desc: str, enabled: bool) -> tqdm | None:
    """A byte-counting progress bar on stderr for ``path`` (None when disabled)."""
    if not enabled:
        return None
    return tqdm(total=path.stat().st_size, desc=desc, unit="B", unit_scale=True, file=sys.stderr,
                leave=False, mininterval=0.5)


def open_binary(path: Path, bar: tqdm | None) -> IO[bytes]:
    """Open ``path`` for binary reading, counting bytes on ``bar``."""
    return io.BufferedReader(_CountingReader(open(path, "rb"), bar), buffer_size=1 << 16)


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the start of the file decodes as UTF-8, else ``cp1250``."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the sniff limit
            return "cp1250"
    return "utf-8-sig"


def require_file(path: Path) -> None:
    """Raise InputError when ``path`` does not exist or is a folder."""
    if not path.exists():
        raise InputError([Problem(str(path), "", "", "file not found")])
    if path.is_dir():
        raise InputError([Problem(str(path), "", "", "is a folder, not a file: give the file itself")])


def check_data_date(value: date | Any | None, source: str, field: str = "--data-date") -> None:
    """Refuse a data date later than today (data cannot describe the future).

    Parameters
    ----------
    value : date, pandas.Timestamp or None
        The date given (None passes).
    source : str
        File name for the message.
    field : str
        What the date came from (the option or the column).
    """
    if value is None:
        return
    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    if day > date.today():
        raise InputError([Problem(source, "", field, f"data date {day:%Y-%m-%d} is in the future "
                                  f"(today is {date.today():%Y-%m-%d})")])


def future_date(day: date | None) -> str | None:
    """An error message when ``day`` is later than today, else None."""
    if day is not None and day > date.today():
        return f"{day:%Y-%m-%d} is in the future (today is {date.today():%Y-%m-%d})"
    return None


def no_rows(source: str) -> InputError:
    """The error for a file with a header and no data rows."""
    return InputError([Problem(source, "row 2", "", "no data rows under the header: nothing to import")])


def iter_csv(
    path: Path,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    encoding: str | None = None,
    progress: bool = False,
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Stream a CSV file as ``(line number, {canonical column: text or None})``.

    Parameters
    ----------
    path : Path
        The file (``;`` or ``,`` separated; UTF-8 or cp1250, detected).
    columns : mapping
        Canonical column name -> header names accepted for it (first match wins, case-insensitive).
    required : sequence of str
        Canonical columns the header must provide.
    encoding : str, optional
        Force an encoding instead of detecting it.
    progress : bool
        Show a progress bar on stderr.

    Raises
    ------
    InputError
        File missing, empty, or a required column absent from the header (names the columns found).
    """
    require_file(path)
    enc = encoding or detect_encoding(path)
    bar = progress_bar(path, path.name, progress)
    try:
        with io.TextIOWrapper(open_binary(path, bar), encoding=enc, newline="") as text:
            header_line = text.readline()
            if not header_line.strip():
                raise InputError([Problem(path.name, "line 1", "", "empty file: no header")])
            delim = ";" if header_line.count(";") >= header_line.count(",") else ","
            header = next(csv.reader([header_line], delimiter=delim))
            norm = {h.strip().lower(): i for i, h in enumerate(header)}
            index: dict[str, int] = {}
            for canon, aliases in columns.items():
                for a in (canon, *aliases):
                    if a.lower() in norm:
                        index[canon] = norm[a.lower()]
                        break
            missing = [c for c in required if c not in index]
            if missing:
                want = " or ".join(f"'{a}'" for a in (missing[0], *columns[missing[0]]))
                have = ", ".join(h.strip() for h in header)
                raise InputError([Problem(path.name, "header", missing[0],
                                          f"column missing: expected {want} (file has: {have})")])
            reader = csv.reader(text, delimiter=delim)
            for lineno, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                row: dict[str, str | None] = {}
                for canon, i in index.items():
                    v = cells[i].strip() if i < len(cells) else ""
                    row[canon] = v or None
                yield lineno, row
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, "", "", f"cannot decode as {enc}: {exc.reason}")]) from None
    finally:
        if bar is not None:
            bar.close()


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])")
_CZ_DATE = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})$")


# -- value parsers: return (value, error message or None) ----------------------------------------

def parse_number(text: Any) -> tuple[float | None, str | None]:
    """A number from text (decimal comma accepted) or a JSON number."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, "missing"
    if isinstance(text, bool):
        return None, f"'{text}' is not a number"
    if isinstance(text, (int, float, Decimal)):
        value = float(text)
    else:
        s = str(text).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            value = float(Decimal(s))
        except (InvalidOperation, ValueError):
            return None, f"'{text}' is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return None, f"'{text}' is not a finite number"
    return value, None


def parse_int(text: Any) -> tuple[int | None, str | None]:
    """A whole number."""
    value, err = parse_number(text)
    if err:
        return None, err
    assert value is not None
    if not value.is_integer():
        return None, f"'{text}' is not a whole number"
    return int(value), None


def parse_date(text: Any) -> tuple[date | None, str | None]:
    """An ISO date (``YYYY-MM-DD``, a time part is ignored) or Czech ``D.M.YYYY``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, "missing"
    s = str(text).strip()
    try:
        if m := _CZ_DATE.match(s):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))), None
        if _ISO_DATE.match(s):
            return date.fromisoformat(s[:10]), None
    except ValueError:
        pass
    return None, f"'{text}' is not a date (YYYY-MM-DD or D.M.YYYY)"


def municipality_code(text: Any) -> tuple[str | None, str | None]:
    """A 6-digit municipality code from ``554499``, ``"554499"`` or ``"Obec/554499"``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, "missing"
    s = str(text).strip()
    if "/" in s:
        s = s.rsplit("/", 1)[1]
    if s.endswith(".0"):
        s = s[:-2]
    if len(s) == 6 and s.isdigit():
        return s, None
    return None, f"'{text}' is not a 6-digit municipality code"
