"""Target groups of the services register: names from the MPSV codelist ``CilovaSkupinaOsoby``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from geo_kissos import InputError
from geo_kissos.cli import main
from geo_kissos.ingest.services import load_services
from geo_kissos.ingest.target_groups import read_target_group_codelist

CODELIST = {"polozky": [
    {"id": "CilovaSkupinaOsoby/24", "nazev": {"cs": "senioři", "en": "seniors"}},
    {"id": "CilovaSkupinaOsoby/10", "nazev": {"cs": "rodiny s dítětem/dětmi"}},
    {"id": 7, "nazev": {"cs": "osoby s chronickým duševním onemocněním"}},  # bare number
    {"id": "CilovaSkupinaOsoby/3", "nazev": "osoby se zdravotním postižením"},  # plain-string name
]}


def with_groups(item: dict[str, Any], *ids: int) -> dict[str, Any]:
    item["ciloveSkupiny"] = [{"id": f"CilovaSkupinaOsoby/{i}"} for i in ids]
    return item


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def groups_of(store) -> dict[str, Any]:
    """service id -> stored target groups (None when empty)."""
    groups = store.read("service").set_index("service_id")["target_groups"]
    return {k: (None if pd.isna(v) else v) for k, v in groups.items()}


@pytest.mark.parametrize("name", ["cilove-skupiny-osoby.json", "cilove-skupiny.json"])
def test_names_stored_with_the_codelist_beside_the_register(territory, write_register, item, name):
    reg = write_register([with_groups(item("3100001", "49"), 24),
                          with_groups(item("3100002", "65"), 10, 7, 10),
                          with_groups(item("3100003", "40"), 24, 3),
                          item("3100004", "37")])  # no ciloveSkupiny
    write_json(reg.with_name(name), CODELIST)
    res = load_services(territory, reg)
    assert groups_of(territory) == {
        "3100001": "senioři",
        "3100002": "rodiny s dítětem/dětmi;osoby s chronickým duševním onemocněním",  # repeat dropped
        "3100003": "senioři;osoby se zdravotním postižením",
        "3100004": None,
    }
    assert not any("target-group" in w for w in res.warnings)


def test_explicit_codelist_option(territory, write_register, item, tmp_path: Path):
    reg = write_register([with_groups(item("3200001", "49"), 24, 10)])
    other = tmp_path / "elsewhere"
    other.mkdir()
    res = load_services(territory, reg, target_groups=write_json(other / "skupiny.json", CODELIST))
    assert groups_of(territory) == {"3200001": "senioři;rodiny s dítětem/dětmi"}
    assert not res.warnings


def test_without_codelist_raw_ids_are_kept_and_counted(territory, write_register, item):
    reg = write_register([with_groups(item("3300001", "49"), 24), with_groups(item("3300002", "65"), 10, 24)])
    res = load_services(territory, reg)
    assert groups_of(territory) == {"3300001": "CilovaSkupinaOsoby/24",
                                    "3300002": "CilovaSkupinaOsoby/10;CilovaSkupinaOsoby/24"}
    [w] = [w for w in res.warnings if "target-group" in w]
    assert w.startswith("3 target-group reference(s) kept as codelist ids")
    assert "CilovaSkupinaOsoby/10, CilovaSkupinaOsoby/24" in w and "--target-groups" in w


def test_unknown_ids_are_kept_and_counted(territory, write_register, item):
    reg = write_register([with_groups(item("3400001", "49"), 24, 99), with_groups(item("3400002", "40"), 99)])
    write_json(reg.with_name("cilove-skupiny-osoby.json"), CODELIST)
    res = load_services(territory, reg)
    assert groups_of(territory) == {"3400001": "senioři;CilovaSkupinaOsoby/99", "3400002": "CilovaSkupinaOsoby/99"}
    [w] = [w for w in res.warnings if "target-group" in w]
    assert w == "2 target-group reference(s) not in cilove-skupiny-osoby.json kept as codelist ids " \
                "(CilovaSkupinaOsoby/99)"


def test_a_new_codelist_reimports_the_same_register(territory, write_register, item):
    reg = write_register([with_groups(item("3500001", "49"), 24)])
    load_services(territory, reg)
    assert groups_of(territory) == {"3500001": "CilovaSkupinaOsoby/24"}
    write_json(reg.with_name("cilove-skupiny-osoby.json"), CODELIST)
    res = load_services(territory, reg)
    assert not res.skipped
    assert groups_of(territory) == {"3500001": "senioři"}
    assert load_services(territory, reg).skipped


BROKEN = [
    ("invalid_json", '{"polozky": [{"id": "CilovaSkupinaOsoby/24", ', "line 1", "", "invalid JSON"),
    ("no_polozky", '{"items": []}', "", "polozky", "not a codelist of target groups"),
    ("polozky_not_list", '{"polozky": {"id": 1}}', "", "polozky", "not a codelist of target groups"),
    ("item_not_object", '{"polozky": ["senioři"]}', "item 1", "polozky", "not an object"),
    ("missing_id", '{"polozky": [{"id": "CilovaSkupinaOsoby/24", "nazev": {"cs": "senioři"}}, '
                   '{"nazev": {"cs": "osoby v krizi"}}]}', "item 2", "id", "missing codelist id"),
    ("missing_name", '{"polozky": [{"id": "CilovaSkupinaOsoby/24", "nazev": {"en": "seniors"}}]}',
     "item 1 (id=CilovaSkupinaOsoby/24)", "nazev.cs", "missing Czech name"),
    ("conflicting_id", '{"polozky": [{"id": "CilovaSkupinaOsoby/24", "nazev": {"cs": "senioři"}}, '
                       '{"id": 24, "nazev": {"cs": "osoby v krizi"}}]}',
     "item 2 (id=CilovaSkupinaOsoby/24)", "id", "repeats with another name"),
]


@pytest.mark.parametrize("case,raw,location,field,words", BROKEN, ids=[b[0] for b in BROKEN])
@pytest.mark.parametrize("explicit", [False, True], ids=["beside", "option"])
def test_malformed_codelist_is_refused(market, write_register, item, snap, tmp_path: Path,
                                       case, raw, location, field, words, explicit):
    before = snap(market)
    reg = write_register([with_groups(item("3600001", "49"), 24)])
    bad = tmp_path / ("skupiny.json" if explicit else "cilove-skupiny-osoby.json")
    bad.write_text(raw, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_services(market, reg, target_groups=bad if explicit else None)
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == (bad.name, location, field)
    assert words in p.message
    assert str(exc.value).startswith(bad.name)
    assert snap(market) == before


def test_read_codelist_accepts_the_documented_shapes(tmp_path: Path):
    assert read_target_group_codelist(write_json(tmp_path / "c.json", CODELIST)) == {
        "CilovaSkupinaOsoby/24": "senioři", "CilovaSkupinaOsoby/10": "rodiny s dítětem/dětmi",
        "CilovaSkupinaOsoby/7": "osoby s chronickým duševním onemocněním",
        "CilovaSkupinaOsoby/3": "osoby se zdravotním postižením"}


def test_cli_target_groups_option(tmp_path: Path, small_boundaries: Path, write_register, item):
    store = str(tmp_path / "cli.gpkg")
    runner = CliRunner()
    r = runner.invoke(main, ["boundaries", "load", str(small_boundaries), "--store", store])
    assert r.exit_code == 0, r.output
    reg = write_register([with_groups(item("3700001", "49"), 24, 99)])
    codelist = write_json(tmp_path / "skupiny.json", CODELIST)
    r = runner.invoke(main, ["ingest", "services", str(reg), "--target-groups", str(codelist), "--quiet",
                             "--store", store])
    assert r.exit_code == 0, r.output
    assert "not in skupiny.json" in r.output
    r = runner.invoke(main, ["ingest", "services", str(reg), "--target-groups", str(tmp_path / "missing.json"),
                             "--store", store])
    assert r.exit_code == 2 and "--target-groups" in r.output
