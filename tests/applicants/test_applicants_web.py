"""The applicants' pages: a provider uploads and sees its own lists; planners see aggregates
only; no identifier in any response."""

from __future__ import annotations

import io
from datetime import date

import pytest
from applicants_helpers import csv_bytes

from geo_kissos.accounts.roles import Actor
from geo_kissos.accounts.testing import csrf_token, web_login
from geo_kissos.analysis import applicants as agg
from geo_kissos.collect import applicants as ap

RC = ["455101/123", "5606151232", "445312/789"]


@pytest.fixture
def app(partner_app, homes_store, people):
    return partner_app(homes_store)


def _login(client, name: str) -> None:
    assert web_login(client, name).status_code == 302


def _post(client, sid: str, data: bytes, name: str = "seznam.csv"):
    token = csrf_token(client, "/ucet/zadatele/")
    return client.post("/ucet/zadatele/nahrat", data={
        "csrf_token": token, "service_id": sid, "free_places": "2", "data_date": date.today().isoformat(),
        "soubor": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_provider_uploads_and_planner_sees_aggregates_only(app, homes_store):
    m = str(homes_store.read("municipality").sort_values("municipality_code")["municipality_code"].iloc[0])
    rows = [[f"Syntetický {i}", rc, m, "1.3.2025", "ne", "čeká"] for i, rc in enumerate(RC)]
    client = app.test_client()
    assert client.get("/ucet/zadatele/").status_code == 302  # anonymous: to the login
    _login(client, "provider")
    r = _post(client, "A49", csv_bytes(rows))
    assert r.status_code == 302
    bad = _post(client, "D49", csv_bytes(rows))  # another provider's home
    assert bad.status_code == 403
    page = client.get("/ucet/zadatele/").get_data(as_text=True)
    assert 'data-service="A49"' in page and "D49" not in page
    stored = ap.provider_summary(homes_store, Actor.system("tests"))
    assert list(stored["service_id"]) == ["A49"] and int(stored["applications"].sum()) == 3
    err = _post(client, "A49", csv_bytes([["X", "455101/12X", m, "1.3.2025", "ne", "čeká"]]))
    body = err.get_data(as_text=True)
    assert err.status_code == 400 and "Rodné číslo" in body and "455101" not in body
    assert client.get("/ucet/zadatele/souhrn.json").status_code == 403  # a provider reads no aggregates API
    agg.store_aggregate(homes_store, date.today().year)
    planner = app.test_client()
    _login(planner, "planner")
    html = planner.get("/ucet/zadatele/").get_data(as_text=True)
    js = planner.get("/ucet/zadatele/souhrn.json").get_data(as_text=True)
    assert "&lt;5" in html and '"<5"' in js and "Syntetický" not in html
    for text in (page, html, js, body):
        for rc in RC:
            assert rc not in text and rc.replace("/", "") not in text
