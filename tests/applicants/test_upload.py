"""Upload of providers' applicants' lists: pseudonyms, de-duplication, errors, scopes, history."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from applicants_helpers import OTHER_ICO, csv_bytes

from geo_kissos.accounts import audit
from geo_kissos.accounts.roles import Actor
from geo_kissos.analysis import applicants as agg
from geo_kissos.collect import applicants as ap
from geo_kissos.collect.pseudonym import load_key, normalise_birth_number
from geo_kissos.errors import ConfigError, InputError, PermissionDenied

SYSTEM = Actor.system("tests")
DAY = date(2026, 11, 30)
#: Fake but valid-format birth numbers (synthetic persons).
RC_X, RC_Y, RC_Z = "455101/123", "5606151232", "445312/789"


def _muni(store) -> str:
    return str(store.read("municipality").sort_values("municipality_code")["municipality_code"].iloc[0])


def _upload(store, actor, sid, rows, **kw):
    return ap.upload_list(store, actor, csv_bytes(rows), source=f"{sid}.csv", service_id=sid,
                          data_date=DAY, **kw)


def test_birth_numbers_normalise_and_validate() -> None:
    assert normalise_birth_number("455101/123") == normalise_birth_number("455101123") == "455101123"
    assert normalise_birth_number(" 560615 / 1232 ") == "5606151232"
    assert normalise_birth_number("5606151233") is None  # check digit
    assert normalise_birth_number("451301/123") is None  # month 13
    assert normalise_birth_number("abc") is None


def test_one_person_in_three_homes_is_one_applicant(homes_store, people) -> None:
    prov = people["provider"].actor
    m = _muni(homes_store)
    # X with and without the slash, in two § 49 homes and a § 50 home
    _upload(homes_store, prov, "A49", [["Syntetický X", RC_X, m, "1.3.2025", "ano", "čeká"],
                                       ["Syntetický Y", RC_Y, m, "2.3.2025", "ne", "čeká"]])
    _upload(homes_store, prov, "B49", [["Syntetický X", RC_X.replace("/", ""), m, "5.5.2025", "ne", "v evidenci"]])
    _upload(homes_store, prov, "C50", [["X", "455101 / 123", m, "6.6.2024", "", "Čeká"],
                                       ["Z", RC_Z, m, "6.6.2024", "", "přijat"]])
    res = agg.aggregate(homes_store, 2026)
    c = res.cells.set_index(["level", "type_code"])
    region = c.xs("region", level="level")
    assert int(region.loc["*", "applicants"]) == 2  # X and Y; Z was admitted
    assert int(region.loc["*", "applications"]) == 4
    assert int(region.loc["49", "applicants"]) == 2 and int(region.loc["49", "applications"]) == 3
    assert int(region.loc["50", "applicants"]) == 1
    assert int(region.loc["*", "urgent"]) == 1
    # X's longest wait: from 6.6.2024 to the data date
    assert region.loc["50", "median_wait_days"] == (pd.Timestamp(DAY) - pd.Timestamp("2024-06-06")).days


def test_bad_rows_name_row_and_column_without_the_value(homes_store, people) -> None:
    prov = people["provider"].actor
    m = _muni(homes_store)
    bad = "455101/12X"
    with pytest.raises(InputError) as exc:
        _upload(homes_store, prov, "A49", [["A", RC_X, m, "1.3.2025", "ano", "čeká"],
                                           ["B", bad, m, "1.3.2025", "ano", "čeká"],
                                           ["C", RC_Y, m, "31.2.2025", "ano", "čeká"]])
    text = exc.value.report()
    assert "řádek 3" in text and "Rodné číslo" in text and "neplatný formát" in text
    assert "řádek 4" in text and "Datum podání" in text
    for secret in (bad, "455101", "5606151232", "560615"):
        assert secret not in text
    assert audit.current(homes_store, ap.TABLE).empty  # nothing written


def test_upload_refused_without_a_key(homes_store, people, monkeypatch) -> None:
    monkeypatch.delenv("GEO_KISSOS_PSEUDONYM_KEY")
    with pytest.raises(ConfigError, match="GEO_KISSOS_PSEUDONYM_KEY"):
        _upload(homes_store, people["provider"].actor, "A49", [["A", RC_X, "", "1.3.2025", "", "čeká"]])
    monkeypatch.setenv("GEO_KISSOS_PSEUDONYM_KEY", "short")
    with pytest.raises(ConfigError, match="32"):
        load_key()
    assert audit.current(homes_store, ap.TABLE).empty


def test_providers_see_and_write_only_their_own_lists(homes_store, people, other_provider) -> None:
    prov = people["provider"].actor
    _upload(homes_store, prov, "A49", [["A", RC_X, "", "1.3.2025", "", "čeká"]], free_places=3)
    with pytest.raises(PermissionDenied):
        _upload(homes_store, other_provider, "A49", [["A", RC_Y, "", "1.3.2025", "", "čeká"]])
    with pytest.raises(PermissionDenied):  # a provider cannot write into another's partition
        _upload(homes_store, prov, "D49", [["A", RC_Y, "", "1.3.2025", "", "čeká"]])
    _upload(homes_store, SYSTEM, "D49", [["A", RC_Y, "", "1.3.2025", "", "čeká"],
                                         ["B", RC_Z, "", "1.3.2025", "", "čeká"]])
    mine = ap.provider_summary(homes_store, prov)
    assert set(mine["service_id"]) == {"A49"} and int(mine["applications"].sum()) == 1
    theirs = ap.provider_summary(homes_store, other_provider)
    assert set(theirs["service_id"]) == {"D49"} and int(theirs["applications"].sum()) == 2
    # planners and coordinators read no rows at all, only the home lists (counts)
    assert audit.visible(homes_store, people["planner"].actor, ap.TABLE).empty
    assert audit.visible(homes_store, people["jesenik"].actor, ap.TABLE).empty
    assert set(ap.provider_lists(homes_store, people["planner"].actor)["service_id"]) == {"A49", "D49"}
    assert set(ap.provider_lists(homes_store, other_provider)["service_id"]) == {"D49"}
    with pytest.raises(InputError, match="§ 44"):
        _upload(homes_store, prov, "E44", [["A", RC_Y, "", "1.3.2025", "", "čeká"]])
    assert OTHER_ICO in set(audit.current(homes_store, ap.LIST_TABLE)["ico"])


def test_reupload_replaces_the_list_with_history(homes_store, people) -> None:
    prov = people["provider"].actor
    m = _muni(homes_store)
    first = _upload(homes_store, prov, "A49", [["A", RC_X, m, "1.3.2025", "ne", "čeká"],
                                               ["B", RC_Y, m, "2.3.2025", "ne", "čeká"]], free_places=2)
    assert (first.created, first.updated, first.deleted) == (2, 0, 0)
    again = _upload(homes_store, prov, "A49", [["A", RC_X, m, "1.3.2025", "ne", "přijat"],
                                               ["C", RC_Z, m, "3.3.2025", "ano", "čeká"]], free_places=0)
    assert (again.created, again.updated, again.deleted) == (1, 1, 1)
    cur = audit.current(homes_store, ap.TABLE)
    assert len(cur) == 2
    x = cur[cur["status"] == "admitted"].iloc[0]
    assert pd.Timestamp(x["closed_on"]).date() == DAY
    hist = audit.history(homes_store, ap.TABLE, {"entry_id": x["entry_id"]})
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[0]["after"]["status"] == "waiting" and hist[1]["after"]["status"] == "admitted"
    assert hist[0]["after"]["pseudonym"] == audit.REDACTED  # the audit log never keeps it
    assert x["pseudonym"] not in json.dumps(hist, default=str)
    # the removed application stays as a recorded deletion (until the retention purge)
    allrows = homes_store.read(ap.TABLE)
    assert int(allrows["rec_deleted"].sum()) == 1
    lists = audit.history(homes_store, ap.LIST_TABLE, {"service_id": "A49"})
    assert [h["after"]["free_places"] for h in lists] == [2, 0]


def test_retention_purge_really_deletes(homes_store, people) -> None:
    prov = people["provider"].actor
    _upload(homes_store, prov, "A49", [["A", RC_X, "", "1.3.2020", "", "zemřel"],
                                       ["B", RC_Y, "", "2.3.2025", "", "čeká"]])
    rows = homes_store.read(ap.TABLE)
    with pytest.raises(PermissionDenied):
        ap.purge_expired(homes_store, prov, months=12)
    assert ap.purge_expired(homes_store, SYSTEM, months=12, today=date(2027, 12, 31)) == 1
    left = homes_store.read(ap.TABLE)
    assert list(left["status"]) == ["waiting"]
    gone = rows[rows["status"] == "died"].iloc[0]
    trail = homes_store.read("audit_log", {"table_name": ap.TABLE})
    assert (trail["action"] == "purge").sum() == 1
    k = audit.record_key(ap.TABLE, {"entry_id": gone["entry_id"]})
    assert set(trail.loc[trail["record_key"] == k, "after"]) == {'{"purged": true}'}
    assert ap.purge_expired(homes_store, SYSTEM, months=12, today=date(2027, 12, 31)) == 0


def test_case_number_and_birth_date_within_one_provider(homes_store, people) -> None:
    prov = people["provider"].actor
    header = ["Číslo spisu", "Příjmení", "Datum narození", "Obec", "Datum žádosti", "Urgentní", "Stav žádosti"]
    name = str(homes_store.read("municipality").sort_values("municipality_code")["name"].iloc[0])
    data = csv_bytes([["SP-1", "Nováková", "1.5.1940", name, "2025-01-02", "1", "čeká"],
                      ["SP-2", "Novák", "2.5.1940", "", "2025-01-02", "0", "zrušena"]], header, enc="utf-8")
    res = ap.upload_list(homes_store, prov, data, source="spis.csv", service_id="C50", data_date=DAY)
    assert res.case_rows == 2 and res.rows == 2
    cur = audit.current(homes_store, ap.TABLE)
    assert set(cur["id_kind"]) == {"case"} and cur["municipality_code"].notna().sum() == 1
