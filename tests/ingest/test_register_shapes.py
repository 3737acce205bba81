"""Register shapes the demo generator did not produce (issue 17): a capacity listed twice for the
same form and unit, and an IČO given as a JSON number. The register is written out in each test,
so every expected number can be read off the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, box

from geo_kissos.ingest.services import read_register


@pytest.fixture
def one_municipality() -> gpd.GeoDataFrame:
    """The stored territory: municipality 900001, a 10 km square in EPSG:5514."""
    return gpd.GeoDataFrame(
        {"municipality_code": ["900001"], "region_code": ["CZ071"]},
        geometry=[MultiPolygon([box(-560_000, -1_130_000, -550_000, -1_120_000)])], crs=5514)


def _register(tmp_path: Path, items: list[dict]) -> Path:
    path = tmp_path / "rpss.json"
    path.write_text(json.dumps({"polozky": items}, ensure_ascii=False), encoding="utf-8")
    return path


def _item(sid: str, ico: object, formy: list[dict]) -> dict:
    return {
        "identifikator": sid, "datumPoskytovaniOd": "2015-01-01", "datumPoskytovaniDo": None,
        "druhSocialniSluzby": {"id": "49"},
        "poskytovatel": {"ico": ico, "nazev": "Poskytovatel", "adresa": {"obec": {"id": "Obec/900001"}}},
        "formy": formy,
        "zarizeni": [{"nazev": "Domov", "utajenaAdresa": False,
                      "adresa": {"obec": {"id": "Obec/900001"}, "ulice": {"nazev": "Školní"},
                                 "cisloDomovni": 12, "psc": "77900"}}],
    }


def _cap(pocet: float, typ: str) -> dict:
    return {"pocet": pocet, "typ": {"id": f"TypKapacitySocialniSluzby/{typ}"}}


# mutant: ``capacity[(form, unit)] = value`` (the last entry overwrites) instead of summing
def test_two_capacities_of_the_same_form_and_unit_are_summed(tmp_path: Path, one_municipality: gpd.GeoDataFrame):
    """30 + 12 beds in one residential block and 8 more in a second residential block: 50 beds;
    the 5 clients stay a capacity of their own."""
    formy = [
        {"forma": {"id": "FormaSocialniSluzby/pob"},
         "kapacity": [_cap(30, "luzka"), _cap(12, "luzka"), _cap(5, "klient")]},
        {"forma": {"id": "FormaSocialniSluzby/pob"}, "kapacity": [_cap(8, "luzka")]},
    ]
    data = read_register(_register(tmp_path, [_item("4000001", "99000001", formy)]), one_municipality)
    cap = data.capacity.set_index(["service_id", "form", "unit"])["value"]
    assert cap.to_dict() == {("4000001", "residential", "beds"): 50.0,
                             ("4000001", "residential", "clients"): 5.0}
    assert data.service_form["form"].tolist() == ["residential"]  # the form once


# mutant: the zero padding of a short IČO dropped (``1234567`` stored as "1234567")
def test_an_ico_given_as_a_number_is_padded_to_eight_digits(tmp_path: Path, one_municipality: gpd.GeoDataFrame):
    formy = [{"forma": {"id": "FormaSocialniSluzby/pob"}, "kapacity": [_cap(10, "luzka")]}]
    items = [_item("4000001", 1234567, formy), _item("4000002", 45678901, formy),
             _item("4000003", "0012345", formy)]
    data = read_register(_register(tmp_path, items), one_municipality)
    icos = data.service.set_index("service_id")["provider_ico"].to_dict()
    assert icos == {"4000001": "01234567", "4000002": "45678901", "4000003": "00012345"}
    assert sorted(data.provider["ico"]) == ["00012345", "01234567", "45678901"]
