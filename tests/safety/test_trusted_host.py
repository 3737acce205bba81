"""Issue 15.10: a ``Host`` the app does not serve is a 400; links come from the public URL."""

from __future__ import annotations

import pytest

from geo_kissos.errors import ConfigError
from webmap import create_app

LAYER = "population-65-share"


def _hrefs(doc) -> list[str]:
    return [link["href"] for link in doc["links"]]


def test_without_settings_links_follow_the_request(loaded_store):
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    r = client.get("/api/", headers={"Host": "127.0.0.1:5000"})
    assert all(h.startswith("http://127.0.0.1:5000/api") for h in _hrefs(r.json))


def test_an_untrusted_host_is_a_400(loaded_store, monkeypatch):
    monkeypatch.setenv("GEO_KISSOS_TRUSTED_HOSTS", "mapa.example.org, localhost")
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    for url in ("/api/", f"/api/collections/{LAYER}/items?limit=1", "/", "/export/"):
        bad = client.get(url, headers={"Host": "evil.example"})
        assert bad.status_code == 400, url
        assert b"evil.example" not in bad.data
    ok = client.get("/api/", headers={"Host": "mapa.example.org"})
    assert ok.status_code == 200
    assert all(h.startswith("http://mapa.example.org/api") for h in _hrefs(ok.json))
    assert client.get("/api/", headers={"Host": "localhost:5000"}).status_code == 200  # port ignored


def test_links_are_built_from_the_public_url_whatever_the_host(loaded_store):
    app = create_app({"STORE": loaded_store, "TILES": None, "PUBLIC_URL": "https://mapa.example.org/trh/",
                      "TRUSTED_HOSTS": ["127.0.0.1"]})
    client = app.test_client()
    r = client.get(f"/api/collections/{LAYER}/items?limit=1", headers={"Host": "127.0.0.1:5000"})
    assert r.status_code == 200
    hrefs = _hrefs(r.json)
    assert hrefs and all(h.startswith(f"https://mapa.example.org/trh/api/collections/{LAYER}") for h in hrefs)
    assert client.get("/api/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/", headers={"Host": "mapa.example.org"}).status_code == 200  # its host is trusted
    index = client.get("/export/", headers={"Host": "127.0.0.1"}).json
    assert index["orps"][0]["tables"]["gaps.csv"].startswith("/trh/export/")


def test_a_bad_public_url_is_refused(loaded_store):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"STORE": loaded_store, "TILES": None, "PUBLIC_URL": "mapa.example.org"})
