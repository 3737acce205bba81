"""HTML routes of the market map (its errors are answered by :mod:`webmap.errors`)."""

from __future__ import annotations

from flask import Flask, Response, current_app

from .api import map_data, send
from .page import render_page


def register_views(app: Flask) -> None:
    """Add the page route to ``app``."""

    @app.get("/")
    def index() -> Response:
        """The market map."""
        html = render_page(map_data(), current_app.config["TILES"], current_app.config["DEFAULT_LAYER"])
        return send(html.encode("utf-8"), mimetype="text/html")
