"""Synthetic demo data in the official file formats, for a region shaped like Olomouc's.

Used when no real data is in the data folder: the map, the tests and the notebooks then run on
it. Every generator is seeded: the same call writes the same content.
"""

from __future__ import annotations

from pathlib import Path

from .territory import write_boundaries

__all__ = ["build_demo"]


def build_demo(directory: str | Path, n_municipalities: int = 400, seed: int = 71) -> dict[str, Path]:
    """Write all demo input files into ``directory`` (the data-folder layout).

    Returns
    -------
    dict
        Input kind -> path written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {"boundaries": write_boundaries(directory / "boundaries" / "obce.gpkg", n_municipalities, seed)}
    return files
