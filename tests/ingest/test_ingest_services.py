"""Import of the services register (rpss.json): both stores, known values, every broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from geo_kissos import InputError
from geo_kissos.catalogue import SERVICE_TYPES
from geo_kissos.cli import main
from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.services import load_services, read_type_codelist

RUIAN_HEADER = ";".join([
    "Kód ADM", "Kód obce", "Název obce", "Název MOMC", "Název MOP", "Kód části obce", "Název části obce",
    "Název ulice", "Typ SO", "Číslo domovní", "Číslo orientační", "Znak čísla orientačního", "PSČ",
    "Souřadnice Y", "Souřadnice X", "Platí Od"]) + "\n"


def ruian_csv(rows: list[tuple[str, str, str, str]]) -> str:
    """Address-point CSV text: rows of (Kód ADM, Kód obce, Y, X)."""
    body = "".join(f"{k};{o};Obec;;;;;Školní;č.p.;12;;;77900;{y};{x};2011-07-01T00:00:00\n" for k, o, y, x in rows)
    return RUIAN_HEADER + body


# -- the demo register end to end ----------------------------------------------------------------

def test_demo_register_end_to_end(empty_store, demo_folder: Path):
    load_boundaries(empty_store, demo_folder / "boundaries" / "obce.gpkg")
    res = load_services(empty_store, demo_folder / "rpss.json", demo_folder / "adresni-mista.csv", region="CZ071")
    items = json.loads((demo_folder / "rpss.json").read_text(encoding="utf-8"))["polozky"]
    svc = empty_store.read("service")
    assert res.counts["service"] == len(items) == len(svc)
    assert 600 <= len(items) <= 900
    # all 33 types, resolved through the codelist by name
    assert set(svc["type_code"]) == {t.code for t in SERVICE_TYPES}
    codelist = read_type_codelist(demo_folder / "druhy-socialni-sluzby.json")
    first = items[0]
    row = svc.set_index("service_id").loc[first["identifikator"]]
    assert row["type_code"] == codelist[first["druhSocialniSluzby"]["id"]]
    assert row["provider_ico"] == str(first["poskytovatel"]["ico"]).zfill(8)  # a number in the register
    assert row["valid_from"] == pd.Timestamp(first["datumPoskytovaniOd"])
    # capacity kept per form and unit, exactly as registered
    cap = empty_store.read("capacity")
    n_caps = sum(len({(f["forma"]["id"], c["typ"]["id"]) for f in i["formy"] for c in f["kapacity"]}) for i in items)
    assert len(cap) == n_caps
    homes = svc.loc[svc["type_code"] == "49", "service_id"]
    beds = cap[cap["service_id"].isin(homes)]
    assert set(beds["unit"]) == {"beds"} and set(beds["form"]) == {"residential"}
    expected_beds = sum(c["pocet"] for i in items if i["identifikator"] in set(homes)
                        for f in i["formy"] for c in f["kapacity"])
    assert beds["value"].sum() == expected_beds
    # every open facility is a site, once (a facility listed twice is one site; closed and not yet
    # open ones are none); points from RÚIAN where the code is listed
    site = empty_store.read("site")
    today = str(pd.Timestamp.today().date())
    open_facilities = {(i["identifikator"], z["nazev"].strip(), json.dumps(z["adresa"], sort_keys=True))
                       for i in items for z in i["zarizeni"]
                       if not (z["poskytujeDo"] and z["poskytujeDo"] < today) and z["poskytujeOd"] <= today}
    assert len(site) == len(open_facilities) < sum(len(i["zarizeni"]) for i in items)
    q = site["location_quality"].value_counts()
    assert q["address_point"] > 0.8 * len(site)
    assert q["municipality_centroid"] > 0 and q["unlocated"] > 0 and q["withheld_municipality"] > 0
    assert site.loc[site["location_quality"] == "unlocated", "geom"].isna().all()
    assert site.loc[site["location_quality"] != "unlocated", "geom"].notna().all()
    # an address point: EPSG:5514 x = -Y, y = -X of the RÚIAN file
    ap = pd.read_csv(demo_folder / "adresni-mista.csv", sep=";", encoding="cp1250", dtype={"Kód ADM": str})
    one = site[site["location_quality"] == "address_point"].iloc[0]
    rec = ap.set_index("Kód ADM").loc[one["ruian_address_code"]]
    assert one.geom.x == pytest.approx(-rec["Souřadnice Y"], abs=0.01)
    assert one.geom.y == pytest.approx(-rec["Souřadnice X"], abs=0.01)
    # points inside the region
    region = empty_store.read("region").geometry.iloc[0]
    located = site[site.geom.notna()]
    assert located.within(region.buffer(1)).all()
    log = empty_store.read("import_log")
    assert (log["kind"] == "services").sum() == 1
    # target groups stored by name from cilove-skupiny-osoby.json beside the register
    groups = svc.set_index("service_id")["target_groups"]
    assert groups.notna().all() and not groups.str.contains("CilovaSkupinaOsoby").any()
    assert groups[homes].eq("senioři").all()
    assert not any("target-group" in w for w in res.warnings)


def test_services_known_values_and_idempotence(territory, write_register, write_text, item, snap):
    items = [
        item("2000001", "49", forms=(("pob", "luzka", 60),), facilities=((900001, 20000001),)),
        item("2000002", "§ 40", forms=(("ter", "klient", 35), ("amb", "klient", 10)),
             facilities=((900002, 20000002),)),
        item("2000003", {"kod": "60a"}, forms=(("amb", "interv", 4), ("ter", "interv", 6)),
             facilities=(None,), provider_obec=900003),
        item("2000004", "63", forms=(("amb", "klient", 12),), facilities=((900004, None),)),
    ]
    reg = write_register(items)
    addr = write_text("adresni-mista.csv", ruian_csv([("20000001", "900001", "511290.67", "1129591.59"),
                                                      ("99999999", "900001", "511000", "1129000")]),
                      encoding="cp1250")
    res = load_services(territory, reg, addr)
    assert res.counts == {"provider": 1, "service": 4, "service_form": 6, "capacity": 6, "site": 4}
    cap = territory.read("capacity").set_index(["service_id", "form", "unit"])["value"]
    assert cap[("2000001", "residential", "beds")] == 60
    assert cap[("2000002", "field", "clients")] == 35
    assert cap[("2000002", "outpatient", "clients")] == 10
    assert cap[("2000003", "field", "interventions")] == 6
    site = territory.read("site").set_index("site_id")
    assert site.loc["2000001-1", "location_quality"] == "address_point"
    pt = site.loc["2000001-1", "geom"]
    assert (pt.x, pt.y) == pytest.approx((-511290.67, -1129591.59))
    # code given but missing from the file, and no code: the municipality's representative point
    assert site.loc["2000002-1", "location_quality"] == "municipality_centroid"
    assert site.loc["2000004-1", "location_quality"] == "municipality_centroid"
    mun = territory.read("municipality").set_index("municipality_code")
    assert mun.loc["900004", "geom"].contains(site.loc["2000004-1", "geom"])
    assert site.loc["2000003-1", "location_quality"] == "unlocated"
    assert site.loc["2000003-1", "geom"] is None
    svc = territory.read("service").set_index("service_id")
    assert svc.loc["2000003", "type_code"] == "60a"
    assert svc.loc["2000001", "name"] == "Zařízení 1"  # the register has no service name: the facility's
    assert svc.loc["2000002", "contact"] == "585000000"
    before = snap(territory)
    again = load_services(territory, reg, addr)
    assert again.skipped and snap(territory) == before


def test_without_addresses_every_addressed_site_is_a_centroid(territory, write_register, item):
    load_services(territory, write_register([item("2100001"), item("2100002", facilities=(None,))]))
    q = territory.read("site").set_index("site_id")["location_quality"]
    assert q.to_dict() == {"2100001-1": "municipality_centroid", "2100002-1": "unlocated"}


def test_region_filter_leaves_out_services_elsewhere(territory, write_register, item):
    items = [item("2200001"), item("2200002", facilities=((554499, 1),), provider_obec=554499)]
    res = load_services(territory, write_register(items), region="CZ071")
    assert res.counts["service"] == 1
    assert any("outside" in w for w in res.warnings)
    with pytest.raises(InputError, match="region 'CZ010'"):
        load_services(territory, write_register(items, name="other.json"), region="CZ010")


def test_reimport_replaces_forms_of_a_service(territory, write_register, item):
    load_services(territory, write_register([item("2300001", "44", forms=(("pob", "luzka", 5), ("ter", "klient", 9)))]))
    load_services(territory, write_register([item("2300001", "44", forms=(("ter", "klient", 11),))], name="v2.json"))
    cap = territory.read("capacity")
    assert cap[["form", "unit", "value"]].values.tolist() == [["field", "clients", 11.0]]
    assert territory.read("service_form")["form"].tolist() == ["field"]
    assert territory.count("import_log") == 3  # boundaries + 2 register files


# -- broken inputs: a clear message naming file, item and field; nothing written ------------------

BROKEN = [
    ("unknown_type", dict(type_="DruhSocialniSluzby/999"), "druhSocialniSluzby", "unknown service type"),
    ("unknown_type_code", dict(type_="53"), "druhSocialniSluzby", "unknown service type"),
    ("negative_capacity", dict(forms=(("pob", "luzka", -3),)), "formy[1].kapacity[1].pocet", "negative capacity"),
    ("text_capacity", dict(forms=(("pob", "luzka", "čtyřicet"),)), "formy[1].kapacity[1].pocet", "not a number"),
    ("unknown_form", dict(forms=(("xyz", "luzka", 3),)), "formy[1].forma", "unknown form"),
    ("unknown_unit", dict(forms=(("pob", "postele", 3),)), "formy[1].kapacity[1].typ", "unknown capacity type"),
    ("dates_out_of_order", dict(od="2020-05-01", do="2019-01-01"), "datumPoskytovaniDo", "before"),
    ("bad_date", dict(od="31/12/2020"), "datumPoskytovaniOd", "not a date"),
    ("bad_ico", dict(ico="12AB"), "poskytovatel.ico", "IČO"),
    ("bad_municipality", dict(facilities=(("12345", 1),)), "zarizeni[1].adresa.obec", "6-digit"),
]


@pytest.mark.parametrize("case,kwargs,field,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_item_is_refused(territory, write_register, item, snap, case, kwargs, field, words):
    before = snap(territory)
    path = write_register([item("2400001"), item("2400002", **kwargs)])
    with pytest.raises(InputError) as exc:
        load_services(territory, path)
    p = exc.value.problems[0]
    assert p.source == "rpss.json"
    assert p.location == "item 2 (identifikator=2400002)"
    assert p.field == field
    assert words in p.message
    assert "rpss.json, item 2 (identifikator=2400002), field" in str(exc.value)
    assert snap(territory) == before


def test_duplicate_service_id_is_refused(territory, write_register, item, snap):
    before = snap(territory)
    with pytest.raises(InputError, match=r"item 3 \(identifikator=2500001\), field 'identifikator'.*repeats item 1"):
        load_services(territory, write_register([item("2500001"), item("2500002"), item("2500001")]))
    assert snap(territory) == before


@pytest.mark.parametrize(
    "raw,words",
    [('{"polozky": [{"identifikator": "1", ', "invalid JSON"),
     ('{"items": []}', "no top-level 'polozky'"),
     ('{"polozky": []}', "'polozky' is empty")],
    ids=["truncated", "no_polozky", "empty"],
)
def test_not_a_register_is_refused(territory, write_register, snap, raw, words):
    before = snap(territory)
    with pytest.raises(InputError, match=words):
        load_services(territory, write_register(None, raw=raw))
    assert snap(territory) == before


def test_bad_address_point_coordinates_are_refused(territory, write_register, write_text, item, snap):
    before = snap(territory)
    addr = write_text("am.csv", ruian_csv([("20000001", "900001", "abc", "1129591.59")]), encoding="cp1250")
    with pytest.raises(InputError) as exc:
        load_services(territory, write_register([item("2600001", facilities=((900001, 20000001),))]), addr)
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == ("am.csv", "row 2 (Kód ADM=20000001)", "Souřadnice Y")
    assert snap(territory) == before


def test_report_lists_every_problem(territory, write_register, item, snap):
    before = snap(territory)
    items = [item("2700001", type_="99"), item("2700002", forms=(("pob", "luzka", -1),)),
             item("2700003", od="2020-01-02", do="2020-01-01"), item("2700004")]
    with pytest.raises(InputError) as exc:
        load_services(territory, write_register(items), collect_all=True)
    assert [p.location for p in exc.value.problems] == [
        "item 1 (identifikator=2700001)", "item 2 (identifikator=2700002)", "item 3 (identifikator=2700003)"]
    assert snap(territory) == before


def test_store_without_boundaries_is_refused(empty_store, write_register, item):
    with pytest.raises(InputError, match="load boundaries first"):
        load_services(empty_store, write_register([item()]))


# -- command line --------------------------------------------------------------------------------

def test_cli_services_and_report(tmp_path: Path, small_boundaries: Path, write_register, item):
    store = str(tmp_path / "cli.gpkg")
    runner = CliRunner()
    r = runner.invoke(main, ["boundaries", "load", str(small_boundaries), "--store", store])
    assert r.exit_code == 0, r.output
    good = write_register([item("2800001")])
    r = runner.invoke(main, ["ingest", "services", str(good), "--region", "CZ071", "--quiet", "--store", store])
    assert r.exit_code == 0, r.output
    assert "service: 1" in r.output
    bad = write_register([item("2800002", type_="99"), item("2800003", ico="x")], name="bad.json")
    r = runner.invoke(main, ["ingest", "services", str(bad), "--report", "--quiet", "--store", store])
    assert r.exit_code != 0
    assert isinstance(r.exception, InputError) and len(r.exception.problems) == 2
