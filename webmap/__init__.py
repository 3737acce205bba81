"""The interactive market map: a Flask app serving a Folium/Leaflet page and an OGC API - Features.

Configuration (``create_app(config)`` keys, else the environment)
-----------------------------------------------------------------
``STORE``
    An open :class:`geo_kissos.store.Store` to use (tests pass one); otherwise the store at
    ``DATABASE_URL`` / ``GEO_KISSOS_DATABASE_URL`` (default ``var/geo-kissos.gpkg``) is opened
    once, when the app is created.
``LAYERS_DIR``
    Folder of layer files (default :func:`geo_kissos.config.layers_dir`).
``TILES``
    Background tile URL template (``GEO_KISSOS_TILES``; default OpenStreetMap, off until the
    user switches it on). ``None`` or ``""`` means no background layer at all.
``DEFAULT_LAYER``
    Thematic layer shown first (default ``population-65-share``).
``CACHE_SECONDS``
    How long computed layers and responses are kept (``GEO_KISSOS_CACHE_SECONDS``, default 300);
    the served geometries and spatial indexes are kept per data version instead.
``TRUSTED_PROXIES``
    Reverse proxies in front of the app whose ``X-Forwarded-*`` headers are believed
    (``GEO_KISSOS_TRUSTED_PROXIES``, default 0: none; see :mod:`webmap.security`).

Every response carries security headers (CSP with a per-request nonce, ``nosniff``,
``frame-ancestors 'self'``, referrer policy); ``/health`` says whether the store answers and
which data version is served.
"""

from __future__ import annotations

import os
from typing import Any

import xstatic.pkg.leaflet as xleaflet
from flask import Flask, Response, jsonify, send_from_directory

from geo_kissos.layers import load_layers
from geo_kissos.store import default_store_url, open_store

from .data import MapData, version_of_log
from .security import init_security

__all__ = ["create_app"]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_UNSET = object()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web-map application.

    Parameters
    ----------
    config : dict, optional
        Keys described in the module docstring; anything else is passed to ``app.config``.

    Returns
    -------
    flask.Flask
    """
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    cfg = dict(config or {})
    tiles = cfg.pop("TILES", _UNSET)
    if tiles is _UNSET:
        tiles = os.environ.get("GEO_KISSOS_TILES", OSM_TILES)
    store = cfg.pop("STORE", None)
    if store is None:
        store = open_store(cfg.pop("DATABASE_URL", None) or default_store_url())
    layers = load_layers(cfg.pop("LAYERS_DIR", None))
    ttl = float(cfg.pop("CACHE_SECONDS", os.environ.get("GEO_KISSOS_CACHE_SECONDS", 300)))
    trusted_proxies = cfg.pop("TRUSTED_PROXIES", None)
    app.config.update(TILES=tiles or None, DEFAULT_LAYER=cfg.pop("DEFAULT_LAYER", "population-65-share"), **cfg)
    app.extensions["geo_kissos"] = MapData(store, layers, ttl=ttl)
    init_security(app, None if trusted_proxies is None else int(trusted_proxies))

    from .api import bp as api_bp
    from .views import register_views

    app.register_blueprint(api_bp)
    register_views(app)
    try:  # download buttons: the exporter's blueprint (maps, tables and atlas per ORP)
        from geo_kissos.export.web import export_blueprint
    except ImportError:  # pragma: no cover - the exporter is optional for the map
        export_blueprint = None
    if export_blueprint is not None:
        app.register_blueprint(export_blueprint)

    @app.get("/vendor/leaflet/<path:filename>")
    def leaflet_asset(filename: str) -> Response:
        """Leaflet itself, from the ``xstatic-leaflet`` package (no CDN)."""
        return send_from_directory(xleaflet.BASE_DIR, filename, max_age=86400)

    @app.get("/health")
    def health() -> tuple[Response, int]:
        """Whether the store answers, and the data version and date served (for load balancers)."""
        data: MapData = app.extensions["geo_kissos"]
        try:
            log = data.store.read("import_log")  # one small read: the store answers
        except Exception as exc:  # the store is down: say so, with status 503
            app.logger.warning("health: store unreachable: %s", exc)
            resp = jsonify(status="error", store="unreachable", error=type(exc).__name__)
            resp.headers["Cache-Control"] = "no-store"
            return resp, 503
        dates = log["data_date"].dropna()
        resp = jsonify(status="ok", store="reachable", data_version=version_of_log(log),
                       data_date=None if dates.empty else dates.max().date().isoformat(), imports=len(log))
        resp.headers["Cache-Control"] = "no-store"
        return resp, 200

    return app
