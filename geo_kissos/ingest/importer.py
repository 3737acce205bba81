"""The one skeleton of the CSV imports: reach, network, population and indicators.

Every CSV import runs the same steps, written once in :meth:`CsvImporter.load`:

1. the file exists, the data date given is not in the future;
2. the file is copied privately while hashing it (:func:`~geo_kissos.ingest.common.begin_import`);
   a file already imported (same SHA-256 for the same kind) is skipped, nothing is read;
3. the codes the rows refer to are read from the store (:meth:`CsvImporter.prepare`), refusing
   an empty table with what to load first;
4. every row is checked (:meth:`CsvImporter.check_row`); problems are collected into one
   :class:`~geo_kissos.errors.InputError` (the first one only, unless ``collect_all``);
5. the rows become one frame (:meth:`CsvImporter.finish`), or the file is refused whole;
6. in ONE transaction: the import kind is claimed (:func:`~geo_kissos.ingest.common.claim_import`),
   the frame is written (:meth:`CsvImporter.write`) and the import is logged in ``import_log``.

A kind is a subclass naming its ``kind``, data-folder file, columns and target table;
:data:`CSV_IMPORTERS` lists them in load order, and ``geo-kissos setup``
(:func:`geo_kissos.bootstrap.load_data_dir`) and ``geo-kissos ingest`` iterate that list.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pandas as pd

from ..store import Store, Writer
from .common import ImportResult, Problems, begin_import, claim_import
from .tabular import check_data_date, iter_csv, no_rows, require_file

__all__ = ["Batch", "CsvImporter"]


@dataclass
class Batch:
    """What one CSV import writes: the rows and what the import log says of them.

    Attributes
    ----------
    frame : pandas.DataFrame
        Rows of :attr:`CsvImporter.table`.
    data_date : date or None
        Data date logged (the one given, else what the file says).
    note : str or None
        Note of the import log row.
    """

    frame: pd.DataFrame
    data_date: date | pd.Timestamp | None = None
    note: str | None = None


class CsvImporter(ABC):
    """One kind of CSV import; a subclass per kind, an instance per run (it holds the run's state).

    Class attributes
    ----------------
    kind : str
        Import kind in ``import_log`` and the ``geo-kissos ingest`` command name.
    file_name : str
        The file of a data folder (``reach.csv``).
    table : str
        Table written (its row count is ``result.counts[table]``).
    columns : mapping
        Canonical column -> header names accepted (see :func:`~geo_kissos.ingest.tabular.iter_csv`).
    required : sequence of str
        Canonical columns the header must have.
    needs_register : bool
        Loaded from a data folder only when the register (``rpss.json``) is there too.
    refuse_header_only : bool
        A file with a header and no rows is refused with :func:`~geo_kissos.ingest.tabular.no_rows`
        (False: :meth:`finish` says what is wrong instead).
    help : str
        Help of the ``geo-kissos ingest`` command.
    """

    kind: ClassVar[str]
    file_name: ClassVar[str]
    table: ClassVar[str]
    columns: ClassVar[Mapping[str, Sequence[str]]]
    required: ClassVar[Sequence[str]]
    needs_register: ClassVar[bool] = False
    refuse_header_only: ClassVar[bool] = True
    help: ClassVar[str] = ""

    def __init__(self, store: Store, path: Path, data_date: date | pd.Timestamp | None):
        self.store = store
        self.path = path
        self.data_date = data_date

    @abstractmethod
    def prepare(self) -> None:
        """Read what the rows are checked against (stored codes); InputError when it is missing."""

    @abstractmethod
    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        """Check one row (``row N`` is ``lineno``), keeping it or adding its problems to ``probs``."""

    @abstractmethod
    def finish(self, result: ImportResult) -> Batch:
        """The rows to write, once every row passed (may add ``result.warnings`` or refuse the file)."""

    def write(self, writer: Writer, batch: Batch) -> int:
        """Write the batch inside the import's transaction; return the rows written."""
        return writer.upsert(self.table, batch.frame) if len(batch.frame) else 0

    @classmethod
    def load(
        cls,
        store: Store,
        path: str | Path,
        data_date: date | pd.Timestamp | None = None,
        collect_all: bool = False,
        progress: bool = False,
    ) -> ImportResult:
        """Validate the CSV at ``path`` whole, then store it in one transaction and log the import.

        Parameters
        ----------
        store : Store
            Target store.
        path : str or Path
            The CSV file (``;`` or ``,``; UTF-8 or cp1250).
        data_date : date, optional
            Date the data refers to (logged; not in the future).
        collect_all : bool
            List every problem (``--report``) instead of stopping at the first.
        progress : bool
            Show a progress bar on stderr.

        Returns
        -------
        ImportResult
            ``skipped`` when the same file was already imported.

        Raises
        ------
        InputError
            The file is refused whole: nothing is written.
        """
        path = Path(path)
        require_file(path)
        check_data_date(data_date, path.name)
        result = begin_import(store, cls.kind, path)
        if result.skipped:
            return result
        run = cls(store, path, data_date)
        run.prepare()
        probs = Problems(path.name, collect_all)
        rows_read = 0
        for lineno, row in iter_csv(result.parsed, cls.columns, cls.required, progress=progress):
            rows_read += 1
            run.check_row(lineno, row, probs)
        if rows_read == 0 and cls.refuse_header_only:
            raise no_rows(path.name)
        probs.raise_if_any()
        batch = run.finish(result)
        with store.transaction() as w:
            if not claim_import(w, result):
                return result
            result.counts[cls.table] = run.write(w, batch)
            logged = batch.data_date
            w.log_import(cls.kind, str(path), result.checksum, rows_read, len(batch.frame),
                         pd.Timestamp(logged).date() if logged is not None else None, batch.note)
        return result
