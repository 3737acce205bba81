"""The GeoPackage store's "no space left" checks, its layout check and its commit, one by one
(issue 17: the mutation run over ``store/gpkg.py``).

The commit calls a failure "no space left" when ``_no_space(exc) or _no_room(folder, tmp)``; on a
real full-disk failure both halves answer, so each half is pinned here on its own: ``_no_space``
on real exception objects (errno, message, chains through ``__cause__`` / ``__context__``),
``_no_room`` on real folders (``statvfs`` of the test's folder and of ``/proc``, which has no free
block), a real temp file of a known size and a real ``RLIMIT_FSIZE`` of this process set to the
bytes around the boundary. The layout check and the commit are read back from real GeoPackage
files with pyogrio.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo_kissos.errors import StoreError
from geo_kissos.store import GpkgStore
from geo_kissos.store.gpkg import _ROOM_BYTES, SCHEMA_VERSION, _no_room, _no_space, _payload_bytes


# -- _no_space: the exception and what caused it ------------------------------------------------
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT])
def test_no_space_errnos_count_whatever_the_message(code: int):
    # a message that names none of the texts: only the errno can answer
    assert _no_space(OSError(code, "write failed"))


@pytest.mark.parametrize("code", [errno.EACCES, errno.ENOENT, errno.EIO, errno.EROFS])
def test_other_errnos_are_not_no_space(code: int):
    assert not _no_space(OSError(code, os.strerror(code)))


def test_an_oserror_without_errno_is_judged_by_its_message():
    assert not _no_space(OSError("could not write"))
    assert _no_space(OSError("sqlite3: database or disk is full"))


@pytest.mark.parametrize("message", [
    "No space left on device",
    "sqlite3_exec(COMMIT) failed: database or DISK IS FULL",
    "File too large",
    "Quota exceeded for user 0",
    "write: Disk quota",
])
def test_no_space_texts_of_gdal_and_sqlite_count_in_any_case(message: str):
    # GDAL's errors (pyogrio raises them as DataSourceError etc.) carry no errno, only a message
    assert _no_space(pyogrio.errors.DataSourceError(message))
    assert _no_space(RuntimeError(f"while writing: {message.upper()}"))


@pytest.mark.parametrize("message", ["Failed to commit transaction", "", "space", "quota", "file too"])
def test_other_messages_are_not_no_space(message: str):
    assert not _no_space(RuntimeError(message))
    assert not _no_space(ValueError(message))


def _chained(outer: BaseException, inner: BaseException, *, cause: bool) -> BaseException:
    """``outer`` raised while handling ``inner`` (``cause``: ``raise outer from inner``)."""
    try:
        try:
            raise inner
        except BaseException as e:
            if cause:
                raise outer from e
            raise outer  # noqa: B904 - an implicit __context__ is wanted here
    except BaseException as got:
        return got
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.mark.parametrize("cause", [True, False])
def test_no_space_is_found_through_the_chain(cause: bool):
    exc = _chained(RuntimeError("Failed to commit transaction"), OSError(errno.ENOSPC, "write"), cause=cause)
    assert (exc.__cause__ is not None) is cause and exc.__context__ is not None
    assert _no_space(exc)
    assert not _no_space(_chained(RuntimeError("Failed"), OSError(errno.EACCES, "denied"), cause=cause))


def test_no_space_is_found_three_links_down():
    deep = _chained(ValueError("b"), OSError(errno.EDQUOT, "w"), cause=True)
    top = _chained(RuntimeError("a"), deep, cause=False)
    assert top.__context__ is deep and deep.__cause__.errno == errno.EDQUOT
    assert _no_space(top)


def test_an_explicit_cause_is_followed_before_the_context():
    # ``raise outer from cause`` while handling ``context``: Python reports the cause, so do we
    ctx = OSError(errno.ENOSPC, "written while handling")
    exc = RuntimeError("outer")
    exc.__context__ = ctx
    exc.__cause__ = OSError(errno.EACCES, "denied")
    assert not _no_space(exc)
    exc.__cause__ = OSError(errno.EFBIG, "write")
    exc.__context__ = OSError(errno.EACCES, "denied")
    assert _no_space(exc)


def test_a_chain_that_loops_ends():
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__context__, b.__context__ = b, a
    assert not _no_space(a)
    c = RuntimeError("c")
    c.__cause__ = c
    assert not _no_space(c)
    d = OSError(errno.ENOSPC, "d")
    d.__context__ = d
    assert _no_space(d)


# -- _no_room: the file system and the file size limit ------------------------------------------
@contextmanager
def _fsize_limit(nbytes: int) -> Iterator[None]:
    """This process may not grow a file past ``nbytes`` (the soft ``RLIMIT_FSIZE``) meanwhile."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


def _room(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.fixture
def unlimited() -> None:
    if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:  # pragma: no cover
        pytest.skip("this process has a file size limit already")
    if resource.getrlimit(resource.RLIMIT_FSIZE)[1] != resource.RLIM_INFINITY:  # pragma: no cover
        pytest.skip("the hard file size limit is set")


def test_a_folder_with_room_and_no_limit_is_not_no_room(tmp_path: Path, unlimited: None):
    if _room(tmp_path) < 64 * _ROOM_BYTES:  # pragma: no cover - the test machine is nearly full
        pytest.skip("the test folder has little room")
    tmp = tmp_path / "part.gpkg"
    tmp.write_bytes(b"x" * 5000)
    assert not _no_room(tmp_path, str(tmp))
    assert not _no_room(tmp_path, "")
    assert not _no_room(tmp_path, str(tmp_path / "never-made.gpkg"))


def test_a_device_without_free_blocks_is_no_room(tmp_path: Path, unlimited: None):
    assert _room(Path("/proc")) == 0  # a real folder whose file system has no free block
    assert _no_room(Path("/proc"), "")
    tmp = tmp_path / "part.gpkg"
    tmp.write_bytes(b"x" * 10)
    assert _no_room(Path("/proc"), str(tmp))


def test_a_folder_that_cannot_be_looked_at_is_not_no_room(tmp_path: Path):
    # the folder vanished: an OSError of statvfs, which is not a lack of room
    assert not _no_room(tmp_path / "gone", "")
    with _fsize_limit(10):  # even when the limit alone would say so
        assert not _no_room(tmp_path / "gone", "")
        assert _no_room(tmp_path, "")


def test_the_file_size_limit_boundary_with_a_temp_file_of_known_size(tmp_path: Path, unlimited: None):
    tmp = tmp_path / "part.gpkg"
    tmp.write_bytes(b"x" * 1000)
    assert os.path.getsize(tmp) == 1000
    with _fsize_limit(1000 + _ROOM_BYTES):  # exactly room for another _ROOM_BYTES: not stopped
        assert not _no_room(tmp_path, str(tmp))
    with _fsize_limit(1000 + _ROOM_BYTES - 1):  # one byte short
        assert _no_room(tmp_path, str(tmp))
    with _fsize_limit(1000 + 2 * _ROOM_BYTES):
        assert not _no_room(tmp_path, str(tmp))


def test_without_a_temp_file_the_size_counted_is_zero(tmp_path: Path, unlimited: None):
    for tmp in ("", str(tmp_path / "never-made.gpkg")):
        with _fsize_limit(_ROOM_BYTES):
            assert not _no_room(tmp_path, tmp)
        with _fsize_limit(_ROOM_BYTES - 1):
            assert _no_room(tmp_path, tmp)


def test_only_the_soft_limit_counts(tmp_path: Path, unlimited: None):
    # the soft limit is what stops this process's writes (the hard one stays unlimited here)
    with _fsize_limit(100):
        assert resource.getrlimit(resource.RLIMIT_FSIZE) == (100, resource.RLIM_INFINITY)
        assert _no_room(tmp_path, "")


# -- _check_version: which files are opened -------------------------------------------------------
def _meta(path: Path, rows: dict[str, str]) -> None:
    meta = pd.DataFrame({"key": list(rows), "value": list(rows.values())})
    pyogrio.write_dataframe(meta, path, layer="gk_meta", driver="GPKG")


def test_a_geopackage_without_the_meta_layer_is_refused(tmp_path: Path):
    path = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"a": [1]}), path, layer="something", driver="GPKG")
    with pytest.raises(StoreError) as exc:
        GpkgStore(path)
    assert str(exc.value) == f"{path}: not a geo-kissos GeoPackage (no 'gk_meta' layer)"


def test_the_version_is_read_from_its_row(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    GpkgStore(path)
    # other rows before and after: only the schema_version row is the layout
    _meta(path, {"made_by": "9", "schema_version": str(SCHEMA_VERSION), "zz": "7"})
    assert GpkgStore(path).count("service_type") > 0
    _meta(path, {"made_by": "0", "schema_version": str(SCHEMA_VERSION + 1), "zz": "0"})
    with pytest.raises(StoreError) as exc:
        GpkgStore(path)
    assert str(exc.value) == (f"{path}: written by a newer geo-kissos "
                              f"(layout {SCHEMA_VERSION + 1} > {SCHEMA_VERSION})")


def test_an_older_or_equal_layout_is_opened(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    GpkgStore(path)
    for version in (SCHEMA_VERSION, SCHEMA_VERSION - 1):
        _meta(path, {"schema_version": str(version)})
        assert GpkgStore(path).path == path


def test_a_new_store_is_written_with_the_current_layout(tmp_path: Path):
    path = tmp_path / "new" / "deeper" / "store.gpkg"  # its folders are made
    GpkgStore(path)
    meta = pyogrio.read_dataframe(path, layer="gk_meta", read_geometry=False)
    assert meta[["key", "value"]].values.tolist() == [["schema_version", str(SCHEMA_VERSION)]]


# -- _write_all: what a commit leaves in the file ------------------------------------------------
def _layers(path: Path) -> dict[str, str | None]:
    return {name: kind for name, kind in pyogrio.list_layers(path)}


def test_a_new_store_holds_the_meta_and_the_catalogues_only(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    assert _layers(store.path) == {"gk_meta": None, "service_type": None, "indicator_def": None}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.gpkg", "store.gpkg.lock"]


def test_a_commit_writes_the_changed_table_and_drops_an_emptied_one(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        w.upsert("provider", pd.DataFrame({"ico": ["00000001", "00000002"], "name": ["A", "B"]}))
    assert _layers(store.path) == {"gk_meta": None, "service_type": None, "indicator_def": None,
                                   "provider": None}
    raw = pyogrio.read_dataframe(store.path, layer="provider", read_geometry=False)
    assert sorted(raw["ico"]) == ["00000001", "00000002"]
    with store.transaction() as w:
        assert w.delete("provider") == 2
    assert "provider" not in _layers(store.path)  # an empty table is an absent layer
    assert store.count("provider") == 0 and store.count("service_type") > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.gpkg", "store.gpkg.lock"]


def test_point_layers_are_typed_even_when_every_point_is_missing(tmp_path: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        w.upsert("provider", pd.DataFrame({"ico": ["00000001"], "name": ["A"]}))
        w.upsert("service", pd.DataFrame([{"service_id": "S1", "provider_ico": "00000001", "type_code": "49",
                                           "name": "Domov"}]))
        w.upsert("site", gpd.GeoDataFrame({"site_id": ["S1-1"], "service_id": ["S1"],
                                           "location_quality": ["unlocated"]},
                                          geometry=[None], crs=5514).rename_geometry("geom"))
    assert _layers(store.path)["site"] == "Point"  # not "Unknown": later points fit the layer
    info = pyogrio.read_info(store.path, layer="site")
    assert info["geometry_type"] == "Point" and info["crs"] == "EPSG:5514"
    with store.transaction() as w:
        w.upsert("site", gpd.GeoDataFrame({"site_id": ["S1-2"], "service_id": ["S1"],
                                           "location_quality": ["address_point"]},
                                          geometry=[Point(-550_000.0, -1_120_000.0)], crs=5514)
                 .rename_geometry("geom"))
    site = GpkgStore(store.path).read("site").set_index("site_id")
    assert (site.loc["S1-2", "geom"].x, site.loc["S1-2", "geom"].y) == (-550_000.0, -1_120_000.0)
    assert pyogrio.read_info(store.path, layer="site")["geometry_type"] == "Point"


def test_a_store_on_another_device_than_the_temp_folder_commits(tmp_path: Path):
    # the temp file is made beside the store (a rename cannot cross file systems); /dev/shm is
    # a tmpfs, so a temp file under the default temp folder could not be renamed over the store
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:  # pragma: no cover
        pytest.skip("no second file system beside the test folder")
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="gk-test-", dir=shm))
    try:
        store = GpkgStore(folder / "store.gpkg")
        with store.transaction() as w:
            w.upsert("provider", pd.DataFrame({"ico": ["00000001"], "name": ["A"]}))
        assert GpkgStore(folder / "store.gpkg").read("provider")["ico"].tolist() == ["00000001"]
        assert sorted(p.name for p in folder.iterdir()) == ["store.gpkg", "store.gpkg.lock"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)



def test_inside_a_transaction_a_delete_leaves_the_table_as_the_store_gives_it(tmp_path: Path):
    # what the writer reads after its own delete has the columns and the plain 0..n-1 index of a
    # read from the store (no left-over index column)
    store = GpkgStore(tmp_path / "store.gpkg")
    ico = ["00000001", "00000002", "00000003"]
    with store.transaction() as w:
        w.upsert("provider", pd.DataFrame({"ico": ico, "name": ["A", "B", "C"]}))
    columns = list(store.read("provider").columns)
    with store.transaction() as w:
        assert w.delete("provider", {"ico": "00000002"}) == 1
        got = w.read("provider")
        assert list(got.columns) == columns
        assert got.index.tolist() == [0, 1] and got["ico"].tolist() == ["00000001", "00000003"]
        assert w.upsert("provider", pd.DataFrame({"ico": ["00000004"], "name": ["D"]})) == 1
        assert list(w.read("provider").columns) == columns
    assert list(store.read("provider").columns) == columns
    assert store.read("provider")["ico"].tolist() == ["00000001", "00000003", "00000004"]


@contextmanager
def _tmpfs(size: str) -> Iterator[Path]:
    """A real, freshly mounted tmpfs of ``size`` (root only: skipped elsewhere)."""
    import shutil
    import subprocess
    import tempfile

    if os.geteuid() != 0 or shutil.which("mount") is None:  # pragma: no cover - CI as a user
        pytest.skip("mounting a tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="gk-tmpfs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    if done.returncode != 0:  # pragma: no cover - a container without the right to mount
        folder.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)
        folder.rmdir()


def test_the_free_room_boundary_on_a_real_small_file_system(unlimited: None):
    with _tmpfs(f"{_ROOM_BYTES // 1024}k") as folder:
        assert _room(folder) == _ROOM_BYTES  # exactly the room asked for: not "no room"
        assert not _no_room(folder, "")
        (folder / "block").write_bytes(b"x" * os.statvfs(folder).f_frsize)
        assert _room(folder) == _ROOM_BYTES - os.statvfs(folder).f_frsize  # one block less
        assert _no_room(folder, "")


def test_the_commit_writes_its_temp_file_beside_the_store_under_the_orphan_name(tmp_path: Path):
    # the name matters: a writer killed mid-commit leaves its temp file, which the next writer
    # removes by that name (``.<stem>-*.gpkg``). A write past the file size limit sends SIGXFSZ:
    # its handler (run before the commit's cleanup) lists the folder while the temp file is there
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        w.upsert("provider", pd.DataFrame({"ico": ["00000001"], "name": ["A"]}))
    seen: list[list[str]] = []
    many = pd.DataFrame({"ico": [f"{i:08d}" for i in range(2, 20_002)], "name": ["B"] * 20_000})
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, lambda *_: seen.append(sorted(p.name for p in tmp_path.iterdir())))
    resource.setrlimit(resource.RLIMIT_FSIZE, (store.path.stat().st_size + 64 * 1024, hard))
    try:
        with pytest.raises(StoreError, match="no space left"), store.transaction() as w:
            w.upsert("provider", many)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    assert seen, "the write past the limit was not signalled"
    temps = {n for names in seen for n in names} - {"store.gpkg", "store.gpkg.lock"}
    assert len(temps) == 1
    (name,) = temps
    assert name.startswith(".store-") and name.endswith(".gpkg") and len(name) > len(".store-.gpkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.gpkg", "store.gpkg.lock"]  # and removed


def test_a_limit_just_above_the_room_margin_is_judged_by_the_temp_file(tmp_path: Path):
    # limit = 256 KiB + 32 KiB: the margin alone fits under it, the temp file written so far
    # (tens of KiB when SQLite's bigger write is refused) plus the margin does not. GDAL says only
    # "Failed to commit transaction", so it is the temp file's size that makes it "no space left"
    store = GpkgStore(tmp_path / "store.gpkg")
    before = store.path.read_bytes()
    many = pd.DataFrame({"ico": [f"{i:08d}" for i in range(2, 40_002)], "name": ["B"] * 40_000})
    with _fsize_limit(_ROOM_BYTES + 32 * 1024), pytest.raises(StoreError) as exc, store.transaction() as w:
        w.upsert("provider", many)
    assert str(exc.value).startswith(f"no space left on {tmp_path} ")
    assert "no space left" not in str(exc.value.__cause__).lower()  # GDAL's own words do not say so
    assert store.path.read_bytes() == before


def test_a_commit_past_a_larger_file_size_limit_is_still_no_space(tmp_path: Path):
    # SQLite's rollback cuts the temp file back below the limit: the data's size tells
    store = GpkgStore(tmp_path / "store.gpkg")
    with store.transaction() as w:
        w.upsert("provider", pd.DataFrame({"ico": ["00000001"], "name": ["A"]}))
    before = store.path.read_bytes()
    many = pd.DataFrame({"ico": [f"{i:08d}" for i in range(2, 40_002)], "name": ["B"] * 40_000})
    with _fsize_limit(len(before) + 300 * 1024), pytest.raises(StoreError, match="no space left"), \
            store.transaction() as w:
        w.upsert("provider", many)
    assert store.path.read_bytes() == before


def test_the_payload_is_a_lower_bound_of_the_written_file(loaded_gpkg_copy: GpkgStore):
    tables = {name: loaded_gpkg_copy.read(name) for name in ("municipality", "orp", "population", "provider")}
    payload = _payload_bytes(tables)
    assert payload > 100_000, "boundaries, names and numbers of the demo"
    with loaded_gpkg_copy.transaction() as w:  # what the store's file holds: at least its data
        w.upsert("provider", tables["provider"])
    assert os.path.getsize(loaded_gpkg_copy.path) >= payload
    geoms = tables["municipality"].geometry
    assert _payload_bytes({"m": tables["municipality"][["geom"]]}) == sum(len(g.wkb) for g in geoms)
    texts = pd.DataFrame({"t": ["žluť", None, "ab"], "n": [1.0, None, 3.0]})
    assert _payload_bytes({"x": texts}) == 4 + 2 + 2, "characters of the texts, a byte per other value"
    assert _payload_bytes({"e": texts.iloc[:0], "none": None}) == 0


def test_a_needed_size_past_the_limit_is_no_room(tmp_path: Path, unlimited: None):
    tmp = tmp_path / "part.gpkg"
    tmp.write_bytes(b"x" * 1000)
    with _fsize_limit(1000 + 2 * _ROOM_BYTES):
        assert not _no_room(tmp_path, str(tmp), lambda: _ROOM_BYTES), "needs fit under the limit"
        assert _no_room(tmp_path, str(tmp), lambda: _ROOM_BYTES + 1001)
    assert not _no_room(tmp_path, str(tmp), lambda: 10**15), "no limit: the data's size does not matter"
