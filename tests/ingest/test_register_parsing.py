"""The register parser on hand-written files, without a store (issue 17: the mutation run).

Every test writes a small ``rpss.json`` (and, where it matters, the codelists beside it), reads
it with :func:`geo_kissos.ingest.services.read_register` against a stored territory of three
municipalities, and compares the rows, the warnings or the problems with values read off the
file itself. The public readers of the codelists and the schema are checked the same way.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, box

from geo_kissos.errors import InputError
from geo_kissos.ingest.register_schema import find_schema, item_problems, item_validator
from geo_kissos.ingest.services import iter_register, read_register, read_type_codelist, resolve_type
from geo_kissos.ingest.target_groups import find_codelist, read_target_group_codelist, target_group_names

ON = date(2024, 1, 1)
#: 500001 and 500002 in ORP 7101 (district CZ0711), 500003 in ORP 7102 (CZ0712); all of CZ071;
#: 600001 in another region CZ072.
MUNIS = (("500001", "7101", "CZ0711", "CZ071", 0), ("500002", "7101", "CZ0711", "CZ071", 1),
         ("500003", "7102", "CZ0712", "CZ071", 2), ("600001", "7201", "CZ0721", "CZ072", 3))


@pytest.fixture
def munis() -> gpd.GeoDataFrame:
    """Four 10 km squares side by side in EPSG:5514."""
    rows = [{"municipality_code": c, "orp_code": o, "district_code": d, "region_code": r,
             "geometry": MultiPolygon([box(-600_000 + 10_000 * i, -1_130_000, -590_000 + 10_000 * i, -1_120_000)])}
            for c, o, d, r, i in MUNIS]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=5514)


def _item(sid: str = "1000001", **over: Any) -> dict[str, Any]:
    it: dict[str, Any] = {
        "identifikator": sid, "datumPoskytovaniOd": "2015-01-01", "datumPoskytovaniDo": None,
        "druhSocialniSluzby": {"id": "49"},
        "poskytovatel": {"ico": "12345678", "nazev": "Domovy, p. o.",
                         "adresa": {"obec": {"id": "Obec/500001"}, "ulice": {"nazev": "Hlavní"},
                                    "cisloDomovni": 5, "psc": "79001"}},
        "formy": [{"forma": {"id": "FormaSocialniSluzby/pob"},
                   "kapacity": [{"pocet": 30, "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]}],
        "zarizeni": [{"nazev": "Domov Alfa", "utajenaAdresa": False,
                      "adresa": {"obec": {"id": "Obec/500001"}, "ulice": {"nazev": "Školní"},
                                 "cisloDomovni": 12, "cisloOrientacni": "3a", "psc": "79001"}}],
    }
    it.update(over)
    return it


def _write(folder: Path, items: list[Any], **beside: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rpss.json"
    path.write_text(json.dumps({"polozky": items}, ensure_ascii=False), encoding="utf-8")
    for name, content in beside.items():
        (folder / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def _problems(path: Path, munis: gpd.GeoDataFrame, **kw: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as exc:
        read_register(path, munis, collect_all=True, on=ON, **kw)
    return [(p.location, p.field, p.message) for p in exc.value.problems]


# -- one full item, every column ------------------------------------------------------------------
def test_a_full_item_gives_known_rows(tmp_path: Path, munis):
    item = _item(
        telefony=[{"telefon": " 585 111 222 "}, {"telefon": ""}, "not an object"],
        emaily=[{"email": "domov@example.cz"}], weby=[{"web": 42}],
        ciloveSkupiny=[{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}}, {"id": "CilovaSkupinaOsoby/7"}],
        datumPoskytovaniDo="2030-12-31",
        formy=[{"forma": {"id": "FormaSocialniSluzby/pob"},
                "kapacity": [{"pocet": 30, "typ": {"id": "TypKapacitySocialniSluzby/luzka"}},
                             {"pocet": "2,5", "typ": {"id": "TypKapacitySocialniSluzby/luzka"}},
                             {"pocet": 4, "typ": {"id": "TypKapacitySocialniSluzby/klient"}}]},
               {"forma": {"id": "FormaSocialniSluzby/amb"}, "kapacity": None},
               {"forma": {"id": "FormaSocialniSluzby/pob"},
                "kapacity": [{"pocet": 1, "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]}],
    )
    path = _write(tmp_path, [item])
    data = read_register(path, munis, on=ON)
    assert data.items_read == 1 and data.outside == 0
    prov = data.provider.to_dict("records")
    assert prov == [{"ico": "12345678", "name": "Domovy, p. o.", "address": "Hlavní 5, 79001 Obec/500001"}]
    svc = data.service.to_dict("records")[0]
    assert svc["service_id"] == "1000001" and svc["provider_ico"] == "12345678" and svc["type_code"] == "49"
    assert svc["name"] == "Domov Alfa"  # the first facility's name: the register names no service
    assert svc["contact"] == "585 111 222; domov@example.cz; 42"
    assert svc["target_groups"] == "CilovaSkupinaOsoby/24;CilovaSkupinaOsoby/7"  # no codelist: raw ids
    assert (svc["valid_from"], svc["valid_to"]) == (date(2015, 1, 1), date(2030, 12, 31))
    assert data.service_form.to_dict("records") == [{"service_id": "1000001", "form": "residential"},
                                                    {"service_id": "1000001", "form": "outpatient"}]
    caps = {(r["form"], r["unit"]): r["value"] for r in data.capacity.to_dict("records")}
    assert caps == {("residential", "beds"): 33.5, ("residential", "clients"): 4.0}  # 30 + 2.5 + 1
    site = data.site.iloc[0]
    assert (site["site_id"], site["service_id"], site["name"]) == ("1000001-1", "1000001", "Domov Alfa")
    assert site["address"] == "Školní 12/3a, 79001 Obec/500001"
    assert (site["municipality_code"], site["location_quality"]) == ("500001", "municipality_centroid")
    assert site["geom"].within(munis.geometry.iloc[0])
    assert data.warnings == ["2 target-group reference(s) kept as codelist ids (CilovaSkupinaOsoby/24, "
                             "CilovaSkupinaOsoby/7): no codelist cilove-skupiny-osoby.json or cilove-skupiny.json "
                             "beside the register (use --target-groups)"]


def test_codelists_beside_the_register_are_used(tmp_path: Path, munis):
    types = {"polozky": [{"id": "DruhSocialniSluzby/13", "nazev": {"cs": "Domovy  pro SENIORY "}},
                         {"id": "DruhSocialniSluzby/99", "nazev": {"cs": "Nic takového"}},
                         {"id": {"id": "DruhSocialniSluzby/14"}, "nazev": "Azylové domy"}]}
    groups = {"polozky": [{"id": 24, "nazev": {"cs": "senioři"}}, {"id": "7", "nazev": {"cs": "osoby; s postižením"}}]}
    item = _item(druhSocialniSluzby={"id": "DruhSocialniSluzby/13"},
                 ciloveSkupiny=[{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}},
                                {"cilovaSkupina": {"id": "CilovaSkupinaOsoby/7"}},
                                {"cilovaSkupina": {"id": "CilovaSkupinaOsoby/8"}},
                                {"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}}])
    path = _write(tmp_path, [item], **{"druhy-socialni-sluzby.json": types, "cilove-skupiny-osoby.json": groups})
    assert read_type_codelist(tmp_path / "druhy-socialni-sluzby.json") == {"DruhSocialniSluzby/13": "49",
                                                                           "DruhSocialniSluzby/14": "57"}
    data = read_register(path, munis, on=ON)
    svc = data.service.iloc[0]
    assert svc["type_code"] == "49"
    assert svc["target_groups"] == "senioři;osoby, s postižením;CilovaSkupinaOsoby/8"
    assert data.warnings == ["1 target-group reference(s) not in cilove-skupiny-osoby.json kept as codelist ids "
                             "(CilovaSkupinaOsoby/8)"]


def test_explicit_codelist_paths_win_over_the_folder(tmp_path: Path, munis):
    path = _write(tmp_path / "reg", [_item(druhSocialniSluzby={"id": "DruhSocialniSluzby/1"},
                                           ciloveSkupiny=[{"id": "CilovaSkupinaOsoby/1"}])])
    _write(tmp_path / "lists", [], **{
        "druhy.json": {"polozky": [{"id": "DruhSocialniSluzby/1", "nazev": {"cs": "Azylové domy"}}]},
        "skupiny.json": {"polozky": [{"id": "1", "nazev": "rodiny s dětmi"}]}})
    data = read_register(path, munis, on=ON, types=tmp_path / "lists" / "druhy.json",
                         target_groups=tmp_path / "lists" / "skupiny.json")
    assert data.service.iloc[0]["type_code"] == "57"
    assert data.service.iloc[0]["target_groups"] == "rodiny s dětmi"
    assert data.warnings == []


@pytest.mark.parametrize(("raw", "code"), [
    ("49", "49"), ("§ 49", "49"), ("§49", "49"), ({"kod": "57"}, "57"), ({"code": "50"}, "50"),
    ({"id": "", "kod": "51"}, "51"), (" 49 ", "49"), ("99", None), ("49b", None), ("x49", None),
    ("§ 4 9", "49"), ({"id": None}, None), ("", None), (None, None), ("Druh/49", None),
])
def test_resolve_type_of_a_code_given_directly(raw, code):
    assert resolve_type(raw, {}) == code


def test_resolve_type_prefers_the_codelist():
    assert resolve_type({"id": "49"}, {"49": "50"}) == "50"
    assert resolve_type({"id": "DruhSocialniSluzby/13"}, {"DruhSocialniSluzby/13": "49"}) == "49"


@pytest.mark.parametrize(("raw", "ico"), [(12345, "00012345"), (12345.0, "00012345"), ("  1234567 ", "01234567"),
                                          ("12345678", "12345678"), (1234567890, None), (True, None),
                                          ("12 345", None), ("1234567a", None), (12345.5, None)])
def test_ico_is_eight_digits_zero_padded(tmp_path: Path, munis, raw, ico):
    item = _item(poskytovatel={"ico": raw, "nazev": "P", "adresa": {"obec": {"id": "Obec/500001"}}})
    path = _write(tmp_path, [item])
    if ico is None:
        assert _problems(path, munis) == [("item 1 (identifikator=1000001)", "poskytovatel.ico",
                                           f"'{raw}' is not an 8-digit IČO")]
    else:
        assert read_register(path, munis, on=ON).provider["ico"].tolist() == [ico]


def test_ico_under_another_key_and_the_name_fallbacks(tmp_path: Path, munis):
    items = [_item("1", poskytovatel={"ičo": "11111111", "nazevPoskytovatele": " Spolek ",
                                      "adresa": {"obec": {"id": "Obec/500001"}}}),
             _item("2", poskytovatel={"ico": "", "ic": 22222222, "nazev": 7}),
             _item("3", poskytovatel={"ico": "33333333"}, nazev="  Služba Tři  ")]
    data = read_register(_write(tmp_path, items), munis, on=ON)
    prov = data.provider.set_index("ico")
    assert prov.loc["11111111", "name"] == "Spolek"
    assert prov.loc["11111111", "address"] == "Obec/500001"
    assert prov.loc["22222222", "name"] == "7"
    assert prov.loc["33333333", "name"] == "33333333"  # no name: the IČO
    assert pd_isna(prov.loc["33333333", "address"])
    names = dict(zip(data.service["service_id"], data.service["name"], strict=True))
    assert names == {"1": "Domov Alfa", "2": "Domov Alfa", "3": "Služba Tři"}


def pd_isna(v: Any) -> bool:
    return v is None or v != v


def test_contact_falls_back_to_the_provider(tmp_path: Path, munis):
    prov = {"ico": "12345678", "nazev": "P", "adresa": {"obec": {"id": "Obec/500001"}},
            "telefony": [{"telefon": 585000111}], "emaily": "not a list", "weby": [{"web": "https://p.cz"}]}
    items = [_item("1", poskytovatel=prov), _item("2", poskytovatel=prov, emaily=[{"email": "s@x.cz"}]),
             _item("3", poskytovatel={"ico": "12345678", "nazev": "P"}, telefony=[{"telefon": None}])]
    data = read_register(_write(tmp_path, items), munis, on=ON)
    contact = dict(zip(data.service["service_id"], data.service["contact"], strict=True))
    assert contact["1"] == "585000111; https://p.cz"
    assert contact["2"] == "s@x.cz"
    assert pd_isna(contact["3"])


# -- addresses and sites ----------------------------------------------------------------------------
def test_address_texts(tmp_path: Path, munis):
    def fac(name: str, adresa: Any) -> dict[str, Any]:
        return {"nazev": name, "adresa": adresa}

    item = _item(zarizeni=[
        fac("A", {"obec": {"id": "Obec/500001"}, "ulice": "Dlouhá", "cisloDomovni": 7}),
        fac("B", {"obec": {"id": "Obec/500002"}, "cisloDomovni": 150, "psc": "79002"}),
        fac("C", {"obec": {"id": "Obec/500003"}, "cisloOrientacni": 4}),
        fac("D", {"psc": "79003"}),
        fac("E", {}),
        fac("F", None),
    ])
    data = read_register(_write(tmp_path, [item]), munis, on=ON)
    got = dict(zip(data.site["name"], data.site["address"], strict=True))
    assert got["A"] == "Dlouhá 7, Obec/500001"
    assert got["B"] == "č.p. 150, 79002 Obec/500002"
    assert got["C"] == "č.p. /4, Obec/500003"
    assert got["D"] == "79003"
    assert pd_isna(got["E"]) and pd_isna(got["F"])
    quality = dict(zip(data.site["name"], data.site["location_quality"], strict=True))
    assert quality == {"A": "municipality_centroid", "B": "municipality_centroid", "C": "municipality_centroid",
                       "D": "unlocated", "E": "unlocated", "F": "unlocated"}
    muni = dict(zip(data.site["name"], data.site["municipality_code"], strict=True))
    assert (muni["A"], muni["B"], muni["C"]) == ("500001", "500002", "500003")
    assert data.site.set_index("name").loc["B", "geom"].within(munis.geometry.iloc[1])
    assert data.site["site_id"].tolist() == [f"1000001-{k}" for k in range(1, 7)]
    assert data.warnings == ["3 facility(ies) have no address: kept as unlocated sites without a point"]


def test_address_points_place_the_sites(tmp_path: Path, munis):
    csv = tmp_path / "adresy.csv"
    csv.write_text("Kód ADM;Kód obce;Souřadnice Y;Souřadnice X\n"
                   "11111;500001;595000.50;1125000.25\n"
                   "22222;500002;-585000;-1125000\n"
                   "33333;500003;100;100\n", encoding="utf-8")
    item = _item(zarizeni=[
        {"nazev": "A", "adresa": {"obec": {"id": "Obec/500001"}, "kodAdresnihoMista": 11111}},
        {"nazev": "B", "adresa": {"obec": {"id": "Obec/500002"}, "kodAdresnihoMista": "22222.0"}},
        {"nazev": "C", "adresa": {"obec": {"id": "Obec/500003"}, "kodAdresnihoMista": 44444}},
    ])
    path = _write(tmp_path / "reg", [item])  # 33333 is no point in Czechia, but no facility wants it
    data = read_register(path, munis, addresses=csv, on=ON)
    site = data.site.set_index("name")
    assert (site.loc["A", "geom"].x, site.loc["A", "geom"].y) == (-595000.5, -1125000.25)
    assert (site.loc["B", "geom"].x, site.loc["B", "geom"].y) == (-585000.0, -1125000.0)
    assert site["location_quality"].to_dict() == {"A": "address_point", "B": "address_point",
                                                  "C": "municipality_centroid"}
    assert site["ruian_address_code"].to_dict() == {"A": "11111", "B": "22222", "C": "44444"}
    assert data.warnings == ["1 facility address code(s) not found in the address-point file: placed at the "
                             "municipality's representative point"]


def test_withheld_facilities_stay_at_the_municipality(tmp_path: Path, munis):
    item = _item(zarizeni=[
        {"nazev": "Azyl", "utajenaAdresa": True,
         "adresa": {"obec": {"id": "Obec/500002"}, "ulice": {"nazev": "Tajná"}, "cisloDomovni": 1,
                    "kodAdresnihoMista": 99999}},
        {"nazev": "Azyl 2", "utajenaAdresa": True, "adresa": {"obec": {"id": "Obec/500003"}, "psc": ""}},
        {"nazev": "Azyl 3", "utajenaAdresa": True, "adresa": {"ulice": {}}},
        {"nazev": "Otevřené", "utajenaAdresa": "true", "adresa": {"obec": {"id": "Obec/500001"}}},
    ])
    data = read_register(_write(tmp_path, [item]), munis, on=ON)
    site = data.site.set_index("name")
    assert site["location_quality"].to_dict() == {"Azyl": "withheld_municipality", "Azyl 2": "withheld_municipality",
                                                  "Azyl 3": "unlocated", "Otevřené": "municipality_centroid"}
    assert site.loc[["Azyl", "Azyl 2", "Azyl 3"], "address"].isna().all()
    assert site.loc[["Azyl", "Azyl 2", "Azyl 3"], "ruian_address_code"].isna().all()
    assert site.loc["Otevřené", "address"] == "Obec/500001"
    assert site.loc["Azyl", "geom"].within(munis.geometry.iloc[1])
    assert data.warnings == [
        "rpss.json: 1 facility(ies) with utajenaAdresa=true carry a street address (item 1 (identifikator=1000001), "
        "field 'zarizeni[1].adresa'): street, numbers and address code not stored; placed no finer than their "
        "municipality",
        "3 facility(ies) with a withheld address (utajenaAdresa): no street address stored; placed at their "
        "municipality's representative point, or nowhere",
        "1 facility(ies) have no address: kept as unlocated sites without a point",
    ]


def test_more_than_three_withheld_with_street_are_shortened(tmp_path: Path, munis):
    fac = {"nazev": "Azyl", "utajenaAdresa": True, "adresa": {"obec": {"id": "Obec/500001"}, "cisloDomovni": 1}}
    items = [_item(str(k), zarizeni=[fac]) for k in range(1, 5)]
    data = read_register(_write(tmp_path, items), munis, on=ON)
    assert data.warnings[0] == (
        "rpss.json: 4 facility(ies) with utajenaAdresa=true carry a street address (item 1 (identifikator=1), "
        "field 'zarizeni[1].adresa'; item 2 (identifikator=2), field 'zarizeni[1].adresa'; item 3 "
        "(identifikator=3), field 'zarizeni[1].adresa'; ...): street, numbers and address code not stored; "
        "placed no finer than their municipality")


def test_facility_dates_duplicates_and_foreign_municipalities(tmp_path: Path, munis):
    alfa = {"nazev": " Domov Alfa ", "adresa": {"obec": {"id": "Obec/500001"}}}
    item = _item(zarizeni=[
        alfa, dict(alfa, nazev="Domov Alfa"),  # the same facility twice (names compared stripped)
        {"nazev": "Zavřený", "poskytujeDo": "2023-12-31", "adresa": {"obec": {"id": "Obec/500001"}}},
        {"nazev": "Do dneška", "poskytujeDo": "2024-01-01", "adresa": {"obec": {"id": "Obec/500001"}}},
        {"nazev": "Budoucí", "poskytujeOd": "2024-01-02", "adresa": {"obec": {"id": "Obec/500001"}}},
        {"nazev": "Ode dneška", "poskytujeOd": "2024-01-01", "adresa": {"obec": {"id": "Obec/500001"}}},
        {"nazev": "Cizí", "adresa": {"obec": {"id": "Obec/999999"}}},
    ])
    data = read_register(_write(tmp_path, [item]), munis, on=ON)
    assert data.site["name"].tolist() == ["Domov Alfa", "Do dneška", "Ode dneška", "Cizí"]
    assert data.site["municipality_code"].tolist()[:3] == ["500001"] * 3
    assert pd_isna(data.site["municipality_code"].iloc[3])
    assert data.warnings == [
        "1 facility(ies) listed twice under one service (same name, address code and dates) counted once",
        "1 closed facility(ies) (poskytujeDo before 2024-01-01) and 1 not yet open (poskytujeOd after 2024-01-01) "
        "are no sites",
        "1 facility(ies) lie in municipalities outside the store (kept without municipality)",
        "1 facility(ies) have no address: kept as unlocated sites without a point",
    ]


# -- region, reach -----------------------------------------------------------------------------------------
def test_region_and_the_provider_address_anchor(tmp_path: Path, munis):
    elsewhere = {"nazev": "Jinde", "adresa": {"obec": {"id": "Obec/600001"}}}
    items = [
        _item("1"),  # facility in 500001 (CZ071)
        _item("2", zarizeni=[elsewhere]),  # facility in CZ072
        _item("3", zarizeni=[], poskytovatel={"ico": "12345678", "nazev": "P",
                                              "sidlo": {"obec": {"id": "Obec/600001"}}}),
        _item("4", zarizeni=[], poskytovatel={"ico": "12345678", "nazev": "P"},
              kontaktniAdresy=["x", {"adresa": {"obec": {"id": "Obec/500003"}}}]),
        _item("5", zarizeni=[], poskytovatel={"ico": "12345678", "nazev": "P", "adresa": {"obec": None}},
              kontaktniAdresy=[{"obec": {"id": "Obec/500002"}}]),
        _item("6", zarizeni=[], poskytovatel={"ico": "12345678", "nazev": "P"}),
    ]
    path = _write(tmp_path, items)
    data = read_register(path, munis, region="CZ071", on=ON)
    assert data.service["service_id"].tolist() == ["1", "4", "5"]
    assert (data.items_read, data.outside) == (6, 3)
    assert data.warnings[0] == "3 service(s) outside the stored territory of CZ071 were left out"
    whole = read_register(path, munis, on=ON)
    assert whole.service["service_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert whole.warnings[0] == "1 service(s) outside the stored territory were left out"
    with pytest.raises(InputError, match="no stored municipality of region 'CZ079'"):
        read_register(path, munis, region="CZ079", on=ON)


def test_reach_references_at_every_level(tmp_path: Path, munis):
    reach = [{"obec": {"id": "Obec/500003"}},
             {"uzemi": [{"id": "Orp/7101"}, "Okres/CZ0712", {"id": 5}]},
             {"id": "Kraj/CZ072", "nazev": {"cs": "kraj"}},
             {"id": "Obec/123456"}, {"id": "Orp/9999"}, "plain text", " Obec/500001 "]
    items = [_item("1", rozsirenePusobnostiVKraji=reach), _item("2", rozsirenePusobnostiVKraji=[]),
             _item("3", rozsirenePusobnostiVKraji={"id": "ObecSRozsirenouPusobnosti/7102"})]
    data = read_register(_write(tmp_path, items), munis, on=ON)
    pairs = [tuple(r) for r in data.reach[["service_id", "municipality_code"]].to_numpy()]
    assert pairs == [("1", "500001"), ("1", "500002"), ("1", "500003"), ("1", "600001"), ("3", "500003")]
    assert data.warnings == ["2 reference(s) of rozsirenePusobnostiVKraji name no stored territory "
                             "(Obec/123456, Orp/9999): left out of the reach"]


def test_more_than_five_unknown_references_are_shortened(tmp_path: Path, munis):
    reach = [{"id": f"Obec/90000{k}"} for k in range(1, 8)]
    groups = [{"id": f"CilovaSkupinaOsoby/{k}"} for k in range(1, 8)]
    data = read_register(_write(tmp_path, [_item(rozsirenePusobnostiVKraji=reach, ciloveSkupiny=groups)]), munis,
                         on=ON)
    assert data.warnings == [
        "7 target-group reference(s) kept as codelist ids (CilovaSkupinaOsoby/1, CilovaSkupinaOsoby/2, "
        "CilovaSkupinaOsoby/3, CilovaSkupinaOsoby/4, CilovaSkupinaOsoby/5, ...): no codelist "
        "cilove-skupiny-osoby.json or cilove-skupiny.json beside the register (use --target-groups)",
        "7 reference(s) of rozsirenePusobnostiVKraji name no stored territory (Obec/900001, Obec/900002, "
        "Obec/900003, Obec/900004, Obec/900005, ...): left out of the reach"]


# -- problems -----------------------------------------------------------------------------------------
L = "item 1 (identifikator=1000001)"


@pytest.mark.parametrize(("over", "expected"), [
    ({"identifikator": None, "id": None}, [("item 1", "identifikator", "missing service id")]),
    ({"identifikator": "12345678901234567"},
     [("item 1 (identifikator=12345678901234567)", "identifikator",
       "'12345678901234567' is longer than 16 characters")]),
    ({"druhSocialniSluzby": {"id": "DruhSocialniSluzby/13"}},
     [(L, "druhSocialniSluzby", 'unknown service type {"id": "DruhSocialniSluzby/13"} (no codelist '
       "druhy-socialni-sluzby.json found beside the register: use --types)")]),
    ({"poskytovatel": "Spolek"}, [(L, "poskytovatel", "missing provider")]),
    ({"poskytovatel": {"ico": "12345678", "nazev": {"cs": "P"}}},
     [(L, "poskytovatel.nazev", "is an object, expected the provider's name as text")]),
    ({"poskytovatel": {"ico": "12345678", "nazev": ["P"]}},
     [(L, "poskytovatel.nazev", "is a list, expected the provider's name as text")]),
    ({"datumPoskytovaniOd": "31. 13. 2015"}, None),
    ({"datumPoskytovaniOd": "2015-01-02", "datumPoskytovaniDo": "2015-01-01"},
     [(L, "datumPoskytovaniDo", "2015-01-01 is before datumPoskytovaniOd 2015-01-02")]),
    ({"formy": {"forma": "pob"}}, [(L, "formy", "is an object, expected a list of forms")]),
    ({"formy": [{"forma": {"id": "FormaSocialniSluzby/xyz"}}, "pob"]},
     [(L, "formy[1].forma", "unknown form 'FormaSocialniSluzby/xyz' (expected pob, amb or ter)"),
      (L, "formy[2].forma", "unknown form 'None' (expected pob, amb or ter)")]),
    ({"formy": [{"forma": {"id": "FormaSocialniSluzby/ter"}, "kapacity": "5"}]},
     [(L, "formy[1].kapacity", 'is text, expected a list of capacities ([{"pocet": ..., "typ": {"id": ...}}])')]),
    ({"formy": [{"forma": {"id": "FormaSocialniSluzby/ter"},
                 "kapacity": [{"pocet": 1, "typ": {"id": "Typ/nic"}}, 5,
                              {"pocet": "mnoho", "typ": {"id": "Typ/kontakt"}},
                              {"pocet": -1, "typ": {"id": "Typ/interv"}}]}]},
     [(L, "formy[1].kapacity[1].typ", "unknown capacity type 'Typ/nic'"),
      (L, "formy[1].kapacity[2].typ", "unknown capacity type 'None'"),
      (L, "formy[1].kapacity[3].pocet", None),
      (L, "formy[1].kapacity[4].pocet", "negative capacity -1")]),
    ({"zarizeni": {"nazev": "Domov"}}, [(L, "zarizeni", "is an object, expected a list of facilities")]),
    ({"zarizeni": ["Domov", {"nazev": "B", "adresa": "Hlavní 1"}]},
     [(L, "zarizeni[1]", "is not an object"), (L, "zarizeni[2].adresa", "is text, expected an object")]),
    ({"zarizeni": [{"nazev": "B", "adresa": {"obec": {"id": "Obec/12"}}}]}, None),
    ({"zarizeni": [{"nazev": "B", "adresa": {"kodAdresnihoMista": "12a"}},
                   {"nazev": "C", "adresa": {"kodAdresnihoMista": "1234567890123"}}]},
     [(L, "zarizeni[1].adresa.kodAdresnihoMista", "'12a' is not an address code"),
      (L, "zarizeni[2].adresa.kodAdresnihoMista", "'1234567890123' is not an address code")]),
    ({"zarizeni": [{"nazev": "B", "poskytujeOd": "zítra", "poskytujeDo": "nikdy"}]}, None),
    ({"ciloveSkupiny": {"id": "CilovaSkupinaOsoby/1"}},
     [(L, "ciloveSkupiny", 'is an object, expected a list ([{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/N"}}])')]),
    ({"ciloveSkupiny": [{"cilovaSkupina": {}}, {"nazev": "x"}]},
     [(L, "ciloveSkupiny[1]", "no target-group reference (cilovaSkupina.id)"),
      (L, "ciloveSkupiny[2]", "no target-group reference (cilovaSkupina.id)")]),
])
def test_every_problem_is_named(tmp_path: Path, munis, over, expected):
    got = _problems(_write(tmp_path, [_item(**over)]), munis)
    if expected is None:  # the message is the shared parser's (tested in test_tabular_parsers.py): fields only
        assert got and all(loc == L for loc, _, _ in got), got
        return
    assert len(got) == len(expected), got
    for g, e in zip(got, expected, strict=True):
        assert g[:2] == e[:2]
        if e[2] is not None:
            assert g[2] == e[2]


def test_problem_fields_of_dates_and_municipalities(tmp_path: Path, munis):
    over = {"datumPoskytovaniOd": "31. 13. 2015", "datumPoskytovaniDo": "nikdy",
            "zarizeni": [{"nazev": "B", "poskytujeOd": "zítra", "poskytujeDo": "nikdy",
                          "adresa": {"obec": {"id": "Obec/12"}}}]}
    got = _problems(_write(tmp_path, [_item(**over)]), munis)
    assert [f for _, f, _ in got] == ["datumPoskytovaniOd", "datumPoskytovaniDo", "zarizeni[1].poskytujeOd",
                                      "zarizeni[1].poskytujeDo", "zarizeni[1].adresa.obec"]


def test_items_that_are_no_objects_and_repeated_ids(tmp_path: Path, munis):
    path = _write(tmp_path, [_item("1"), "text", _item("1"), _item(None, id=77)])
    assert _problems(path, munis) == [("item 2", "", "an item of 'polozky' is not an object"),
                                      ("item 3 (identifikator=1)", "identifikator", "service id 1 repeats item 1")]
    data = read_register(_write(tmp_path, [_item(None, id=77)]), munis, on=ON)
    assert data.service["service_id"].tolist() == ["77"]


def test_the_first_problem_stops_without_collect_all(tmp_path: Path, munis):
    path = _write(tmp_path, [_item("1", poskytovatel="x"), _item("2", poskytovatel="y")])
    with pytest.raises(InputError) as exc:
        read_register(path, munis, on=ON)
    assert [(p.location, p.field) for p in exc.value.problems] == [("item 1 (identifikator=1)", "poskytovatel")]


# -- the stream --------------------------------------------------------------------------------------------
def test_iter_register_yields_numbered_items_and_skips_other_keys(tmp_path: Path):
    path = tmp_path / "rpss.json"
    path.write_text(json.dumps({"hlavicka": {"a": [1, {"b": 2}]}, "polozky": [{"x": [1, [2]]}, 3, "s", None],
                                "konec": {"polozky": []}}), encoding="utf-8")
    assert list(iter_register(path)) == [(1, {"x": [1, [2]]}), (2, 3), (3, "s"), (4, None)]


def test_iter_register_depth_bound(tmp_path: Path):
    path = tmp_path / "rpss.json"
    path.write_text('{"polozky": [{"a": {"b": {"c": [1]}}}]}', encoding="utf-8")
    assert list(iter_register(path, max_depth=4)) == [(1, {"a": {"b": {"c": [1]}}})]
    with pytest.raises(InputError) as exc:
        list(iter_register(path, max_depth=3))
    p = exc.value.problems[0]
    assert (p.location, p.field, p.message) == ("item 1", "", "nesting deeper than 3 levels")


@pytest.mark.parametrize(("text", "where", "field", "message"), [
    ('{"polozky": []}', "", "polozky", "'polozky' is empty"),
    ('{"jine": []}', "", "polozky", "no top-level 'polozky' array: not an MPSV register file"),
    ('{"a": {"polozky": [1]}}', "", "polozky", "no top-level 'polozky' array: not an MPSV register file"),
    ('{"polozky": {"a": 1}}', "", "polozky", "is not a list of services"),
    ('{"polozky": [{"a": 1}, {"b": ]}', "after item 2", "", None),  # item 2 is the one being read
    ('{"polozky": [', "before the first item", "", None),
])
def test_iter_register_refusals(tmp_path: Path, text, where, field, message):
    path = tmp_path / "rpss.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        list(iter_register(path))
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == ("rpss.json", where, field)
    if message is None:
        assert p.message.startswith("invalid JSON: ")
    else:
        assert p.message == message


# -- the codelists and the schema -------------------------------------------------------------------------
def test_type_codelist_refusals(tmp_path: Path):
    for text in ("[1]", '{"x": 1}', "{"):
        (tmp_path / "t.json").write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as exc:
            read_type_codelist(tmp_path / "t.json")
        p = exc.value.problems[0]
        assert (p.source, p.field) == ("t.json", "polozky") and p.message.startswith("not a codelist: ")


def test_target_group_codelist(tmp_path: Path):
    assert find_codelist(tmp_path / "rpss.json") is None
    (tmp_path / "cilove-skupiny.json").write_text("{}", encoding="utf-8")
    assert find_codelist(tmp_path / "rpss.json") == tmp_path / "cilove-skupiny.json"
    (tmp_path / "cilove-skupiny-osoby.json").write_text("{}", encoding="utf-8")
    assert find_codelist(tmp_path / "rpss.json") == tmp_path / "cilove-skupiny-osoby.json"
    p = tmp_path / "groups.json"
    p.write_text(json.dumps({"polozky": [{"id": 1.0, "nazev": {"cs": "  senioři  a  rodiny "}},
                                         {"id": "CilovaSkupinaOsoby/2", "nazev": "děti"},
                                         {"id": " 3 ", "nazev": {"cs": "a;b"}},
                                         {"id": 1, "nazev": "senioři a rodiny"}]}), encoding="utf-8-sig")
    assert read_target_group_codelist(p) == {"CilovaSkupinaOsoby/1": "senioři a rodiny",
                                             "CilovaSkupinaOsoby/2": "děti", "CilovaSkupinaOsoby/3": "a,b"}


def test_target_group_codelist_problems(tmp_path: Path):
    p = tmp_path / "groups.json"
    p.write_text(json.dumps({"polozky": ["x", {"id": True, "nazev": "a"}, {"nazev": "b"}, {"id": 4},
                                         {"id": 5, "nazev": {"cs": "  "}}, {"id": 6, "nazev": "c"},
                                         {"id": "6", "nazev": "d"}, {"id": [1], "nazev": "e"}, {"id": "", "nazev": "f"},
                                         {"id": 7.5, "nazev": "g"}]}), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_target_group_codelist(p)
    got = [(q.location, q.field, q.message) for q in exc.value.problems]
    assert got == [("item 1", "polozky", "an item is not an object"),
                   ("item 2", "id", "missing codelist id (true)"),
                   ("item 3", "id", "missing codelist id (null)"),
                   ("item 4 (id=CilovaSkupinaOsoby/4)", "nazev.cs", "missing Czech name"),
                   ("item 5 (id=CilovaSkupinaOsoby/5)", "nazev.cs", "missing Czech name"),
                   ("item 7 (id=CilovaSkupinaOsoby/6)", "id", "repeats with another name ('c')"),
                   ("item 8", "id", "missing codelist id ([1])"),
                   ("item 9", "id", 'missing codelist id ("")')]
    for text, where, message in (("{", "line 1", "invalid JSON: "), ('{"polozky": []}', "", "no non-empty"),
                                 ("[1]", "", "no non-empty"), ('{"polozky": {"a": 1}}', "", "no non-empty")):
        p.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as exc:
            read_target_group_codelist(p)
        assert exc.value.problems[0].location == where and exc.value.problems[0].message.startswith(message)
    p.write_bytes(b'{"polozky": [{"id": 1, "nazev": "\xff"}]}')
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_target_group_codelist(p)


def test_target_group_names_drop_repeats_and_count_unknown():
    codelist = {"CilovaSkupinaOsoby/1": "senioři", "CilovaSkupinaOsoby/2": "senioři"}
    assert target_group_names(["1", "CilovaSkupinaOsoby/2", "9", "9", "CilovaSkupinaOsoby/1"], codelist) == (
        ["senioři", "9"], ["9", "9"])
    assert target_group_names([], codelist) == ([], [])


LONG_RULE = "^[A-Z][a-z]+ with a rule long enough to be shortened in the message$"  # 70 characters as JSON
SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"kod": {"type": "string"}},
          "type": "object",
          "properties": {"polozky": {"type": "array", "items": {
              "type": "object", "required": ["identifikator"],
              "properties": {"identifikator": {"$ref": "#/$defs/kod"},
                             "formy": {"type": "array", "items": {"type": "object", "properties": {
                                 "forma": {"enum": ["pob", "amb"]}}}},
                             "pocet": {"type": ["integer", "null"], "maximum": 5},
                             "druh": {"const": "x"},
                             "nazev": {"pattern": LONG_RULE}}}}}}


def test_schema_validator_and_problems(tmp_path: Path):
    path = tmp_path / "rpss.schema.json"
    assert find_schema(tmp_path / "rpss.json") is None
    path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    assert find_schema(tmp_path / "rpss.json") == path
    v = item_validator(path)
    good = {"identifikator": "1", "formy": [{"forma": "amb"}], "pocet": None}
    assert item_problems(v, good, "r.json", "item 1") == []
    bad = {"identifikator": 5, "formy": [{"forma": "ter"}], "pocet": 7, "druh": "y", "nazev": "nic"}
    got = [(p.source, p.location, p.field, p.message) for p in item_problems(v, bad, "r.json", "item 3")]
    assert got == [
        ("r.json", "item 3", "druh", "rpss.schema.json: is not the value the schema requires"),
        ("r.json", "item 3", "formy[1].forma", "rpss.schema.json: is not one of the values the schema allows"),
        ("r.json", "item 3", "identifikator", "rpss.schema.json: is integer, the schema wants string"),
        ("r.json", "item 3", "nazev", "rpss.schema.json: breaks the schema's rule 'pattern' "
                                      '("^[A-Z][a-z]+ with a rule long enough to be shortened in ...)'),
        ("r.json", "item 3", "pocet", "rpss.schema.json: breaks the schema's rule 'maximum' (5)"),
    ]
    got = item_problems(v, {"pocet": "x"}, "r.json", "item 4")
    assert [(p.field, p.message) for p in got] == [
        ("", "rpss.schema.json: 'identifikator' is a required property"),
        ("pocet", "rpss.schema.json: is string, the schema wants integer or null")]
    many = {"identifikator": 1, "formy": [{"forma": "a"}, {"forma": "b"}, {"forma": "c"}, {"forma": "d"}],
            "pocet": 9}
    assert len(item_problems(v, many, "r.json", "item 5")) == 5


@pytest.mark.parametrize(("text", "where", "field", "start"), [
    ("{", "line 1", "", "invalid JSON: "),
    ("[1]", "", "", "not a JSON Schema (not an object)"),
    ('{"type": 5}', "type", "", "not a valid JSON Schema: "),
    ('{"type": "object", "properties": {"polozky": {"type": "array"}}}', "", "properties.polozky.items",
     "the schema does not describe the items of 'polozky'"),
    ('{"type": "object"}', "", "properties.polozky.items", "the schema does not describe"),
])
def test_schema_file_refusals(tmp_path: Path, text, where, field, start):
    path = tmp_path / "rpss.schema.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        item_validator(path)
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == ("rpss.schema.json", where, field) and p.message.startswith(start)


def test_schema_beside_the_register_refuses_items(tmp_path: Path, munis):
    path = _write(tmp_path, [_item("1"), {"identifikator": 2}, _item("3")], **{"rpss.schema.json": {
        "type": "object", "properties": {"polozky": {"items": {"properties": {"identifikator": {"type": "string"}}}}}}})
    assert _problems(path, munis) == [("item 2 (identifikator=2)", "identifikator",
                                       "rpss.schema.json: is integer, the schema wants string")]
    other = tmp_path / "elsewhere.schema.json"
    other.write_text(json.dumps({"properties": {"polozky": {"items": {"required": ["nazev"]}}}}), encoding="utf-8")
    got = _problems(path, munis, schema=other)
    assert got[0] == ("item 1 (identifikator=1)", "", "rpss.schema.json: 'nazev' is a required property")
    assert len(got) == 3


# -- what the first mutation run of the register group let through ------------------------------------
@pytest.mark.parametrize(("value", "kind"), [(True, "true/false"), (5, "a number"), (2.5, "a number"),
                                             ("pob", "text"), ({"a": 1}, "an object")])
def test_the_kind_of_a_wrong_value_is_named(tmp_path: Path, munis, value, kind):
    path = _write(tmp_path, [_item(formy=value)])
    assert _problems(path, munis) == [(L, "formy", f"is {kind}, expected a list of forms")]


def test_reach_reads_ids_and_text_but_not_other_fields(tmp_path: Path, munis):
    items = [_item("1", rozsirenePusobnostiVKraji=["Obec/500002"]),  # a plain text reference
             _item("2", rozsirenePusobnostiVKraji=[{"id": "Obec/500001", "poznamka": "Kraj/CZ072"}]),
             _item("3", rozsirenePusobnostiVKraji=[{"id": {"id": "Obec/500003"}}, {"id": 7, "x": ["Obec/500002"]}])]
    data = read_register(_write(tmp_path, items), munis, on=ON)
    pairs = [tuple(r) for r in data.reach[["service_id", "municipality_code"]].to_numpy()]
    assert pairs == [("1", "500002"), ("2", "500001"), ("3", "500002")]


def test_codelist_files_with_a_byte_order_mark(tmp_path: Path):
    types = tmp_path / "druhy.json"
    types.write_text(json.dumps({"polozky": [{"id": "D/1", "nazev": {"cs": "Azylové domy"}}]}), encoding="utf-8-sig")
    assert read_type_codelist(types) == {"D/1": "57"}
    schema = tmp_path / "rpss.schema.json"
    schema.write_text(json.dumps({"properties": {"polozky": {"items": {"required": ["x"]}}}}), encoding="utf-8-sig")
    assert [p.message for p in item_problems(item_validator(schema), {}, "r", "i")] == [
        "rpss.schema.json: 'x' is a required property"]


def test_every_field_of_a_file_level_problem(tmp_path: Path):
    def first(fn, path: Path) -> tuple[str, str, str]:
        with pytest.raises(InputError) as exc:
            fn(path)
        p = exc.value.problems[0]
        return p.source, p.location, p.field

    bad_utf8 = b'{"polozky": [{"id": 1, "nazev": "\xff"}]}'
    for name, content, fn, expected in (
        ("t.json", b"{", read_type_codelist, ("t.json", "", "polozky")),
        ("g.json", b"{", read_target_group_codelist, ("g.json", "line 1", "")),
        ("g.json", bad_utf8, read_target_group_codelist, ("g.json", "", "")),
        ("g.json", b"[]", read_target_group_codelist, ("g.json", "", "polozky")),
        ("s.json", b"{", item_validator, ("s.json", "line 1", "")),
        ("s.json", bad_utf8, item_validator, ("s.json", "", "")),
    ):
        (tmp_path / name).write_bytes(content)
        assert first(fn, tmp_path / name) == expected, (name, content)
    (tmp_path / "s.json").write_bytes(bad_utf8)
    with pytest.raises(InputError) as exc:
        item_validator(tmp_path / "s.json")
    assert exc.value.problems[0].message.startswith("not UTF-8 text: ")


def test_schema_messages_of_other_rules_and_types(tmp_path: Path):
    path = tmp_path / "rpss.schema.json"
    path.write_text(json.dumps({"properties": {"polozky": {"items": {
        "dependentRequired": {"telefon": ["email"]},
        "properties": {"obec": {"pattern": "^Šumperk$"}, "a": {"type": "string"}, "b": {"type": "string"},
                       "c": {"type": "string"}, "d": {"type": "string"}}}}}}), encoding="utf-8")
    v = item_validator(path)
    got = [(p.field, p.message) for p in item_problems(v, {"telefon": "1", "obec": "Zábřeh"}, "r", "i")]
    assert got == [("", "rpss.schema.json: 'email' is a dependency of 'telefon'"),
                   ("obec", "rpss.schema.json: breaks the schema's rule 'pattern' (\"^Šumperk$\")")]
    got = [(p.field, p.message) for p in item_problems(v, {"a": {}, "b": 1.5, "c": None, "d": True}, "r", "i")]
    assert got == [("a", "rpss.schema.json: is object, the schema wants string"),
                   ("b", "rpss.schema.json: is number, the schema wants string"),
                   ("c", "rpss.schema.json: is null, the schema wants string"),
                   ("d", "rpss.schema.json: is boolean, the schema wants string")]


def test_date_problems_carry_the_date_parsers_message(tmp_path: Path, munis):
    over = {"datumPoskytovaniOd": "31. 13. 2015", "datumPoskytovaniDo": "nikdy",
            "zarizeni": [{"nazev": "B", "poskytujeOd": "zítra", "poskytujeDo": "31.12."}]}
    got = _problems(_write(tmp_path, [_item(**over)]), munis)
    assert [m for _, _, m in got] == ["'31. 13. 2015' is not a date (YYYY-MM-DD or D.M.YYYY)",
                                      "'nikdy' is not a date (YYYY-MM-DD or D.M.YYYY)",
                                      "'zítra' is not a date (YYYY-MM-DD or D.M.YYYY)",
                                      "'31.12.' is not a date (YYYY-MM-DD or D.M.YYYY)"]


def test_form_and_capacity_ids_are_read_by_their_last_part(tmp_path: Path, munis):
    item = _item(formy=[{"forma": {"id": "https://data.mpsv.cz/FormaSocialniSluzby/ter"},
                         "kapacity": [{"pocet": 3, "typ": {"id": "https://data.mpsv.cz/TypKapacitySocialniSluzby/"
                                                                 "kontakt"}}]}])
    data = read_register(_write(tmp_path, [item]), munis, on=ON)
    assert data.capacity[["form", "unit", "value"]].to_numpy().tolist() == [["field", "contacts", 3.0]]


def test_an_unknown_type_with_a_codelist_gives_no_hint(tmp_path: Path, munis):
    codelist = {"polozky": [{"id": "DruhSocialniSluzby/13", "nazev": {"cs": "Domovy pro seniory"}}]}
    path = _write(tmp_path, [_item(druhSocialniSluzby={"id": "DruhSocialniSluzby/99"})],
                  **{"druhy-socialni-sluzby.json": codelist})
    assert _problems(path, munis) == [(L, "druhSocialniSluzby", 'unknown service type {"id": "DruhSocialniSluzby/99"}')]


def test_empty_outputs_keep_their_columns_and_crs(tmp_path: Path, munis):
    data = read_register(_write(tmp_path, [_item(zarizeni=[], formy=[])]), munis, on=ON)
    assert data.site.empty and data.site.crs.to_epsg() == 5514
    assert list(data.capacity.columns) == ["service_id", "form", "unit", "value"] and data.capacity.empty
    assert list(data.service_form.columns) == ["service_id", "form"] and data.service_form.empty


def test_every_missing_address_point_is_counted(tmp_path: Path, munis):
    csv = tmp_path / "adresy.csv"
    csv.write_text("Kód ADM;Kód obce;Souřadnice Y;Souřadnice X\n11111;500001;595000;1125000\n", encoding="utf-8")
    item = _item(zarizeni=[{"nazev": n, "adresa": {"obec": {"id": "Obec/500001"}, "kodAdresnihoMista": k}}
                           for n, k in (("A", 11111), ("B", 22222), ("C", 33333))])
    data = read_register(_write(tmp_path / "reg", [item]), munis, addresses=csv, on=ON)
    assert data.warnings == ["2 facility address code(s) not found in the address-point file: placed at the "
                             "municipality's representative point"]


def test_an_unknown_region_problem_names_no_row(tmp_path: Path, munis):
    with pytest.raises(InputError) as exc:
        read_register(_write(tmp_path, [_item()]), munis, region="CZ079", on=ON)
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == ("rpss.json", "", "region")


def test_spaces_are_dropped_only_after_a_paragraph_sign():
    assert resolve_type("§ 4 9", {}) == "49"
    assert resolve_type("4 9", {}) is None


def test_a_schema_may_refer_to_itself_by_its_id(tmp_path: Path):
    sid = "https://example.org/rpss.schema.json"
    path = tmp_path / "rpss.schema.json"
    path.write_text(json.dumps({"$id": sid, "$defs": {"kod": {"type": "string"}}, "properties": {"polozky": {
        "items": {"properties": {"identifikator": {"$ref": f"{sid}#/$defs/kod"}}}}}}), encoding="utf-8")
    v = item_validator(path)
    assert item_problems(v, {"identifikator": "1"}, "r", "i") == []
    assert [p.message for p in item_problems(v, {"identifikator": 1}, "r", "i")] == [
        "rpss.schema.json: is integer, the schema wants string"]
