"""Synthetic demo data in the official file formats, for a region shaped like Olomouc's.

Used when no real data is in the data folder: the map, the tests and the notebooks then run on
it. Every generator is seeded: the same call writes the same content.

Data-folder layout written (and read by :func:`geo_kissos.bootstrap.load_data_dir`):

==============================  =================================================  ======================
file                            format                                             loader
==============================  =================================================  ======================
boundaries/obce.gpkg            GeoPackage, EPSG:5514, ArcČR-style fields          boundaries
rpss.json                       MPSV register of social services (``polozky``)     services
druhy-socialni-sluzby.json      MPSV codelist of service types                     (used by services)
cilove-skupiny-osoby.json       MPSV codelist of target groups                     (used by services)
adresni-mista.csv               RÚIAN address points, ``;``, cp1250, S-JTSK        (used by services)
reach.csv                       ``identifikator;kod_obce;kod_orp``                 reach
network.csv                     ``identifikator;rok;jednotky;typ_jednotky;...``    network
population.csv                  ČSÚ population by age (``vuzemi_kod, vek_txt``)    population
indicators.csv                  ``kod_obce;rok;ukazatel;hodnota;...``              indicators
==============================  =================================================  ======================
"""

from __future__ import annotations

from pathlib import Path

from .market import write_market
from .phenomena import write_indicators, write_population
from .territory import make_municipalities, write_boundaries

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
    mun = make_municipalities(n_municipalities, seed)
    files.update(write_market(directory, mun, seed))
    files["population"] = write_population(directory / "population.csv", mun, seed)
    files["indicators"] = write_indicators(directory / "indicators.csv", mun, seed)
    return files
