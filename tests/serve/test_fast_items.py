"""The precomputed items path answers exactly what the straightforward path answers, and what it
precomputes is rebuilt when the data version changes (and only then)."""

from __future__ import annotations

import json
import random

import pandas as pd
from werkzeug.datastructures import MultiDict

from geo_kissos.store import GpkgStore, Store
from webmap import api, create_app
from webmap.params import parse_items_query


def test_fast_items_equal_the_reference_path(loaded_store: Store) -> None:
    app = create_app({"STORE": loaded_store, "TILES": None})
    rng = random.Random(16)
    with app.test_request_context("/api/collections/x/items"):
        data = api.map_data()
        orps = list(data.orps())
        w, s, e, n = loaded_store.read("orp").to_crs(4326).total_bounds
        layers = list(data.layers.values())
        assert {lay.level for lay in layers if lay.kind == "choropleth"} >= {"municipality", "orp"}
        sites = data.frame(data.layers["sites"])
        providers = sites["provider_ico"].astype(str).unique().tolist()
        matched = set()
        for i in range(40):
            layer = data.layers["sites"] if i % 3 == 0 else rng.choice(layers)
            args = {"zoom": str(rng.choice([6, 8, 9, 11, 13])), "limit": str(rng.choice([7, 10000]))}
            if rng.random() < 0.6:
                x, y = rng.uniform(w, e), rng.uniform(s, n)
                args["bbox"] = f"{x:.5f},{y:.5f},{x + rng.uniform(0.01, 0.4):.5f},{y + rng.uniform(0.01, 0.3):.5f}"
            if rng.random() < 0.3:
                args["orp"] = rng.choice(orps)
            if rng.random() < 0.3:
                args["offset"] = str(rng.choice([2, 40]))
            if layer.kind == "points":
                if rng.random() < 0.5:
                    args["type"] = rng.choice(["49", "50", "48,49", "44"])
                if rng.random() < 0.3:
                    args["form"] = rng.choice(["field", "residential,outpatient"])
                if rng.random() < 0.2:
                    args["provider"] = rng.choice(providers)
            q = parse_items_query(MultiDict(args), layer, data.orps())
            reference = json.loads(json.dumps(api._feature_collection(layer, q)))
            fast = json.loads(api._fast_items(layer, q))
            reference.pop("timeStamp"), fast.pop("timeStamp")
            assert fast.pop("dataVersion") == data.data_version() and "dataDate" in fast  # the response's own
            fast.pop("dataDate")
            assert fast == reference, (layer.id, args)
            matched.add(fast["numberMatched"])
        assert len(matched) > 5, "the queries selected different sets"


def test_precomputed_parts_follow_the_data_version(loaded_gpkg_copy: GpkgStore) -> None:
    app = create_app({"STORE": loaded_gpkg_copy, "TILES": None, "CACHE_SECONDS": 0})
    client = app.test_client()
    data = app.extensions["geo_kissos"]
    url = "/api/collections/population-65-share/items?zoom=9&limit=3&bbox=16.8,49.4,17.6,49.9"
    first = client.get(url).get_json()
    version = data.data_version()
    with app.test_request_context():
        index = api._served_index("municipality", 9)
        assert api._served_index("municipality", 9) is index, "kept while the data stay the same"
    with loaded_gpkg_copy.transaction() as w:  # a new import: a new data version
        w.log_import("population", "test", "abc", 1, 1, pd.Timestamp("2026-01-01").date())
    assert data.current().id != version  # what the next request takes (webmap.cache: one version per request)
    with app.test_request_context():
        assert api._served_index("municipality", 9) is not index, "rebuilt for the new data version"
    again = client.get(url).get_json()
    assert [f["id"] for f in again["features"]] == [f["id"] for f in first["features"]]
