"""The register in its real shape (tests/fixtures/register, one trap each), on both stores.

Also: withheld addresses kept out of the store, the API and an export (issue 15.4); bad shapes
of the register refused naming file, item and field (issue 16.6); the register's schema.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from geo_kissos import InputError
from geo_kissos.analysis.inputs import _active
from geo_kissos.ingest.network import load_reach
from geo_kissos.ingest.services import WITHHELD_QUALITY, load_services
from geo_kissos.schema import TABLES
from geo_kissos.store import GpkgStore, PostgisStore, Store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "register"
#: Strings of the fixture that must never reach a store, a response or an export.
SECRETS = ("Tajná ulice", "31000051", "1313", "Statutárová", "Skrytovedoucí", "Bohumil", "Zdeňka",
           "priloha.example")
SECRET_IN_ADDRESS_FILE = "Tajná ulice"


def _copy_fixture(dst: Path, schema: bool = True) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in FIXTURE.iterdir():
        if f.suffix in (".json", ".csv") and (schema or f.name != "rpss.schema.json"):
            shutil.copy(f, dst / f.name)
    return dst / "rpss.json"


def dump_store(store: Store) -> str:
    """Every table of the store as text (and, for a GeoPackage, the raw bytes of the file)."""
    parts = []
    for name in TABLES:
        df = store.read(name)
        cols = [c for c in df.columns if c != "geom"]
        parts.append(df[cols].astype(str).to_csv(index=False))
    if isinstance(store, GpkgStore):
        parts.append(store.path.read_bytes().decode("utf-8", errors="replace"))
    if isinstance(store, PostgisStore):
        from sqlalchemy import text
        with store.engine.connect() as c:
            for name in TABLES:
                parts += [str(r) for r in c.execute(text(f'SELECT * FROM "{name}"'))]
    return "\n".join(parts)


@pytest.fixture
def loaded(territory: Store, tmp_path: Path) -> tuple[Store, Any]:
    reg = _copy_fixture(tmp_path / "in")
    res = load_services(territory, reg, reg.with_name("adresni-mista.csv"), data_date=date(2026, 6, 30))
    return territory, res


def test_every_trap_of_the_fixture(loaded):
    store, res = loaded
    svc = store.read("service").set_index("service_id")
    assert sorted(svc.index) == [f"310000{k}" for k in range(1, 7)]
    # nested target groups, resolved by name
    assert svc.loc["3100001", "target_groups"] == "senioři;osoby žijící s demencí"
    assert svc.loc["3100005", "target_groups"] == "oběti domácího násilí;osoby v krizi"
    # IČO given as a number, zero-padded to 8 digits; names without trailing spaces
    prov = store.read("provider").set_index("ico")
    assert svc.loc["3100001", "provider_ico"] == "01234567"
    assert prov.loc["01234567", "name"] == "Domov Pohoda, příspěvková organizace"
    assert prov.loc["00012345", "name"] == "Noclehárna Naděje, z.s."
    # a facility listed twice counted once; closed / not-yet-open facilities are no sites
    site = store.read("site")
    per_service = site.groupby("service_id").size().to_dict()
    assert per_service == {"3100001": 1, "3100002": 1, "3100003": 1, "3100004": 1, "3100005": 2, "3100006": 1}
    assert site.set_index("site_id").loc["3100001-1", "name"] == "Domov Pohoda"
    assert set(site.loc[site["service_id"] == "3100004", "name"]) == {"Noclehárna Naděje"}
    assert any("listed twice" in w for w in res.warnings)
    assert any("1 closed" in w and "1 not yet open" in w for w in res.warnings)
    # two capacities of one form and type add up; all five capacity types
    cap = store.read("capacity").set_index(["service_id", "form", "unit"])["value"]
    assert cap[("3100001", "residential", "beds")] == 42
    assert set(cap.index.get_level_values("unit")) == {"beds", "clients", "contacts", "interventions", "calls"}
    assert cap[("3100006", "outpatient", "calls")] == 4
    # contacts of the service, else of the provider; never mined from doplnkoveUdaje
    assert svc.loc["3100001", "contact"] == "585111111; https://pohoda.example"
    assert svc.loc["3100002", "contact"] == "585222222; info@lipnik.example; https://lipnik.example"
    # the service's own end date decides: an ended registration is not active, its facility open or not
    assert svc.loc["3100003", "valid_to"] == pd.Timestamp("2012-06-30")
    active = dict(zip(svc.index, _active(svc.reset_index(), 2025), strict=True))
    assert not active["3100003"] and active["3100001"]
    # rozsirenePusobnostiVKraji is the reach: two municipalities and the ORP 7105
    mun = store.read("municipality")
    orp = set(mun.loc[mun["orp_code"] == "7105", "municipality_code"])
    reach = store.read("reach")
    assert set(reach.loc[reach["service_id"] == "3100002", "municipality_code"]) == {"900003", "900004"} | orp
    assert set(reach["service_id"]) == {"3100002"}


def test_withheld_address_is_no_finer_than_the_municipality(loaded):
    store, res = loaded
    site = store.read("site").set_index("site_id")
    mun = store.read("municipality").set_index("municipality_code")
    for sid, code in (("3100005-1", "900006"), ("3100005-2", "900007")):
        row = site.loc[sid]
        assert row["location_quality"] == WITHHELD_QUALITY
        assert pd.isna(row["address"]) and pd.isna(row["ruian_address_code"])
        assert row["municipality_code"] == code
        assert row["geom"].equals_exact(shapely.point_on_surface(mun.loc[code, "geom"]), 1e-6)
    # the address point of its code exists in adresni-mista.csv: it was not used
    assert SECRET_IN_ADDRESS_FILE in (FIXTURE / "adresni-mista.csv").read_text(encoding="cp1250")
    warn = [w for w in res.warnings if "utajenaAdresa=true carry a street address" in w]
    assert warn and "rpss.json" in warn[0] and "item 5 (identifikator=3100005), field 'zarizeni[1].adresa'" in warn[0]


def test_personal_and_withheld_fields_never_reach_the_store(loaded):
    store, _ = loaded
    text = dump_store(store)
    assert "Domov Pohoda" in text  # the dump does hold the register
    for secret in SECRETS:
        assert secret not in text, secret


def test_withheld_street_not_served(loaded):
    from webmap import create_app

    store, _ = loaded
    client = create_app({"STORE": store, "TILES": None}).test_client()
    r = client.get("/api/collections/sites/items?limit=1000")
    assert r.status_code == 200
    feats = r.get_json()["features"]
    by_site = {f["properties"]["site_id"]: f for f in feats}
    assert "3100005-1" in by_site and by_site["3100005-1"]["properties"]["location_quality"] == WITHHELD_QUALITY
    body = r.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in body, secret


def test_reach_file_overrides_the_registers_reach(loaded, write_text):
    store, _ = loaded
    load_reach(store, write_text("reach.csv", "identifikator;kod_obce;kod_orp\n3100002;900010;\n"))
    reach = store.read("reach")
    assert reach.loc[reach["service_id"] == "3100002", "municipality_code"].tolist() == ["900010"]


def test_reach_file_override_survives_a_new_register(loaded, write_text, tmp_path: Path):
    store, _ = loaded
    load_reach(store, write_text("reach.csv", "identifikator;kod_obce;kod_orp\n3100002;900010;\n"))
    reg = _copy_fixture(tmp_path / "v2")
    data = json.loads(reg.read_text(encoding="utf-8"))
    data["polozky"][1]["rozsirenePusobnostiVKraji"].append({"obec": {"id": "Obec/900011"}})  # a newer register
    reg.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = load_services(store, reg, data_date=date(2026, 7, 1))
    assert not res.skipped and any("keep the reach of an imported reach file" in w for w in res.warnings)
    reach = store.read("reach")
    assert reach.loc[reach["service_id"] == "3100002", "municipality_code"].tolist() == ["900010"]


def test_same_traps_without_the_schema(territory, tmp_path: Path):
    reg = _copy_fixture(tmp_path / "in", schema=False)
    res = load_services(territory, reg, data_date=date(2026, 6, 30))
    assert res.counts["service"] == 6 and res.counts["site"] == 7
    assert territory.read("capacity")["value"].sum() == 42 + 25 + 40 + 20 + 18 + 16 + 6 + 4


def test_data_date_decides_which_facilities_are_open(territory, tmp_path: Path):
    reg = _copy_fixture(tmp_path / "in")
    load_services(territory, reg, data_date=date(2019, 6, 30))
    names = set(territory.read("site").query("service_id == '3100004'")["name"])
    assert names == {"Noclehárna Naděje", "Noclehárna Naděje – stará budova"}


# -- bad shapes: refused naming file, item and field; store unchanged (issue 16.6) ---------------

def _mutate(items: list[dict[str, Any]], case: str) -> tuple[int, str]:
    if case == "kapacity_number":
        items[1]["formy"][0]["kapacity"] = 25
        return 2, "formy[1].kapacity"
    if case == "groups_number":
        items[2]["ciloveSkupiny"] = 24
        return 3, "ciloveSkupiny"
    if case == "provider_name_object":
        items[3]["poskytovatel"]["nazev"] = {"cs": "Noclehárna"}
        return 4, "poskytovatel.nazev"
    raise AssertionError(case)


@pytest.mark.parametrize("schema", [False, True], ids=["no_schema", "schema"])
@pytest.mark.parametrize("case", ["kapacity_number", "groups_number", "provider_name_object"])
def test_bad_shape_is_refused(territory, tmp_path: Path, snap, case: str, schema: bool):
    reg = _copy_fixture(tmp_path / "in", schema=schema)
    data = json.loads(reg.read_text(encoding="utf-8"))
    n, field = _mutate(data["polozky"], case)
    reg.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = snap(territory)
    with pytest.raises(InputError) as exc:
        load_services(territory, reg)
    p = exc.value.problems[0]
    ident = data["polozky"][n - 1]["identifikator"]
    assert (p.source, p.location, p.field) == ("rpss.json", f"item {n} (identifikator={ident})", field)
    assert ("rpss.schema.json" in p.message) == schema
    assert snap(territory) == before


def test_schema_message_never_repeats_the_value(territory, tmp_path: Path):
    reg = _copy_fixture(tmp_path / "in")
    data = json.loads(reg.read_text(encoding="utf-8"))
    data["polozky"][0]["poskytovatel"]["statutarniOrgany"] = "Zdeňka Statutárová-Tajná"
    reg.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_services(territory, reg)
    p = exc.value.problems[0]
    assert p.field == "poskytovatel.statutarniOrgany" and "array" in p.message
    assert "Statutárová" not in exc.value.report()


def test_invalid_schema_file_is_refused(territory, tmp_path: Path):
    reg = _copy_fixture(tmp_path / "in")
    reg.with_name("rpss.schema.json").write_text('{"type": 12}', encoding="utf-8")
    with pytest.raises(InputError, match=r"rpss.schema.json.*not a valid JSON Schema"):
        load_services(territory, reg)


# -- bounded nesting (issue 15.5) ----------------------------------------------------------------

@pytest.mark.parametrize("levels", [40_000, 200_000])
def test_deep_nesting_is_refused_with_bounded_memory(territory, write_register, item, snap, levels: int):
    import tracemalloc

    good = json.dumps(item("3200001"), ensure_ascii=False)
    raw = '{"polozky": [' + good + ', {"identifikator": "3200002", "x": ' + "[" * levels + "]" * levels + "}]}"
    path = write_register(None, raw=raw)
    before = snap(territory)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as exc:
            load_services(territory, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(exc.value).startswith("rpss.json, item 2: nesting deeper than 32 levels")
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert snap(territory) == before


def test_an_unused_top_level_key_is_skipped_without_building_it(territory, write_register, item):
    raw = '{"meta": ' + "[" * 1000 + "]" * 1000 + ', "polozky": [' + json.dumps(item("3300001")) + "]}"
    res = load_services(territory, write_register(None, raw=raw))
    assert res.counts["service"] == 1


def test_numbers_of_the_nested_item_are_kept(write_register, item):
    from geo_kissos.ingest.services import iter_register

    it = item("3400001", forms=(("pob", "luzka", 12.5),))
    got = list(iter_register(write_register([it])))
    assert got == [(1, it)] and np.isclose(got[0][1]["formy"][0]["kapacity"][0]["pocet"], 12.5)


# -- the demo's withheld addresses: not in the store, the API or an export (issue 15.4) ----------

def _withheld_streets(data_dir: Path) -> list[tuple[str, str, str, int]]:
    """(service id, municipality code, "street number", address code) of the demo's withheld facilities."""
    items = json.loads((data_dir / "rpss.json").read_text(encoding="utf-8"))["polozky"]
    out = []
    for i in items:
        for z in i["zarizeni"]:
            a = z["adresa"] or {}
            if z["utajenaAdresa"] and a.get("ulice"):
                out.append((i["identifikator"], a["obec"]["id"].split("/")[1],
                            f"{a['ulice']['nazev']} {a['cisloDomovni']}", a["kodAdresnihoMista"]))
    return out


def test_demo_withheld_addresses_stay_hidden(loaded_store: Store, data_dir: Path, tmp_path: Path):
    from geo_kissos.export.exporter import Exporter
    from webmap import create_app

    hidden = _withheld_streets(data_dir)
    assert hidden, "the demo must hold withheld addresses with a street"
    site = loaded_store.read("site")
    mine = site[site["service_id"].isin({h[0] for h in hidden})]
    assert (mine["location_quality"] == WITHHELD_QUALITY).any()
    assert not set(site["ruian_address_code"].dropna()) & {str(h[3]) for h in hidden}
    text = dump_store(loaded_store)
    streets = [h[2] for h in hidden]
    assert not [s for s in streets if s in text]
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    r = client.get("/api/collections/sites/items?limit=10000")
    assert r.status_code == 200
    feats = {f["properties"]["site_id"]: f for f in r.get_json()["features"]}
    served = [feats[s] for s in mine["site_id"] if s in feats]
    assert served and all(f["properties"]["location_quality"] == WITHHELD_QUALITY and not f["properties"]["address"]
                          for f in served if f["properties"]["service_id"] in {h[0] for h in hidden})
    body = r.get_data(as_text=True)
    assert not [s for s in streets if s in body]
    mun = loaded_store.read("municipality").set_index("municipality_code")
    orp = mun.loc[hidden[0][1], "orp_code"]
    Exporter(loaded_store, "sites").export_orp(orp, tmp_path / "out", "html")
    files = [p for p in (tmp_path / "out").rglob("*.html")]
    exported = "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert files and hidden[0][0] in exported or mun.loc[hidden[0][1], "name"] in exported
    assert not [s for s in streets if s in exported]
