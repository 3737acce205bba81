"""WSGI entry point of the production server: ``granian --interface wsgi webmap.wsgi:app``.

``geo-kissos serve --production`` runs it (:func:`webmap.serving.run_production`); any other
WSGI server can too. The store is ``GEO_KISSOS_DATABASE_URL`` (default ``var/geo-kissos.gpkg``);
the other settings come from the environment as described in :mod:`webmap`, the log level from
``GEO_KISSOS_LOG_LEVEL`` (:mod:`geo_kissos.logs`). Each worker imports this module, opens the
store and warms its caches in the background.

Granian, like CGI, copies the whole process environment into every request's WSGI environ; the
settings there include secrets (``GEO_KISSOS_SECRET_KEY``, the database URL's password), so
:func:`without_process_environment` takes the process's own variables out before the app sees
a request (an error report or an extension that dumps the environ cannot show them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from geo_kissos.logs import setup_logging

from . import create_app
from .serving import warm_in_background

#: What a WSGI server puts in the environ itself (PEP 3333, CGI): never taken out.
_REQUEST_KEYS = frozenset({
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "GATEWAY_INTERFACE", "REMOTE_ADDR",
    "REMOTE_HOST", "REMOTE_PORT", "REQUEST_URI", "RAW_URI",
})

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def without_process_environment(inner: WSGIApp, process_env: Mapping[str, str] | None = None) -> WSGIApp:
    """``inner`` seeing no variable of the process environment in a request's environ.

    Parameters
    ----------
    inner : WSGI application
    process_env : mapping, optional
        The environment to keep out (default ``os.environ`` as it is now).
    """
    env = dict(os.environ if process_env is None else process_env)
    drop = tuple(k for k in env if k not in _REQUEST_KEYS and not k.startswith(("HTTP_", "wsgi.")))
    # a process variable named like a request header (HTTP_PROXY) would pass for one the client
    # sent; it goes too, unless the request itself brought that header with another value
    headers = tuple((k, v) for k, v in env.items() if k.startswith("HTTP_"))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for key in drop:
            environ.pop(key, None)
        for key, value in headers:
            if environ.get(key) == value:
                del environ[key]
        return inner(environ, start_response)

    return app


setup_logging()  # GEO_KISSOS_LOG_LEVEL (see geo_kissos.logs)
flask_app = create_app()
warm_in_background(flask_app)
app = without_process_environment(flask_app.wsgi_app)
