"""Installed without ``-e``: the layer definitions and boundary manifests come with the package.

The checkout is copied to a temporary folder, a wheel is built there (``pip wheel --no-deps
--no-build-isolation``, offline, with the venv's setuptools), installed with ``pip install --no-deps
--no-index --target`` into another folder, and run from a third folder outside the repository, with
only that target ahead of the venv's site-packages (which holds the dependencies).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geo_kissos.config import REPO_ROOT
from geo_kissos.ingest.boundaries import BoundarySource

pytestmark = pytest.mark.slow

_SKIP = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__",
                               ".pytest_cache", ".ruff_cache", "test-artifacts", "results", "exports",
                               "notebooks", "tests")

PROBE = """
import json, sys
import geo_kissos
from geo_kissos.config import boundaries_dir, layers_dir
from geo_kissos.ingest.boundaries import BoundarySource
from geo_kissos.layers import load_layers
layers = load_layers()
print(json.dumps({
    "package": geo_kissos.__file__,
    "layers_dir": str(layers_dir()),
    "layers": sorted(layers),
    "boundaries_dir": str(boundaries_dir()),
    "manifests": sorted(BoundarySource.from_toml(p).id for p in boundaries_dir().glob("*.toml")),
}))
"""


def test_wheel_install_finds_layers_and_boundaries(tmp_path: Path) -> None:
    src, wheels, target, elsewhere = (tmp_path / n for n in ("src", "wheels", "site", "elsewhere"))
    shutil.copytree(REPO_ROOT, src, ignore=_SKIP, symlinks=True)
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = wheels.glob("geo_kissos-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_KISSOS_")}
    env["PYTHONPATH"] = str(target)
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=elsewhere, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(got["package"]).is_relative_to(target)  # not the checkout
    assert Path(got["layers_dir"]) == target / "geo_kissos" / "_layers"
    assert Path(got["boundaries_dir"]) == target / "geo_kissos" / "_boundaries"
    shipped = sorted(p.stem for p in (REPO_ROOT / "layers").glob("*.toml"))
    assert len(got["layers"]) == len(shipped) and "population-65-share" in got["layers"]
    expected = sorted(BoundarySource.from_toml(p).id for p in (REPO_ROOT / "boundaries").glob("*.toml"))
    assert got["manifests"] == expected and len(expected) == 3
    # the command line of the installed package lists the packaged manifests
    cli = subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "boundaries", "sources"],
                         env=env, cwd=elsewhere, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert all(f"{i}: " in cli.stdout for i in expected), cli.stdout
