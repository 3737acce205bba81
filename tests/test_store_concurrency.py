"""Writers of one GeoPackage store in separate processes at the same moment: none is lost."""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pandas as pd

from geo_kissos.store import GpkgStore

N = 6


def _write_log(path: str, i: int, start) -> None:
    store = GpkgStore(path)
    start.wait()
    with store.transaction() as w:
        w.read("import_log")  # read-modify-write: the race the lock must close
        w.upsert("import_log", pd.DataFrame([{
            "import_id": f"id-{i}", "kind": "test", "source": f"file-{i}", "checksum": f"{i:064x}",
            "rows_read": i, "rows_written": i, "imported_by": "test",
            "imported_at": pd.Timestamp("2026-01-01"),
        }]))


def test_concurrent_processes_all_land(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    GpkgStore(path)
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(N)
    procs = [ctx.Process(target=_write_log, args=(str(path), i, start)) for i in range(N)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    log = GpkgStore(path).read("import_log")
    assert sorted(log["source"]) == sorted(f"file-{i}" for i in range(N))


def test_orphan_temp_file_removed_by_next_writer(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    store = GpkgStore(path)
    orphan = tmp_path / ".store-killed.gpkg"
    orphan.write_bytes(b"half a write")
    with store.transaction() as w:
        w.read("import_log")
    assert not orphan.exists()
    assert not any(name.startswith(".store-") for name in os.listdir(tmp_path))
