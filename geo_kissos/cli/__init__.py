"""The ``geo-kissos`` command line."""

from __future__ import annotations

import sys

import click

from ..errors import GeoKissosError, InputError
from . import analysis, applicants, boundaries, data, download, export, ingest, needs, users, web

__all__ = ["main"]


@click.group()
@click.version_option(package_name="geo-kissos")
def main() -> None:
    """geo-kissos: map and plan the social services of a region.

    The store is GEO_KISSOS_DATABASE_URL (postgresql+psycopg://... or a .gpkg path);
    by default the embedded GeoPackage var/geo-kissos.gpkg.
    """


for _module in (boundaries, data, ingest, analysis, export, needs, web, users, download, applicants):
    _module.register(main)


def run() -> None:
    """Entry point: package errors become a clear message and exit code 2, not a traceback."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except InputError as exc:
        click.echo(f"error: {len(exc.problems)} problem(s), nothing was written:", err=True)
        click.echo(exc.report(), err=True)
        sys.exit(2)
    except GeoKissosError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
