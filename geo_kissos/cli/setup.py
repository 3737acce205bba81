"""``geo-kissos setup``, ``geo-kissos demo`` and ``geo-kissos store``: whole data folders."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..bootstrap import load_data_dir
from ..config import data_dir, get_config
from ..demo import build_demo
from ..schema import TABLES
from .options import open_cli_store, store_option


def _refuse_to_overwrite(folder: Path, hint: str) -> None:
    """The demo is written only into a new or empty folder: never over someone's input files."""
    if folder.exists() and not folder.is_dir():
        raise click.BadParameter(f"{folder} is a file, not a folder", param_hint=hint)
    if folder.is_dir() and any(folder.iterdir()):
        found = ", ".join(sorted(p.name for p in folder.iterdir())[:6])
        if hint == "FOLDER":
            raise click.BadParameter(f"{folder} is not empty ({found}): the demo is written only "
                                     "into a new or empty folder; nothing was written",
                                     param_hint=hint)
        raise click.BadParameter(
            f"{folder} has files ({found}) but no boundaries/ folder: put the municipality "
            "polygons in boundaries/ (see README, Data), or name a new or empty folder to get the "
            "synthetic demo; nothing was written", param_hint=hint)


@click.command("setup")
@click.option("--data-dir", "folder", type=click.Path(path_type=Path), default=None,
              help="Data folder (default GEO_KISSOS_DATA_DIR, ../shared/data or var/demo-data).")
@store_option
def setup(folder: Path | None, store_url: str) -> None:
    """Load a data folder into the store; builds the synthetic demo folder if there is none."""
    folder = folder or data_dir()
    if not (folder / "boundaries").is_dir():
        _refuse_to_overwrite(folder, "--data-dir")
        click.echo(f"{folder}: no data here, writing the synthetic demo data set")
        build_demo(folder)
    with open_cli_store(store_url) as store:
        for res in load_data_dir(store, folder, progress=True):
            click.echo(res.summary())
        click.echo(f"store {store.url} ready")


@click.group("demo")
def demo() -> None:
    """Synthetic demo data (official formats, synthetic content)."""


@demo.command("build")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--municipalities", type=click.IntRange(min=13), default=400, show_default=True,
              help="Number of generated municipalities (at least one per ORP).")
@click.option("--seed", default=71, show_default=True, help="Random seed (same seed, same files).")
def build(folder: Path, municipalities: int, seed: int) -> None:
    """Write the demo input files into FOLDER (a new or empty folder)."""
    _refuse_to_overwrite(folder, "FOLDER")
    for kind, path in build_demo(folder, municipalities, seed).items():
        click.echo(f"{kind}: {path}")


@click.group("store")
def store_group() -> None:
    """Inspect the store."""


@store_group.command("info")
@store_option
def info(store_url: str) -> None:
    """The effective settings (secrets masked), row counts per table and the data date."""
    click.echo("\n".join(get_config().describe()))
    with open_cli_store(store_url, exists=True) as store:
        click.echo(f"store: {store.url}")
        for name in TABLES:
            click.echo(f"  {name:16s} {store.count(name):>8d}")
        date = store.data_date()
        click.echo(f"data date: {date:%Y-%m-%d}" if date is not None and pd.notna(date)
                   else "data date: unknown (nothing loaded)")


def register(main: click.Group) -> None:
    """Add the commands to ``main``."""
    main.add_command(setup)
    main.add_command(demo)
    main.add_command(store_group)
