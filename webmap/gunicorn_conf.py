"""gunicorn settings of the market map (``gunicorn -c python:webmap.gunicorn_conf webmap.wsgi:app``).

Workers: ``GEO_KISSOS_WORKERS`` (default one per CPU core), threads ``GEO_KISSOS_THREADS``
(default 4); bind ``GEO_KISSOS_BIND`` (default 127.0.0.1:5000). See :mod:`webmap.serving`.
"""

from __future__ import annotations

from geo_kissos.config import get_config
from webmap.serving import gunicorn_options

_host, _, _port = get_config().bind.rpartition(":")
globals().update(gunicorn_options(_host.strip("[]") or "127.0.0.1", int(_port or 5000)))
