"""Shared fixtures: real stores (GeoPackage and PostGIS), the data folder, a loaded store.

PostGIS: ``TEST_DATABASE_URL`` (set by ``.ci/run``) names a server; without it the fixture starts
a throwaway cluster itself (Debian's PostgreSQL 15 + PostGIS, as ``postgres`` when run as root).
Each test that writes gets a fresh database cloned from a migrated template (fast, isolated).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.catalogue import FALLBACK_LAYER
from geo_kissos.config import REPO_ROOT
from geo_kissos.demo import build_demo
from geo_kissos.store import GpkgStore, PostgisStore, Store
from webmap import create_app

PG_BIN = Path("/usr/lib/postgresql/15/bin")
CHROMIUM = Path("/usr/bin/chromium")
#: Debian's Chromium, headless, as root, with no outbound connections of its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]
BACKENDS = ("gpkg", "postgis")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server with PostGIS available (database part ignored)."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    if not (PG_BIN / "initdb").exists():
        pytest.fail("no TEST_DATABASE_URL and no Debian PostgreSQL 15: run `bash .ci/run`")
    root = os.geteuid() == 0

    def as_pg(cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if root else cmd

    tmp = tempfile.mkdtemp(prefix="gk-pg-")
    if root:
        shutil.chown(tmp, "postgres", "postgres")
    data, port = f"{tmp}/data", _free_port()
    subprocess.run(as_pg([str(PG_BIN / "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True, cwd="/")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off"
    subprocess.run(as_pg([str(PG_BIN / "pg_ctl"), "-D", data, "-l", f"{tmp}/log", "-w", "-o", opts,
                          "start"]), check=True, capture_output=True, cwd="/")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_pg([str(PG_BIN / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]),
                       capture_output=True, cwd="/")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin(pg_server_url: str):
    """AUTOCOMMIT engine on the server's ``postgres`` database, and a migrated template."""
    url = make_url(pg_server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    template = f"gk_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{template}"'))
    PostgisStore(url.set(database=template).render_as_string(hide_password=False)).close()
    yield admin, url, template
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_admin) -> Iterator[str]:
    """URL of a fresh, migrated, empty PostGIS database (dropped after the test)."""
    admin, url, template = pg_admin
    name = f"gk_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _open(backend: str, request: pytest.FixtureRequest, tmp: Path) -> Store:
    if backend == "gpkg":
        return GpkgStore(tmp / "store.gpkg")
    return PostgisStore(request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind (the test runs once per backend)."""
    store = _open(request.param, request, tmp_path)
    yield store
    store.close()


#: The real data folder of the region beside the checkout (``../shared/data``), when it is there.
REAL_DATA_DIR = Path(os.environ.get("GK_REAL_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic demo folder, built explicitly: market logic is tested on it whatever
    ``../shared/data`` holds (the real folder has no register, no network)."""
    folder = tmp_path_factory.mktemp("demo-data")
    build_demo(folder)
    return folder


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real data folder (``../shared/data``, or ``GK_REAL_DATA_DIR``); the test is skipped,
    saying so, when it is not there."""
    if not (REAL_DATA_DIR / "boundaries").is_dir():
        pytest.skip(f"real data folder {REAL_DATA_DIR} is absent: real-region test skipped")
    return REAL_DATA_DIR


@pytest.fixture(scope="session")
def _loaded_gpkg(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("loaded") / "store.gpkg"
    store = GpkgStore(path)
    load_data_dir(store, data_dir)
    return path


@contextmanager
def loaded_pg_database(pg_admin, folder: Path, prefix: str) -> Iterator[str]:
    """A new database cloned from the migrated template with ``folder`` loaded into it.

    Parameters
    ----------
    pg_admin
        The value of the ``pg_admin`` fixture (admin engine, server URL, template name).
    folder : Path
        A data folder, loaded with :func:`geo_kissos.bootstrap.load_data_dir`.
    prefix : str
        Start of the database name (``gk_loaded``, ``gk_real``); a random suffix follows.

    Yields
    ------
    str
        The database URL; the database is dropped on exit.
    """
    admin, url, template = pg_admin
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        u = url.set(database=name).render_as_string(hide_password=False)
        store = PostgisStore(u)
        try:
            load_data_dir(store, folder)
        finally:
            store.close()
        yield u
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def load_into_pg(pg_admin) -> Callable[[Path, str], AbstractContextManager[str]]:
    """:func:`loaded_pg_database` bound to the session's server: ``with load_into_pg(folder,
    "gk_x") as url: ...`` (for session fixtures of other conftest files)."""
    return lambda folder, prefix: loaded_pg_database(pg_admin, folder, prefix)


@pytest.fixture(scope="session")
def _loaded_pg(load_into_pg, data_dir: Path) -> Iterator[str]:
    with load_into_pg(data_dir, "gk_loaded") as u:
        yield u


@pytest.fixture(scope="session", params=BACKENDS)
def loaded_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store of each kind with the whole data folder loaded. READ ONLY: shared by tests."""
    if request.param == "gpkg":
        store: Store = GpkgStore(request.getfixturevalue("_loaded_gpkg"))
    else:
        store = PostgisStore(request.getfixturevalue("_loaded_pg"))
    yield store
    store.close()


@pytest.fixture
def loaded_gpkg_copy(_loaded_gpkg: Path, tmp_path: Path) -> Store:
    """A private, writable copy of the loaded GeoPackage store."""
    dst = tmp_path / "store.gpkg"
    shutil.copy(_loaded_gpkg, dst)
    return GpkgStore(dst)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (sync API).

    Skipped without Chromium or Playwright, or failed when ``GK_REQUIRE_BROWSER=1`` (``.ci/run``).
    Function-scoped: only one Playwright sync session may run in a process at a time.
    """
    required = os.environ.get("GK_REQUIRE_BROWSER") == "1"

    def missing(reason: str) -> None:
        if required:
            pytest.fail(f"browser test required (GK_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        missing("playwright is not installed")
    exe = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not exe:
        missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(exe), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def live_server() -> Iterator[Callable[[Store], str]]:
    """``live_server(store)``: the web app on ``store`` (no tiles) served by werkzeug on
    127.0.0.1 (a free port) in a thread; returns its base URL. Every server is shut down at the
    end of the test. The page opens on ``default_layer`` (population 65+, which needs no
    register: the browser tests start from it; the app's own default is § 49 accessibility)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    running: list[tuple[object, threading.Thread]] = []

    def serve(store: Store, default_layer: str = FALLBACK_LAYER) -> str:
        app = create_app({"STORE": store, "TILES": None, "DEFAULT_LAYER": default_layer})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    try:
        yield serve
    finally:
        for server, thread in running:
            server.shutdown()  # type: ignore[attr-defined]
            thread.join()


@pytest.fixture
def partner_app() -> Callable[[Store], Flask]:
    """``partner_app(store)``: the web app with accounts on ``store`` as the partners' web tests
    (needs, applicants) use it: a fixed secret, cookies allowed over plain http, errors
    answered as pages (not propagated)."""

    def make(store: Store) -> Flask:
        app = create_app({"STORE": store, "TILES": None, "SECRET_KEY": "test-secret",
                          "COOKIE_SECURE": False})
        app.config["PROPAGATE_EXCEPTIONS"] = False
        return app

    return make
