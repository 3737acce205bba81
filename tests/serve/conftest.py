"""Fixtures of the serving tests: the production server (Granian) started for real.

``production_url`` runs ``geo-kissos serve --production`` as a subprocess on 127.0.0.1 (a free
port, two workers) on the loaded demo store of each backend and waits for ``/health``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from geo_kissos.config import REPO_ROOT

BACKENDS = ("gpkg", "postgis")
#: Generous bound for the production server to answer /health on a busy machine; not a performance assertion.
START_S = 120


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store_url: str, *extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``geo-kissos serve --production`` on a free loopback port (``env``: more settings); returns
    the process and its URL."""
    port = free_port()
    env = {**os.environ, "GEO_KISSOS_WORKERS": "2", "GEO_KISSOS_THREADS": "4", "GEO_KISSOS_ACCESS_LOG": "",
           **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from geo_kissos.cli import run; run()", "serve", "--production", "--no-tiles",
         "--host", "127.0.0.1", "--port", str(port), "--store", store_url, *extra],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the production server exited with {proc.returncode}:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the production server did not answer /health within {START_S} s:\n{proc.stdout.read()}")


def stop_server(proc: subprocess.Popen[str]) -> str:
    """Stop the production server (SIGTERM, graceful) and return what it printed."""
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hung worker
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


@pytest.fixture(scope="session", params=BACKENDS)
def production_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The production server on the loaded store of each backend."""
    store_url = str(request.getfixturevalue("_loaded_gpkg" if request.param == "gpkg" else "_loaded_pg"))
    proc, url = start_server(store_url)
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture
def production_server() -> tuple[Callable[..., tuple[subprocess.Popen[str], str]], Callable[..., str]]:
    """:func:`start_server` and :func:`stop_server`, for a test that starts its own server."""
    return start_server, stop_server
