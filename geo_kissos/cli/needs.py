"""``geo-kissos needs``: municipalities' reported needs beside the computed gaps (read-only).

Needs are entered by the ORP coordinators on the web (``/ucet/potrebnost``) or with the XLSX
template; these commands read them for the planners and analysts.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import open_cli_store, store_option


@click.group()
def needs() -> None:
    """Municipalities' reported needs (KISSoS "Obce – potřebnost")."""


@needs.command("compare")
@click.option("--period", required=True, help="Planning period, e.g. 2027-2029.")
@click.option("--year", type=int, default=None, help="Year of the computed gaps (default: latest network year).")
@click.option("--type", "types", multiple=True, help="§ type(s), e.g. --type 49 (default: all).")
@click.option("--reported-from", type=click.Choice(["low", "medium", "high"]), default="medium", show_default=True,
              help="Weakest reported level that counts as a reported need.")
@click.option("--min-deficit-share", type=click.FloatRange(0, 1), default=0.10, show_default=True,
              help="Share of the need that must be missing for a computed shortage.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the table (.csv or .xlsx) instead of printing it.")
@store_option
def compare(period: str, year: int | None, types: tuple[str, ...], reported_from: str,
            min_deficit_share: float, out: Path | None, store_url: str) -> None:
    """Per ORP × § type: the computed gap beside the reported need, in four classes."""
    from ..analysis.needs import needs_comparison
    from ..collect.needs import normalise_period
    from ..ingest.user_tables import type_code
    from .analysis import write_table

    p = normalise_period(period)
    if p is None:
        raise click.BadParameter(f"{period!r} is no period like 2027-2029", param_hint="--period")
    codes = []
    for t in types:
        c = type_code(t)
        if c is None:
            raise click.BadParameter(f"'{t}' is no § type of the Act", param_hint="--type")
        codes.append(c)
    store = open_cli_store(store_url, loaded=True)
    table = needs_comparison(store, p, year, type_codes=codes or None, reported_from=reported_from,
                             min_deficit_share=min_deficit_share)
    if table.attrs.get("gaps_missing"):
        click.echo(f"warning: computed gaps not available ({table.attrs['gaps_missing']}); "
                   "every row is 'no_gap'", err=True)
    if table.empty:
        click.echo(f"no reported needs for {p} and no gaps to compare", err=True)
    if out is not None:
        write_table(table, out, sheet="potrebnost", year=table.attrs.get("year"))
        click.echo(f"{out}: {len(table)} rows")
        return
    counts = table["agreement"].value_counts()
    click.echo(table[["orp_code", "orp_name", "type_code", "reported_level", "gap_units", "deficit_share",
                      "agreement", "completeness"]].to_string(index=False))
    click.echo("classes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@needs.command("missing")
@click.option("--period", required=True, help="Planning period, e.g. 2027-2029.")
@click.option("--orp", default=None, help="ORP code (default: all ORPs).")
@store_option
def missing(period: str, orp: str | None, store_url: str) -> None:
    """Municipalities that have not reported anything for the period (the to-do list)."""
    from ..analysis.needs import missing_reports
    from ..collect.needs import needs_frame, normalise_period

    p = normalise_period(period)
    if p is None:
        raise click.BadParameter(f"{period!r} is no period like 2027-2029", param_hint="--period")
    store = open_cli_store(store_url, loaded=True)
    mun = store.read("municipality").drop(columns="geom")
    todo = missing_reports(needs_frame(store, p), mun, orp)
    for rec in todo.itertuples():
        click.echo(f"{rec.municipality_code}  {rec.name}  (ORP {rec.orp_code})")
    click.echo(f"{len(todo)} of {len(mun if orp is None else mun[mun['orp_code'] == orp])} municipalities "
               f"have not reported for {p}", err=True)


def register(main: click.Group) -> None:
    """Add the ``needs`` command group."""
    main.add_command(needs)
