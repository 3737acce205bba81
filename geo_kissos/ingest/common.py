"""Pieces every import shares: checksums, problem collection, result summaries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, Problem

if TYPE_CHECKING:
    from ..store import Store


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (constant memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class Problems:
    """Collects problems of one input; raises on the first one unless ``collect_all``.

    Parameters
    ----------
    source : str
        File name used in messages.
    collect_all : bool
        ``False`` (the default) raises :class:`InputError` at the first problem; ``True``
        gathers every problem (the CLI's ``--report``) until :meth:`raise_if_any`.
    """

    def __init__(self, source: str, collect_all: bool = False):
        self.source = source
        self.collect_all = collect_all
        self.items: list[Problem] = []

    def add(self, location: str, field: str, message: str) -> None:
        """Record a problem (and raise at once unless collecting all)."""
        self.items.append(Problem(self.source, location, field, message))
        if not self.collect_all:
            raise InputError(self.items)

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` with every problem collected so far."""
        if self.items:
            raise InputError(self.items)


@dataclass
class ImportResult:
    """What an import did.

    Attributes
    ----------
    kind : str
        Import kind (``boundaries``, ``services``, ...).
    source : str
        File imported.
    checksum : str
        SHA-256 of the file.
    skipped : bool
        True when the same file was already imported: nothing was written.
    counts : dict
        Rows written per table.
    warnings : list of str
        Things repaired or worth a look that did not stop the import.
    """

    kind: str
    source: str
    checksum: str
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for the terminal."""
        if self.skipped:
            return f"{self.source}: already imported (sha256 {self.checksum[:12]}…), nothing changed"
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts.items())
        lines = [f"{self.source}: imported ({counts}); sha256 {self.checksum[:12]}…"]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def begin_import(store: Store, kind: str, path: Path) -> ImportResult:
    """Check the file exists, checksum it; ``skipped`` is set when it was already imported."""
    if not path.exists():
        raise InputError([Problem(str(path), "", "", "file not found")])
    checksum = sha256_file(path)
    result = ImportResult(kind, path.name, checksum)
    result.skipped = store.already_imported(kind, checksum)
    return result


def stored_codes(store: Store, table: str, column: str, path: Path, first: str) -> set[str]:
    """Codes already stored (e.g. municipality codes), refusing to import into an empty table.

    Parameters
    ----------
    first : str
        What to do first when the table is empty, e.g. ``"load boundaries first"``.
    """
    codes = set(store.read(table)[column].astype(str))
    if not codes:
        raise InputError([Problem(path.name, "", "", f"the store has no {table} rows: {first}")])
    return codes
