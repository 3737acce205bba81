"""Issue 15.8: ``/export`` checks its query before any work, bounds what it keeps, never leaks.

A bad ``year``/``sites``/parameter is a 400 naming it, an unknown or absurd layer a 404; no
exporter and no folder is made for them. At most ``EXPORT_CACHE_SIZE`` exporters (and their
folders) are kept; a change of the data drops them all. An unexpected error is a 500 whose text
names neither the exception nor a path.
"""

from __future__ import annotations

import gc

import pytest

from webmap import create_app

LAYER = "coverage-49-municipality"


@pytest.fixture
def app(loaded_gpkg_copy):
    return create_app({"STORE": loaded_gpkg_copy, "TILES": None, "EXPORT_CACHE_SIZE": 2})


def _state(app):
    return app.extensions.get("geo_kissos_export")


def _folders(app) -> list:
    st = _state(app)
    return sorted(p for p in st.dir.iterdir()) if st is not None else []


@pytest.mark.parametrize("query, param", [
    ("year=0", "year"), ("year=-1", "year"), ("year=abc", "year"), ("year=", "year"),
    ("year=2025&year=2024", "year"), ("year=99999999999999999999", "year"), ("sites=99", "sites"),
    ("foo=1", "foo"), ("x" * 300 + "=1", "x" * 40 + "…"),
])
def test_a_bad_query_is_a_400_naming_it_before_any_work(app, query, param):
    client = app.test_client()
    for url in (f"/export/7110/{LAYER}.png?{query}", f"/export/7110/gaps.csv?{query}",
                f"/export/atlas/{LAYER}.pdf?{query}"):
        r = client.get(url)
        assert r.status_code == 400, (url, r.data[:300])
        assert r.json["parameter"] == param
        assert "/tmp" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
    st = _state(app)
    assert st is None or (len(st.exporters) == 0 and _folders(app) == [])


def test_an_unknown_or_absurd_layer_is_a_404_without_work(app):
    client = app.test_client()
    long = "a" * 300
    for url in (f"/export/7110/{long}.html", f"/export/7110/gaps.csv?layer={long}", f"/export/atlas/{long}.pdf",
                "/export/7110/no-such-layer.png"):
        r = client.get(url)
        assert r.status_code == 404, (url, r.data[:200])
        text = r.get_data(as_text=True)
        assert long not in text and "/tmp" not in text and len(r.json["description"]) < 2000
        assert r.json["code"] == "NotFound"
    st = _state(app)
    assert st is None or (len(st.exporters) == 0 and _folders(app) == [])


def test_exporters_and_their_folders_are_bounded_and_dropped_when_the_data_change(app, loaded_gpkg_copy):
    client = app.test_client()
    years = (2021, 2022, 2023, 2024)
    for year in years:
        r = client.get(f"/export/7110/{LAYER}.html?year={year}")
        assert r.status_code in (200, 409), r.data[:300]
        st = _state(app)
        assert len(st.exporters) <= 2
        assert len(_folders(app)) <= 2
    assert len(_folders(app)) == 2
    before = set(_folders(app))
    # the data change: every cached exporter and its folder goes
    orp = loaded_gpkg_copy.read("orp")
    with loaded_gpkg_copy.transaction() as w:
        w.upsert("orp", orp)
    r = client.get(f"/export/7110/{LAYER}.html?year={years[-1]}")
    assert r.status_code in (200, 409)
    assert not (before & set(_folders(app)))
    assert all(not p.exists() for p in before)
    assert len(_folders(app)) == 1


def test_an_unexpected_error_is_a_generic_500(app, loaded_gpkg_copy):
    client = app.test_client()
    loaded_gpkg_copy.path.unlink()  # the store file vanished under the server
    r = client.get(f"/export/7110/{LAYER}.png")
    assert r.status_code == 500
    text = r.get_data(as_text=True)
    assert str(loaded_gpkg_copy.path.parent) not in text and "/tmp" not in text
    assert "Error" not in text.replace("error", "")  # no exception class name
    assert "internal error" in text


def test_the_private_folder_goes_with_the_app(loaded_gpkg_copy):
    app = create_app({"STORE": loaded_gpkg_copy, "TILES": None})
    with app.test_request_context():
        from webmap.exports import _state as state

        folder = state().dir
    assert folder.is_dir()
    del app
    gc.collect()
    assert not folder.exists()
