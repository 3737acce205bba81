"""The embedded store: one GeoPackage file, written and read with pyogrio. No server.

Each table is a layer (aspatial tables are GeoPackage attribute tables). A transaction works on
in-memory frames and, on commit, writes a complete new file beside the old one and renames it
over the old one (``os.replace`` is atomic on POSIX): a failed import leaves the file as it was,
readers never see half a write. An empty table is simply an absent layer.

Writers are serialised across processes by an OS file lock (``fcntl.flock`` on ``<store>.lock``
beside the file) held from the first read of a transaction to the rename, so two imports or two
web submissions at the same moment both land (the second waits; ``GEO_KISSOS_LOCK_TIMEOUT``
seconds, default 300, then a clear :class:`StoreError`). A temp file left by a killed writer is
removed by the next writer. A commit that meets a full disk (or the file size limit) is a
:class:`StoreError` "no space left on <folder>"; the temp file is removed and the store is as it
was.
"""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from .. import catalogue
from ..config import get_config
from ..errors import StoreError
from ..schema import TABLES
from . import frames
from .base import Store, Writer

#: Version of the GeoPackage layout, kept in the ``gk_meta`` layer.
SCHEMA_VERSION = 1
_META = "gk_meta"
_OGR_GEOMETRY = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}
#: errno values of a write that found no room: full device, file size limit, disk quota.
_NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
#: Free bytes below which a failed write is taken as one that found no room.
_ROOM_BYTES = 256 * 1024
#: The same as GDAL / SQLite word it (their errors carry no errno).
_NO_SPACE_TEXTS = ("no space left", "disk is full", "file too large", "quota exceeded", "disk quota")


def _no_space(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a write that found no room."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _NO_SPACE_ERRNOS:
            return True
        if any(t in str(e).lower() for t in _NO_SPACE_TEXTS):
            return True
        e = e.__cause__ or e.__context__
    return False


def _no_room(folder: Path, tmp: str, needed: Callable[[], int] | None = None) -> bool:
    """True when a failed write stopped for lack of room: GDAL often reports only "Failed to
    commit transaction", so look at the file system (checked before the temp file is removed).

    Under a file size limit, SQLite's rollback has cut the temp file back to its size before the
    failed transaction, which says little about the write that failed; ``needed`` (a lower
    bound of the bytes the file had to take, :func:`_payload_bytes`) does.
    """
    try:
        st = os.statvfs(folder)
        size = os.path.getsize(tmp) if tmp and os.path.exists(tmp) else 0
    except OSError:
        return False
    if st.f_bavail * st.f_frsize < _ROOM_BYTES:  # the device is (nearly) full
        return True
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]  # the process may not grow a file further
    if limit == resource.RLIM_INFINITY:
        return False
    return max(size, needed() if needed is not None else 0) + _ROOM_BYTES > limit


def _payload_bytes(tables: dict[str, pd.DataFrame]) -> int:
    """A lower bound of the bytes a GeoPackage of ``tables`` takes: the characters of every text,
    a byte for every other value, the WKB of every geometry (a file holds at least its data)."""
    import shapely

    total = 0
    for df in tables.values():
        if df is None or df.empty:
            continue
        for name in df.columns:
            col = df[name]
            if isinstance(col.dtype, gpd.array.GeometryDtype):
                total += sum(map(len, filter(None, shapely.to_wkb(col.to_numpy()))))
            elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
                total += int(col.dropna().astype(str).str.len().sum())
            else:
                total += int(col.notna().sum())
    return total


class _GpkgWriter(Writer):
    def __init__(self, store: GpkgStore):
        self._store = store
        self._tables: dict[str, pd.DataFrame] = {}  # read or written in the transaction
        self.changed: set[str] = set()  # written: only these make the commit rewrite the file

    def read(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        if table not in self._tables:
            self._tables[table] = self._store.read(table)
        return frames.select(self._tables[table], where)

    def upsert(self, table: str, df: pd.DataFrame) -> int:
        new = frames.coerce(table, df)
        frames.check_unique_key(table, new)
        if new.empty:
            return 0
        key = list(frames.spec(table).key)
        old = self.read(table)
        keep = ~pd.MultiIndex.from_frame(old[key]).isin(pd.MultiIndex.from_frame(new[key]))
        merged = pd.concat([old.loc[keep], new], ignore_index=True) if len(old) else new
        self._tables[table] = frames.coerce(table, merged)
        self.changed.add(table)
        return len(new)

    def delete(self, table: str, where: dict[str, Any] | None = None) -> int:
        old = self.read(table)
        gone = frames.select(old, where)
        if where is None:
            if len(old):
                self._tables[table] = old.iloc[0:0]
                self.changed.add(table)
            return len(old)
        if gone.empty:
            return 0
        key = list(frames.spec(table).key)
        keep = ~pd.MultiIndex.from_frame(old[key]).isin(pd.MultiIndex.from_frame(gone[key]))
        self._tables[table] = old.loc[keep].reset_index(drop=True)
        self.changed.add(table)
        return len(gone)


class GpkgStore(Store):
    """Store in a GeoPackage file (created, with the reference catalogues, when missing).

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).expanduser().resolve()
        self.url = str(self.path)
        self._lock = threading.RLock()
        self._depth = threading.local()
        self._cache: dict[str, pd.DataFrame] = {}
        self._stamp: tuple[int, int] | None = None
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._file_lock():
                if not self.path.exists():  # another process may have created it meanwhile
                    self._write_all({"service_type": catalogue.service_types_frame(),
                                     "indicator_def": catalogue.indicators_frame()})
        self._check_version()

    # -- reading -----------------------------------------------------------------------------
    def _layers(self) -> dict[str, Any]:
        return {name: kind for name, kind in pyogrio.list_layers(self.path)}

    def _refresh(self) -> None:
        st = self.path.stat()
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            self._cache.clear()
            self._stamp = stamp

    def _check_version(self) -> None:
        if _META not in self._layers():
            raise StoreError(f"{self.path}: not a geo-kissos GeoPackage (no '{_META}' layer)")
        meta = pyogrio.read_dataframe(self.path, layer=_META, read_geometry=False)
        version = int(meta.loc[meta["key"] == "schema_version", "value"].iloc[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer geo-kissos (layout {version} > {SCHEMA_VERSION})"
            )

    def read(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        frames.spec(table)
        with self._lock:
            self._refresh()
            if table not in self._cache:
                if table in self._layers():
                    has_geom = TABLES[table].geometry_type is not None
                    raw = pyogrio.read_dataframe(self.path, layer=table, read_geometry=has_geom)
                    if has_geom:
                        raw = raw.rename_geometry("geom")
                    self._cache[table] = frames.coerce(table, raw)
                else:
                    self._cache[table] = frames.empty(table)
            df = self._cache[table]
        return frames.select(df, where).copy()

    # -- writing -----------------------------------------------------------------------------
    def _write_all(self, tables: dict[str, pd.DataFrame]) -> None:
        """Write every table into a new file and rename it over the store (see the module doc)."""
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".gpkg", dir=self.path.parent)
            os.close(fd)
            os.unlink(tmp)
            meta = pd.DataFrame({"key": ["schema_version"], "value": [str(SCHEMA_VERSION)]})
            pyogrio.write_dataframe(meta, tmp, layer=_META, driver="GPKG")
            for name in TABLES:
                df = tables.get(name)
                if df is None or df.empty:
                    continue
                df = frames.coerce(name, df)
                spec = TABLES[name]
                if spec.geometry_type is None:
                    pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG")
                else:
                    gtype = _OGR_GEOMETRY[spec.geometry_type]
                    pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG", geometry_type=gtype)
            os.replace(tmp, self.path)
        except Exception as exc:
            if _no_space(exc) or _no_room(self.path.parent, tmp, lambda: _payload_bytes(tables)):
                raise StoreError(
                    f"no space left on {self.path.parent} (device full or file size limit reached): "
                    f"nothing was written, {self.path.name} is unchanged"
                ) from exc
            raise
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    @property
    def lock_path(self) -> Path:
        """The lock file that serialises writers of this store across processes."""
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold the store's exclusive OS lock (re-entrant within one thread)."""
        if getattr(self._depth, "n", 0):
            self._depth.n += 1
            try:
                yield
            finally:
                self._depth.n -= 1
            return
        timeout = get_config().lock_timeout
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreError(
                            f"{self.path}: another writer has held the store for {timeout:.0f} s; "
                            "nothing was written, try again when it has finished"
                        ) from None
                    time.sleep(0.05)
            self._remove_orphans()
            self._depth.n = 1
            try:
                yield
            finally:
                self._depth.n = 0
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _remove_orphans(self) -> None:
        """Delete temp files of writers that were killed mid-commit (we hold the lock)."""
        for tmp in self.path.parent.glob(f".{self.path.stem}-*.gpkg"):
            try:
                tmp.unlink()
            except OSError:  # pragma: no cover - another owner, not ours to remove
                pass

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        with self._lock, self._file_lock():
            self._stamp = None  # another process may have committed since our last read
            writer = _GpkgWriter(self)
            yield writer
            if writer.changed:  # a transaction that only read leaves the file as it is
                current = {name: self.read(name) for name in TABLES}
                current.update({name: writer._tables[name] for name in writer.changed})
                self._write_all(current)
                self._stamp = None
