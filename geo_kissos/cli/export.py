"""``geo-kissos export``: coverage maps, tables and the atlas of ORPs for their coordinators.

Register with ``export.register(main)``.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd

from ..export import DEFAULT_LAYER, FORMATS, Exporter, parse_formats
from ..export.mapdata import FALLBACK_LAYER, parse_sites
from ..ingest.user_tables import read_norms_file
from ..layers import load_layers, no_register_text
from .options import open_cli_store, store_option


def _read_norms(path: Path | None) -> pd.DataFrame | None:
    return None if path is None else read_norms_file(path, "--norms")


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    try:
        return parse_formats(value)
    except Exception as exc:
        raise click.BadParameter(str(exc)) from exc


def _sites(ctx: click.Context, param: click.Parameter, value: str) -> str | tuple[str, ...]:
    try:
        return parse_sites(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("export")
@click.option("--orp", "orps", multiple=True, metavar="NAME|CODE",
              help="ORP by name (diacritics optional) or code; repeat for several.")
@click.option("--all", "all_orps", is_flag=True, help="Every ORP, and the multi-page PDF atlas.")
@click.option("--layer", "layer_id", default=None,
              help=f"Layer id (see --list-layers); default {DEFAULT_LAYER}, or {FALLBACK_LAYER} "
                   "when no register is loaded.")
@click.option("--year", type=int, default=None, help="Year (default: the latest with data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="Output folder (one sub-folder per ORP).")
@click.option("--formats", default=",".join(FORMATS), show_default=True, callback=_formats,
              help="Comma-separated subset of png,pdf,html,csv,xlsx.")
@click.option("--sites", default="auto", show_default=True, callback=_sites,
              help="Service sites drawn: auto (the layer's § type, or all), all, none, or § codes (49,50).")
@click.option("--dpi", type=click.IntRange(50, 600), default=150, show_default=True,
              help="PNG resolution (A4).")
@click.option("--norms", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV/XLSX with type_code, units_per_1000 for the gap tables (default: regional "
                   "averages); the map keeps its layer's reference.")
@click.option("--no-atlas", is_flag=True, help="With --all: skip the atlas PDF.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--list-layers", is_flag=True, help="List the layers that can be exported and exit.")
@store_option
def export(orps: tuple[str, ...], all_orps: bool, layer_id: str | None, year: int | None, out_dir: Path,
           formats: tuple[str, ...], sites: str | tuple[str, ...], dpi: int, norms: Path | None,
           no_atlas: bool, quiet: bool, list_layers: bool, store_url: str) -> None:
    """Export coverage maps (PNG, PDF, HTML) and gap/coverage tables (CSV, XLSX) per ORP.

    \b
    Examples:
      geo-kissos export --orp Šternberk
      geo-kissos export --orp 7110 --layer population-65-share --formats pdf,xlsx
      geo-kissos export --all --out exports/2025     # + atlas_<layer>.pdf
    """
    if list_layers:
        for lid, layer in load_layers().items():
            click.echo(f"{lid:28s} {layer.kind:10s} {layer.title_cs}")
        return
    if not orps and not all_orps:
        raise click.UsageError("name an ORP with --orp NAME|CODE, or use --all")
    if orps and all_orps:
        raise click.UsageError("use either --orp or --all, not both")
    started = time.perf_counter()
    norm_table = _read_norms(norms)  # a bad file stops here, before the store is read
    if norm_table is not None and set(formats) & {"png", "pdf", "html"}:
        click.echo("warning: --norms applies to the tables (CSV/XLSX) only; the map and its key "
                   f"figures (layer {layer_id}) compare with the layer's own reference, usually the "
                   "regional average", err=True)
    with open_cli_store(store_url, loaded=True) as store:
        ex = Exporter(store, layer_id, year, sites=sites, dpi=dpi, norms=norm_table)
        if layer_id is None and ex.layer_id != DEFAULT_LAYER:
            click.echo(f"note: no register of social services is loaded: exporting layer {ex.layer_id} "
                       f"instead of {DEFAULT_LAYER}; maps and tables of services say so. "
                       f"{no_register_text()}", err=True)
        layer_id = ex.layer_id
        if year is not None and ex.year is not None and int(ex.year) != year:
            raise click.BadParameter(f"layer {layer_id} has no data for {year}; the latest "
                                     f"earlier year is {ex.year} (use --year {ex.year} or leave "
                                     "--year out)", param_hint="--year")
        try:
            if all_orps:
                results, atlas = ex.export_all(out_dir, formats, atlas=not no_atlas,
                                               progress=not quiet)
            else:
                # fail before writing anything; an ORP named twice is exported once
                codes = list(dict.fromkeys(ex.resolve_orp(o) for o in orps))
                results = [ex.export_orp(c, out_dir, formats) for c in codes]
                atlas = None
        except OSError as exc:  # a read-only folder, a file in the way, a full disk
            raise click.BadParameter(f"cannot write into {out_dir}: {exc.strerror or exc} "
                                     f"({exc.filename or out_dir})", param_hint="--out") from None
    for r in results:
        click.echo(f"ORP {r.orp_name} ({r.orp_code}): {len(r.files)} file(s) in {r.directory}")
        if len(results) == 1:
            for path in r.files.values():
                click.echo(f"  {path}")
    if atlas is not None:
        click.echo(f"atlas: {atlas}")
    click.echo(f"done in {time.perf_counter() - started:.1f} s (layer {layer_id}, year {ex.year})")


def register(main: click.Group) -> None:
    """Add the ``export`` command to ``main``."""
    main.add_command(export)
