"""Fixtures of the web-map tests: a store with a small, known market written into it.

``market_store`` is a private copy of the loaded GeoPackage store to which a deterministic
population, two indicators and a handful of services with sites are added (see
:mod:`webmap_market`), so the layers have values to classify whatever the demo data holds.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from webmap_market import write_market
from werkzeug.serving import make_server

from geo_kissos.store import GpkgStore, Store
from webmap import create_app


@pytest.fixture(scope="session")
def market_store(_loaded_gpkg: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A private GeoPackage store: the loaded demo data plus the synthetic :data:`MARKET`."""
    dst = tmp_path_factory.mktemp("market") / "store.gpkg"
    shutil.copy(_loaded_gpkg, dst)
    store = GpkgStore(dst)
    write_market(store)
    return store


@pytest.fixture
def live_url(loaded_store: Store) -> Iterator[str]:
    """The app on the loaded store, served by werkzeug on 127.0.0.1 (free port) in a thread."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, create_app({"STORE": loaded_store, "TILES": None}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
