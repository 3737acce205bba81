"""A whole round on the demo data, in each store: file -> ORP opinion -> scores ->
recommendation -> decision -> network rows of the next year; deadlines; plan targets."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo_kissos.accounts import audit
from geo_kissos.accounts.testing import JESENIK, PROVIDER_ICO
from geo_kissos.collect import applications as A
from geo_kissos.collect import ranking, targets
from geo_kissos.collect.criteria import load_settings
from geo_kissos.errors import InputError


def site_in(store, orp: str) -> tuple[str, float, float]:
    """A municipality of ``orp`` and a point inside it (EPSG:5514)."""
    mun = store.read("municipality", {"orp_code": orp}).sort_values("municipality_code")
    row = mun.iloc[0]
    p = row["geom"].representative_point()
    return str(row["municipality_code"]), float(p.x), float(p.y)


def new_home(store, round_id: str = "OPEN", units: float = 18, **kw) -> A.Application:
    _, x, y = site_in(store, JESENIK)
    return A.Application(round_id=round_id, kind="new", provider_ico=PROVIDER_ICO, units=units,
                         type_code="49", x=x, y=y, name="Domov pro seniory Test", **kw)


def full_cycle(store, people, aid: str, units: float) -> list[dict]:
    planner = people["planner"].actor
    A.record_opinion(store, people["jesenik"].actor, aid, "positive", "ORP službu potřebuje")
    A.score_application(store, planner, aid, {"plan": 5, "gap": 4, "quality": 3})
    A.recommend(store, planner, aid, "approved", units, "doporučeno")
    return A.decide(store, planner, aid, "approved", units, "schváleno radou", day=date(2026, 9, 15))


def test_whole_round_new_service(demo_store, people):
    store = demo_store
    muni, _, _ = site_in(store, JESENIK)
    aid = A.file_application(store, people["provider"].actor, new_home(store))
    app = A.application(store, people["provider"].actor, aid)
    assert (app["orp_code"], app["municipality_code"], app["unit"], app["late"], app["state"]) == (
        JESENIK, muni, "beds", 0, "filed")

    rows = full_cycle(store, people, aid, 16)
    sid = A.service_id_for(aid)
    assert rows == [{"service_id": sid, "year": 2026, "update_date": date(2026, 9, 15), "units": 16.0,
                     "unit": "beds", "status": "new"}]
    net = store.read("network", {"service_id": sid})
    assert list(net["status"]) == ["new"] and net["units"].tolist() == [16.0] and net["year"].tolist() == [2026]
    svc = store.read("service", {"service_id": sid})
    assert svc["provider_ico"].tolist() == [PROVIDER_ICO] and svc["type_code"].tolist() == ["49"]
    site = store.read("site", {"service_id": sid})
    assert site["municipality_code"].tolist() == [muni] and site["location_quality"].tolist() == ["address_point"]
    # the network write is audited and logged as a data change
    log = store.read("audit_log", {"table_name": "network"})
    assert len(log) == 1 and json.loads(log["after"].iloc[0])["service_id"] == sid
    assert (store.read("import_log")["kind"] == "application").sum() == 1

    done = A.application(store, people["planner"].actor, aid)
    assert done["state"] == "approved" and done["score_total"] == 3 * 5 + 2 * 4 + 1 * 3
    hist = A.history(store, people["planner"].actor, aid)
    assert [h["table_name"] for h in hist].count("application_score") == 3
    assert {h["table_name"] for h in hist} == {A.TABLE, A.OPINION, A.SCORE, A.DECISION}

    # the decision is final; a second one is refused and nothing else is written
    with pytest.raises(Exception, match="version|verze"):
        A.decide(store, people["planner"].actor, aid, "rejected")
    assert len(store.read("network", {"service_id": sid})) == 1


def test_change_of_units_becomes_a_changed_network_row(demo_store, people):
    store = demo_store
    owner = people["owner"].actor
    sid = str(store.read("service").sort_values("service_id")["service_id"].iloc[0])
    app_id = A.file_application(store, owner, A.Application(
        round_id="OPEN", kind="change", provider_ico=sorted(owner.scopes("provider"))[0], units=7.5,
        service_id=sid))
    app = audit.get(store, A.TABLE, {"application_id": app_id})
    svc = store.read("service", {"service_id": sid})
    assert app["type_code"] == str(svc["type_code"].iloc[0])  # derived on the server
    coordinator = next(p for p in people.values() if app["orp_code"] in p.actor.scopes("orp_coordinator")) \
        if app["orp_code"] in (JESENIK, "7107") else None
    planner = people["planner"].actor
    if coordinator is None:  # the demo's first service lies in an ORP without a seeded coordinator
        from geo_kissos.accounts import users
        from geo_kissos.accounts.roles import Actor
        from geo_kissos.accounts.testing import Seeded
        user = users.add_user(store, Actor.system("test"), "koord", people["admin"].password,
                              grants={("orp_coordinator", app["orp_code"])})
        coordinator = Seeded("koord", people["admin"].password, user)
    A.record_opinion(store, coordinator.actor, app_id, "neutral")
    A.score_application(store, planner, app_id, {"plan": 2, "gap": 2, "quality": 2})
    A.recommend(store, planner, app_id, "approved", 7.5)
    rows = A.decide(store, planner, app_id, "approved", 7.0, day=date(2026, 8, 1))
    assert rows[0]["status"] == "changed" and rows[0]["service_id"] == sid and rows[0]["units"] == 7.0
    net = store.read("network", {"service_id": sid}).sort_values(["year", "update_date"])
    assert net["status"].iloc[-1] == "changed" and len(net) >= 2  # the earlier rows stay: history
    assert store.read("service", {"service_id": sid})["name"].tolist() == svc["name"].tolist()


def test_late_application_is_flagged_not_lost(demo_store, people):
    store = demo_store
    late = A.file_application(store, people["provider"].actor, new_home(store, "LATE"))
    ontime = A.file_application(store, people["provider"].actor, new_home(store, "OPEN"))
    assert audit.get(store, A.TABLE, {"application_id": late})["late"] == 1
    assert audit.get(store, A.TABLE, {"application_id": ontime})["late"] == 0
    listed = ranking.ranked_list(store, people["planner"].actor, "LATE")
    assert listed["application_id"].tolist() == [late] and listed["late"].tolist() == [1]
    # an update keeps the filing time and the flag
    A.update_application(store, people["provider"].actor, late, {"units": 12})
    again = audit.get(store, A.TABLE, {"application_id": late})
    assert again["late"] == 1 and again["units"] == 12


def test_deadline_day_itself_is_on_time(planning):
    rnd = planning.rounds["LATE"]
    assert not rnd.is_late("new", date(2000, 3, 31)) and rnd.is_late("new", date(2000, 4, 1))
    assert not rnd.is_late("change", date(2000, 7, 31)) and rnd.is_late("change", date(2000, 8, 1))


def test_cycle_order_is_enforced(demo_store, people):
    store = demo_store
    aid = A.file_application(store, people["provider"].actor, new_home(store))
    planner = people["planner"].actor
    with pytest.raises(InputError, match="stanovisko"):
        A.score_application(store, planner, aid, {"plan": 5, "gap": 5, "quality": 5})
    A.record_opinion(store, people["jesenik"].actor, aid, "negative", "v ORP je domovů dost")
    with pytest.raises(InputError, match="obodována"):
        A.recommend(store, planner, aid, "approved", 18)
    with pytest.raises(InputError, match="0 až 5"):
        A.score_application(store, planner, aid, {"plan": 6, "gap": 1, "quality": 1})
    with pytest.raises(InputError, match="doporučení"):
        A.decide(store, planner, aid, "approved", 18)
    assert audit.current(store, A.SCORE).empty and audit.current(store, A.DECISION).empty
    # after the opinion the provider can no longer change the application
    from geo_kissos.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        A.update_application(store, people["provider"].actor, aid, {"units": 30})


def test_bad_application_names_the_field(demo_store, people):
    bad = A.Application(round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO, units=-1, type_code="99",
                        x=1.0, y=2.0)
    with pytest.raises(InputError) as exc:
        A.file_application(demo_store, people["provider"].actor, bad)
    fields = {p.field for p in exc.value.problems}
    assert {"type_code", "units", "x"} <= fields
    assert audit.current(demo_store, A.TABLE).empty


def test_plan_targets_fulfilment(demo_store, people):
    store = demo_store
    planner = people["planner"].actor
    region = targets.set_target(store, planner, plan_period="2024–2026", measure="+64 míst pro osoby se sníženou "
                                "soběstačností", units=64, type_code="49")
    orp_other = targets.set_target(store, planner, plan_period="2024-2026", measure="domovy Olomoucko",
                                   units=10, type_code="49", orp_code="7107")
    aid = A.file_application(store, people["provider"].actor, new_home(store))
    before = targets.fulfilment(store).set_index("target_id")
    assert before.loc[region, "units_approved"] == 0
    full_cycle(store, people, aid, 16)
    after = targets.fulfilment(store).set_index("target_id")
    assert after.loc[region, "units_approved"] == 16 and after.loc[region, "fulfilled_pct"] == pytest.approx(25.0)
    assert after.loc[orp_other, "units_approved"] == 0  # another ORP's measure
    assert after.loc[region, "applications"] == aid
    with pytest.raises(Exception):  # noqa: B017 - only planners enter the plan
        targets.set_target(store, people["jesenik"].actor, plan_period="2024-2026", measure="x", units=1,
                           type_code="49")


def test_orp_export_lists_its_applications(demo_store, people):
    store = demo_store
    aid = A.file_application(store, people["provider"].actor, new_home(store))
    table = ranking.orp_applications(store, JESENIK)
    assert table["application_id"].tolist() == [aid] and table["state"].tolist() == ["filed"]
    assert ranking.orp_applications(store, "7107").empty


def test_packaged_settings_and_errors(tmp_path):
    s = load_settings()
    assert s.rounds["2027"].deadlines == {"new": date(2027, 3, 31), "change": date(2027, 7, 31)}
    assert s.max_total == pytest.approx(sum(c.weight * c.max for c in s.criteria)) and len(s.criteria) == 5
    bad = tmp_path / "bad.toml"
    bad.write_text('[rounds.X]\nnetwork_year = 2028\ndeadline_new = 2027-03-31\n[[criteria]]\nlabel = "bez kódu"\n'
                   'weight = 1\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_settings(bad)
    assert {p.field for p in exc.value.problems} == {"deadline_change", "code", "criteria"}
