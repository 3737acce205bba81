"""Options shared by the commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from ..ingest.tabular import parse_date
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


def _is_file_store(url: str) -> bool:
    return "://" not in url or url.startswith("gpkg://")


def open_cli_store(url: str, *, loaded: bool = False, exists: bool = False) -> Store:
    """Open the store named on the command line.

    With ``loaded`` (commands that only read: analysis, export, store info) a GeoPackage path
    that does not exist is a usage error instead of a new empty store, and so is a store
    without municipalities — a misspelt ``--store`` or a command run from another folder
    (the default ``var/geo-kissos.gpkg`` is relative to the current folder). With ``exists``
    only the missing file is refused.
    """
    hint = ("load one with 'geo-kissos setup' (or 'geo-kissos boundaries load' and "
            "'geo-kissos ingest ...'), or name it with --store / GEO_KISSOS_DATABASE_URL")
    if (loaded or exists) and _is_file_store(url):
        path = url[len("gpkg://"):] if url.startswith("gpkg://") else url
        if not os.path.isfile(path):
            raise click.BadParameter(f"no store at {os.path.abspath(path)}: {hint}",
                                     param_hint="--store")
    store = open_store(url)
    if loaded and store.count("municipality") == 0:
        store.close()
        raise click.BadParameter(f"the store {url} has no municipalities loaded: {hint}",
                                 param_hint="--store")
    return store


def parse_date_option(text: str | None, hint: str = "--data-date") -> pd.Timestamp | None:
    """``YYYY-MM-DD`` or Czech ``D.M.YYYY`` (day first: 1.2.2025 is 1 February)."""
    if not text:
        return None
    value, err = parse_date(text)
    if err:
        raise click.BadParameter(err, param_hint=hint)
    return pd.Timestamp(value)
