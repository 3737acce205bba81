"""Fixtures of the national-scale and bad-input tests: small stores built from ``empty_store``.

``empty_store`` (tests/conftest.py) runs every test on both stores, GeoPackage and PostGIS; the
fixtures here load into it what an input needs first: 40 synthetic municipalities (codes
900001-900040), and for the network and reach files two registered services.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest

from geo_kissos.demo.territory import make_municipalities
from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.services import load_services
from geo_kissos.schema import TABLES
from geo_kissos.store import Store

N_SMALL, SEED_SMALL = 40, 3


@pytest.fixture(scope="session")
def small_mun() -> gpd.GeoDataFrame:
    """40 synthetic municipalities in EPSG:5514 (a valid coverage; the first 13 are ORP seats)."""
    return make_municipalities(N_SMALL, SEED_SMALL)


@pytest.fixture
def territory(empty_store: Store, small_mun: gpd.GeoDataFrame, tmp_path: Path) -> Store:
    """Each store with the 40 municipalities loaded."""
    path = tmp_path / "obce.gpkg"
    small_mun.to_file(path, layer="obce", driver="GPKG", engine="pyogrio")
    load_boundaries(empty_store, path)
    return empty_store


def _service(sid: str, type_: str, form: str, unit: str, value: int, obec: int) -> dict[str, object]:
    return {"id": int(sid), "identifikator": sid, "datumPoskytovaniOd": "2015-01-01", "datumPoskytovaniDo": None,
            "druhSocialniSluzby": {"id": type_},
            "poskytovatel": {"ico": "99000001", "nazev": "Poskytovatel", "adresa": {"obec": {"id": f"Obec/{obec}"}}},
            "formy": [{"forma": {"id": f"FormaSocialniSluzby/{form}"},
                       "kapacity": [{"pocet": value, "typ": {"id": f"TypKapacitySocialniSluzby/{unit}"}}]}],
            "zarizeni": [{"nazev": f"Zařízení {sid}", "utajenaAdresa": False,
                          "adresa": {"kodAdresnihoMista": None, "obec": {"id": f"Obec/{obec}"}}}]}


@pytest.fixture
def market(territory: Store, tmp_path: Path) -> Store:
    """The territory plus services 3000001 (home care, field) and 3000002 (home for the elderly)."""
    path = tmp_path / "rpss.json"
    path.write_text(json.dumps({"polozky": [_service("3000001", "40", "ter", "klient", 30, 900001),
                                            _service("3000002", "49", "pob", "luzka", 80, 900002)]}),
                    encoding="utf-8")
    load_services(territory, path)
    return territory


def counts(store: Store) -> dict[str, int]:
    """Rows per table: what "the store is unchanged" is checked against."""
    return {name: store.count(name) for name in TABLES}


@pytest.fixture
def store_counts() -> Callable[[Store], dict[str, int]]:
    return counts


@pytest.fixture
def write_bytes(tmp_path: Path) -> Callable[[str, str | bytes, str], Path]:
    """Write a file (text encoded as given) into the test's folder; return the path."""

    def write(name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return write
