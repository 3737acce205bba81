"""``geo-kissos boundaries``: load and list boundary sources."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import boundaries_dir
from ..ingest.boundaries import BoundarySource, load_boundaries, read_orp_relation
from .options import open_cli_store, parse_date_option, store_option


@click.group("boundaries")
def group() -> None:
    """Municipality, ORP and region boundaries."""


@group.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, path_type=Path),
              help="Source manifest (.toml) with field mapping.")
@click.option("--layer", help="Layer to read from a multi-layer file.")
@click.option("--region", help="Keep only this region code, e.g. CZ071.")
@click.option("--data-date", help="Date the data refers to (YYYY-MM-DD).")
@click.option("--report", is_flag=True, help="List every problem instead of stopping at the first.")
@click.option("--no-repair", is_flag=True, help="Refuse invalid polygons instead of repairing them.")
@click.option("--orp-relation", type=click.Path(exists=True, path_type=Path),
              help="ČSÚ relation municipality -> ORP (VAZ0043_0065 CSV) for files without an ORP field.")
@store_option
def load(path: Path, manifest: Path | None, layer: str | None, region: str | None,
         data_date: str | None, report: bool, no_repair: bool, orp_relation: Path | None,
         store_url: str) -> None:
    """Validate a boundary file (GeoPackage, GeoJSON, Shapefile) and store it.

    Reprojects to EPSG:5514, refuses files with no CRS, repairs invalid polygons (reported),
    reports overlaps and gaps, dissolves ORPs and the region. All or nothing; loading the same
    file again changes nothing.
    """
    src = BoundarySource.from_toml(manifest) if manifest else None
    date = parse_date_option(data_date)
    with open_cli_store(store_url) as store:
        res = load_boundaries(store, path, src, layer, region, date, report, not no_repair,
                              read_orp_relation(orp_relation) if orp_relation else None)
        click.echo(res.summary())
        if not res.skipped:
            mun = store.read("municipality")
            click.echo(f"store {store.url}: {len(mun)} municipalities in {mun['orp_code'].nunique()} ORPs, "
                       f"{mun.area.sum() / 1e6:,.1f} km²")


@group.command("sources")
def sources() -> None:
    """List the official boundary sources described in boundaries/."""
    for path in sorted(boundaries_dir().glob("*.toml")):
        s = BoundarySource.from_toml(path)
        pin = s.sha256 or "(pin on first download)"
        click.echo(f"{s.id}: {s.title}\n  {s.url}\n  licence: {s.licence}; sha256: {pin}")


def register(main: click.Group) -> None:
    """Add the command group to ``main``."""
    main.add_command(group)
