"""The OGC API - Features of the market map, on both stores: every layer, every bad parameter."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator

import pytest
import shapely
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import shape

from geo_kissos.layers import load_layers
from geo_kissos.store import Store
from webmap import create_app
from webmap.geometry import CoverageGeometry, decimals_for_zoom

LAYERS = load_layers()
LAYER_IDS = sorted(LAYERS)
CHOROPLETHS = [lid for lid in LAYER_IDS if LAYERS[lid].kind == "choropleth"]
#: WGS 84 box around Czechia: every served coordinate must lie in it.
CZ = (12.0, 48.5, 19.0, 51.1)


@pytest.fixture(scope="module")
def app(loaded_store: Store) -> Flask:
    return create_app({"STORE": loaded_store, "TILES": None})


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def market_client(market_store: Store) -> FlaskClient:
    return create_app({"STORE": market_store, "TILES": None}).test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype in ("application/json", "application/geo+json")
    return json.loads(resp.get_data())


def all_coords(geom: dict) -> Iterator[list[float]]:
    def walk(c: list) -> Iterator[list[float]]:
        if c and isinstance(c[0], (int, float)):
            yield c
        else:
            for part in c:
                yield from walk(part)
    yield from walk(geom["coordinates"])


# --------------------------------------------------------------------------- documents
def test_landing_and_conformance(client: FlaskClient) -> None:
    landing = get_json(client, "/api/")
    assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data"}
    conf = get_json(client, "/api/conformance")
    assert any(c.endswith("/conf/geojson") for c in conf["conformsTo"])


def test_collections_list_every_layer(client: FlaskClient) -> None:
    body = get_json(client, "/api/collections")
    assert [c["id"] for c in body["collections"]] == list(LAYERS)
    for c in body["collections"]:
        layer = LAYERS[c["id"]]
        assert c["title"] == layer.title_cs and c["itemType"] == "feature"
        assert c["kind"] == layer.kind and c["legend"]["entries"]
        assert all(re.match(r"^#[0-9a-f]{6}$", e["colour"]) for e in c["legend"]["entries"])
        assert [p["field"] for p in c["popup"]] == [p.field for p in layer.popup]
        rels = {link["rel"]: link["href"] for link in c["links"]}
        assert rels["items"].endswith(f"/api/collections/{layer.id}/items")
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        assert CZ[0] < w < e < CZ[2] and CZ[1] < s < n < CZ[3]


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_items_of_every_layer(client: FlaskClient, loaded_store: Store, layer_id: str) -> None:
    layer = LAYERS[layer_id]
    resp = client.get(f"/api/collections/{layer_id}/items?limit=10000&zoom=9")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    fc = json.loads(resp.get_data())
    assert fc["type"] == "FeatureCollection"
    assert fc["numberReturned"] == len(fc["features"]) == fc["numberMatched"]
    assert {link["rel"] for link in fc["links"]} >= {"self", "collection"}
    if layer.kind == "choropleth":
        table = "orp" if layer.level == "orp" else "municipality"
        assert fc["numberMatched"] == len(loaded_store.read(table))
        assert fc["legend"]["entries"]
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))
    for f in fc["features"]:
        props = f["properties"]
        assert f["id"] == props["code"] and re.match(r"^#[0-9a-f]{6}$", props["colour"])
        assert f["geometry"]["type"] == ("Point" if layer.kind == "points" else "MultiPolygon") or \
            f["geometry"]["type"] == "Polygon"
        for x, y in all_coords(f["geometry"]):
            assert CZ[0] < x < CZ[2] and CZ[1] < y < CZ[3], "GeoJSON is lon/lat WGS 84"
        if layer.kind == "choropleth":
            assert (props["klass"] == -1) == (props["value"] is None)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_single_feature(client: FlaskClient, layer_id: str) -> None:
    fc = get_json(client, f"/api/collections/{layer_id}/items?limit=1")
    if not fc["features"]:
        pytest.skip(f"{layer_id}: no features in this store")
    first = fc["features"][0]
    one = get_json(client, f"/api/collections/{layer_id}/items/{first['id']}")
    assert one["type"] == "Feature" and one["properties"] == first["properties"]


def test_gzip_when_accepted(client: FlaskClient) -> None:
    url = "/api/collections/population-65-share/items?zoom=8"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_paging(client: FlaskClient) -> None:
    base = "/api/collections/population-65-share/items"
    whole = get_json(client, f"{base}?limit=10000")
    page = get_json(client, f"{base}?limit=7&offset=14")
    assert page["numberMatched"] == whole["numberMatched"] and page["numberReturned"] == 7
    assert [f["id"] for f in page["features"]] == [f["id"] for f in whole["features"][14:21]]
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "offset=21" in rels["next"] and "offset=7" in rels["prev"]
    nxt = get_json(client, rels["next"].split("localhost", 1)[1])
    assert [f["id"] for f in nxt["features"]] == [f["id"] for f in whole["features"][21:28]]
    last = get_json(client, f"{base}?limit=10&offset={whole['numberMatched'] - 3}")
    assert last["numberReturned"] == 3 and "next" not in {link["rel"] for link in last["links"]}
    beyond = get_json(client, f"{base}?offset=100000")
    assert beyond["numberReturned"] == 0 and beyond["numberMatched"] == whole["numberMatched"]


def test_default_limit_is_one_thousand(client: FlaskClient) -> None:
    fc = get_json(client, "/api/collections/sites/items")
    assert fc["numberReturned"] == min(fc["numberMatched"], 1000)


@pytest.mark.parametrize("layer_id", ["population-65-share", "coverage-49-orp", "sites"])
def test_orp_filter(client: FlaskClient, loaded_store: Store, layer_id: str) -> None:
    orp = loaded_store.read("orp").sort_values("orp_code")["orp_code"].iloc[0]
    whole = get_json(client, f"/api/collections/{layer_id}/items?limit=10000")
    part = get_json(client, f"/api/collections/{layer_id}/items?limit=10000&orp={orp}")
    assert all(f["properties"]["orp_code"] == orp for f in part["features"])
    expected = [f["id"] for f in whole["features"] if f["properties"]["orp_code"] == orp]
    assert [f["id"] for f in part["features"]] == expected
    if LAYERS[layer_id].kind == "choropleth":
        assert part["numberMatched"] >= 1
        assert part["legend"] == whole["legend"] or part["legend"]["entries"][:-1] == whole["legend"]["entries"]


def test_bbox_filter(client: FlaskClient) -> None:
    whole = get_json(client, "/api/collections/population-65-share/items?limit=10000")
    box = shapely.box(17.2, 49.5, 17.35, 49.65)
    part = get_json(client, "/api/collections/population-65-share/items?limit=10000&bbox=17.2,49.5,17.35,49.65")
    expected = {f["id"] for f in whole["features"] if shape(f["geometry"]).intersects(box)}
    assert {f["id"] for f in part["features"]} == expected
    assert 0 < part["numberMatched"] < whole["numberMatched"]


@pytest.mark.parametrize("zoom", [6, 8, 11, 12, 15])
def test_precision_by_zoom(client: FlaskClient, zoom: int) -> None:
    fc = get_json(client, f"/api/collections/population-65-share/items?limit=10000&zoom={zoom}")
    most = max(len(repr(v).split(".")[1]) if "." in repr(v) else 0
               for f in fc["features"] for xy in all_coords(f["geometry"]) for v in xy)
    assert most <= decimals_for_zoom(zoom) == (5 if zoom >= 12 else 4)


@pytest.mark.parametrize("zoom", [None, 6, 8, 10, 12])
def test_simplified_municipalities_stay_a_coverage(loaded_store: Store, zoom: int | None) -> None:
    mun = loaded_store.read("municipality")
    cov = CoverageGeometry(mun["municipality_code"], mun.geometry)
    served = list(cov.served(zoom).values())
    assert shapely.coverage_is_valid(served), "no overlaps, shared edges matched vertex for vertex"
    # neighbours stay neighbours along a line (not a point): borders remain shared
    orig = mun.to_crs(4326).geometry.to_numpy()
    tree = shapely.STRtree(served)
    for i in range(0, len(served), max(1, len(served) // 25)):
        before = {j for j in shapely.STRtree(orig).query(orig[i], predicate="touches")
                  if orig[i].intersection(orig[j]).length > 0}
        after = {j for j in tree.query(served[i], predicate="touches")
                 if served[i].intersection(served[j]).length > 0}
        assert after == before
    total = sum(g.area for g in orig)
    assert abs(sum(g.area for g in served) - total) / total < 0.01


def test_simplification_reduces_detailed_borders() -> None:
    # two squares sharing a wiggly 200-vertex border: fewer vertices at low zoom, still a coverage
    import numpy as np

    xs = np.linspace(0, 10_000, 200)
    wiggle = [(-600_000 + x, -1_100_000 + 5 * np.sin(x / 50)) for x in xs]
    a = shapely.Polygon([(-600_000, -1_110_000), (-590_000, -1_110_000), *wiggle[::-1]])
    b = shapely.Polygon([*wiggle, (-590_000, -1_090_000), (-600_000, -1_090_000)])
    import geopandas as gpd

    cov = CoverageGeometry(["a", "b"], gpd.GeoSeries([a, b], crs=5514))
    low = cov.served(8)
    assert shapely.get_num_coordinates(low["a"]) < 20 < shapely.get_num_coordinates(a)
    assert shapely.coverage_is_valid(list(low.values()))
    assert low["a"].intersection(low["b"]).length > 0


# --------------------------------------------------------------------------- point filters
def test_point_filters(market_client: FlaskClient, market_store: Store) -> None:
    base = "/api/collections/sites/items?limit=10000"
    whole = get_json(market_client, base)["features"]
    t49 = get_json(market_client, base + "&type=49")["features"]
    assert t49 and {f["properties"]["type_code"] for f in t49} == {"49"}
    assert len(t49) == sum(f["properties"]["type_code"] == "49" for f in whole)
    several = get_json(market_client, base + "&type=49,40")["features"]
    assert len(several) == sum(f["properties"]["type_code"] in ("49", "40") for f in whole)
    field = get_json(market_client, base + "&form=field")["features"]
    assert field and all("field" in f["properties"]["form_codes"].split(";") for f in field)
    ico = whole[0]["properties"]["provider_ico"]
    mine = get_json(market_client, base + f"&provider={ico}")["features"]
    assert mine and all(f["properties"]["provider_ico"] == ico for f in mine)
    popup = get_json(market_client, "/api/collections/sites/items/T49A-1")["properties"]
    assert popup["capacity"] == "pobytová: 60 lůžek" and popup["provider_name"]
    assert popup["contact"] and popup["network_text"] == "60 lůžek"


# --------------------------------------------------------------------------- errors
BAD = [
    ("sites", "limit=0", "limit"),
    ("sites", "limit=abc", "limit"),
    ("sites", "limit=100001", "limit"),
    ("sites", "limit=", "limit"),
    ("sites", "limit=1&limit=2", "limit"),
    ("sites", "offset=-1", "offset"),
    ("sites", "offset=1.5", "offset"),
    ("sites", "bbox=1,2,3", "bbox"),
    ("sites", "bbox=a,b,c,d", "bbox"),
    ("sites", "bbox=17,50,16,49", "bbox"),
    ("sites", "bbox=200,0,201,1", "bbox"),
    ("sites", "bbox=nan,1,2,3", "bbox"),
    ("sites", "year=abc", "year"),
    ("sites", "year=1800", "year"),
    ("sites", "orp=9999", "orp"),
    ("sites", "zoom=23", "zoom"),
    ("sites", "zoom=x", "zoom"),
    ("sites", "type=99", "type"),
    ("sites", "type=49,nope", "type"),
    ("sites", "form=boat", "form"),
    ("sites", "provider=abc", "provider"),
    ("sites", "provider=123456789", "provider"),
    ("sites", "f=xml", "f"),
    ("sites", "foo=1", "foo"),
    ("population-65-share", "type=49", "type"),
    ("population-65-share", "form=field", "form"),
    ("population-65-share", "provider=12345678", "provider"),
    ("coverage-49-orp", "year=twenty", "year"),
    ("gap-49-orp", "zoom=-1", "zoom"),
]


@pytest.mark.parametrize(("layer_id", "query", "param"), BAD)
def test_bad_parameters_are_400_naming_the_parameter(client: FlaskClient, layer_id: str, query: str,
                                                      param: str) -> None:
    body = get_json(client, f"/api/collections/{layer_id}/items?{query}", status=400)
    assert body["parameter"] == param and f"'{param}'" in body["description"]
    assert body["code"] == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/collections?x=1", "x"),
        ("/api/collections/sites?year=abc", "year"),
        ("/api/collections/sites?zoom=3", "zoom"),
        ("/api/collections/sites/items/anything?limit=0", "limit"),
        ("/api/places?q=x", "q"),
        ("/api/boundaries/orp?zoom=99", "zoom"),
        ("/api/boundaries/orp?bbox=1,2,3,4", "bbox"),
    ],
)
def test_bad_parameters_elsewhere(client: FlaskClient, url: str, param: str) -> None:
    body = get_json(client, url, status=400)
    assert body["parameter"] == param


@pytest.mark.parametrize(
    "url",
    ["/api/collections/nope", "/api/collections/nope/items", "/api/collections/sites/items/no-such-site",
     "/api/boundaries/district", "/api/nothing-here"],
)
def test_unknown_things_are_404_json(client: FlaskClient, url: str) -> None:
    body = get_json(client, url, status=404)
    assert body["code"] == "NotFound" and body["description"]


def test_collection_for_a_year(client: FlaskClient, loaded_store: Store) -> None:
    years = sorted(set(loaded_store.read("population")["year"].dropna().astype(int)))
    body = get_json(client, f"/api/collections/population-65-share?year={years[0] if years else 2020}")
    assert body["year"] == (years[0] if years else None)
    assert body["years"] == years


def test_places_and_boundaries(client: FlaskClient, loaded_store: Store) -> None:
    places = get_json(client, "/api/places")["places"]
    n_orp, n_mun = len(loaded_store.read("orp")), len(loaded_store.read("municipality"))
    assert sum(p["level"] == "orp" for p in places) == n_orp and len(places) == n_orp + n_mun
    for p in places:
        w, s, e, n = p["bbox"]
        assert CZ[0] < w <= e < CZ[2] and CZ[1] < s <= n < CZ[3]
    orp = get_json(client, "/api/boundaries/orp?zoom=8")
    assert len(orp["features"]) == n_orp and all(f["properties"]["name"] for f in orp["features"])


# --------------------------------------------------------------------------- page
def test_page_uses_only_local_assets(client: FlaskClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], "no CDN: the map works offline"
    scripts = [a for a in assets if a.endswith((".js", ".css", ".svg"))]
    assert any("leaflet.js" in a for a in scripts) and any("markercluster" in a for a in scripts)
    for a in scripts:
        assert client.get(a).status_code == 200, a
    assert "Mapa trhu sociálních služeb" in html and "GK.init(" in html and 'id="gk-data-date"' in html


def test_page_shows_data_date(client: FlaskClient, loaded_store: Store) -> None:
    html = client.get("/").get_data(as_text=True)
    date = loaded_store.data_date()
    shown = re.search(r'id="gk-data-date">([^<]+)<', html).group(1)
    assert shown == (f"{date.day}. {date.month}. {date.year}" if date is not None else "neuvedeno")


def test_page_offers_the_exports(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'id="gk-export"' in html and '"export": "/export"' in html
    index = get_json(client, "/export/")
    assert {lay["id"] for lay in index["layers"]} == set(LAYERS)


def test_tiles_are_optional_and_off_by_default(loaded_store: Store) -> None:
    html = create_app({"STORE": loaded_store}).test_client().get("/").get_data(as_text=True)
    assert "tile.openstreetmap.org" in html  # offered in the layer control, not loaded until switched on
    none = create_app({"STORE": loaded_store, "TILES": None}).test_client().get("/").get_data(as_text=True)
    assert "tile.openstreetmap.org" not in none


def test_empty_store_is_served_gracefully(empty_store: Store) -> None:
    client = create_app({"STORE": empty_store, "TILES": None}).test_client()
    assert client.get("/").status_code == 200
    for layer_id in LAYER_IDS:
        fc = get_json(client, f"/api/collections/{layer_id}/items")
        assert fc["numberMatched"] == 0
        meta = get_json(client, f"/api/collections/{layer_id}")
        assert meta["years"] == [] and meta["year"] is None
    assert get_json(client, "/api/places")["places"] == []


def test_serve_command_is_wired() -> None:
    from geo_kissos.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output


# --------------------------------------------------------------------------- cache
def test_cache_computes_once_under_concurrency() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from webmap.cache import TTLCache

    cache = TTLCache(ttl=300)
    calls: list[int] = []
    release = threading.Event()

    def compute() -> int:
        calls.append(1)
        release.wait(10)
        return 42

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get, "k", compute) for _ in range(8)]
        release.set()
        assert [f.result() for f in futures] == [42] * 8
    assert len(calls) == 1
    expired = TTLCache(ttl=0)
    assert expired.get("k", lambda: 1) == 1 and expired.get("k", lambda: 2) == 2
    small = TTLCache(ttl=300, maxsize=2)
    for k in range(5):
        small.get(k, lambda k=k: k)
    assert small.get(4, lambda: -1) == 4 and small.get(0, lambda: -1) == -1


@pytest.mark.parametrize("zoom", [None, 7, 10])
def test_orp_outlines_follow_municipal_borders(app: Flask, loaded_store: Store, zoom: int | None) -> None:
    data = app.extensions["geo_kissos"]
    mun = data.coverage("municipality").served(zoom)
    orp = data.coverage("orp").served(zoom)
    table = loaded_store.read("municipality")
    assert set(orp) == set(table["orp_code"].astype(str))
    for code, group in table.groupby(table["orp_code"].astype(str)):
        members = shapely.union_all([mun[c] for c in group["municipality_code"].astype(str)])
        assert orp[code].symmetric_difference(members).area < 1e-9 * max(orp[code].area, 1e-12)
    assert shapely.coverage_is_valid(list(orp.values()))
