"""Running the map: warm-up of the caches and the production server (gunicorn).

``geo-kissos serve --production`` (and ``docker-compose.yml``) run gunicorn with the settings of
:func:`gunicorn_options`: ``GEO_KISSOS_WORKERS`` worker processes (default: one per CPU core
available to the process), each with ``GEO_KISSOS_THREADS`` threads (default 4), so a slow layer
build in one worker does not hold up the others. Each worker opens the store itself (no
connection crosses a fork) and computes the layers once in a background thread. Plain
``gunicorn -c python:webmap.gunicorn_conf webmap.wsgi:app`` does the same from the environment.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from geo_kissos.config import get_config

log = logging.getLogger(__name__)


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


def gunicorn_options(host: str = "127.0.0.1", port: int = 5000) -> dict[str, Any]:
    """gunicorn settings: bind, workers per core, threads, timeouts, logs to stderr."""
    env = get_config()
    workers = env.workers or cpu_cores()
    threads = env.threads
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,  # the first build of a large layer may take a while
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": env.access_log or None,  # "" turns it off
        "errorlog": "-",
        # the addresses of proxies whose X-Forwarded-* gunicorn itself trusts (the app's
        # ProxyFix is set by GEO_KISSOS_TRUSTED_PROXIES)
        "control_socket_disable": True,  # no admin socket in the home folder
        "forwarded_allow_ips": env.forwarded_allow_ips,
    }


def run_gunicorn(make_app: Callable[[], Flask], host: str, port: int) -> None:
    """Serve ``make_app()`` (called once in every worker) with gunicorn until interrupted."""
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(host, port).items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            app = make_app()
            warm_in_background(app)
            return app

    _App().run()
