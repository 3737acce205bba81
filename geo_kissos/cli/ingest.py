"""``geo-kissos ingest``: the services register, reach, network, population and indicators.

Every command validates the whole input before writing anything, writes in one transaction,
skips a file already imported (same checksum), shows a progress bar on stderr and, with
``--report``, lists every problem instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from ..ingest import CSV_IMPORTERS, CsvImporter, ImportResult, load_services
from .options import open_cli_store, parse_date_option, store_option


@click.group("ingest")
def group() -> None:
    """Import inputs other than boundaries (load boundaries first)."""


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--report", is_flag=True, help="List every problem instead of stopping at the first.")(f)
    f = click.option("--data-date", help="Date the data refers to (YYYY-MM-DD).")(f)
    f = click.option("--quiet", is_flag=True, help="No progress bar.")(f)
    return store_option(f)


def _date(text: str | None) -> pd.Timestamp | None:
    return parse_date_option(text)


def _show(res: ImportResult) -> None:
    click.echo(res.summary())


@group.command("services")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--addresses", type=click.Path(exists=True, path_type=Path),
              help="RÚIAN address points (CSV, or a folder of per-municipality CSVs) for facility points.")
@click.option("--types", type=click.Path(exists=True, path_type=Path),
              help="Codelist of service types (default: druhy-socialni-sluzby.json beside PATH).")
@click.option("--target-groups", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Codelist of target groups (default: cilove-skupiny-osoby.json or cilove-skupiny.json "
                   "beside PATH); without one, target groups are stored as codelist ids.")
@click.option("--region", help="Keep services of this region code only, e.g. CZ071.")
@_common
def services(path: Path, addresses: Path | None, types: Path | None, target_groups: Path | None,
             region: str | None, report: bool, data_date: str | None, quiet: bool, store_url: str) -> None:
    """Import the MPSV register of social services (rpss.json), streamed.

    Providers, services, forms, capacity per form and unit, and sites; sites get points from
    RÚIAN address points, else the municipality's representative point; sites without an
    address are kept without a point. Target groups are stored by their Czech names from the
    target-group codelist.
    """
    with open_cli_store(store_url) as store:
        _show(load_services(store, path, addresses, types, region, _date(data_date), report, not quiet,
                            target_groups=target_groups))


def _csv_command(importer: type[CsvImporter]) -> click.Command:
    """The ``geo-kissos ingest KIND PATH`` command of one CSV import."""

    def command(path: Path, report: bool, data_date: str | None, quiet: bool, store_url: str) -> None:
        with open_cli_store(store_url) as store:
            _show(importer.load(store, path, _date(data_date), report, not quiet))

    command.__doc__ = importer.help
    return group.command(importer.kind)(click.argument("path", type=click.Path(path_type=Path))(_common(command)))


for _importer in CSV_IMPORTERS:
    _csv_command(_importer)


def register(main: click.Group) -> None:
    """Add the command group to ``main``."""
    main.add_command(group)
