"""Running the map: warm-up of the caches and the production server (Granian).

``geo-kissos serve --production`` (and ``docker-compose.yml``) run `Granian
<https://github.com/emmett-framework/granian>`_, a WSGI server whose connections and HTTP
parsing are Rust (hyper), with the settings of :func:`production_options`:
``GEO_KISSOS_WORKERS`` worker processes (default: one per CPU core available to the process),
each running the app on ``GEO_KISSOS_THREADS`` threads (default 4), so a slow layer build in one
request does not hold up the others. Each worker opens the store itself (no connection crosses a
fork) and computes the layers once in a background thread. Plain
``granian --interface wsgi --workers 2 webmap.wsgi:app`` does the same from the environment.

Why not gunicorn: its HTTP handling is Python. Measured with ``bench/bench_webmap.py`` on this
2-core machine (32 concurrent clients, the random map mix), the server's CPU time per request is
833-867 µs with Granian against 1,100-1,467 µs with gunicorn's gthread workers (region), and the
p95 27.7-29.6 ms against 36.5-43.1 ms (region), 34.3-36.2 ms against 39.8-48.3 ms (national
data); the bench keeps gunicorn beside it. The app is plain WSGI (:mod:`webmap.wsgi`), so any
WSGI server can run it.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import threading
from typing import Any

from flask import Flask

from geo_kissos.config import get_config

log = logging.getLogger(__name__)

#: The WSGI application the production server's workers import (:mod:`webmap.wsgi`).
WSGI_TARGET = "webmap.wsgi:app"


def cpu_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def warm(app: Flask) -> None:
    """Compute every layer once (and the served geometries), so the first page view is fast."""
    data = app.extensions["geo_kissos"]
    for layer in data.layers.values():
        try:
            data.frame(layer)
            if layer.kind == "choropleth":
                data.coverage(layer.level or "municipality").served(9)
        except Exception as exc:  # a bad layer must not stop the server
            log.warning("layer %s: %s", layer.id, exc)
    gc.freeze()  # what was built lives as long as the data: out of the full collections (webmap.index)


def warm_in_background(app: Flask) -> threading.Thread:
    """:func:`warm` in a daemon thread."""
    t = threading.Thread(target=warm, args=(app,), daemon=True, name="gk-warm")
    t.start()
    return t


def is_loopback(host: str) -> bool:
    """True when ``host`` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_options(host: str = "127.0.0.1", port: int = 5000) -> dict[str, Any]:
    """Granian's settings: address, workers per core, threads, logs, graceful stop.

    ``GEO_KISSOS_ACCESS_LOG``: ``-`` (default) writes the access log to the standard output, a
    file name to that file, an empty value turns it off.
    """
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LOGGING_CONFIG

    env = get_config()
    options: dict[str, Any] = {
        "address": host,
        "port": port,
        "interface": Interfaces.WSGI,
        "workers": env.workers or cpu_cores(),
        "blocking_threads": env.threads,
        "http": HTTPModes.http1,  # behind a proxy, or a browser on this computer: plain HTTP/1.1
        "websockets": False,
        "log_access": bool(env.access_log),
        "respawn_failed_workers": True,  # a worker that dies is replaced, the others keep serving
        "workers_kill_timeout": 30,  # a stop waits this long for running requests
    }
    if env.access_log and env.access_log != "-":
        file = {"formatter": "access", "class": "logging.FileHandler", "filename": env.access_log}
        options["log_dictconfig"] = {"handlers": {**LOGGING_CONFIG["handlers"], "access": file}}
    return options


def run_production(host: str, port: int, environ: dict[str, str] | None = None) -> None:
    """Serve :data:`WSGI_TARGET` with Granian until interrupted (SIGINT or SIGTERM: graceful).

    Parameters
    ----------
    host, port : str, int
        Where to listen.
    environ : dict of str to str, optional
        Settings the workers read (e.g. ``GEO_KISSOS_DATABASE_URL`` of ``serve --store``): set
        in this process's environment before the workers start, so every worker sees them.
    """
    from granian import Granian

    os.environ.update(environ or {})
    Granian(WSGI_TARGET, **production_options(host, port)).serve()
