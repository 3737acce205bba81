"""The store contract: what both the PostGIS store and the embedded GeoPackage store offer."""

from __future__ import annotations

import getpass
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pandas as pd

from . import frames


class Writer(ABC):
    """Writes inside one transaction: everything or nothing is stored."""

    @abstractmethod
    def read(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Read ``table`` as seen inside this transaction."""

    @abstractmethod
    def upsert(self, table: str, df: pd.DataFrame) -> int:
        """Insert rows, replacing stored rows with the same key; return the row count."""

    @abstractmethod
    def delete(self, table: str, where: dict[str, Any] | None = None) -> int:
        """Delete rows matching ``where`` (all rows when None); return how many."""

    def lock(self, table: str, keys: list[str]) -> None:  # noqa: B027 - optional hook
        """Hold, until the transaction ends, an exclusive lock on the records ``keys`` of
        ``table`` (canonical key strings), so two writers of one record never interleave.

        The GeoPackage store needs nothing: its writers are serialised whole by a file lock.
        """
    def lock_import(self, kind: str) -> None:  # noqa: B027 - optional hook
        """Serialise imports of ``kind`` until this transaction ends (no-op where writers are serial)."""

    def replace(self, table: str, df: pd.DataFrame, where: dict[str, Any] | None = None) -> int:
        """Delete rows matching ``where`` then insert ``df``: a partition rewritten whole."""
        self.delete(table, where)
        return self.upsert(table, df)

    def log_import(
        self,
        kind: str,
        source: str,
        checksum: str,
        rows_read: int,
        rows_written: int,
        data_date: date | None = None,
        note: str | None = None,
    ) -> str:
        """Record an import in ``import_log``; return its id."""
        import_id = str(uuid.uuid4())
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # pragma: no cover - no passwd entry in containers
            who = "unknown"
        row = {
            "import_id": import_id,
            "kind": kind,
            "source": source,
            "data_date": pd.Timestamp(data_date) if data_date else None,
            "checksum": checksum,
            "rows_read": rows_read,
            "rows_written": rows_written,
            "imported_by": who,
            "imported_at": pd.Timestamp(datetime.now().replace(microsecond=0)),
            "note": note,
        }
        self.upsert("import_log", pd.DataFrame([row]))
        return import_id


class Store(ABC):
    """A place where geo-kissos keeps its data.

    Both implementations return the same frames for the same content: plain DataFrames, or
    GeoDataFrames in EPSG:5514 with the geometry column ``geom``, with columns and dtypes of
    :mod:`geo_kissos.schema`.
    """

    #: Human-readable location (URL without password, or the file path).
    url: str

    @abstractmethod
    def read(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Read a table (optionally filtered by ``column -> value or list``)."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """Open a transaction; on an exception nothing of it is stored."""

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return len(self.read(table))

    def already_imported(self, kind: str, checksum: str) -> bool:
        """True when a file with this checksum was already imported as ``kind``."""
        log = self.read("import_log", {"kind": kind})
        return bool((log["checksum"] == checksum).any())

    def data_date(self) -> pd.Timestamp | None:
        """Latest data date over all imports (shown on maps and exports)."""
        log = self.read("import_log")
        dates = log["data_date"].dropna()
        return None if dates.empty else dates.max()

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


__all__ = ["Store", "Writer", "frames"]
