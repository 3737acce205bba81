"""``geo-kissos applicants``: the applicants' register (KISSoS "Evidence žadatelů").

Providers upload their lists on the web (``/ucet/zadatele``); operators may upload for them,
aggregate the de-duplicated demand of a year into ``WAITING_RESIDENTIAL`` and purge what is past
retention. Every table printed or written here is disclosure-controlled (counts below 5 as
"<5", their complements hidden). The pseudonym key: ``GEO_KISSOS_PSEUDONYM_KEY`` or
``GEO_KISSOS_PSEUDONYM_KEY_FILE`` (see :mod:`geo_kissos.collect.pseudonym`: rotating the key
means setting the new one and having every provider re-upload; there is no ``rotate-key``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .options import open_cli_store, store_option


@click.group()
def applicants() -> None:
    """The applicants' register: providers' waiting lists, pseudonymised, as demand."""


@applicants.command("upload")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--service", "service_id", required=True, help="The home (service identifier of the register).")
@click.option("--free-places", type=click.IntRange(0, 10_000), default=None, help="Free places today.")
@click.option("--data-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date of the list's export (default: today).")
@store_option
def upload(path: Path, service_id: str, free_places: int | None, data_date, store_url: str) -> None:
    """Upload a home's list (CSV/XLSX) as its provider's operator: replaces the home's list."""
    from ..accounts.roles import Actor
    from ..collect.applicants import upload_list

    store = open_cli_store(store_url, exists=True)
    res = upload_list(store, Actor.system("cli:applicants"), path.read_bytes(), source=path.name,
                      service_id=service_id, free_places=free_places,
                      data_date=data_date.date() if data_date else None)
    click.echo(f"{path.name}: {res.rows} applications ({res.created} new, {res.updated} changed, "
               f"{res.deleted} removed) in {res.seconds:.1f} s")


@applicants.command("aggregate")
@click.option("--year", type=int, default=None, help="Year of the lists' data date (default: this year).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the published (disclosure-controlled) cells as .csv or .xlsx.")
@store_option
def aggregate_cmd(year: int | None, out: Path | None, store_url: str) -> None:
    """Compute unique applicants per territory × § type; write WAITING_RESIDENTIAL of the year."""
    from ..analysis.applicants import published_demand, store_aggregate
    from .analysis import write_table

    store = open_cli_store(store_url, loaded=True)
    y = year or date.today().year
    agg = store_aggregate(store, y)
    pub = published_demand(agg.cells)
    region = pub[(pub["level"] == "region")].set_index("type_code")
    click.echo(f"{agg.source}; year {y}")
    for tc, row in region.iterrows():
        what = "any residential type" if tc == "*" else f"§ {tc}"
        click.echo(f"  {what}: {row['applicants']} applicants, {row['urgent']} urgent, "
                   f"{row['applications']} applications, median wait {row['median_wait_days']} days")
    if len(agg.key_ids) > 1:
        click.echo(f"warning: {len(agg.key_ids)} pseudonym keys in use ({', '.join(agg.key_ids)}): applicants "
                   "of different keys are not de-duplicated until every provider re-uploads", err=True)
    if agg.case_rows:
        click.echo(f"note: {agg.case_rows} applications identified by case number are de-duplicated only "
                   "within their provider", err=True)
    if out is not None:
        write_table(pub.drop(columns=["applicants_mask", "urgent_mask"]), out, sheet="zadatele", year=y)
        click.echo(f"{out}: {len(pub)} rows")


@applicants.command("purge")
@click.option("--months", type=click.IntRange(1, 600), default=None,
              help="Retention in months (default: GEO_KISSOS_APPLICANTS_RETENTION_MONTHS or 24).")
@store_option
def purge(months: int | None, store_url: str) -> None:
    """Delete for real the applications closed (or removed) longer ago than the retention."""
    from ..accounts.roles import Actor
    from ..collect.applicants import purge_expired, retention_months

    store = open_cli_store(store_url, exists=True)
    n = purge_expired(store, Actor.system("cli:applicants"), months)
    click.echo(f"{n} applications past retention ({months or retention_months()} months) deleted")


def register(group: click.Group) -> None:
    """Add ``applicants`` to the main command group."""
    group.add_command(applicants)
