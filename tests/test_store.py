"""The store contract, run against both stores."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo_kissos import GpkgStore, StoreError, open_store
from geo_kissos.catalogue import SERVICE_TYPES
from geo_kissos.schema import TABLES


def _municipalities(names: tuple[str, str] = ("Alfa", "Beta")) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "municipality_code": ["900001", "900002"],
            "name": list(names),
            "orp_code": ["7107", "7107"],
            "region_code": ["CZ071", "CZ071"],
        },
        geometry=[shapely.MultiPolygon([shapely.box(x, 0, x + 10, 10)]) for x in (0, 10)],
        crs=5514,
    ).rename_geometry("geom")


def test_catalogues_loaded_by_migrations(empty_store):
    types = empty_store.read("service_type")
    assert len(types) == len(SERVICE_TYPES) == 33
    assert set(types["type_code"]) >= {"49", "50", "60a", "70"}
    assert types.set_index("type_code").loc["49", "unit"] == "beds"
    assert empty_store.count("indicator_def") > 5


def test_every_table_reads_empty_with_schema_columns(empty_store):
    for name, spec in TABLES.items():
        df = empty_store.read(name)
        assert list(df.columns) == list(spec.columns), name
        if spec.geometry_type:
            assert df.crs.to_epsg() == 5514


def test_upsert_replaces_by_key_and_roundtrips_types(empty_store):
    with empty_store.transaction() as w:
        w.upsert("municipality", _municipalities())
        w.upsert("population", pd.DataFrame(
            {"municipality_code": ["900001"], "year": [2024], "age_band": ["65+"], "persons": [120]}))
    with empty_store.transaction() as w:
        w.upsert("municipality", _municipalities(("Alfa", "Beta nová")).iloc[[1]])
    mun = empty_store.read("municipality").sort_values("municipality_code")
    assert list(mun["name"]) == ["Alfa", "Beta nová"]
    assert mun.geometry.area.tolist() == [100.0, 100.0]
    pop = empty_store.read("population")
    assert pop.loc[0, "persons"] == 120 and str(pop["year"].dtype) == "Int64"


def test_failed_transaction_writes_nothing(empty_store):
    with empty_store.transaction() as w:
        w.upsert("municipality", _municipalities())
    with pytest.raises(RuntimeError), empty_store.transaction() as w:
        w.upsert("municipality", _municipalities(("X", "Y")))
        w.delete("region")
        raise RuntimeError("interrupted import")
    assert sorted(empty_store.read("municipality")["name"]) == ["Alfa", "Beta"]


def test_duplicate_keys_refused(empty_store):
    dup = pd.concat([_municipalities(), _municipalities()])
    with pytest.raises(StoreError, match="duplicate key"), empty_store.transaction() as w:
        w.upsert("municipality", dup)
    assert empty_store.count("municipality") == 0


def test_filters_and_delete(empty_store):
    with empty_store.transaction() as w:
        w.upsert("municipality", _municipalities())
    assert len(empty_store.read("municipality", {"municipality_code": ["900002"]})) == 1
    with empty_store.transaction() as w:
        assert w.delete("municipality", {"municipality_code": "900001"}) == 1
    assert empty_store.read("municipality")["municipality_code"].tolist() == ["900002"]


def test_geometry_must_be_in_5514(empty_store):
    wgs = _municipalities().to_crs(4326)
    with pytest.raises(StoreError, match="EPSG:5514"), empty_store.transaction() as w:
        w.upsert("municipality", wgs)


def test_import_log_and_data_date(empty_store):
    with empty_store.transaction() as w:
        w.log_import("test", "a.csv", "abc", 3, 3, pd.Timestamp("2025-06-30"))
    assert empty_store.already_imported("test", "abc")
    assert not empty_store.already_imported("test", "abd")
    assert empty_store.data_date() == pd.Timestamp("2025-06-30")


def test_open_store_dispatch(tmp_path):
    store = open_store(tmp_path / "x.gpkg")
    assert isinstance(store, GpkgStore)
    with pytest.raises(Exception, match="unsupported store URL"):
        open_store("mysql://x")


def test_gpkg_refuses_foreign_file(tmp_path):
    other = tmp_path / "other.gpkg"
    _municipalities().to_file(other, layer="obce")
    with pytest.raises(StoreError, match="not a geo-kissos GeoPackage"):
        GpkgStore(other)
