"""One default access method for the library, the layers and the CLI."""

from __future__ import annotations

import inspect

from click.testing import CliRunner

from geo_kissos import analysis as ga
from geo_kissos.catalogue import DEFAULT_ACCESS_METHOD
from geo_kissos.cli import main
from geo_kissos.layers.definitions import Layer


def test_one_default_access_method() -> None:
    assert DEFAULT_ACCESS_METHOD == "e2sfca"
    assert inspect.signature(ga.floating_catchment).parameters["method"].default == DEFAULT_ACCESS_METHOD
    assert ga.AccessParams().method == DEFAULT_ACCESS_METHOD
    assert Layer.__dataclass_fields__["access_method"].default == DEFAULT_ACCESS_METHOD
    for command in ("access", "scenario"):
        out = CliRunner().invoke(main, ["analysis", command, "--help"], terminal_width=200).output
        assert f"[default: {DEFAULT_ACCESS_METHOD}]" in out, command
