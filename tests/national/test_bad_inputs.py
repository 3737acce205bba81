"""Bad inputs that crashed or passed (issue 16, item 6, the non-register part), on both stores.

Each must be refused (or warned about) with a message naming file, row/feature and field, and
leave the store as it was.
"""

from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd
import pytest

from geo_kissos import InputError
from geo_kissos.errors import CRSError
from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.network import load_network, load_reach
from geo_kissos.ingest.phenomena import load_indicators, load_population
from geo_kissos.ingest.user_tables import read_changes_file, read_norms_file

NETWORK_HEADER = "identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace\n"
POPULATION_HEADER = "hodnota,vek_txt,vuzemi_cis,vuzemi_kod,casref_do\n"
INDICATOR_HEADER = "kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat\n"


def _geojson(small_mun: gpd.GeoDataFrame, path: Path, epsg: int | None = 4326) -> dict:
    frame = small_mun.head(5) if epsg is None else small_mun.head(5).to_crs(epsg)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- tracebacks before
@pytest.mark.parametrize("loader", ["boundaries", "population", "indicators", "network", "reach"])
def test_folder_instead_of_file_refused(market, tmp_path, store_counts, loader):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "obce.gpkg").write_bytes(b"")
    load = {"boundaries": load_boundaries, "population": load_population, "indicators": load_indicators,
            "network": load_network, "reach": load_reach}[loader]
    before = store_counts(market)
    with pytest.raises(InputError, match=r"data: is a folder, not a (boundary )?file") as err:
        load(market, folder)
    if loader == "boundaries":
        assert "obce.gpkg" in str(err.value)  # says what the folder holds
    assert store_counts(market) == before


def test_geojson_in_cp1250_read_with_a_warning(empty_store, small_mun, tmp_path):
    path = tmp_path / "obce.geojson"
    doc = _geojson(small_mun, path)
    doc["features"][0]["properties"]["NAZ_OBEC"] = "Žďár nad Sázavou"
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("cp1250"))
    res = load_boundaries(empty_store, path)
    assert any("obce.geojson: text fields are not UTF-8" in w and "Windows-1250" in w for w in res.warnings)
    names = set(empty_store.read("municipality")["name"])
    assert "Žďár nad Sázavou" in names


@pytest.mark.parametrize("value, said", [(1e300, "is not longitude/latitude"),
                                         (float("nan"), "is not a finite number")])
def test_vertex_at_1e300_or_nan_refused(empty_store, small_mun, tmp_path, value, said):
    path = tmp_path / "obce.geojson"
    doc = _geojson(small_mun, path)
    ring = doc["features"][1]["geometry"]["coordinates"][0][0]
    ring[1] = [value, ring[1][1]]
    path.write_text(json.dumps(doc), encoding="utf-8")  # NaN is written as the bare token GDAL reads
    with pytest.raises(InputError, match=rf"obce.geojson, feature 2 \(KOD_OBEC=900002\), field 'geometry': "
                                         rf"vertex \((1e\+300|nan), [0-9.]+\) {said}"):
        load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


def test_persons_1e19_refused(territory, write_bytes, store_counts):
    path = write_bytes("population.csv", POPULATION_HEADER + "10000000000000000000,,43,900001,2024-12-31\n")
    before = store_counts(territory)
    with pytest.raises(InputError, match=r"population.csv, row 2 \(municipality 900001\), field 'hodnota': "
                                         r"10000000000000000000 persons is not plausible"):
        load_population(territory, path)
    assert store_counts(territory) == before


# --------------------------------------------------------------------------- accepted before
def test_lonlat_declared_as_sjtsk_refused(empty_store, small_mun, tmp_path):
    path = tmp_path / "obce.gpkg"
    small_mun.to_crs(4326).set_crs(5514, allow_override=True).to_file(path, layer="obce", engine="pyogrio")
    with pytest.raises(InputError, match=r"obce.gpkg, feature 1 \(KOD_OBEC=900001\), field 'geometry': vertex "
                                         r"\(1[0-9.]+, 4[0-9.]+\) lies outside Czechia in the declared CRS "
                                         r"EPSG:5514.*the CRS is wrong; they look like WGS 84 longitude/latitude"):
        load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


@pytest.mark.parametrize("text, said", [("1e15", "1e15 beds is not plausible"),
                                        ("1e308", "1e308 beds is not plausible")])
def test_network_units_beyond_bounds_refused(market, write_bytes, store_counts, text, said):
    path = write_bytes("network.csv", NETWORK_HEADER + f"3000002;2025;{text};beds;included;2025-03-31\n")
    before = store_counts(market)
    with pytest.raises(InputError, match=rf"network.csv, row 2 \(service 3000002\), field 'units': {said}"):
        load_network(market, path)
    assert store_counts(market) == before


@pytest.mark.parametrize("value", ["1e15", "1e308"])
def test_norm_beyond_bounds_refused(tmp_path, value):
    path = tmp_path / "norms.csv"
    path.write_text(f"type_code,units_per_1000\n49,{value}\n", encoding="utf-8")
    with pytest.raises(click.BadParameter, match=rf"norms.csv, row 2, column 'units_per_1000': {value} is not "
                                                 r"plausible as beds per 1,000 inhabitants \(at most 1,000\)"):
        read_norms_file(path)


@pytest.mark.parametrize("action, extra", [("add", ";49;-548000;-1121000"), ("resize", ";;;")])
def test_scenario_units_beyond_bounds_refused(tmp_path, action, extra):
    path = tmp_path / "changes.csv"
    path.write_text(f"action;service_id;units;type_code;x;y\n{action};S1;1e15{extra}\n", encoding="utf-8")
    with pytest.raises(click.BadParameter, match=r"changes.csv, row 2, column 'units': 1e15 is not plausible "
                                                 r"for one service"):
        read_changes_file(path)


@pytest.mark.parametrize("action", ["resize", "add"])
def test_scenario_units_bounded_in_the_library(market, action):
    from geo_kissos import analysis as ga
    from geo_kissos.analysis.errors import AnalysisError

    inputs = ga.load_inputs(market, 2025)
    change = {"action": action, "service_id": "3000002" if action == "resize" else "S1", "units": 1e308}
    if action == "add":
        change.update(type_code="49", municipality_code="900003")
    with pytest.raises(AnalysisError, match=r"scenario row 1: 1e\+308 units \(beds\) is not plausible for one "
                                            r"service \(at most 5,000\)"):
        ga.apply_scenario(inputs, pd.DataFrame([change]))


def test_reach_header_without_rows_refused(market, write_bytes, store_counts):
    path = write_bytes("reach.csv", "identifikator;kod_obce;kod_orp\n")
    before = store_counts(market)
    with pytest.raises(InputError, match=r"reach.csv, row 2: no data rows under the header"):
        load_reach(market, path)
    assert store_counts(market) == before


def test_network_data_date_in_2099_refused(market, write_bytes, store_counts):
    path = write_bytes("network.csv", NETWORK_HEADER + "3000002;2025;80;beds;included;2025-03-31\n")
    before = store_counts(market)
    with pytest.raises(InputError, match=r"network.csv, field '--data-date': data date 2099-01-01 is in the future"):
        load_network(market, path, data_date=datetime.date(2099, 1, 1))
    assert store_counts(market) == before
    future = write_bytes("network2.csv", NETWORK_HEADER + "3000002;2099;80;beds;included;2099-03-31\n")
    with pytest.raises(InputError, match=r"network2.csv, row 2 \(service 3000002\), field 'update_date': "
                                         r"update date 2099-03-31 is in the future"):
        load_network(market, future)
    assert store_counts(market) == before


# --------------------------------------------------------------------------- misleading before
def test_sjtsk_metres_declared_as_wgs84_refused(empty_store, small_mun, tmp_path):
    path = tmp_path / "obce.gpkg"
    small_mun.set_crs(4326, allow_override=True).to_file(path, layer="obce", engine="pyogrio")
    with _no_runtime_warning():
        with pytest.raises(InputError, match=r"obce.gpkg, feature 1 \(KOD_OBEC=900001\), field 'geometry': vertex "
                                             r"\(-[0-9.]+, -[0-9.]+\) is not longitude/latitude in the declared CRS "
                                             r"EPSG:4326.*they look like S-JTSK metres: declare EPSG:5514"):
            load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


def test_geojson_without_crs_in_metres_refused(empty_store, small_mun, tmp_path):
    path = tmp_path / "obce.geojson"
    doc = _geojson(small_mun, path, epsg=None)
    doc.pop("crs", None)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with _no_runtime_warning():
        with pytest.raises(InputError, match=r"obce.geojson, feature 1 \(KOD_OBEC=900001\), field 'geometry'.*"
                                             r"a GeoJSON without 'crs' is WGS 84 by RFC 7946.*"
                                             r"they look like S-JTSK metres"):
            load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


def test_unknown_epsg_code_refused(empty_store, small_mun, tmp_path):
    path = tmp_path / "obce.geojson"
    doc = _geojson(small_mun, path, epsg=None)
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::99999"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with _no_runtime_warning():
        with pytest.raises(CRSError, match=r"obce.geojson: the declared CRS 'urn:ogc:def:crs:EPSG::99999' is not "
                                           r"a coordinate reference system PROJ knows \(.*EPSG:99999"):
            load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


class _no_runtime_warning:
    """Fail when a RuntimeWarning (shapely's "invalid value encountered") escapes the block."""

    def __enter__(self) -> None:
        self._ctx = warnings.catch_warnings(record=True)
        self._seen = self._ctx.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc: object) -> bool:
        self._ctx.__exit__(*exc)
        runtime = [w for w in self._seen if issubclass(w.category, RuntimeWarning)]
        assert not runtime, f"RuntimeWarning escaped: {runtime[0].message}"
        return False
