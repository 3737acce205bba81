"""Every notebook of ``notebooks/`` runs top to bottom without an error, on the test data.

On the real folder (``../shared/data``: territory, population, distraint, no register) each
notebook also runs: it says the register is not loaded, maps what the folder holds and skips the
cells that count services (skipped, saying so, when the folder is absent).

The kernel is the venv's Python (``python3`` kernelspec; jupyter_client starts it with
``sys.executable``). The first notebook builds its own GeoPackage from the data folder, as an
analyst's would; the others get a copy of the already loaded store (``GEO_KISSOS_DATABASE_URL``),
to keep the suite fast. Committed notebooks must carry no outputs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from geo_kissos.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
LOADS_ITSELF = NOTEBOOKS[0].name if NOTEBOOKS else ""


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, data_dir: Path, _loaded_gpkg: Path, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("GEO_KISSOS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if path.name == LOADS_ITSELF:
        monkeypatch.delenv("GEO_KISSOS_DATABASE_URL", raising=False)
    else:
        copy = tmp_path / "store.gpkg"
        shutil.copy(_loaded_gpkg, copy)
        monkeypatch.setenv("GEO_KISSOS_DATABASE_URL", str(copy))
    # the kernel must be this interpreter (the venv), whatever ``python`` is on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if "image/png" in o.get("data", {}))
    assert images >= 2, f"{path.name}: expected plots/maps in the output"


def _run(path: Path, tmp_path: Path) -> object:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_real_folder(path: Path, real_data_dir: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GEO_KISSOS_DATA_DIR", str(real_data_dir))
    monkeypatch.delenv("GEO_KISSOS_DATABASE_URL", raising=False)  # each loads the real folder itself
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    nb = _run(path, tmp_path)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Registr poskytovatelů sociálních služeb není nahrán" in text
    assert "geo-kissos ingest services rpss.json" in text
    assert "municipality: 402" in text  # the real territory was loaded
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if "image/png" in o.get("data", {}))
    assert images >= 1, f"{path.name}: expected the map of what the folder holds"
