"""``geo-kissos serve``: the interactive market map and its API."""

from __future__ import annotations

import threading

import click

from .options import open_cli_store, store_option


def _warm(app: object) -> None:
    """Compute every layer once in the background, so the first page view is fast."""
    data = app.extensions["geo_kissos"]  # type: ignore[attr-defined]
    for layer in data.layers.values():
        try:
            data.frame(layer)
            if layer.kind == "choropleth":
                data.coverage(layer.level or "municipality").served(9)
        except Exception as exc:  # a bad layer must not stop the server
            click.echo(f"layer {layer.id}: {exc}", err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--no-tiles", is_flag=True, help="No background map tiles (fully offline).")
@store_option
def serve(host: str, port: int, no_tiles: bool, store_url: str) -> None:
    """Serve the market map (http://HOST:PORT/) and its OGC API - Features (/api)."""
    from werkzeug.serving import run_simple

    from webmap import create_app

    # a misspelt --store used to create an empty GeoPackage and serve an empty map
    config: dict[str, object] = {"STORE": open_cli_store(store_url, loaded=True)}
    if no_tiles:
        config["TILES"] = None
    app = create_app(config)
    threading.Thread(target=_warm, args=(app,), daemon=True, name="gk-warm").start()
    click.echo(f"market map on http://{host}:{port}/  (API: http://{host}:{port}/api/collections)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    main.add_command(serve)
