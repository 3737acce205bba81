"""Pieces every import shares: checksums, problem collection, result summaries.

The checksum logged is of the bytes actually parsed: :func:`snapshot_file` copies an input into
a private temporary folder while hashing it, and the loader parses that copy. A file changed
during the import can therefore never be stored under the checksum of its earlier content (and
"already imported" cannot hide the change). :func:`claim_import` is the first step inside an
import's transaction: it takes the store's lock for the import kind (a transaction-scoped
advisory lock on PostGIS; the GeoPackage store's writers already hold its file lock) and checks
"already imported" again, so two imports of the same file at once log it once.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, Problem, StoreError

if TYPE_CHECKING:
    from ..store import Store, Writer

#: Files that travel with a main file of the same stem (a shapefile's parts).
SIDECAR_SUFFIXES: tuple[str, ...] = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (constant memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class Snapshot:
    """A private copy of input files, taken while hashing them; removed on :meth:`close`.

    Attributes
    ----------
    path : Path
        The copy of the main file (same file name as the original, so messages name it), or of
        the folder when a folder was given.
    checksum : str
        SHA-256 of the main file's bytes as copied (for a folder: of its files' checksums).
    """

    def __init__(self, path: Path, checksum: str, folder: tempfile.TemporaryDirectory[str]):
        self.path = path
        self.checksum = checksum
        self._folder = folder

    def close(self) -> None:
        """Delete the copy (also done when the snapshot is garbage-collected)."""
        self._folder.cleanup()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy_hashing(src: Path, dst: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while block := fin.read(chunk):
            h.update(block)
            fout.write(block)
    return h.hexdigest()


def snapshot_file(path: str | Path, pattern: str = "*.csv") -> Snapshot:
    """Copy ``path`` into a private temporary folder, hashing the very bytes copied.

    Parameters
    ----------
    path : str or Path
        A file (its shapefile sidecars, when there are any, are copied beside it) or a folder
        (its files matching ``pattern`` are copied; the checksum combines theirs, in name order).
    pattern : str
        Files of a folder to copy.

    Returns
    -------
    Snapshot
        Parse ``snapshot.path``, log ``snapshot.checksum``.

    Raises
    ------
    InputError
        The path does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(str(path), "", "", "file not found")])
    folder = tempfile.TemporaryDirectory(prefix="gk-import-")
    root = Path(folder.name)
    try:
        if path.is_dir():
            dst = root / path.name
            dst.mkdir()
            sums = [f"{f.name}={_copy_hashing(f, dst / f.name)}" for f in sorted(path.glob(pattern)) if f.is_file()]
            checksum = hashlib.sha256("|".join(sums).encode()).hexdigest()
        else:
            dst = root / path.name
            checksum = _copy_hashing(path, dst)
            for suffix in SIDECAR_SUFFIXES:
                side = path.with_name(path.stem + suffix)
                if side.exists() and side != path:
                    shutil.copyfile(side, root / side.name)
    except OSError as exc:
        folder.cleanup()
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise StoreError(f"no space left on {root.parent} (device full or file size limit reached): "
                             f"the private copy of {path.name} could not be written; nothing was imported") from None
        raise
    except BaseException:
        folder.cleanup()
        raise
    return Snapshot(dst, checksum, folder)


def claim_import(writer: Writer, result: ImportResult) -> bool:
    """First step inside an import's transaction: lock the import kind, check "already imported" again.

    Returns
    -------
    bool
        False when another import of the same file committed meanwhile (``result.skipped`` is then
        set; the caller writes nothing and returns).
    """
    writer.lock_import(result.kind)
    log = writer.read("import_log", {"kind": result.kind})
    if bool((log["checksum"] == result.checksum).any()):
        result.skipped = True
        result.counts.clear()
        return False
    return True


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
        SHA-256 of the bytes parsed (see :func:`snapshot_file`).
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
    #: The private copy being parsed (set by :func:`begin_import`; None once closed).
    snapshot: Snapshot | None = field(default=None, repr=False, compare=False)

    @property
    def parsed(self) -> Path:
        """The file to parse: the private copy whose bytes the checksum is of."""
        if self.snapshot is None:
            raise RuntimeError("no snapshot: the import was not begun with begin_import")
        return self.snapshot.path

    def summary(self) -> str:
        """One paragraph for the terminal."""
        if self.skipped:
            return f"{self.source}: already imported (sha256 {self.checksum[:12]}…), nothing changed"
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts.items())
        lines = [f"{self.source}: imported ({counts}); sha256 {self.checksum[:12]}…"]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def begin_import(store: Store, kind: str, path: Path) -> ImportResult:
    """Check the file exists, copy it privately while hashing it; ``skipped`` when already imported.

    The loader parses ``result.parsed`` (the copy), so the checksum logged is of the bytes parsed;
    the copy is removed when the result is garbage-collected (or by ``result.snapshot.close()``).
    """
    snap = snapshot_file(path)
    result = ImportResult(kind, path.name, snap.checksum, snapshot=snap)
    result.skipped = store.already_imported(kind, snap.checksum)
    if result.skipped:
        snap.close()
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
