"""The national folder end to end (``../shared/data-national``; skipped, saying so, when absent).

Loaded once into a GeoPackage (boundaries and population: what the folder holds), then every
ORP-level layer is asked of the API at a map zoom and the 65+ layer's classes are checked. Only
the GeoPackage: the national load takes ~10-40 s, the store-contract tests run on both stores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.config import REPO_ROOT
from geo_kissos.layers import get_layer, load_layers
from geo_kissos.layers.choropleth import choropleth_frame
from geo_kissos.store import GpkgStore
from webmap import create_app

NATIONAL = REPO_ROOT.parent / "shared" / "data-national"


@pytest.fixture(scope="module")
def national_store(tmp_path_factory: pytest.TempPathFactory):
    if not (NATIONAL / "boundaries").is_dir():
        pytest.skip(f"national data folder {NATIONAL} is absent: national-scale test skipped")
    store = GpkgStore(Path(tmp_path_factory.mktemp("national")) / "national.gpkg")
    results = load_data_dir(store, NATIONAL)
    yield store, results
    store.close()


def test_national_load_cleans_the_coverage(national_store):
    store, results = national_store
    boundaries = results[0]
    assert boundaries.counts == {"municipality": 6258, "orp": 206, "region": 14}
    cleaned = [w for w in boundaries.warnings if w.startswith("borders cleaned into a valid coverage")]
    assert len(cleaned) == 1 and "536113" in cleaned[0]  # Hynčina, overlapping Koruna and Tatenice
    assert shapely.coverage_is_valid(store.read("municipality").geometry.to_numpy())


def test_national_orp_layers_answer(national_store):
    store, _ = national_store
    client = create_app({"STORE": store, "TILES": None}).test_client()
    orp_layers = [lid for lid, layer in load_layers().items() if layer.kind == "choropleth" and layer.level == "orp"]
    assert orp_layers
    for lid in orp_layers:
        resp = client.get(f"/api/collections/{lid}/items?zoom=8&limit=1000")
        assert resp.status_code == 200, (lid, resp.get_data(as_text=True)[:300])
        assert len(resp.get_json()["features"]) == 206


def test_national_65_plus_classes(national_store):
    store, _ = national_store
    frame = choropleth_frame(store, get_layer("population-65-share"), None, None)
    bins = frame.attrs["bins"]
    assert len(bins) == 5 and all(a < b for a, b in zip(bins[:-1], bins[1:], strict=False))
    klass = frame["klass"].to_numpy()
    assert set(klass[klass >= 0]) == set(range(5))
    assert np.nanmax(frame["value"]) == bins[-1]
