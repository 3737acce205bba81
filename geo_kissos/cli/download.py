"""``geo-kissos download``: the official sources of a region, fetched and imported."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import data_dir
from ..download import download_region, load_catalogue, parse_base_urls
from ..download.catalogue import BASE_URL_ENV
from .options import open_cli_store, store_option


@click.command("download")
@click.option("--region", help="Region code, e.g. CZ071 (boundaries, register and addresses are "
                                              "kept to it).")
@click.option("--data-dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder the files go to (default GEO_KISSOS_DATA_DIR, ../shared/data or var/demo-data).")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only this source (repeatable); default all. `--list` shows the names.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[NAME=]URL",
              help=f"Fetch from this server instead (same paths; default {BASE_URL_ENV}); NAME= for one source.")
@click.option("--url", "urls", multiple=True, metavar="NAME=URL",
              help="The address of one source, replacing the catalogue's (e.g. population=https://...).")
@click.option("--force", is_flag=True, help="Fetch the address-point ZIP even when the feed names the one here.")
@click.option("--accept-count-change", is_flag=True,
              help="Put a file in place even when its record count moved more than 5 % from the last good one.")
@click.option("--retries", type=click.IntRange(min=0), default=None,
              help="Further attempts per file after a failure (default: the catalogue's, 2).")
@click.option("--list", "list_only", is_flag=True, help="List the sources and their addresses; fetch nothing.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@store_option
def download(region: str | None, folder: Path | None, sources: tuple[str, ...], base_urls: tuple[str, ...],
             urls: tuple[str, ...], force: bool,
             accept_count_change: bool, retries: int | None, list_only: bool, quiet: bool, store_url: str) -> None:
    """Fetch the official sources of the region into the data folder and import them.

    The MPSV register (rpss.json, its schema and code lists), the RÚIAN address points (ČÚZK Atom
    feed, the region's municipalities only), the ČSÚ population and the boundaries of
    boundaries/*.toml. A file that is truncated, does not parse, fails its pinned checksum, is
    missing (404) or whose record count moves more than 5 % from the last good one is refused:
    the last good data stays. An unchanged file changes nothing. Exit code 2 when any source
    was refused.
    """
    folder = folder or data_dir()
    base = parse_base_urls(base_urls)
    given: dict[str, str] = {}
    for item in urls:
        name, sep, url = item.partition("=")
        if not sep or "://" not in url:
            raise click.BadParameter(f"'{item}' is not NAME=URL", param_hint="--url")
        given[name] = url
    if list_only:
        from ..download.catalogue import rebase

        for s in load_catalogue(folder).select(sources):
            url = given.get(s.name) or (rebase(s.url, base.get(s.name) or base.get(None)) if s.url else "")
            click.echo(f"{s.name} [{s.group}, {s.format}] -> {s.file}\n  {s.title}\n  "
                       f"{url or '(no download address)'}"
                       f"\n  licence: {s.licence}")
        return
    if not region:
        raise click.UsageError("--region is required (e.g. --region CZ071)")
    with open_cli_store(store_url) as store:
        result = download_region(store, folder, region, sources, base, force, accept_count_change, not quiet, retries,
                                 urls=given)
        for o in result.outcomes:
            click.echo(o.line())
        for res in result.imports:
            click.echo(res.summary())
        if result.log is not None:
            click.echo(f"log: {result.log}")
    if result.refused:
        names = ", ".join(o.source.name for o in result.refused)
        click.echo(f"error: refused: {names}; the last good data stays", err=True)
        raise SystemExit(2)


def register(main: click.Group) -> None:
    """Add the command to ``main``."""
    main.add_command(download)
