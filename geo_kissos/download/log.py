"""The download log: ``downloads.csv`` in the data folder, one row per source and run.

It says, for every file in the data folder, where it came from (address), the source's own
data date and where that date was read (``http`` Last-Modified, the Atom ``feed``'s ``updated``,
the ``file``'s own date field), its SHA-256, its record count and what the run did with it
(``imported``, ``unchanged``, ``refused``, ``not published``). Refusals are logged too, with the
reason. The file is rewritten whole (temporary file + rename).
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

LOG_NAME = "downloads.csv"


@dataclass
class LogRow:
    """One source in one run."""

    fetched_at: str
    source: str
    region: str
    url: str
    file: str
    status: str
    data_date: str = ""
    date_from: str = ""
    sha256: str = ""
    records: str = ""
    message: str = ""


COLUMNS = [f.name for f in fields(LogRow)]


def read_log(data_dir: Path) -> list[LogRow]:
    """The rows logged so far (oldest first; empty when there is no log)."""
    path = data_dir / LOG_NAME
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [LogRow(**{k: r.get(k) or "" for k in COLUMNS}) for r in csv.DictReader(f)]


def last_good(data_dir: Path, source: str, region: str) -> LogRow | None:
    """The latest row of ``source`` for ``region`` that put a file in place (``imported``, ``unchanged``)."""
    rows = [r for r in read_log(data_dir)
            if r.source == source and r.region == region and r.status in ("imported", "unchanged")]
    return rows[-1] if rows else None


def append_log(data_dir: Path, rows: list[LogRow]) -> Path:
    """Add ``rows`` to the log, rewriting it whole."""
    path = data_dir / LOG_NAME
    old = read_log(data_dir)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{LOG_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, COLUMNS)
            w.writeheader()
            for r in [*old, *rows]:
                w.writerow(asdict(r))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
