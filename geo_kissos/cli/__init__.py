"""The ``geo-kissos`` command line.

The sub-commands live in modules of this package that import the heavy libraries (geopandas,
matplotlib, folium, scipy); :class:`LazyGroup` imports a module only when one of its commands
runs, so ``geo-kissos --help`` answers at once. The short help it lists is read from the command's
own docstring in the module's source (:func:`short_help`), so it is written in one place only.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from importlib import resources

import click
from click.utils import make_default_short_help

from ..errors import GeoKissosError, InputError
from ..logs import setup_logging

__all__ = ["COMMANDS", "LazyGroup", "main", "short_help"]

#: Top-level command -> (module of this package, attribute: the decorated function's name).
#: The short help is the command's docstring (:func:`short_help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "analysis": ("analysis", "analysis"),
    "applicants": ("applicants", "applicants"),
    "applications": ("applications", "applications"),
    "boundaries": ("boundaries", "group"),
    "demo": ("setup", "demo"),
    "download": ("download", "download"),
    "export": ("export", "export"),
    "ingest": ("ingest", "group"),
    "needs": ("needs", "needs"),
    "serve": ("web", "serve"),
    "setup": ("setup", "setup"),
    "store": ("setup", "store_group"),
    "users": ("users", "users_group"),
}

_SOURCES: dict[str, str] = {}


def _docstring(module: str, attr: str) -> str | None:
    """The docstring of ``def attr(`` in the source of ``module``, read without importing it."""
    if module not in _SOURCES:
        try:
            _SOURCES[module] = resources.files(__name__).joinpath(f"{module}.py").read_text(encoding="utf-8")
        except OSError:  # installed without sources: the caller imports the module
            _SOURCES[module] = ""
    # the signature may span indented lines (or a closing parenthesis at the margin), not a new statement
    m = re.search(rf'^def {re.escape(attr)}\((?:[^\n]|\n[ \t)])*?\)(?:\s*->[^:\n]*)?:[ \t]*\n[ \t]+'
                  r'(?P<q>"""|\'\'\')(?P<doc>.*?)(?P=q)', _SOURCES[module], re.DOTALL | re.MULTILINE)
    return inspect.cleandoc(m["doc"]) if m else None


def short_help(name: str, limit: int = 45) -> str:
    """The short help of the top-level command ``name``, as click derives it from the docstring.

    The command's module is not imported (it imports geopandas, matplotlib, ...) unless its source
    cannot be read or the function has no plain docstring.

    Parameters
    ----------
    name : str
        A key of :data:`COMMANDS`.
    limit : int
        Width available, as in :meth:`click.Command.get_short_help_str`.
    """
    module, attr = COMMANDS[name]
    doc = _docstring(module, attr)
    if doc is None:
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr).get_short_help_str(limit)
    return make_default_short_help(doc.split("\f", 1)[0], limit).strip()


class LazyGroup(click.Group):
    """A group whose commands in :data:`COMMANDS` are imported when first used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name]
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
                rows.append((name, short_help(name, formatter.width - 6 - len(name))))
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
    """Entry point: package errors become a clear message and exit code 2, not a traceback.

    Logging is set up here, once (:func:`geo_kissos.logs.setup_logging`: ``GEO_KISSOS_LOG_LEVEL``).
    """
    try:
        setup_logging()
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
