"""Issue 15.9: one data version at a time, named in every response, with an ETag.

An import into the served store is seen by the very next request (new ``dataVersion``, new
ETag), the list and the feature agree, and ``If-None-Match`` with the current ETag is a 304.
"""

from __future__ import annotations

import pytest
from conftest import copy_store

from geo_kissos.store import PostgisStore
from webmap import create_app

LAYER = "population-65-share"


@pytest.fixture(params=("gpkg", "postgis"))
def served_store(request, loaded_gpkg_copy):
    if request.param == "gpkg":
        yield loaded_gpkg_copy
        return
    pg = PostgisStore(request.getfixturevalue("pg_url"))
    copy_store(loaded_gpkg_copy, pg)
    yield pg
    pg.close()


def _rename_and_log(store, code: str, name: str) -> None:
    """An import: a municipality renamed, with its import-log row."""
    mun = store.read("municipality", {"municipality_code": code})
    mun["name"] = name
    with store.transaction() as w:
        w.upsert("municipality", mun)
        w.log_import(kind="boundaries", source=f"rename-{name}.gpkg", checksum=name.encode().hex()[:64].ljust(64, "0"),
                     rows_read=1, rows_written=1, data_date=None)


def test_every_response_names_its_data_version(served_store):
    client = create_app({"STORE": served_store, "TILES": None}).test_client()
    for url in ("/api/", "/api/collections", f"/api/collections/{LAYER}", f"/api/collections/{LAYER}/items?limit=2",
                "/api/places", "/api/boundaries/orp?zoom=6"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.json["dataVersion"] and "dataDate" in r.json, url
        assert r.headers["ETag"].startswith('W/"' + r.json["dataVersion"]), url
        assert r.headers["X-Data-Version"] == r.json["dataVersion"]
        again = client.get(url, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
    page = client.get("/")
    assert page.status_code == 200 and page.headers.get("ETag")


def test_an_import_is_seen_by_the_next_request_and_list_and_item_agree(served_store):
    client = create_app({"STORE": served_store, "TILES": None, "CACHE_SECONDS": 3600}).test_client()
    url = f"/api/collections/{LAYER}/items?limit=10000"
    first = client.get(url)
    feature = first.json["features"][0]
    code = feature["id"]
    item_url = f"/api/collections/{LAYER}/items/{code}"
    item = client.get(item_url)
    assert item.json["dataVersion"] == first.json["dataVersion"]
    tag = first.headers["ETag"]

    _rename_and_log(served_store, code, "Nové Jméno")

    stale = client.get(url, headers={"If-None-Match": tag})
    assert stale.status_code == 200  # not a 304: the data changed
    assert stale.headers["ETag"] != tag and stale.json["dataVersion"] != first.json["dataVersion"]
    listed = {f["id"]: f for f in stale.json["features"]}[code]
    one = client.get(item_url).json
    assert one["dataVersion"] == stale.json["dataVersion"]
    assert listed["properties"]["name"] == one["properties"]["name"] == "Nové Jméno"
    places = client.get("/api/places").json
    assert places["dataVersion"] == stale.json["dataVersion"]
    assert any(p["name"] == "Nové Jméno" for p in places["places"])


def test_the_postgis_data_version_counts_committed_changes_only(pg_url):
    """The map asks one counter per request (``webmap.cache.store_stamp``): it moves with every
    committed change, made by this store object or another, and with nothing else; a connection
    of it that the server dropped is replaced."""
    from sqlalchemy import text

    store, other = PostgisStore(pg_url), PostgisStore(pg_url)
    try:
        v = store.data_version()
        with store.transaction() as w:
            w.read("municipality")
            w.delete("provider", {"ico": "no-such-provider"})
        assert store.data_version() == v, "a read and a delete of nothing change nothing"
        with pytest.raises(RuntimeError), store.transaction() as w:
            w.log_import("population", "x.csv", "f" * 64, 1, 1, None)
            raise RuntimeError("the import fails after writing")
        assert store.data_version() == v, "rolled back"
        with other.transaction() as w:  # another process's import, as far as this store knows
            w.log_import("population", "y.csv", "e" * 64, 1, 1, None)
        assert store.data_version() == v + 1 == other.data_version()
        with other.engine.begin() as conn:  # the server ends the reader's connection
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                              "AND query LIKE '%gk_data_version%'"))
        assert store.data_version() == v + 1, "a new connection, the same answer"
    finally:
        store.close()
        other.close()


def test_a_quiet_data_version_connection_is_ended_by_the_server(pg_url, monkeypatch):
    """A store that is never closed keeps no connection for long: the server ends the reader's
    after a quiet while (``idle_session_timeout``), and the next read opens a new one."""
    import time

    from geo_kissos.store import postgis

    monkeypatch.setattr(postgis, "_VERSION_IDLE_S", 1)
    store = PostgisStore(pg_url)
    try:
        v = store.data_version()
        first = store._local.version_conn
        time.sleep(2.5)
        assert store.data_version() == v
        assert store._local.version_conn is not first and first.closed, "replaced after the server ended it"
    finally:
        store.close()
