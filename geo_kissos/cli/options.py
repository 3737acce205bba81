"""Options shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..store import Store, default_store_url, open_store


def store_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--store URL|PATH`` (default: GEO_KISSOS_DATABASE_URL or var/geo-kissos.gpkg)."""
    return click.option(
        "--store",
        "store_url",
        default=default_store_url,
        show_default="GEO_KISSOS_DATABASE_URL or var/geo-kissos.gpkg",
        help="Store: postgresql+psycopg://... URL or a .gpkg path.",
    )(f)


def open_cli_store(url: str) -> Store:
    """Open the store named on the command line."""
    return open_store(url)
