"""RÚIAN address points: the region's per-municipality CSVs taken out of the national ZIP.

The ZIP of theme ``RUIAN-CSV-ADR-ST`` holds one CSV per municipality (``;``, cp1250), named with
the municipality code (``20260731_OB_554499_ADR.csv``). Only the files of the wanted
municipalities are extracted — byte for byte, as published — into a folder that
:func:`geo_kissos.ingest.services.read_address_points` reads.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path, PurePosixPath

from ..ingest.services import ADDRESS_COLUMNS
from ..ingest.tabular import iter_csv

_CODE = re.compile(r"(?:^|[_\-.])(\d{6})(?=[_\-.])")


def municipality_of(member: str) -> str | None:
    """The 6-digit municipality code in a member's file name (the 8-digit date is not one)."""
    m = _CODE.search(PurePosixPath(member).name)
    return m.group(1) if m else None


def extract_region(zip_path: Path, codes: set[str], folder: Path) -> list[Path]:
    """Extract the CSVs of ``codes`` from the ZIP into ``folder``; return the files written.

    Raises
    ------
    zipfile.BadZipFile
        The ZIP is damaged (truncated, or a member fails its CRC).
    ValueError
        No CSV of the wanted municipalities is in the ZIP.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with zipfile.ZipFile(zip_path) as z:
        members = [i for i in z.infolist() if i.filename.lower().endswith(".csv")]
        if not members:
            raise ValueError("the ZIP holds no CSV file")
        for info in members:
            if municipality_of(info.filename) not in codes:
                continue
            out = folder / PurePosixPath(info.filename).name
            with z.open(info) as src, open(out, "wb") as dst:  # a CRC error raises BadZipFile
                while block := src.read(1 << 20):
                    dst.write(block)
            written.append(out)
    if not written:
        sample = ", ".join(PurePosixPath(i.filename).name for i in members[:3])
        raise ValueError(f"none of its {len(members)} CSV files is of a municipality of the region "
                         f"(e.g. {sample})")
    return sorted(written)


def count_rows(files: list[Path]) -> int:
    """Address points in the files (data rows; the header must have the RÚIAN columns)."""
    return sum(1 for f in files for _ in iter_csv(f, ADDRESS_COLUMNS, ("code", "y", "x")))


def folder_checksum(files: list[Path]) -> str:
    """One SHA-256 over the files' names (without the date prefix) and contents."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda p: municipality_of(p.name) or p.name):
        h.update((municipality_of(f.name) or f.name).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()
