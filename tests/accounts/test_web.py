"""The partners' pages: login, CSRF, scope on the server through the web, throttling, escaping."""

from __future__ import annotations

import logging
import re
import threading

import pytest

from geo_kissos.accounts import audit, notes
from geo_kissos.accounts.testing import JESENIK, OLOMOUC, PASSWORD, municipality_of
from webmap import create_app

T = notes.TABLE


@pytest.fixture
def app(partners_store, people):
    app = create_app({"STORE": partners_store, "TILES": None, "SECRET_KEY": "test-secret",
                      "COOKIE_SECURE": False})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _token(client, path: str = "/ucet/prihlaseni") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD):
    return client.post("/ucet/prihlaseni", data={"username": name, "password": password,
                                                  "csrf_token": _token(client)})


def _write_rules(app) -> list[str]:
    out = []
    for rule in app.url_map.iter_rules():
        if {"POST", "PUT", "PATCH", "DELETE"} & set(rule.methods or ()) and rule.endpoint != "accounts.login":
            out.append(rule.rule.replace("<note_id>", "x"))
    return out


def test_anonymous_writes_are_refused(app, partners_store):
    client = app.test_client()
    rules = _write_rules(app)
    assert {"/ucet/poznamky", "/ucet/poznamky/x", "/ucet/poznamky/x/smazat", "/ucet/odhlaseni"} <= set(rules)
    token = _token(client)
    for path in rules:
        assert client.post(path, data={"text": "x"}).status_code == 400, path  # no CSRF token
        r = client.post(path, data={"text": "x", "csrf_token": token})
        assert r.status_code == 401, path
        assert "přihlaste" in r.get_data(as_text=True).lower()
    for path in ("/ucet/", "/ucet/poznamky", "/ucet/uzivatele"):
        r = client.get(path)
        assert r.status_code == 302 and "/ucet/prihlaseni" in r.headers["Location"]
    assert partners_store.read(T).empty
    # the public API stays open
    assert client.get("/api/conformance").status_code == 200


def test_coordinator_cannot_change_another_orp_through_the_web(app, partners_store, people):
    store = partners_store
    olo_code, jes_code = municipality_of(store, OLOMOUC), municipality_of(store, JESENIK)
    theirs = notes.add_note(store, people["olomouc"].actor, olo_code, "kontakt", "Magistrát").key["note_id"]
    client = app.test_client()
    assert login(client, "jesenik").status_code == 302
    token = _token(client, "/ucet/poznamky")
    n_audit = len(store.read("audit_log"))
    crafted = {"municipality_code": olo_code, "topic": "jine", "text": "cizí", "csrf_token": token}
    assert client.post("/ucet/poznamky", data=crafted).status_code == 403
    assert client.post(f"/ucet/poznamky/{theirs}", data=crafted).status_code == 403
    assert client.post(f"/ucet/poznamky/{theirs}", data={**crafted, "municipality_code": jes_code}).status_code == 403
    assert client.post(f"/ucet/poznamky/{theirs}/smazat", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/ucet/poznamky/{theirs}").status_code == 403  # not even readable
    key = audit.record_key(T, {"note_id": theirs})
    assert client.get("/ucet/historie/municipality_note", query_string={"klic": key}).status_code == 403
    assert client.get("/ucet/uzivatele").status_code == 403
    assert len(store.read("audit_log")) == n_audit
    assert audit.get(store, T, {"note_id": theirs})["text"] == "Magistrát"
    # its own ORP works
    ok = client.post("/ucet/poznamky", data={**crafted, "municipality_code": jes_code})
    assert ok.status_code == 302
    assert list(audit.current(store, T, {"orp_code": JESENIK})["text"]) == ["cizí"]
    # the planner reads Olomouc's note and its history but cannot change it
    planner = app.test_client()
    login(planner, "planner")
    assert planner.get(f"/ucet/poznamky/{theirs}").status_code == 200
    assert planner.get("/ucet/historie/municipality_note", query_string={"klic": key}).status_code == 200
    ptoken = _token(planner, "/ucet/poznamky")
    assert planner.post(f"/ucet/poznamky/{theirs}", data={**crafted, "csrf_token": ptoken}).status_code == 403


def test_a_post_without_csrf_token_is_refused(app, partners_store):
    client = app.test_client()
    login(client, "jesenik")
    code = municipality_of(partners_store, JESENIK)
    r = client.post("/ucet/poznamky", data={"municipality_code": code, "topic": "jine", "text": "x"})
    assert r.status_code == 400
    assert "token" in r.get_data(as_text=True)
    r = client.post("/ucet/poznamky", data={"municipality_code": code, "topic": "jine", "text": "x",
                                            "csrf_token": "forged"})
    assert r.status_code == 400
    # a login without token is refused too
    other = app.test_client()
    assert other.post("/ucet/prihlaseni", data={"username": "jesenik", "password": PASSWORD}).status_code == 400
    assert partners_store.read(T).empty


N = 6


def test_concurrent_web_writes_all_land(app, partners_store):
    code = municipality_of(partners_store, JESENIK)
    clients = []
    for _ in range(N):
        c = app.test_client()
        login(c, "jesenik" if len(clients) % 2 else "multi")
        clients.append((c, _token(c, "/ucet/poznamky")))
    start = threading.Barrier(N)
    status: list[int] = []

    def one(i: int) -> None:
        c, token = clients[i]
        start.wait()
        r = c.post("/ucet/poznamky", data={"municipality_code": code, "topic": "jine", "text": f"web {i}",
                                           "csrf_token": token})
        status.append(r.status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert status == [302] * N
    assert sorted(audit.current(partners_store, T)["text"]) == sorted(f"web {i}" for i in range(N))
    assert len(partners_store.read("audit_log", {"table_name": T})) == N


def test_password_and_session_never_logged_or_shown(app, partners_store, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    bodies = [client.post("/ucet/prihlaseni", data={"username": "jesenik", "password": "wrong-" + PASSWORD,
                                                     "csrf_token": _token(client)}).get_data(as_text=True)]
    bodies.append(client.post("/ucet/prihlaseni", data={"username": PASSWORD, "password": PASSWORD,
                                                         "csrf_token": _token(client)}).get_data(as_text=True))
    r = login(client, "jesenik")
    assert r.status_code == 302
    cookie = client.get_cookie("gk_session").value
    assert len(cookie) > 20
    olo = notes.add_note(partners_store, notes_actor(app, "olomouc"), municipality_of(partners_store, OLOMOUC),
                         "jine", "x").key["note_id"]
    token = _token(client, "/ucet/poznamky")
    for resp in (client.post(f"/ucet/poznamky/{olo}", data={"text": "y", "topic": "jine", "csrf_token": token,
                                                            "municipality_code": "1"}),  # 403
                 client.post("/ucet/poznamky", data={"text": ""}),  # 400 csrf
                 client.get("/ucet/poznamky/nic"),  # 404
                 client.get("/ucet/"), client.get("/ucet/poznamky")):
        bodies.append(resp.get_data(as_text=True))
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, cookie, people_nonce(partners_store)):
        assert secret not in text
        assert not any(secret in b for b in bodies)
    assert "login failed" in text and "PermissionDenied" in text  # the log does say what happened


def notes_actor(app, name):
    from geo_kissos.accounts import users

    return users.get_user(app.extensions["geo_kissos"].store, name).actor()


def people_nonce(store) -> str:
    from geo_kissos.accounts import users

    return users.get_user(store, "jesenik").session_nonce


EVIL = '<script>alert("x")</script><b>tučně</b> =HYPERLINK("http://zlo.example","klik") @SUM(A1) +1 -1'


def test_user_text_is_shown_as_text_on_every_page(app, partners_store):
    client = app.test_client()
    login(client, "jesenik")
    code = municipality_of(partners_store, JESENIK)
    r = client.post("/ucet/poznamky", data={"municipality_code": code, "topic": "jine", "text": EVIL,
                                            "csrf_token": _token(client, "/ucet/poznamky")})
    assert r.status_code == 302
    nid = audit.current(partners_store, T)["note_id"].iloc[0]
    key = audit.record_key(T, {"note_id": nid})
    pages = ["/ucet/poznamky", f"/ucet/poznamky/{nid}", "/ucet/"]
    client.post(f"/ucet/poznamky/{nid}", data={"municipality_code": code, "topic": "jine", "text": EVIL + " 2",
                                              "csrf_token": _token(client, "/ucet/poznamky"), "version": "1"})
    hist = client.get("/ucet/historie/municipality_note", query_string={"klic": key}).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in hist
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<b>tučně" not in body, path
    assert "<script>alert" not in hist and "<b>tučně" not in hist
    assert '=HYPERLINK(&#34;http://zlo.example&#34;,&#34;klik&#34;)' in hist  # shown, as text


def test_failed_logins_are_throttled(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "jesenik", "wrong-password-1").status_code == 401
    assert login(client, "jesenik").status_code == 429  # even the right password, for now
    # the throttle is the login's alone: the map's API from the same address answers, uncounted
    for _ in range(30):
        api = client.get("/api/collections/population-65-share/items?limit=1&zoom=8")
        assert api.status_code == 200 and "X-RateLimit-Limit" not in api.headers
    assert login(client, "jesenik").status_code == 429, "still throttled"
    # a successful login does not count against the limit
    other = create_app({"STORE": app.extensions["geo_kissos"].store, "TILES": None, "SECRET_KEY": "s",
                        "COOKIE_SECURE": False})
    c2 = other.test_client()
    for _ in range(6):
        assert login(c2, "olomouc").status_code == 302


def test_api_reads_open_no_session(app):
    client = app.test_client()
    assert login(client, "olomouc").status_code == 302
    signed_in = client.get("/ucet/")
    assert signed_in.status_code == 200, "the session works on the pages"
    api = client.get("/api/collections/population-65-share/items?limit=1&zoom=8")
    assert api.status_code == 200
    assert "Set-Cookie" not in api.headers and "Cookie" not in api.headers.get("Vary", ""), \
        "the API is the same for everyone: no session read or written, so caches may share its answers"
    assert client.get("/ucet/").status_code == 200, "and the session is still there afterwards"


def test_session_renewed_at_login_and_ended_by_disabling(app, partners_store, people):
    from geo_kissos.accounts import users

    client = app.test_client()
    _token(client)
    before = client.get_cookie("gk_session").value
    login(client, "jesenik")
    after = client.get_cookie("gk_session").value
    assert after != before
    assert client.get("/ucet/").status_code == 200
    users.set_active(partners_store, people["admin"].actor, "jesenik", False)
    r = client.get("/ucet/")
    assert r.status_code == 302  # the session ended with the account
    assert login(client, "jesenik").status_code == 401


def test_cookie_flags_and_safe_redirect(partners_store, people):
    app = create_app({"STORE": partners_store, "TILES": None, "SECRET_KEY": "s"})  # Secure by default
    client = app.test_client()
    html = client.get("/ucet/prihlaseni", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    r = client.post("/ucet/prihlaseni?next=//zlo.example/x", data={"username": "jesenik", "password": PASSWORD,
                                                                 "csrf_token": token},
                    headers={"Referer": "https://localhost/ucet/prihlaseni"}, base_url="https://localhost")
    assert r.status_code == 302
    assert r.headers["Location"] == "/ucet/"
    cookie = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("gk_session=")][0]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
