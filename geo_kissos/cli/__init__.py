"""The ``geo-kissos`` command line.

The sub-commands live in modules of this package that import the heavy libraries (geopandas,
matplotlib, folium, scipy); :class:`LazyGroup` imports a module only when one of its commands
runs, so ``geo-kissos --help`` answers at once.
"""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import GeoKissosError, InputError

__all__ = ["COMMANDS", "LazyGroup", "main"]

#: Top-level command -> (module of this package, attribute, short help shown by ``--help``).
#: A test checks that the short help is the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "analysis": ("analysis", "analysis", "Coverage, accessibility and gap analysis..."),
    "applicants": ("applicants", "applicants", "The applicants' register: providers'..."),
    "applications": ("applications", "applications", "Network applications and decisions (KISSoS..."),
    "boundaries": ("boundaries", "group", "Municipality, ORP and region boundaries."),
    "demo": ("setup", "demo", "Synthetic demo data (official formats,..."),
    "download": ("download", "download", "Fetch the official sources of the region..."),
    "export": ("export", "export", "Export coverage maps (PNG, PDF, HTML) and..."),
    "ingest": ("ingest", "group", "Import inputs other than boundaries (load..."),
    "needs": ("needs", "needs", "Municipalities' reported needs (KISSoS..."),
    "serve": ("web", "serve", "Serve the market map (http://HOST:PORT/)..."),
    "setup": ("setup", "setup", "Load a data folder into the store; builds..."),
    "store": ("setup", "store_group", "Inspect the store."),
    "users": ("users", "users_group", "Accounts of the partners' pages: add,..."),
}


class LazyGroup(click.Group):
    """A group whose commands in :data:`COMMANDS` are imported when first used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and cmd_name in COMMANDS:
            module, attr, _ = COMMANDS[cmd_name]
            cmd = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
            self.add_command(cmd, cmd_name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` without importing the commands' modules."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, COMMANDS[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="geo-kissos")
def main() -> None:
    """geo-kissos: map and plan the social services of a region.

    The store is GEO_KISSOS_DATABASE_URL (postgresql+psycopg://... or a .gpkg path);
    by default the embedded GeoPackage var/geo-kissos.gpkg.
    """


def run() -> None:
    """Entry point: package errors become a clear message and exit code 2, not a traceback."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except InputError as exc:
        click.echo(f"error: {len(exc.problems)} problem(s), nothing was written:", err=True)
        click.echo(exc.report(), err=True)
        sys.exit(2)
    except GeoKissosError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
