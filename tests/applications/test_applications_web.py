"""Roles through the library and the web: a provider sees its own applications only; only the
region decides (a coordinator or a provider deciding is a 403); the pages and the XLSX."""

from __future__ import annotations

import re

import pytest

from geo_kissos.accounts import audit, users
from geo_kissos.accounts.roles import Actor
from geo_kissos.accounts.testing import JESENIK, PASSWORD, PROVIDER_ICO
from geo_kissos.collect import applications as A
from geo_kissos.errors import PermissionDenied
from webmap import create_app


def _app(store, round_id: str = "OPEN", units: float = 12, ico: str = PROVIDER_ICO) -> A.Application:
    mun = store.read("municipality", {"orp_code": JESENIK}).sort_values("municipality_code")
    return A.Application(round_id=round_id, kind="new", provider_ico=ico, units=units, type_code="49",
                         municipality_code=str(mun["municipality_code"].iloc[0]), name="Domov")


@pytest.fixture
def other_provider(demo_store):
    return users.add_user(demo_store, Actor.system("test"), "jiny", PASSWORD, grants={("provider", "12345678")})


def test_roles_in_the_library(demo_store, people, other_provider):
    store = demo_store
    mine = A.file_application(store, people["provider"].actor, _app(store))
    theirs = A.file_application(store, other_provider.actor(), _app(store, ico="12345678"))
    assert [a["application_id"] for a in A.visible_applications(store, people["provider"].actor)] == [mine]
    assert [a["application_id"] for a in A.visible_applications(store, other_provider.actor())] == [theirs]
    assert len(A.visible_applications(store, people["jesenik"].actor)) == 2  # its ORP
    assert A.visible_applications(store, people["olomouc"].actor) == []
    with pytest.raises(PermissionDenied):
        A.application(store, people["provider"].actor, theirs)
    with pytest.raises(PermissionDenied):  # filing for another IČO
        A.file_application(store, people["provider"].actor, _app(store, ico="12345678"))
    with pytest.raises(PermissionDenied):  # another ORP's opinion
        A.record_opinion(store, people["olomouc"].actor, mine, "positive")
    A.record_opinion(store, people["jesenik"].actor, mine, "positive")
    with pytest.raises(PermissionDenied):
        A.score_application(store, people["jesenik"].actor, mine, {"plan": 1, "gap": 1, "quality": 1})
    A.score_application(store, people["planner"].actor, mine, {"plan": 1, "gap": 1, "quality": 1})
    A.recommend(store, people["planner"].actor, mine, "approved", 12)
    for who in ("jesenik", "provider", "multi"):
        with pytest.raises(PermissionDenied):
            A.decide(store, people[who].actor, mine, "approved", 12)
    assert "decision" not in A.application(store, people["planner"].actor, mine)["decisions"]


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _login(client, name: str, password: str = PASSWORD) -> None:
    r = client.post("/ucet/prihlaseni", data={"username": name, "password": password,
                                              "csrf_token": _token(client, "/ucet/prihlaseni")})
    assert r.status_code == 302


@pytest.fixture
def web(demo_store, people):
    app = create_app({"STORE": demo_store, "TILES": None, "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_web_round_and_403s(web, demo_store, people, other_provider):
    store = demo_store
    mun = str(store.read("municipality", {"orp_code": JESENIK}).sort_values("municipality_code")
              ["municipality_code"].iloc[0])
    prov = web.test_client()
    _login(prov, "provider")
    token = _token(prov, "/ucet/zadosti/")
    r = prov.post("/ucet/zadosti/", data={"csrf_token": token, "round_id": "LATE", "kind": "new",
                                          "provider_ico": PROVIDER_ICO, "type_code": "49", "forms": "residential",
                                          "municipality_code": mun, "units": "14,5", "name": "Domov Web"})
    assert r.status_code == 302
    aid = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    rec = audit.get(store, A.TABLE, {"application_id": aid})
    assert rec["late"] == 1 and rec["units"] == 14.5 and rec["orp_code"] == JESENIK
    page = prov.get(f"/ucet/zadosti/{aid}").get_data(as_text=True)
    assert "po termínu" in page and "Dopad na ORP" in page
    theirs = A.file_application(store, other_provider.actor(), _app(store, round_id="LATE", ico="12345678"))
    assert prov.get(f"/ucet/zadosti/{theirs}").status_code == 403
    listing = prov.get("/ucet/zadosti/?kolo=LATE").get_data(as_text=True)
    assert aid in listing and theirs not in listing
    # the provider may not give opinions or decide
    assert prov.post(f"/ucet/zadosti/{aid}/rozhodnuti", data={"csrf_token": token, "outcome": "approved",
                                                              "units": "14"}).status_code == 403
    assert prov.get("/ucet/zadosti/poradi/LATE").status_code == 403

    coord = web.test_client()
    _login(coord, "jesenik")
    ct = _token(coord, f"/ucet/zadosti/{aid}")
    assert coord.post(f"/ucet/zadosti/{aid}/stanovisko", data={"csrf_token": ct, "opinion": "positive",
                                                               "text": "potřebné"}).status_code == 302
    assert coord.post(f"/ucet/zadosti/{aid}/rozhodnuti", data={"csrf_token": ct, "outcome": "approved",
                                                               "units": "14"}).status_code == 403
    other_coord = web.test_client()
    _login(other_coord, "olomouc")
    assert other_coord.get(f"/ucet/zadosti/{aid}").status_code == 403

    plan = web.test_client()
    _login(plan, "planner")
    pt = _token(plan, f"/ucet/zadosti/{aid}")
    assert plan.post(f"/ucet/zadosti/{aid}/hodnoceni", data={"csrf_token": pt, "score_plan": "4", "score_gap": "5",
                                                             "score_quality": "3"}).status_code == 302
    assert plan.post(f"/ucet/zadosti/{aid}/doporuceni", data={"csrf_token": pt, "outcome": "approved",
                                                              "units": "14"}).status_code == 302
    assert plan.post(f"/ucet/zadosti/{aid}/rozhodnuti", data={"csrf_token": pt, "outcome": "approved",
                                                              "units": "14"}).status_code == 302
    assert store.read("network", {"service_id": A.service_id_for(aid)})["units"].tolist() == [14.0]
    ranked = plan.get("/ucet/zadosti/poradi/LATE").get_data(as_text=True)
    assert "gk-ranked" in ranked and ">25<" in ranked.replace(" ", "")  # 3*4 + 2*5 + 1*3
    x = plan.get("/ucet/zadosti/poradi/LATE.xlsx")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    assert A.application(store, people["planner"].actor, aid)["score_total"] == 25
    assert plan.get("/ucet/zadosti/cile").status_code == 200
