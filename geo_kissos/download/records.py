"""Reading a fetched file enough to trust it: it parses, and how many records it holds.

The count is what the ±5 % check compares; a file that does not parse to the end (a truncated
JSON, a CSV without the expected header, a GIS file GDAL cannot open) raises
:class:`ValueError` or :class:`~geo_kissos.errors.InputError` with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ijson
import pyogrio

from ..ingest.phenomena import POPULATION_COLUMNS
from ..ingest.tabular import iter_csv, parse_date
from .catalogue import Source

_SCALARS = {"start_map", "start_array", "string", "number", "boolean", "null"}


@dataclass(frozen=True)
class Records:
    """Records in a file, and the file's own data date when it has a date field."""

    count: int | None
    own_date: date | None = None


def count_json_items(path: Path, key: str) -> int:
    """Items of the top-level list ``key``, streamed (ijson).

    Raises
    ------
    ValueError
        Invalid or truncated JSON, or no top-level list ``key``.
    """
    n, seen = 0, False
    item = f"{key}.item"
    try:
        with open(path, "rb") as f:
            for prefix, event, _ in ijson.parse(f):
                if prefix == key and event == "start_array":
                    seen = True
                elif prefix == item and event in _SCALARS:
                    n += 1
    except ijson.JSONError as exc:
        raise ValueError(f"invalid or truncated JSON after {n} record(s): {exc}") from None
    if not seen:
        raise ValueError(f"no top-level list '{key}': not the file this source publishes")
    return n


def count_csv(path: Path, group: str) -> Records:
    """Data rows of a CSV; for population also the latest ``casref_do`` (its own data date)."""
    if group == "population":
        n, latest = 0, None
        for _, row in iter_csv(path, POPULATION_COLUMNS, ("persons", "municipality_code")):
            n += 1
            d, err = parse_date(row.get("ref_date")) if row.get("ref_date") else (None, None)
            if d is not None and not err and (latest is None or d > latest):
                latest = d
        return Records(n, latest)
    return Records(sum(1 for _ in iter_csv(path, {}, ())))


def read_records(src: Source, path: Path) -> Records:
    """Check ``path`` parses as ``src.format`` and count its records.

    Raises
    ------
    ValueError, geo_kissos.errors.InputError
        The file does not parse (the message says where).
    """
    if src.format == "json-items":
        assert src.count is not None
        return Records(count_json_items(path, src.count))
    if src.format == "json":
        try:
            with open(path, "rb") as f:
                json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"invalid or truncated JSON: {exc}") from None
        return Records(None)
    if src.format == "csv-rows":
        return count_csv(path, src.group)
    if src.format == "features":
        layer = src.manifest.layer if src.manifest else None
        try:
            return Records(int(pyogrio.read_info(path, layer=layer)["features"]))
        except Exception as exc:  # pyogrio raises DataSourceError/DataLayerError and others
            raise ValueError(f"not a readable GIS file: {exc}") from None
    raise ValueError(f"unknown format {src.format}")  # pragma: no cover - checked by the catalogue
