"""Load a whole data folder into a store, in dependency order.

The data-folder layout (see README and :mod:`geo_kissos.demo`): ``boundaries/*.gpkg|*.shp|*.geojson``
(with an optional manifest ``boundaries/*.toml``) first; then, each only when present,
``rpss.json`` (with ``adresni-mista.csv``, ``druhy-socialni-sluzby.json`` and
``cilove-skupiny-osoby.json`` beside it),
then the CSV files of :data:`geo_kissos.ingest.CSV_IMPORTERS` (``reach.csv``, ``network.csv``,
``population.csv``, ``indicators.csv``; the first two only with the register).
Files already imported (same checksum) are skipped, so running it again is cheap and safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from .errors import InputError, Problem
from .ingest import CSV_IMPORTERS, BoundarySource, ImportResult, PopulationImport, load_boundaries, load_services
from .store import Store

BOUNDARY_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")

#: File names of the data folder, in load order after the boundaries.
SERVICES_FILE = "rpss.json"
ADDRESSES_FILE = "adresni-mista.csv"
ADDRESSES_DIR = "adresni-mista"  #: a folder of per-municipality CSVs (written by `geo-kissos download`)
POPULATION_FILE = PopulationImport.file_name


def _boundary_steps(data: Path) -> Iterator[tuple[Path, Callable[[Store], ImportResult]]]:
    folder = data / "boundaries"
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in BOUNDARY_SUFFIXES)
    if not files:
        raise InputError([Problem(str(folder), "", "", "no boundary file (.gpkg/.shp/.geojson)")])
    for path in files:
        manifest = path.with_suffix(".toml")
        src = BoundarySource.from_toml(manifest) if manifest.exists() else None
        yield path, lambda store, p=path, s=src: load_boundaries(store, p, s)


def _other_steps(data: Path) -> Iterator[tuple[Path, Callable[[Store], ImportResult]]]:
    services = data / SERVICES_FILE
    if services.exists():
        addresses = data / ADDRESSES_FILE
        folder = data / ADDRESSES_DIR
        addr = addresses if addresses.exists() else (folder if folder.is_dir() else None)
        yield services, lambda store: load_services(store, services, addr)
    for importer in CSV_IMPORTERS:
        path = data / importer.file_name
        if path.exists() and (services.exists() or not importer.needs_register):
            yield path, lambda store, p=path, imp=importer: imp.load(store, p)


def load_data_dir(store: Store, data: str | Path, progress: bool = False) -> list[ImportResult]:
    """Import every known input of a data folder into ``store``.

    Parameters
    ----------
    store : Store
        Target store.
    data : str or Path
        The data folder.
    progress : bool
        Show a progress bar (one step per file, on stderr).

    Returns
    -------
    list of ImportResult
        One per file, in the order loaded.
    """
    data = Path(data)
    steps = [*_boundary_steps(data), *_other_steps(data)]
    bar = tqdm(steps, desc="loading", unit="file", disable=not progress, leave=False)
    results = []
    for path, load in bar:
        bar.set_postfix_str(path.name)
        results.append(load(store))
    return results
