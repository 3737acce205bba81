"""Security headers on every response, the per-request CSP nonce and the reverse-proxy setting.

Content Security Policy
-----------------------
Scripts run only from the app itself (``'self'``) or from an inline ``<script>`` carrying the
request's nonce: the page's inline scripts (Folium's map set-up and the app's start call) get
it from :func:`nonce_scripts`, templates (forms, login pages) write
``<script nonce="{{ csp_nonce() }}">``. There is no ``'unsafe-inline'`` and no ``'unsafe-eval'``
for scripts. Styles allow inline ``<style>`` and ``style=""`` (Folium writes its map size inline
and the legend swatches are coloured by attribute); a style cannot run code. Images come from the
app, ``data:`` URIs and the configured tile server. The page may only be framed by the app
itself (``frame-ancestors 'self'``).

An HTML map exported by :mod:`geo_kissos.export` (a self-contained file whose scripts are
inline) is shown inline in a CSP ``sandbox``: it runs its own scripts in an opaque origin, with
no access to the app's cookies or pages.

Behind a reverse proxy
----------------------
``TRUSTED_PROXIES`` (``GEO_KISSOS_TRUSTED_PROXIES``, default 0) is the number of proxies in
front of the app whose ``X-Forwarded-For/-Proto/-Host/-Port/-Prefix`` headers are believed
(werkzeug's :class:`~werkzeug.middleware.proxy_fix.ProxyFix`); with 0 those headers are ignored,
so a client cannot forge the links the API writes.
"""

from __future__ import annotations

import functools
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from geo_kissos.config import get_config

__all__ = ["csp_nonce", "init_security", "nonce_scripts"]

#: ``<script`` opening tags without a nonce yet.
_SCRIPT_TAG = re.compile(r"<script(?![^>]*\bnonce=)(?=[\s>])", re.IGNORECASE)


#: Headers every response carries (unless the view set its own).
_FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def csp_nonce() -> str:
    """The nonce of the current request (made on first use; a Jinja global of the app)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def nonce_scripts(html: str, nonce: str | None = None) -> str:
    """Give every ``<script>`` tag of ``html`` the request's nonce.

    Meant for HTML the app composes itself (Folium's page), whose variable parts are escaped:
    data never reaches this as markup.
    """
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce or csp_nonce()}"', html)


def _origin(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if url.startswith(f"{parts.scheme}://{{s}}."):
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(nonce: str, tiles: str | None) -> str:
    """The CSP of the app's pages and API."""
    head, tail = _csp_parts(tiles)
    return f"{head}{nonce}{tail}"


@functools.lru_cache(maxsize=16)
def _csp_parts(tiles: str | None) -> tuple[str, str]:
    """The CSP around the nonce (the same for every request with the same tiles)."""
    nonce = "\0"
    img = " ".join(filter(None, ("'self'", "data:", _origin(tiles))))
    head, tail = "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {img}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )).split(nonce)
    return head, tail


def export_sandbox_policy(tiles: str | None) -> str:
    """The CSP of an exported (self-contained) HTML map shown inline: sandboxed."""
    img = " ".join(filter(None, ("'self'", "data:", _origin(tiles))))
    return ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            f"img-src {img}; sandbox allow-scripts; frame-ancestors 'self'")


def init_security(app: Flask, trusted_proxies: int | None = None) -> None:
    """Add the headers, the ``csp_nonce()`` Jinja global and (optionally) :class:`ProxyFix`.

    Parameters
    ----------
    app : flask.Flask
    trusted_proxies : int, optional
        Proxies in front of the app (default ``GEO_KISSOS_TRUSTED_PROXIES`` or 0).
    """
    if trusted_proxies is None:
        trusted_proxies = get_config().trusted_proxies
    if trusted_proxies < 0:
        raise ValueError("TRUSTED_PROXIES must be 0 or more")
    app.config["TRUSTED_PROXIES"] = trusted_proxies
    if trusted_proxies:
        n = trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)  # type: ignore[method-assign]
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.debug = False  # never the interactive debugger: it runs code sent by the browser

    @app.after_request
    def _headers(resp: Response) -> Response:
        tiles = app.config.get("TILES")
        h = resp.headers
        if request.blueprint == "export" and resp.mimetype == "text/html":
            csp = export_sandbox_policy(tiles)
        else:
            csp = content_security_policy(csp_nonce(), tiles)
        present = {k.lower() for k, _ in h.items()}  # a view's own header wins (one scan, not one per header)
        for key, value in (("Content-Security-Policy", csp), *_FIXED_HEADERS):
            if key.lower() not in present:
                h.add(key, value)
        return resp
