"""Fixtures of the download tests: a real HTTP server on 127.0.0.1 serving the official sources
(:mod:`download_official`), a data folder, and the command run against both."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from download_official import POPULATION, Official, build_official

from geo_kissos.cli import main
from geo_kissos.store import Store


class _Handler(SimpleHTTPRequestHandler):
    """Static files; a path listed in ``short`` announces its full length but sends half."""

    short: set[str] = set()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if self.path.lstrip("/") in self.short:
            data = source.read()
            outputfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        shutil.copyfileobj(source, outputfile)


@pytest.fixture
def official(tmp_path: Path) -> Iterator[Official]:
    """A real HTTP server on 127.0.0.1 (random port) serving the official sources, good at first."""
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_Handler,), {"short": set()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        off = build_official(root, f"http://127.0.0.1:{server.server_address[1]}")
        off.short = handler.short  # type: ignore[attr-defined]
        yield off
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    """A new data folder with the boundary manifest (download_url set) the user would put there."""
    folder = tmp_path / "data"
    (folder / "boundaries").mkdir(parents=True)
    (folder / "boundaries" / "arccr-obce.toml").write_text(
        '''id = "arccr-obce"
title = "ArcČR 500 – obce (test mirror)"
publisher = "ARCDATA PRAHA, ZÚ, ČSÚ"
url = "https://www.arcdata.cz/cs-cz/produkty/data/arccr"
download_url = "https://www.arcdata.cz/hranice/obce.gpkg"
licence = "CC BY 4.0"
crs = "EPSG:5514"
sha256 = ""
layer = "obce"
''', encoding="utf-8")
    return folder


@pytest.fixture
def run_download(official: Official, data_folder: Path) -> Callable[..., Result]:
    """Run ``geo-kissos download --region CZ071`` against the local server (CliRunner)."""

    def run(store: Store, *args: str) -> Result:
        return CliRunner().invoke(main, ["download", "--region", "CZ071", "--data-dir", str(data_folder),
                                         "--base-url", official.base, "--store", store.url,
                                         "--url", f"population={official.base}/{POPULATION}", "--quiet",
                                         "--retries", "0", *args], catch_exceptions=False)

    return run


@pytest.fixture
def gpkg_store(tmp_path: Path) -> Iterator[Store]:
    """An empty GeoPackage store, for the checks that do not depend on the backend."""
    from geo_kissos.store import GpkgStore

    store = GpkgStore(tmp_path / "store.gpkg")
    yield store
    store.close()
