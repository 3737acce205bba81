"""WSGI entry point of the production server: ``granian --interface wsgi webmap.wsgi:app``.

``geo-kissos serve --production`` runs it (:func:`webmap.serving.run_production`); any other
WSGI server can too. The store is ``GEO_KISSOS_DATABASE_URL`` (default ``var/geo-kissos.gpkg``);
the other settings come from the environment as described in :mod:`webmap`, the log level from
``GEO_KISSOS_LOG_LEVEL`` (:mod:`geo_kissos.logs`). Each worker imports this module, opens the
store and warms its caches in the background.
"""

from __future__ import annotations

from geo_kissos.logs import setup_logging

from . import create_app
from .serving import warm_in_background

setup_logging()  # GEO_KISSOS_LOG_LEVEL (see geo_kissos.logs)
app = create_app()
warm_in_background(app)
