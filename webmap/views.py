"""HTML routes of the market map and the app-wide error pages."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from .api import map_data, send
from .page import render_page

log = logging.getLogger(__name__)


def register_views(app: Flask) -> None:
    """Add the page route and JSON errors for ``/api`` to ``app``."""

    @app.get("/")
    def index() -> Response:
        """The market map."""
        html = render_page(map_data(), current_app.config["TILES"], current_app.config["DEFAULT_LAYER"])
        return send(html.encode("utf-8"), mimetype="text/html")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if request.path.startswith("/api"):
            body = {"code": exc.name.replace(" ", ""), "description": exc.description}
            return send(json.dumps(body, ensure_ascii=False).encode("utf-8"), status=exc.code or 500)
        return exc.get_response()

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.path)
        # the details (which may name private paths) go to the log only
        body = {"code": "ServerError", "description": "internal error; the details are in the server log"}
        if request.path.startswith("/api"):
            return send(json.dumps(body, ensure_ascii=False).encode("utf-8"), status=500)
        return Response("Interní chyba mapy / internal error: " + body["description"], status=500,
                        mimetype="text/plain")
