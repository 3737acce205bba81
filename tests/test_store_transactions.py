"""The store transactions, on both backends (issue 17: the mutation run over the store).

Each test writes a few rows whose counts can be read off the test itself, then checks what a
transaction returns, what it sees inside, and what is stored after commit or rollback. The
GeoPackage tests also hold the store's OS lock from a second file descriptor (as another process
would) and look at the file itself: its bytes, its inode, the temp files beside it.
"""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geo_kissos.errors import StoreError
from geo_kissos.store import GpkgStore, PostgisStore, Store


def _providers(*icos: str) -> pd.DataFrame:
    return pd.DataFrame({"ico": list(icos), "name": [f"Poskytovatel {i}" for i in icos]})


def _reach(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["service_id", "municipality_code"])


def _log(w, kind: str, checksum: str, data_date: date | None = None, note: str | None = None) -> str:
    return w.log_import(kind, f"{kind}.csv", checksum, rows_read=7, rows_written=5, data_date=data_date, note=note)


class _Boom(Exception):
    pass


# -- both stores ----------------------------------------------------------------------------
def test_upsert_counts_and_an_empty_frame_writes_nothing(empty_store: Store):
    with empty_store.transaction() as w:
        assert w.upsert("provider", _providers("00000001", "00000002", "00000003")) == 3
        assert w.upsert("provider", _providers()) == 0
        assert w.upsert("provider", _providers("00000002").assign(name="Nové jméno")) == 1
    got = empty_store.read("provider").sort_values("ico")
    assert got["ico"].tolist() == ["00000001", "00000002", "00000003"]
    assert got["name"].tolist() == ["Poskytovatel 00000001", "Nové jméno", "Poskytovatel 00000003"]


def test_key_only_table_upsert_keeps_one_row_per_key(empty_store: Store):
    # reach has no column outside its key: a repeated pair is kept once, new pairs are added
    with empty_store.transaction() as w:
        assert w.upsert("reach", _reach(("S1", "500001"), ("S1", "500002"))) == 2
    with empty_store.transaction() as w:
        assert w.upsert("reach", _reach(("S1", "500002"), ("S2", "500001"))) == 2
    got = sorted(map(tuple, empty_store.read("reach")[["service_id", "municipality_code"]].to_numpy()))
    assert got == [("S1", "500001"), ("S1", "500002"), ("S2", "500001")]


def test_more_rows_than_one_batch_all_land(empty_store: Store):
    icos = [f"{i:08d}" for i in range(1, 4502)]  # 4501 rows: two full batches of 2000 and one of 501
    with empty_store.transaction() as w:
        assert w.upsert("provider", _providers(*icos)) == 4501
    got = empty_store.read("provider")
    assert len(got) == 4501
    assert set(got["ico"]) == set(icos)


def test_delete_counts_by_filter_list_and_all(empty_store: Store):
    with empty_store.transaction() as w:
        w.upsert("provider", _providers("00000001", "00000002", "00000003", "00000004"))
    with empty_store.transaction() as w:
        assert w.delete("provider", {"ico": "00000009"}) == 0
        assert w.delete("provider", {"ico": ["00000001", "00000003", "00000009"]}) == 2
        assert sorted(w.read("provider")["ico"]) == ["00000002", "00000004"]
    assert sorted(empty_store.read("provider")["ico"]) == ["00000002", "00000004"]
    with empty_store.transaction() as w:
        assert w.delete("provider") == 2
        assert w.read("provider").empty
    assert empty_store.count("provider") == 0


def test_delete_by_a_set_and_a_tuple(empty_store: Store):
    with empty_store.transaction() as w:
        w.upsert("provider", _providers("00000001", "00000002", "00000003"))
        assert w.delete("provider", {"ico": {"00000001"}}) == 1
        assert w.delete("provider", {"ico": ("00000002",)}) == 1
    assert empty_store.read("provider")["ico"].tolist() == ["00000003"]


def test_filter_on_an_unknown_column_is_refused(empty_store: Store):
    with empty_store.transaction() as w, pytest.raises(StoreError, match="nosuch"):
        w.read("provider", {"nosuch": "x"})


def test_replace_rewrites_only_its_partition(empty_store: Store):
    rows = pd.DataFrame({"municipality_code": ["500001", "500001", "500002"], "year": [2020, 2021, 2020],
                         "age_band": ["65+", "65+", "65+"], "persons": [10, 11, 20]})
    with empty_store.transaction() as w:
        w.upsert("population", rows)
    new = pd.DataFrame({"municipality_code": ["500001"], "year": [2022], "age_band": ["65+"], "persons": [12]})
    with empty_store.transaction() as w:
        assert w.replace("population", new, {"municipality_code": "500001"}) == 1
    got = empty_store.read("population").sort_values(["municipality_code", "year"])
    assert got[["municipality_code", "year", "persons"]].to_numpy().tolist() == [["500001", 2022, 12],
                                                                                 ["500002", 2020, 20]]


def test_inside_a_transaction_its_own_writes_are_seen_and_a_failure_keeps_nothing(empty_store: Store):
    with empty_store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
    with pytest.raises(_Boom), empty_store.transaction() as w:
        w.upsert("provider", _providers("00000002"))
        w.delete("provider", {"ico": "00000001"})
        assert w.read("provider")["ico"].tolist() == ["00000002"]
        raise _Boom
    assert empty_store.read("provider")["ico"].tolist() == ["00000001"]


def test_log_import_row_and_already_imported(empty_store: Store):
    with empty_store.transaction() as w:
        first = _log(w, "population", "a" * 64, date(2020, 12, 31), note="první")
        second = _log(w, "services", "b" * 64)
    assert first != second and len(first) == 36
    log = empty_store.read("import_log").set_index("import_id")
    row = log.loc[first]
    assert (row["kind"], row["source"], row["checksum"]) == ("population", "population.csv", "a" * 64)
    assert (int(row["rows_read"]), int(row["rows_written"]), row["note"]) == (7, 5, "první")
    assert row["data_date"] == pd.Timestamp("2020-12-31")
    assert pd.isna(log.loc[second, "data_date"]) and pd.isna(log.loc[second, "note"])
    assert row["imported_by"] and pd.notna(row["imported_at"])
    assert row["imported_at"].microsecond == 0 and row["imported_at"].nanosecond == 0  # whole seconds
    assert empty_store.already_imported("population", "a" * 64)
    assert not empty_store.already_imported("services", "a" * 64)  # same file, other kind
    assert not empty_store.already_imported("population", "b" * 64)


def test_data_date_is_the_latest_logged(empty_store: Store):
    assert empty_store.data_date() is None
    with empty_store.transaction() as w:
        _log(w, "services", "c" * 64)
    assert empty_store.data_date() is None  # an import without a data date
    with empty_store.transaction() as w:
        _log(w, "population", "a" * 64, date(2020, 12, 31))
        _log(w, "indicators", "b" * 64, date(2023, 6, 30))
        _log(w, "network", "d" * 64, date(2021, 1, 1))
    assert empty_store.data_date() == pd.Timestamp("2023-06-30")


def test_count_is_the_rows_of_the_table(empty_store: Store):
    with empty_store.transaction() as w:
        w.upsert("provider", _providers("00000001", "00000002"))
    assert empty_store.count("provider") == 2
    assert empty_store.count("service") == 0


# -- the GeoPackage file ------------------------------------------------------------------------
def _locked_elsewhere(store: GpkgStore) -> bool:
    """True when another open file description cannot take the store's lock (someone holds it)."""
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_gpkg_lock_held_for_the_whole_transaction_and_nested_ones(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    assert store.lock_path == tmp_path / "store.gpkg.lock"
    assert not _locked_elsewhere(store)
    with store.transaction() as w:
        assert _locked_elsewhere(store)
        with store.transaction() as inner:  # the same thread again: re-entrant, no deadlock
            inner.upsert("provider", _providers("00000001"))
        assert _locked_elsewhere(store)  # the inner exit did not release the outer lock
        w.upsert("provider", _providers("00000002"))
    assert not _locked_elsewhere(store)
    assert sorted(store.read("provider")["ico"]) == ["00000001", "00000002"]


def test_gpkg_lock_released_after_a_failed_transaction(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    with pytest.raises(_Boom), store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
        raise _Boom
    assert not _locked_elsewhere(store)
    assert store.count("provider") == 0


def test_gpkg_writer_waits_then_gives_up_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = GpkgStore(tmp_path / "store.gpkg")
    before = store.path.read_bytes()
    monkeypatch.setenv("GEO_KISSOS_LOCK_TIMEOUT", "0.2")
    fd = os.open(store.lock_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the store
    try:
        with pytest.raises(StoreError, match="another writer has held the store for 0 s; nothing was written"), \
                store.transaction() as w:
            w.upsert("provider", _providers("00000001"))
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert store.path.read_bytes() == before
    with store.transaction() as w:  # free again: the next writer gets in at once
        w.upsert("provider", _providers("00000001"))
    assert store.count("provider") == 1


def test_gpkg_a_transaction_that_touches_nothing_does_not_rewrite_the_file(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    ino = store.path.stat().st_ino
    with store.transaction():
        pass
    assert store.path.stat().st_ino == ino
    with store.transaction() as w:  # reads only, and writes that change nothing: no commit
        assert w.read("provider").empty and w.read("service_type", {"type_code": "49"}).shape[0] == 1
        assert w.upsert("provider", _providers("00000001").iloc[0:0]) == 0
        assert w.delete("provider") == 0 and w.delete("reach", {"service_id": "S9"}) == 0
    assert store.path.stat().st_ino == ino
    with store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
    assert store.path.stat().st_ino != ino  # a commit is a new file renamed over the old one
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store-")] == []


def test_gpkg_commit_keeps_the_untouched_tables_and_the_catalogues(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    n_types = store.count("service_type")
    assert n_types > 0
    with store.transaction() as w:
        w.upsert("reach", _reach(("S1", "500001")))
    with store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
    other = GpkgStore(tmp_path / "store.gpkg")  # a fresh reader of the file
    assert other.count("service_type") == n_types
    assert other.count("reach") == 1 and other.count("provider") == 1


def test_gpkg_a_second_store_object_sees_the_commit_of_the_first(tmp_path: Path):
    a = GpkgStore(tmp_path / "store.gpkg")
    b = GpkgStore(tmp_path / "store.gpkg")
    assert b.count("provider") == 0  # read (and cached) before a's commit
    with a.transaction() as w:
        w.upsert("provider", _providers("00000001", "00000002"))
    assert b.count("provider") == 2
    with b.transaction() as w:  # b's writer reads the current file, not its old cache
        assert len(w.read("provider")) == 2
        w.delete("provider", {"ico": "00000001"})
    assert a.read("provider")["ico"].tolist() == ["00000002"]


def test_gpkg_orphans_of_other_stores_are_left_alone(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    mine = tmp_path / ".store-killed.gpkg"
    other = tmp_path / ".other-killed.gpkg"
    mine.write_bytes(b"half a write")
    other.write_bytes(b"someone else's")
    with store.transaction() as w:
        w.read("provider")
    assert not mine.exists()
    assert other.read_bytes() == b"someone else's"


def test_gpkg_newer_layout_is_refused(tmp_path: Path):
    import pyogrio

    path = tmp_path / "store.gpkg"
    GpkgStore(path)
    meta = pd.DataFrame({"key": ["schema_version"], "value": ["2"]})
    pyogrio.write_dataframe(meta, path, layer="gk_meta", driver="GPKG")
    with pytest.raises(StoreError, match=r"newer geo-kissos \(layout 2 > 1\)"):
        GpkgStore(path)


def test_gpkg_a_commit_past_the_file_size_limit_is_refused_and_the_store_kept(tmp_path: Path):
    # in this process (not a child) so that the mutation run sees which code refuses it
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
    before = store.path.read_bytes()
    many = _providers(*(f"{i:08d}" for i in range(2, 20_002)))  # far more than the limit below
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 64 * 1024, hard))
    try:
        with pytest.raises(StoreError) as exc, store.transaction() as w:
            w.upsert("provider", many)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    assert str(exc.value) == (f"no space left on {tmp_path} (device full or file size limit reached): nothing was "
                              "written, store.gpkg is unchanged")
    assert store.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store-")] == []
    assert store.read("provider")["ico"].tolist() == ["00000001"]



def test_gpkg_repr_names_the_file(tmp_path: Path):
    assert repr(GpkgStore(tmp_path / "store.gpkg")) == f"GpkgStore('{tmp_path / 'store.gpkg'}')"


def test_postgis_repr_names_the_server_without_the_password(pg_url: str):
    url = make_url(pg_url).set(password="secret")
    store = PostgisStore(url.render_as_string(hide_password=False))
    try:
        assert repr(store) == f"PostgisStore('{url.render_as_string(hide_password=True)}')"
        assert "secret" not in repr(store)
    finally:
        store.close()


# -- the PostGIS record locks -----------------------------------------------------------------------------
def _free(conn, key: str) -> bool:
    """Whether another session can take the advisory lock of ``key`` now (and so nobody holds it)."""
    got = conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}).scalar_one()
    conn.rollback()  # give it back at once
    return bool(got)


def test_postgis_record_locks_last_until_the_transaction_ends(pg_url: str):
    store = PostgisStore(pg_url)
    other = store.engine.connect()
    try:
        with store.transaction() as w:
            w.lock("municipality_note", ["n-2", "n-1", "n-2"])
            assert not _free(other, "municipality_note\x1fn-1")
            assert not _free(other, "municipality_note\x1fn-2")
            assert _free(other, "municipality_note\x1fn-3")  # only the keys named
            assert _free(other, "user_role\x1fn-1")  # and only in that table
            assert _free(other, "municipality_noten-1")  # the separator is part of the key
        assert _free(other, "municipality_note\x1fn-1") and _free(other, "municipality_note\x1fn-2")
    finally:
        other.close()
        store.close()


def test_gpkg_record_locks_are_no_ops(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        assert w.lock("municipality_note", ["n-1"]) is None
        assert w.lock_import("services") is None
        w.upsert("provider", _providers("00000001"))
    assert store.count("provider") == 1


def test_gpkg_a_commit_into_a_vanished_folder_is_not_called_a_full_disk(tmp_path: Path):
    folder = tmp_path / "sub"
    store = GpkgStore(folder / "store.gpkg")
    with pytest.raises(FileNotFoundError), store.transaction() as w:  # the OS error as it is, not "no space"
        w.upsert("provider", _providers("00000001"))
        shutil.rmtree(folder)


def test_points_and_missing_points_round_trip(empty_store: Store):
    import geopandas as gpd
    from shapely.geometry import Point

    with empty_store.transaction() as w:
        w.upsert("provider", _providers("00000001"))
        w.upsert("service", pd.DataFrame([{"service_id": "S1", "provider_ico": "00000001", "type_code": "49",
                                           "name": "Domov"}]))
        w.upsert("site", gpd.GeoDataFrame(
            {"site_id": ["S1-1", "S1-2"], "service_id": ["S1", "S1"],
             "location_quality": ["address_point", "unlocated"]},
            geometry=[Point(-550_000.5, -1_120_000.25), None], crs=5514).rename_geometry("geom"))
    site = empty_store.read("site").set_index("site_id")
    assert site.crs.to_epsg() == 5514
    assert (site.loc["S1-1", "geom"].x, site.loc["S1-1", "geom"].y) == (-550_000.5, -1_120_000.25)
    assert site.loc["S1-2", "geom"] is None or site.loc["S1-2", "geom"].is_empty
