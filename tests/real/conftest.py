"""Fixtures of the real-region tests: ``../shared/data`` loaded into both stores, once per session.

Every fixture here depends on ``real_data_dir`` (tests/conftest.py), so without the real folder
each test is skipped with the message "real data folder ... is absent: real-region test skipped".
The real folder has no register of social services: these tests also check that every view
says so instead of drawing zeros.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
def _real_pg(real_data_dir: Path, load_into_pg) -> Iterator[str]:
    with load_into_pg(real_data_dir, "gk_real") as u:
        yield u


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
