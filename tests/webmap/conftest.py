"""Fixtures of the web-map tests: a store with a small, known market written into it.

``market_store`` is a private copy of the loaded GeoPackage store to which a deterministic
population, two indicators and a handful of services with sites are added (see
:mod:`webmap_market`), so the layers have values to classify whatever the demo data holds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from webmap_market import write_market

from geo_kissos.store import GpkgStore, Store


@pytest.fixture(scope="session")
def market_store(_loaded_gpkg: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A private GeoPackage store: the loaded demo data plus the synthetic :data:`MARKET`."""
    dst = tmp_path_factory.mktemp("market") / "store.gpkg"
    shutil.copy(_loaded_gpkg, dst)
    store = GpkgStore(dst)
    write_market(store)
    return store


@pytest.fixture
def live_url(loaded_store: Store, live_server) -> str:
    """The app on the loaded store, served on 127.0.0.1 (fixture ``live_server``)."""
    return live_server(loaded_store)
