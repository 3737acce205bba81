"""``geo-kissos applications``: the region's ranked list of a round's network applications.

Applications are filed, given opinions, scored and decided on the web (``/ucet/zadosti``); this
command prints the ranked list with the effect of each application, or writes the working
group's XLSX.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import open_cli_store, store_option


@click.group()
def applications() -> None:
    """Network applications and decisions (KISSoS "Plánování")."""


@applications.command("ranked")
@click.argument("round_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the working group's XLSX instead of printing the list.")
@store_option
def ranked(round_id: str, out: Path | None, store_url: str) -> None:
    """The ranked list of ROUND_ID with scores and effects (planning.toml rounds)."""
    from ..accounts.roles import Actor
    from ..collect import ranking

    store = open_cli_store(store_url, loaded=True)
    actor = Actor.system("cli:applications")
    if out is not None:
        ranking.write_ranked_xlsx(store, actor, round_id, out)
        click.echo(f"{out}: ranked list of round {round_id}")
        return
    df = ranking.ranked_list(store, actor, round_id)
    if df.empty:
        click.echo(f"no applications in round {round_id}", err=True)
        return
    cols = [c for c in ("rank", "kind", "provider_ico", "type_code", "orp_code", "units", "late", "state",
                        "score_total", "gap_units_before", "gap_units_after", "coverage_pct_before",
                        "coverage_pct_after", "n_gaining", "decision", "units_approved") if c in df.columns]
    click.echo(df[cols].round(2).to_string(index=False))
