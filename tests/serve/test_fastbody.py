"""The items bodies joined from precomputed parts (:mod:`webmap.fastbody`): the gzip member made of
independent deflate segments decodes to exactly the uncompressed body - in Python's gzip, in
curl and in Chromium - and the API's answers built from them are the plain path's answers."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import urllib.error
import urllib.request
import zlib

import numpy as np
import pytest
import shapely
from werkzeug.datastructures import MultiDict

from geo_kissos.store import Store
from webmap import api, create_app
from webmap.fastbody import FeatureBlocks, gzip_join
from webmap.params import parse_items_query

ITEMS = "/api/collections/population-65-share/items?zoom=9&limit=10000"


def _features(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [json.dumps({"type": "Feature", "id": str(i), "properties": {"name": f"Obec {i} žluťoučký kůň",
                        "v": rng.random()}, "geometry": {"type": "Point", "coordinates": [rng.random(), i]}},
                       ensure_ascii=False).encode() for i in range(n)]


def test_joined_segments_decode_to_the_body() -> None:
    blocks = FeatureBlocks(_features(300, 1))
    rng = random.Random(2)
    for k in (0, 1, 2, 57, 300):
        rows = sorted(rng.sample(range(300), k))
        raw, gz = blocks.join(b'{"features":[', np.array(rows, dtype=int), b"]}")
        assert raw == b'{"features":[' + b",".join(blocks.raw[r] for r in rows) + b"]}"
        assert json.loads(raw)["features"] == [json.loads(blocks.raw[r]) for r in rows]
        assert gzip.decompress(gz) == raw
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)  # fed in small pieces, as a socket delivers it
        out = b"".join(stream.decompress(gz[i:i + 97]) for i in range(0, len(gz), 97)) + stream.flush()
        assert out == raw and stream.eof and not stream.unused_data, "one complete gzip member"


def test_chained_segments_only_where_the_page_repeats_their_history() -> None:
    feats = _features(200, 3)
    blocks = FeatureBlocks(feats)
    everything = np.arange(200)
    assert blocks.segments(everything)[1:] == blocks.chained[1:].tolist(), "one run from row 0: all chained"
    gaps = np.arange(0, 200, 2)
    assert blocks.segments(gaps)[1:] == blocks.rest[gaps[1:]].tolist(), "no run: none chained"
    for rows in (everything, gaps, np.r_[5:60, 62:200], np.r_[150:200]):
        raw, gz = blocks.join(b"[", rows, b"]")
        assert gzip.decompress(gz) == raw == b"[" + b",".join(feats[r] for r in rows) + b"]"
    independent = len(b"".join(blocks.rest[1:].tolist()))
    assert len(b"".join(blocks.segments(everything)[1:])) < 0.8 * independent, "chaining pays on a run"


def test_pages_joined_run_by_run_equal_the_row_by_row_reference() -> None:
    """:meth:`FeatureBlocks.gzip` and ``body`` join slices of whole runs of rows; they must give
    exactly the bytes of the per-row segments (:meth:`FeatureBlocks.segments`) for any page:
    scattered rows, long runs that pass the chaining window, runs from row 0, single rows."""
    rng = random.Random(5)
    feats = [f * rng.randint(1, 12) for f in _features(1500, 4)]  # rows of very different sizes
    blocks = FeatureBlocks(feats)
    pages = [np.arange(1500), np.arange(0, 1500, 2), np.array([0]), np.array([1499]), np.r_[0:3, 700:1500]]
    for _ in range(60):
        rows, r = [], rng.randint(0, 5)
        while r < 1500:
            length = rng.choice([1, 2, 5, 30, 200])
            rows.extend(range(r, min(1500, r + length)))
            r += length + rng.randint(1, 20)
        pages.append(np.array(rows))
    for rows in pages:
        raw = b"[" + b",".join(feats[r] for r in rows) + b"]"
        assert blocks.body(b"[", rows, b"]") == raw and blocks.size(b"[", rows, b"]") == len(raw)
        assert b"".join(blocks._segment_pieces(rows)) == b"".join(blocks.segments(rows))
        assert gzip.decompress(blocks.gzip(b"[", rows, b"]")) == raw
    assert len(blocks._segment_pieces(np.arange(1500))) <= 3, "one run: one slice of each kind"


def test_a_window_selects_what_intersects_it_exactly(loaded_store: Store) -> None:
    """The envelope shortcut of :meth:`ServedIndex.hits` (polygons whose envelope lies inside the
    box are taken untested) gives the same rows as testing every candidate polygon."""
    from webmap.index import ServedIndex

    app = create_app({"STORE": loaded_store, "TILES": None})
    rng = random.Random(9)
    with app.test_request_context("/api/"):
        data = api.map_data()
        w, s, e, n = loaded_store.read("orp").to_crs(4326).total_bounds
        for level in ("municipality", "orp"):
            for zoom in (7, 10, 13):
                index = ServedIndex(data.coverage(level).served(zoom))
                sizes, envelope_only = set(), 0
                for _ in range(40):
                    x, y = rng.uniform(w, e), rng.uniform(s, n)
                    box = (x, y, x + rng.uniform(0.005, 1.5), y + rng.uniform(0.005, 1.0))
                    present = np.array([g is not None and not g.is_empty for g in index.geoms])
                    exact = np.zeros(len(index.codes), dtype=bool)
                    exact[present] = shapely.intersects(index.geoms[present], shapely.box(*box))
                    assert np.array_equal(index.hits(box), exact), (level, zoom, box)
                    sizes.add(int(exact.sum()))
                    envelope_only += len(index.tree.query(shapely.box(*box))) - int(exact.sum())
                assert len(sizes) > 3 and max(sizes) > (30 if level == "municipality" else 3), sizes
                assert envelope_only > 0, "some envelopes meet a window their polygon does not: tested exactly"


def test_gzip_join_of_nothing_but_head_and_tail() -> None:
    assert gzip.decompress(gzip_join(b"{}", b"{", (), b"}")) == b"{}"


def test_fast_bodies_equal_the_plain_path(loaded_store: Store) -> None:
    app = create_app({"STORE": loaded_store, "TILES": None})
    rng = random.Random(77)
    with app.test_request_context("/api/collections/x/items"):
        data = api.map_data()
        w, s, e, n = loaded_store.read("orp").to_crs(4326).total_bounds
        layers = [data.layers[lid] for lid in ("population-65-share", "coverage-49-orp", "sites")]
        for i in range(24):
            layer = layers[i % 3]
            x, y = rng.uniform(w, e), rng.uniform(s, n)
            args = {"zoom": str(rng.randint(6, 14)), "limit": str(rng.choice([1, 5, 10000])),
                    "bbox": f"{x:.5f},{y:.5f},{x + rng.uniform(0.02, 0.8):.5f},{y + rng.uniform(0.02, 0.5):.5f}"}
            q = parse_items_query(MultiDict(args), layer, data.orps())
            raw, gz = api._fast_bodies(layer, q)
            assert gzip.decompress(gz) == raw
            fast, plain = json.loads(raw), json.loads(json.dumps(api._feature_collection(layer, q)))
            for doc in (fast, plain):
                doc.pop("timeStamp"), doc.pop("dataVersion", None), doc.pop("dataDate", None)
            assert fast == plain, (layer.id, args)


def _get(url: str, encoding: str) -> tuple[bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


def _doc(text: bytes | str) -> dict[str, object]:
    doc = json.loads(text)
    doc.pop("timeStamp")  # two requests may be answered by two workers, a second apart
    return doc


def test_python_and_curl_decode_the_served_gzip_identically(production_url: str) -> None:
    plain, h_plain = _get(production_url + ITEMS, "identity")
    packed, h_packed = _get(production_url + ITEMS, "gzip")
    assert "content-encoding" not in h_plain and h_packed["content-encoding"] == "gzip"
    assert len(packed) < len(plain) * 0.8
    assert _doc(gzip.decompress(packed)) == _doc(plain)
    assert len(_doc(plain)["features"]) > 10
    curl = subprocess.run(["curl", "-sS", "--compressed", "-D", "-", production_url + ITEMS],
                          capture_output=True, check=True, timeout=60).stdout
    head, _, body = curl.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in head.lower()
    assert _doc(body) == _doc(plain)


def test_revalidation_and_paging_of_the_joined_bodies(production_url: str) -> None:
    url = production_url + "/api/collections/population-65-share/items?zoom=11&limit=3"
    body, headers = _get(url, "gzip")
    doc = json.loads(gzip.decompress(body))
    assert doc["numberReturned"] == 3 and doc["numberMatched"] > 3
    assert headers["x-data-version"] == doc["dataVersion"] and "notice" in doc
    nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
    assert nxt and "offset=3" in nxt[0]
    second = json.loads(gzip.decompress(_get(nxt[0], "gzip")[0]))
    assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in doc["features"])
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(req, timeout=60)
    assert not_modified.value.code == 304


@pytest.mark.browser
@pytest.mark.parametrize("production_url", ["gpkg"], indirect=True)
def test_chromium_decodes_the_served_gzip_identically(browser, production_url: str) -> None:
    plain, _ = _get(production_url + ITEMS, "identity")
    page = browser.new_page()
    page.goto(production_url + "/api/")
    got = page.evaluate("""async (u) => { const r = await fetch(u);
                           return [r.headers.get('content-encoding'), await r.text()]; }""", ITEMS)
    page.close()
    assert got[0] == "gzip"
    assert _doc(got[1]) == _doc(plain)
