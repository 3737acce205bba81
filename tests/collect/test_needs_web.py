"""The needs pages: scope on the server through the web, CSRF, template download and upload."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from geo_kissos.accounts.testing import JESENIK, OLOMOUC, csrf_token, municipality_of, web_login
from geo_kissos.collect import needs

PERIOD = "2027-2029"


@pytest.fixture
def app(partner_app, territory_store, accounts):
    return partner_app(territory_store)


def _login(client, name: str) -> None:
    assert web_login(client, name).status_code == 302


def _need(code: str, token: str, **kw: str) -> dict[str, str]:
    return {"municipality_code": code, "period": PERIOD, "type_code": "49", "level": "high", "source": "survey",
            "units_requested": "4,5", "justification": "<script>alert(1)</script>", "csrf_token": token, **kw}


def test_anonymous_and_csrf_refused(app, territory_store):
    client = app.test_client()
    code = municipality_of(territory_store, JESENIK)
    assert client.get(f"/ucet/potrebnost/{JESENIK}").status_code == 302  # to the login
    assert client.post(f"/ucet/potrebnost/{JESENIK}", data=_need(code, "")).status_code == 400  # no token
    token = csrf_token(client, "/ucet/prihlaseni")
    assert client.post(f"/ucet/potrebnost/{JESENIK}", data=_need(code, token)).status_code == 401
    _login(client, "jesenik")
    assert client.post(f"/ucet/potrebnost/{JESENIK}", data=_need(code, "forged")).status_code == 400
    assert needs.needs_frame(territory_store).empty


def test_coordinator_edits_own_orp_only(app, territory_store):
    store = territory_store
    own, other = municipality_of(store, JESENIK), municipality_of(store, OLOMOUC)
    client = app.test_client()
    _login(client, "jesenik")
    page = f"/ucet/potrebnost/{JESENIK}"
    token = csrf_token(client, page)
    assert client.post(page, data=_need(own, token)).status_code == 302
    # crafted: another ORP's municipality posted to the own ORP's URL, and the other ORP's URL
    assert client.post(page, data=_need(other, token)).status_code == 403
    assert client.post(f"/ucet/potrebnost/{OLOMOUC}", data=_need(other, token)).status_code == 403
    assert client.post(f"/ucet/potrebnost/{OLOMOUC}", data=_need("orp", token)).status_code == 403
    assert client.get(f"/ucet/potrebnost/{OLOMOUC}").status_code == 403
    assert client.get(f"/ucet/potrebnost/{OLOMOUC}/sablona.xlsx").status_code == 403
    got = needs.needs_frame(store, PERIOD)
    assert list(got["orp_code"]) == [JESENIK] and got["units_requested"].iloc[0] == 4.5
    html = client.get(page).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    # delete another ORP's need: 403, the record stays
    theirs = needs.set_need(store, _actor(store, "olomouc"), period=PERIOD, municipality_code=other,
                            type_code="49", level="low", source="survey").key["need_id"]
    assert client.post(f"/ucet/potrebnost/zaznam/{theirs}/smazat", data={"csrf_token": token}).status_code == 403
    assert len(needs.needs_frame(store, PERIOD)) == 2


def _actor(store, name):
    from geo_kissos.accounts import users
    return users.get_user(store, name).actor()


def test_template_download_and_upload_through_the_web(app, territory_store):
    store = territory_store
    client = app.test_client()
    _login(client, "jesenik")
    r = client.get(f"/ucet/potrebnost/{JESENIK}/sablona.xlsx", query_string={"obdobi": PERIOD})
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith(f'{JESENIK}_{PERIOD}.xlsx"')
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb["Potřebnost"]
    ws.cell(row=2, column=4, value="49")
    ws.cell(row=2, column=7, value="střední")
    ws.cell(row=2, column=10, value="sociální práce")
    ws.cell(row=3, column=4, value="49")
    ws.cell(row=3, column=7, value="nevím")  # bad
    ws.cell(row=3, column=10, value="jiné")
    bad = io.BytesIO()
    wb.save(bad)
    token = csrf_token(client, f"/ucet/potrebnost/{JESENIK}")
    up = f"/ucet/potrebnost/{JESENIK}/nahrat"
    r = client.post(up, data={"csrf_token": token, "soubor": (io.BytesIO(bad.getvalue()), "potrebnost.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "řádek 3" in text and "Potřeba" in text
    assert needs.needs_frame(store).empty
    ws.cell(row=3, column=7, value="nízká")
    good = io.BytesIO()
    wb.save(good)
    r = client.post(up, data={"csrf_token": token, "soubor": (io.BytesIO(good.getvalue()), "potrebnost.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert sorted(needs.needs_frame(store, PERIOD)["level"]) == ["low", "medium"]
    # the ORP page shows the to-do list without those two municipalities
    html = client.get(f"/ucet/potrebnost/{JESENIK}").get_data(as_text=True)
    n = len(store.read("municipality", {"orp_code": JESENIK}))
    assert f"Nahlásilo 2 z {n} obcí" in html
    assert "Vypočtené deficity nejsou k dispozici" in html  # no register in this store: said, not drawn as 0
