"""The one error handler of the app: every error, of every route, answered in one shape.

JSON for the API and the exports (``/api/...``, ``/export/...``), the OGC API exception shape::

    {"code": "InvalidParameterValue", "description": "parameter 'year': ...", "parameter": "year"}

``code`` and the HTTP status come from the error's class (:mod:`geo_kissos.errors`: each class
knows its ``http_status`` and ``ogc_code``), ``description`` is its
:attr:`~geo_kissos.errors.GeoKissosError.user_message`, and the class may add fields
(``parameter`` of a :class:`~geo_kissos.errors.ParamError`, ``problems`` of an
:class:`~geo_kissos.errors.InputError`). A Werkzeug :class:`~werkzeug.exceptions.HTTPException`
(an unknown route, a wrong method) keeps its status, with its name as the code. Answers of the
API also say which data they were computed on (``dataVersion``, ``dataDate``).

HTML for the pages: the partners' pages (``/ucet/...``) show their Czech error page
(:func:`webmap.accounts.error_page`), the map a plain HTML page.

Anything else (a bug, a store gone away) is a 500 ``NoApplicableCode`` with a generic text: the
exception is logged with its traceback (logger ``webmap.errors``, level ERROR) and its text is
never sent to the client, since it may name private paths or the store's address. A package error
of a 5xx status is logged the same way; a 4xx is logged at INFO (it is the client's mistake).
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from geo_kissos.errors import INTERNAL_ERROR, GeoKissosError

__all__ = ["Answer", "answer_error", "describe", "init_errors", "wants_json"]

log = logging.getLogger(__name__)

#: First path segments whose errors are answered in JSON.
JSON_PREFIXES = ("api", "export")
#: Blueprints of the partners' pages (their error page has the pages' layout).
ACCOUNT_BLUEPRINTS = ("accounts", "needs", "applicants", "applications")


@dataclass(frozen=True)
class Answer:
    """What the client is told of an error (never the log detail of a server-side failure)."""

    status: int
    code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The OGC API exception document."""
        return {"code": self.code, "description": self.description, **self.details}


def describe(exc: BaseException) -> Answer:
    """The answer to ``exc``, logged on the way (INFO for a 4xx, ERROR with traceback for a 5xx)."""
    if isinstance(exc, GeoKissosError):
        status = exc.http_status
        if status >= 500:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc, exc_info=exc)
        else:
            log.info("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc)
        return Answer(status, exc.ogc_code, exc.user_message, exc.details() if status < 500 else {})
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        log.info("HTTP %s on %s %s: %s", status, request.method, request.path, exc.description)
        return Answer(status, exc.name.replace(" ", ""), exc.description or exc.name)
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
    return Answer(500, "NoApplicableCode", INTERNAL_ERROR)


def wants_json() -> bool:
    """Whether the request's errors are answered in JSON (the API and the exports)."""
    return request.path.lstrip("/").split("/", 1)[0] in JSON_PREFIXES


def _version_fields() -> dict[str, Any]:
    data = current_app.extensions.get("geo_kissos")
    if data is None or not request.path.startswith("/api"):
        return {}
    try:  # which data the API answered on, as in every API document
        return dict(data.version_fields())
    except Exception:  # the store is what failed: the error itself is the answer
        return {}


def _json_response(ans: Answer) -> Response:
    body = {**ans.body(), **_version_fields()}
    resp = Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status=ans.status,
                    mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _html_response(exc: BaseException, ans: Answer) -> Response:
    if request.blueprint in ACCOUNT_BLUEPRINTS:
        from .accounts import error_page

        try:
            if isinstance(exc, GeoKissosError) and ans.status < 500:
                return error_page(exc)
            return error_page(ans.status)  # the page's own Czech text for the status
        except Exception:  # the page's layout itself failed: the plain page below
            log.error("error page of %s failed", request.path, exc_info=True)
    if isinstance(exc, HTTPException) and ans.status < 500:
        return exc.get_response()
    text = html.escape(ans.description)
    page = (f'<!doctype html><html lang="cs"><meta charset="utf-8"><title>Chyba {ans.status}</title>'
            f"<h1>Chyba {ans.status}</h1><p>{text}</p></html>")
    return Response(page, status=ans.status, mimetype="text/html")


def answer_error(exc: BaseException) -> Response:
    """The app's one error handler: JSON for the API and the exports, HTML for the pages."""
    ans = describe(exc)
    if wants_json():
        return _json_response(ans)
    return _html_response(exc, ans)


def init_errors(app: Flask) -> None:
    """Answer every error of ``app`` with :func:`answer_error` (once per app; the export
    blueprint calls it too, so it answers the same on an app of its own).

    More specific handlers registered by an extension (CSRF, the login limiter's 429) still win:
    Flask picks the handler of the most specific class.
    """
    if app.extensions.get("geo_kissos_errors"):
        return
    app.extensions["geo_kissos_errors"] = True
    app.register_error_handler(Exception, answer_error)
