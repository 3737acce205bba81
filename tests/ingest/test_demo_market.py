"""The synthetic market and demand files: deterministic, realistic, in the official layouts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from geo_kissos.catalogue import SERVICE_TYPES
from geo_kissos.demo.market import write_market
from geo_kissos.demo.phenomena import write_indicators, write_population
from geo_kissos.ingest.services import load_services, read_type_codelist
from geo_kissos.ingest.target_groups import read_target_group_codelist


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generators_are_deterministic(small_mun, tmp_path: Path):
    a = write_market(tmp_path / "a", small_mun, seed=5)
    b = write_market(tmp_path / "b", small_mun, seed=5)
    assert {k: _digest(p) for k, p in a.items()} == {k: _digest(p) for k, p in b.items()}
    c = write_market(tmp_path / "c", small_mun, seed=6)
    assert _digest(c["services"]) != _digest(a["services"])
    p1 = write_population(tmp_path / "p1.csv", small_mun, seed=5)
    p2 = write_population(tmp_path / "p2.csv", small_mun, seed=5)
    i1 = write_indicators(tmp_path / "i1.csv", small_mun, seed=5)
    i2 = write_indicators(tmp_path / "i2.csv", small_mun, seed=5)
    assert _digest(p1) == _digest(p2) and _digest(i1) == _digest(i2)


def test_demo_market_is_realistic(demo_folder: Path):
    items = json.loads((demo_folder / "rpss.json").read_text(encoding="utf-8"))["polozky"]
    codes = read_type_codelist(demo_folder / "druhy-socialni-sluzby.json")
    types = pd.Series([codes[i["druhSocialniSluzby"]["id"]] for i in items])
    assert set(types) == {t.code for t in SERVICE_TYPES}
    homes = [i for i, t in zip(items, types, strict=True) if t == "49"]
    assert all(c["typ"]["id"].endswith("/luzka") for h in homes for f in h["formy"] for c in f["kapacity"])
    assert all(sum(c["pocet"] for c in f["kapacity"]) >= 20 for h in homes for f in h["formy"])  # some split in two
    field_only = {i["identifikator"] for i in items if [f["forma"]["id"] for f in i["formy"]]
                  == ["FormaSocialniSluzby/ter"]}
    reach = pd.read_csv(demo_folder / "reach.csv", sep=";", dtype=str)
    assert field_only <= set(reach["identifikator"])
    no_address = [z for i in items for z in i["zarizeni"] if z["adresa"] is None]
    assert 0 < len(no_address) < 0.1 * sum(len(i["zarizeni"]) for i in items)
    # the real register's traps are all there (the import's tests on the demo meet them)
    withheld = [z for i in items for z in i["zarizeni"] if z["utajenaAdresa"]]
    assert any(z["adresa"] and z["adresa"].get("ulice") for z in withheld)  # a street given anyway
    assert any(z["adresa"] and set(z["adresa"]) == {"obec"} for z in withheld)  # the municipality only
    assert any(z["nazev"].endswith(" ") for i in items for z in i["zarizeni"])  # listed twice
    assert any(z["poskytujeDo"] for i in items for z in i["zarizeni"])  # closed
    assert any(z["poskytujeOd"] > "2030" for i in items for z in i["zarizeni"])  # not yet open
    assert any(len(f["kapacity"]) > len({c["typ"]["id"] for c in f["kapacity"]}) for i in items for f in i["formy"])
    assert all(isinstance(i["poskytovatel"]["ico"], int) for i in items)
    assert any(i["datumPoskytovaniDo"] and i["datumPoskytovaniDo"] < "2020" for i in items)  # ended registration
    assert any(i["rozsirenePusobnostiVKraji"] for i in items)
    assert any(not i["telefony"] and i["poskytovatel"]["telefony"] for i in items)
    assert all(i["poskytovatel"]["statutarniOrgany"] for i in items)
    net = pd.read_csv(demo_folder / "network.csv", sep=";", dtype=str)
    assert net["rok"].nunique() == 2 and net["datum_aktualizace"].nunique() == 4
    # the address-point file is cp1250 with RÚIAN's header and positive S-JTSK values
    ap = pd.read_csv(demo_folder / "adresni-mista.csv", sep=";", encoding="cp1250")
    assert list(ap.columns[[0, 13, 14]]) == ["Kód ADM", "Souřadnice Y", "Souřadnice X"]
    assert (ap["Souřadnice Y"] > 400_000).all() and (ap["Souřadnice X"] > 900_000).all()
    # every target group of the register is in the target-group codelist, in the same shape
    groups = read_target_group_codelist(demo_folder / "cilove-skupiny-osoby.json")
    used = {g["cilovaSkupina"]["id"] for i in items for g in i["ciloveSkupiny"]}
    assert used <= set(groups) and len(used) >= 15
    assert groups["CilovaSkupinaOsoby/24"] == "senioři"


def test_address_points_from_a_folder_of_files(territory, write_register, item, tmp_path: Path):
    folder = tmp_path / "ruian"
    folder.mkdir()
    header = "Kód ADM;Kód obce;Souřadnice Y;Souřadnice X\n"
    (folder / "20240131_OB_900001_ADR.csv").write_text(header + "30000001;900001;511290.5;1129591.5\n",
                                                       encoding="cp1250")
    (folder / "20240131_OB_900002_ADR.csv").write_text(header + "30000002;900002;512000;1130000\n",
                                                       encoding="cp1250")
    reg = write_register([item("3100001", facilities=((900001, 30000001),)),
                          item("3100002", facilities=((900002, 30000002),))])
    load_services(territory, reg, folder)
    site = territory.read("site").set_index("site_id")
    assert set(site["location_quality"]) == {"address_point"}
    assert (site.loc["3100002-1", "geom"].x, site.loc["3100002-1", "geom"].y) == pytest.approx((-512000, -1130000))
