"""Issue 15.7 (full disk): a GeoPackage commit that finds no room says so, exits 2, keeps the store.

Real limits, no mocks: a small tmpfs mounted for the test (needs root, as CI runs; skipped,
saying so, where mounting is not allowed) meets ENOSPC; a process file-size limit
(``RLIMIT_FSIZE``, any user) meets EFBIG.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geo_kissos.store import GpkgStore

CLI = [sys.executable, "-c", "from geo_kissos.cli import run; run()"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(args: list[str], limit: int | None = None) -> subprocess.CompletedProcess:
    def preexec() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run([*CLI, *args], capture_output=True, text=True, preexec_fn=preexec, timeout=600)


def _assert_refused(res: subprocess.CompletedProcess, store: Path, before: str) -> None:
    assert res.returncode == 2, res.stderr[-2000:]
    err = res.stderr.strip().splitlines()
    assert "Traceback" not in res.stderr
    # where the space ran out: the store's folder, or the temp folder of the input's private copy
    places = (f"error: no space left on {store.parent}", f"error: no space left on {tempfile.gettempdir()}")
    assert any(line.startswith(places) for line in err), res.stderr[-2000:]
    assert len([line for line in err if line.startswith("error")]) == 1
    assert _sha(store) == before  # the store is as it was
    assert not list(store.parent.glob(f".{store.stem}-*.gpkg"))  # no temp file left
    assert len(GpkgStore(store).read("municipality")) == 400


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip() or 'not root'}): "
                    "the full-device test is skipped, the file-size-limit test still runs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_full_device_is_said_and_the_store_kept(small_tmpfs: Path, data_dir: Path):
    store = small_tmpfs / "s.gpkg"
    res = _run(["boundaries", "load", str(data_dir / "boundaries" / "obce.gpkg"), "--store", str(store)])
    assert res.returncode == 0, res.stderr[-2000:]
    free = shutil.disk_usage(small_tmpfs).free
    with open(small_tmpfs / "filler", "wb") as f:  # leave 64 KiB: less than one new store file
        f.write(b"\0" * max(0, free - 64 * 1024))
    before = _sha(store)
    res = _run(["ingest", "population", str(data_dir / "population.csv"), "--store", str(store)])
    _assert_refused(res, store, before)


def test_a_file_size_limit_is_said_and_the_store_kept(loaded_gpkg_copy, data_dir: Path, tmp_path: Path):
    store = loaded_gpkg_copy.path
    source = tmp_path / "population.csv"
    source.write_bytes((data_dir / "population.csv").read_bytes() + b"\n")  # new checksum, same rows
    before = _sha(store)
    res = _run(["ingest", "population", str(source), "--store", str(store)], limit=os.path.getsize(store) // 2)
    _assert_refused(res, store, before)
