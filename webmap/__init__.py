"""The interactive market map: a Flask app serving a Folium/Leaflet page and an OGC API - Features.

Configuration (``create_app(config)`` keys, else :func:`geo_kissos.config.get_config`)
-------------------------------------------------------------------------------------
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
    How long computed layers are kept at most (``GEO_KISSOS_CACHE_SECONDS``, default 300); a
    change of the store is seen on the next request whatever this says (:mod:`webmap.cache`);
    the served geometries and spatial indexes are kept per data version.
``TRUSTED_HOSTS``
    Host names the app answers to (``GEO_KISSOS_TRUSTED_HOSTS``, comma-separated; ``.example.org``
    also admits its subdomains). A request with another ``Host`` is a 400. Unset: any host (for
    the development server on 127.0.0.1 only; set it whenever the app is reachable from a network).
``PUBLIC_URL``
    The public base URL (``GEO_KISSOS_PUBLIC_URL``, e.g. ``https://mapa.example.org/trh``): every
    link the app writes is built from it, never from the request's ``Host``; its host is trusted.

``TRUSTED_PROXIES``
    Reverse proxies in front of the app whose ``X-Forwarded-*`` headers are believed
    (``GEO_KISSOS_TRUSTED_PROXIES``, default 0: none; see :mod:`webmap.security`).

Every response of the API and the page says which data it shows: ``dataVersion`` and ``dataDate``
in the JSON, a weak ``ETag`` from the data version and the URL; ``If-None-Match`` with it answers
304 before any work.

Every error is answered by one handler (:mod:`webmap.errors`): JSON ``{"code", "description"}``
for the API and the exports, an HTML page for the pages; an unexpected error is a 500 whose text
is generic, the exception and its traceback go to the log.

Every response carries security headers (CSP with a per-request nonce, ``nosniff``,
``frame-ancestors 'self'``, referrer policy); ``/health`` says whether the store answers and
which data version is served.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import xstatic.pkg.leaflet as xleaflet
from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.utils import host_is_trusted

from geo_kissos.catalogue import DEFAULT_LAYER
from geo_kissos.config import OSM_TILES, get_config
from geo_kissos.errors import ConfigError
from geo_kissos.layers import load_layers
from geo_kissos.store import default_store_url, open_store

from .cache import ServedData
from .errors import init_errors
from .security import init_security

__all__ = ["OSM_TILES", "create_app"]

logger = logging.getLogger(__name__)

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
    env = get_config()
    tiles = cfg.pop("TILES", _UNSET)
    if tiles is _UNSET:
        tiles = env.tiles
    store = cfg.pop("STORE", None)
    if store is None:
        store = open_store(cfg.pop("DATABASE_URL", None) or default_store_url())
    layers = load_layers(cfg.pop("LAYERS_DIR", None))
    ttl = float(cfg.pop("CACHE_SECONDS", env.cache_seconds))
    public_url = cfg.pop("PUBLIC_URL", None) or env.public_url
    trusted = cfg.pop("TRUSTED_HOSTS", None)
    trusted_proxies = cfg.pop("TRUSTED_PROXIES", None)
    if trusted is None:
        trusted = env.trusted_hosts
    app.config.update(TILES=tiles or None, DEFAULT_LAYER=cfg.pop("DEFAULT_LAYER", DEFAULT_LAYER), **cfg)
    data = ServedData(store, layers, ttl=ttl)
    app.extensions["geo_kissos"] = data
    _serve_hosts(app, trusted, public_url)
    _data_versions(app, data)
    init_security(app, None if trusted_proxies is None else int(trusted_proxies))
    init_errors(app)  # one handler answers every error (webmap.errors)

    from .accounts import init_accounts
    from .api import bp as api_bp
    from .applicants import init_applicants
    from .applications import init_applications
    from .exports import export_blueprint
    from .needs import init_needs
    from .views import register_views

    app.register_blueprint(api_bp)
    register_views(app)
    init_accounts(app)  # partners' login and pages under /ucet; CSRF on every form of the app
    init_needs(app)  # municipalities' reported needs under /ucet/potrebnost
    init_applicants(app)  # applicants' register (waiting lists) under /ucet/zadatele
    init_applications(app)  # network applications and decisions under /ucet/zadosti
    app.register_blueprint(export_blueprint)  # download buttons: maps, tables and atlas per ORP

    @app.get("/vendor/leaflet/<path:filename>")
    def leaflet_asset(filename: str) -> Response:
        """Leaflet itself, from the ``xstatic-leaflet`` package (no CDN)."""
        return send_from_directory(xleaflet.BASE_DIR, filename, max_age=86400)

    @app.get("/health")
    def health() -> tuple[Response, int]:
        """Whether the store answers, and the data version and date served (for load balancers)."""
        data: ServedData = app.extensions["geo_kissos"]
        try:
            log = data.store.read("import_log")  # one small read: the store answers
        except Exception as exc:  # the store is down: say so, with status 503
            logger.warning("health: store unreachable: %s", exc)
            resp = jsonify(status="error", store="unreachable", error=type(exc).__name__)
            resp.headers["Cache-Control"] = "no-store"
            return resp, 503
        dates = log["data_date"].dropna()
        resp = jsonify(status="ok", store="reachable", data_version=data.current().id,
                       data_date=None if dates.empty else dates.max().date().isoformat(), imports=len(log))
        resp.headers["Cache-Control"] = "no-store"
        return resp, 200

    return app


def _host_list(value: str | Iterable[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [h.strip() for h in items if h.strip()]


def _serve_hosts(app: Flask, trusted: str | Iterable[str] | None, public_url: str | None) -> None:
    """Refuse requests for a host not in ``trusted`` (400) and build links from ``public_url``.

    The check is on the request's own ``Host`` (Werkzeug's rules: a port is ignored, a leading
    dot admits subdomains); then, with a public URL, the request is seen by the app as addressed
    to it (host, scheme and path prefix), so ``url_for(..., _external=True)`` writes it.
    """
    hosts = _host_list(trusted) if trusted is not None else None
    public = None
    if public_url:
        public = urlsplit(public_url.strip())
        if public.scheme not in ("http", "https") or not public.netloc:
            raise ConfigError(f"GEO_KISSOS_PUBLIC_URL {public_url!r}: give an http(s) URL such as "
                              "https://mapa.example.org/")
        if hosts is not None:
            hosts.append(public.hostname or public.netloc)
    if hosts is None and public is None:
        return
    app.config["TRUSTED_HOSTS"] = hosts  # Flask >= 3.1 checks request.host against it too
    inner: Callable[..., Any] = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if hosts is not None:
            host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
            if not host_is_trusted(host, hosts):
                return BadRequest("Neznámý host / untrusted Host header")(environ, start_response)
        if public is not None:
            environ = {**environ, "HTTP_HOST": public.netloc, "wsgi.url_scheme": public.scheme,
                       "SCRIPT_NAME": public.path.rstrip("/") + environ.get("SCRIPT_NAME", "")}
        return inner(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]


def _code_version() -> str:
    try:
        return version("geo-kissos")
    except PackageNotFoundError:  # pragma: no cover - run from a plain checkout
        return "dev"


def _data_versions(app: Flask, data: ServedData) -> None:
    """One data version per request, an ETag on the API's and the page's answers, 304s."""
    code = _code_version()

    def etag() -> str | None:
        if "geo_kissos.etag" in request.environ:  # once per request (before and after it)
            return request.environ["geo_kissos.etag"]
        tag = None
        if request.method in ("GET", "HEAD") and (request.blueprint == "api" or request.endpoint == "index"):
            gz = "gzip" if request.accept_encodings["gzip"] else "identity"
            env = request.environ  # the URL as sent (cheaper than request.url, which decodes it to an IRI)
            url = (f"{env.get('wsgi.url_scheme')}://{env.get('HTTP_HOST', '')}{env.get('SCRIPT_NAME', '')}"
                   f"{env.get('PATH_INFO', '')}?{env.get('QUERY_STRING', '')}")
            digest = hashlib.sha256(f"{code}\n{url}\n{gz}".encode("utf-8", "surrogateescape")).hexdigest()[:16]
            tag = f"{data.data_version()}-{digest}"
        request.environ["geo_kissos.etag"] = tag
        return tag

    @app.before_request
    def _begin() -> Response | None:
        data.begin()
        tag = etag()
        if tag is not None and request.if_none_match.contains_weak(tag):
            resp = Response(status=304)
            resp.set_etag(tag, weak=True)
            resp.vary.add("Accept-Encoding")
            resp.headers["Cache-Control"] = "no-cache"
            return resp
        return None

    @app.after_request
    def _tag(resp: Response) -> Response:
        tag = etag()
        if tag is not None and resp.status_code == 200:
            resp.set_etag(tag, weak=True)
            resp.headers["X-Data-Version"] = data.data_version()
        return resp

    @app.teardown_request
    def _end(exc: BaseException | None) -> None:
        data.end()
