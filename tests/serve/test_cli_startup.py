"""``geo-kissos --help`` imports no heavy library; the lazy command list says what the commands say."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from geo_kissos.cli import COMMANDS, main, short_help

HEAVY = ("geopandas", "matplotlib", "folium", "scipy", "pandas", "sqlalchemy", "shapely")


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys; from geo_kissos.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "serve" in proc.stdout and "analysis" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY=", f"--help imported {proc.stdout.splitlines()[-1]}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("width", [45, 70])
def test_lazy_short_help_is_the_commands_own(name: str, width: int) -> None:
    lazy = short_help(name, width)  # read from the source, before the module is imported
    ctx = click.Context(main)
    cmd = main.get_command(ctx, name)
    assert cmd is not None and cmd.name == name
    assert lazy and cmd.get_short_help_str(width) == lazy


def test_help_lists_each_commands_docstring_sentence() -> None:
    proc = subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "--help"],
                          capture_output=True, text=True, check=True)
    assert "Inspect the store." in proc.stdout
    assert "Municipality, ORP and region boundaries." in proc.stdout


def test_unknown_command_is_a_usage_error() -> None:
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["nosuch"])
    assert res.exit_code == 2 and "No such command" in res.output
