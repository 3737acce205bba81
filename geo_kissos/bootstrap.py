"""Load a whole data folder into a store, in dependency order.

The data-folder layout (see README): ``boundaries/*.gpkg|*.shp|*.geojson`` (with an optional
manifest ``boundaries/*.toml``) first, then the other inputs the ingest modules know.
Files already imported (same checksum) are skipped, so running it again is cheap and safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import InputError, Problem
from .ingest.boundaries import BoundarySource, load_boundaries
from .ingest.common import ImportResult
from .store import Store

BOUNDARY_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")


def _boundary_steps(data: Path) -> Iterator[tuple[Path, Callable[[Store], ImportResult]]]:
    folder = data / "boundaries"
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in BOUNDARY_SUFFIXES)
    if not files:
        raise InputError([Problem(str(folder), "", "", "no boundary file (.gpkg/.shp/.geojson)")])
    for path in files:
        manifest = path.with_suffix(".toml")
        src = BoundarySource.from_toml(manifest) if manifest.exists() else None
        yield path, lambda store, p=path, s=src: load_boundaries(store, p, s)


def load_data_dir(store: Store, data: str | Path) -> list[ImportResult]:
    """Import every known input of a data folder into ``store``.

    Parameters
    ----------
    store : Store
        Target store.
    data : str or Path
        The data folder.

    Returns
    -------
    list of ImportResult
        One per file, in the order loaded.
    """
    data = Path(data)
    results = [load(store) for _, load in _boundary_steps(data)]
    return results
