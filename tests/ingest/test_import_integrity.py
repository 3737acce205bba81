"""Imports log what they parsed, once: the checksum is of the bytes parsed (issue 15.6), and two
imports of one file at once on PostGIS are logged once (issue 15.1, advisory lock per kind)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.common import begin_import, snapshot_file
from geo_kissos.ingest.network import load_reach
from geo_kissos.ingest.services import load_services
from geo_kissos.store import PostgisStore

FIXTURE = Path(__file__).parent.parent / "fixtures" / "register"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_snapshot_keeps_the_bytes_it_hashed(tmp_path: Path):
    src = tmp_path / "reach.csv"
    src.write_text("identifikator;kod_obce;kod_orp\n1;900001;\n", encoding="utf-8")
    first = src.read_bytes()
    with snapshot_file(src) as snap:
        src.write_text("identifikator;kod_obce;kod_orp\n2;900002;\n", encoding="utf-8")  # changed meanwhile
        assert snap.path.name == "reach.csv" and snap.path != src
        assert snap.path.read_bytes() == first
        assert snap.checksum == hashlib.sha256(first).hexdigest() != _sha(src)
        copy = snap.path
    assert not copy.exists()


def test_begin_import_parses_its_own_copy(territory, tmp_path: Path):
    src = tmp_path / "reach.csv"
    src.write_text("identifikator;kod_obce;kod_orp\n1;900001;\n", encoding="utf-8")
    res = begin_import(territory, "reach", src)
    src.write_text("something else entirely\n", encoding="utf-8")
    assert res.parsed.read_text(encoding="utf-8").startswith("identifikator;kod_obce")
    assert res.checksum == hashlib.sha256(res.parsed.read_bytes()).hexdigest()


def test_logged_checksum_is_of_the_content_imported(territory, tmp_path: Path, small_boundaries: Path):
    reg = tmp_path / "in" / "rpss.json"
    reg.parent.mkdir()
    shutil.copy(FIXTURE / "rpss.json", reg)  # alone: the checksum is the register's own
    types = tmp_path / "types" / "druhy-socialni-sluzby.json"
    types.parent.mkdir()
    shutil.copy(FIXTURE / "druhy-socialni-sluzby.json", types)
    load_services(territory, reg, types=types, target_groups=FIXTURE / "cilove-skupiny-osoby.json")
    reach = tmp_path / "reach.csv"
    reach.write_text("identifikator;kod_obce;kod_orp\n3100001;900001;\n3100002;;7101\n", encoding="utf-8")
    load_reach(territory, reach)
    log = territory.read("import_log").set_index("kind")["checksum"]
    assert log["reach"] == _sha(reach)
    assert log["boundaries"] == _sha(small_boundaries)
    # the register's checksum combines its inputs: the same inputs give the same checksum
    again = load_services(territory, reg, types=types, target_groups=FIXTURE / "cilove-skupiny-osoby.json")
    assert again.skipped and again.checksum == log["services"]


_WORKER = """
import sys, time
from pathlib import Path
from geo_kissos.ingest.services import load_services
from geo_kissos.store import PostgisStore
url, reg, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
store = PostgisStore(url)
ready.touch()
while not go.exists():
    time.sleep(0.01)
res = load_services(store, reg)
print("SKIPPED" if res.skipped else "IMPORTED")
"""


def test_two_imports_of_one_file_at_once_are_logged_once_on_postgis(pg_url: str, small_boundaries: Path,
                                                                   tmp_path: Path):
    store = PostgisStore(pg_url)
    load_boundaries(store, small_boundaries)
    folder = tmp_path / "in"
    folder.mkdir()
    for f in FIXTURE.glob("*.json"):
        shutil.copy(f, folder / f.name)
    go = tmp_path / "go"
    procs, readies = [], []
    for k in range(2):
        ready = tmp_path / f"ready{k}"
        readies.append(ready)
        procs.append(subprocess.Popen([sys.executable, "-c", _WORKER, pg_url, str(folder / "rpss.json"), str(ready),
                                       str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in readies):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), \
            [p.communicate() for p in procs if p.poll() is not None]
        time.sleep(0.05)
    go.touch()  # both start at the same moment
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(o[0].strip().splitlines()[-1] for o in outs) == ["IMPORTED", "SKIPPED"], outs
    with store.engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM import_log WHERE kind = 'services'")).scalar_one()
    assert n == 1
    assert store.count("service") == 6
    store.close()


@pytest.mark.parametrize("kind", ["services", "reach"])
def test_lock_kinds_do_not_block_each_other(pg_url: str, kind: str):
    """Advisory locks are per kind and end with the transaction (a second transaction gets it at once)."""
    store = PostgisStore(pg_url)
    with store.transaction() as w:
        w.lock_import(kind)
        other = store.engine.connect()
        try:
            got_other = other.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                                      {"k": "geo_kissos.import.population"}).scalar_one()
            got_same = other.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                                     {"k": f"geo_kissos.import.{kind}"}).scalar_one()
        finally:
            other.rollback()
            other.close()
    assert got_other and not got_same
    with store.engine.connect() as c:
        assert c.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                         {"k": f"geo_kissos.import.{kind}"}).scalar_one()
    store.close()
