"""One logging setup for the command line and the server.

Every module logs to its own logger (``logging.getLogger(__name__)``: ``geo_kissos.collect.applicants``,
``webmap.errors``...), never to a project-wide one, so a level can be set per module. The library
itself installs no handler; :func:`setup_logging` does, once, for the entry points: the
``geo-kissos`` command (:func:`geo_kissos.cli.run`, ``serve`` included) and the WSGI module
(:mod:`webmap.wsgi`, each production server worker).

Levels (``GEO_KISSOS_LOG_LEVEL``, default ``WARNING``), on the loggers ``geo_kissos`` and ``webmap``:

``DEBUG``
    Details for a developer.
``INFO``
    What was done: uploads and deletions of the partners' registers, a request refused with a
    4xx (which parameter, which record, the actor; never a password or a session).
``WARNING``
    Something served or computed in part: a layer that failed to warm, the store unreachable
    from ``/health``, a secret key missing.
``ERROR``
    An unexpected exception in a request (with its traceback: :mod:`webmap.errors`); the client
    was told only that there was an internal error.

Records go to standard error as ``time level logger: message``. Other libraries' loggers keep
their own levels (Werkzeug's development server still prints its request lines).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

from .errors import ConfigError

__all__ = ["LEVELS", "LOG_LEVEL_ENV", "PACKAGE_LOGGERS", "setup_logging"]

#: Environment variable with the level of the package's loggers.
LOG_LEVEL_ENV = "GEO_KISSOS_LOG_LEVEL"
#: The levels one may give, lowest first.
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: The loggers the level applies to (every module logger is below one of them).
PACKAGE_LOGGERS = ("geo_kissos", "webmap")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler of :func:`setup_logging` (recognised so a second call does not add another)."""


def setup_logging(level: str | None = None, stream: TextIO | None = None) -> int:
    """Send the package's log records to ``stream`` (standard error) from ``level`` up.

    Parameters
    ----------
    level : str, optional
        One of :data:`LEVELS` (any case); default ``GEO_KISSOS_LOG_LEVEL``, else ``WARNING``.
    stream : file, optional
        Where records go (default ``sys.stderr``).

    Returns
    -------
    int
        The level set (a :mod:`logging` constant).

    Raises
    ------
    ConfigError
        For an unknown level name.

    Notes
    -----
    Calling it again replaces the handler and the level (it never adds a second handler).
    """
    name = (level or os.environ.get(LOG_LEVEL_ENV) or "WARNING").strip().upper()
    if name not in LEVELS:
        raise ConfigError(f"{LOG_LEVEL_ENV}={name!r}: use one of {', '.join(LEVELS)}")
    value = logging.getLevelName(name)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    for logger in PACKAGE_LOGGERS:
        logging.getLogger(logger).setLevel(value)
    return value
