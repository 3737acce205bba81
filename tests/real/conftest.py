"""Fixtures of the real-region tests: ``../shared/data`` loaded into both stores, once per session.

Every fixture here depends on ``real_data_dir`` (tests/conftest.py), so without the real folder
each test is skipped with the message "real data folder ... is absent: real-region test skipped".
The real folder has no register of social services: these tests also check that every view
says so instead of drawing zeros.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.store import GpkgStore, PostgisStore, Store

BACKENDS = ("gpkg", "postgis")


@pytest.fixture(scope="session")
def _real_gpkg(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("real") / "store.gpkg"
    store = GpkgStore(path)
    load_data_dir(store, real_data_dir)
    store.close()
    return path


@pytest.fixture(scope="session")
def _real_pg(real_data_dir: Path, pg_admin) -> Iterator[str]:
    admin, url, template = pg_admin
    name = f"gk_real_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    u = url.set(database=name).render_as_string(hide_password=False)
    store = PostgisStore(u)
    load_data_dir(store, real_data_dir)
    store.close()
    yield u
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=BACKENDS)
def real_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The real folder loaded into each kind of store. READ ONLY: shared by tests."""
    if request.param == "gpkg":
        store: Store = GpkgStore(request.getfixturevalue("_real_gpkg"))
    else:
        store = PostgisStore(request.getfixturevalue("_real_pg"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def real_gpkg_store(_real_gpkg: Path) -> Iterator[Store]:
    """The real folder in a GeoPackage store (views and exports: one backend is enough there,
    the frames of both stores are compared in test_real_territory.py)."""
    store = GpkgStore(_real_gpkg)
    yield store
    store.close()
