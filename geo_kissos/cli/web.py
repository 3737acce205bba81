"""``geo-kissos serve``: the interactive market map and its API."""

from __future__ import annotations

import click

from .options import open_cli_store, store_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--no-tiles", is_flag=True, help="No background map tiles (fully offline).")
@click.option("--production", is_flag=True,
              help="The production server (Granian) with one worker process per CPU core "
                   "(GEO_KISSOS_WORKERS) instead of the single-process development server.")
@store_option
def serve(host: str, port: int, no_tiles: bool, production: bool, store_url: str) -> None:
    """Serve the market map (http://HOST:PORT/) and its OGC API - Features (/api)."""
    from webmap import create_app
    from webmap.serving import is_loopback, production_options, run_production, warm_in_background

    from ..config import get_config

    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        click.secho(f"WARNING: --host {host} exposes the map and its API to the network: anyone who can reach "
                    f"this machine on port {port} can read them. Put it behind a reverse proxy with TLS "
                    "(see the README), or use --host 127.0.0.1 to keep it on this computer.", err=True, fg="yellow")
    # a misspelt --store used to create an empty GeoPackage and serve an empty map
    open_cli_store(store_url, loaded=True).close()
    config: dict[str, object] = {}
    if no_tiles:
        config["TILES"] = None

    def make_app() -> object:
        return create_app({**config, "STORE": open_cli_store(store_url, loaded=True)})

    click.echo(f"market map on http://{shown}:{port}/  (API: http://{shown}:{port}/api/collections, "
               f"health: /health)")
    if production:
        opts = production_options(host, port)
        click.echo(f"Granian: {opts['workers']} worker(s) x {opts['blocking_threads']} thread(s)")
        # the workers build the app from the settings (webmap.wsgi), so the options go there
        environ = {"GEO_KISSOS_DATABASE_URL": store_url}
        if no_tiles:
            environ["GEO_KISSOS_TILES"] = ""
        run_production(host, port, environ)
        return
    from werkzeug.serving import run_simple

    if is_loopback(host) and "cookie_secure" not in get_config().model_fields_set:
        # the development server speaks plain http on this computer: a Secure session cookie
        # would never come back, and the partners' login would fail silently
        config["COOKIE_SECURE"] = False
    app = make_app()
    warm_in_background(app)  # type: ignore[arg-type]
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)  # type: ignore[arg-type]


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    main.add_command(serve)
