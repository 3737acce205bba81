"""Layer definitions (``layers/*.toml``) and their frames, on both stores and on a known market."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box
from webmap_market import MARKET

from geo_kissos import layers as gl
from geo_kissos.errors import ConfigError, UnknownLayerError
from geo_kissos.layers.choropleth import _classify, distinct_bounds
from geo_kissos.store import GpkgStore, Store

REQUIRED = {
    "sites", "population-65-share", "care-allowance-per-1000", "coverage-49-municipality",
    "coverage-49-orp", "gap-49-orp", "unemployment-share", "coverage-40-orp",
}
CHOROPLETH_COLUMNS = ["code", "name", "orp_code", "orp_name", "value", "klass", "colour", "label"]
HEX = re.compile(r"^#[0-9a-f]{6}$")

MINIMAL = """
id = "x"
title_cs = "X"
title_en = "X"
kind = "choropleth"
source = "population:65+"
"""


def test_shipped_layers_load_and_cover_the_brief() -> None:
    layers = gl.load_layers()
    assert REQUIRED <= set(layers)
    for lid, layer in layers.items():
        assert layer.id == lid and layer.path is not None and layer.path.stem == lid
        assert layer.title_cs and layer.title_en
        assert all(HEX.match(c) for c in layer.colours)
        if layer.kind == "choropleth":
            assert layer.level in gl.LEVELS and len(layer.colours) >= layer.k
        else:
            assert layer.groups
    assert layers["coverage-49-orp"].level == "orp" and layers["coverage-49-municipality"].level == "municipality"
    assert layers["gap-49-orp"].source == "gap:49" and layers["care-allowance-per-1000"].measure == "per_1000"


def test_sites_groups_cover_every_service_type_once() -> None:
    from geo_kissos.catalogue import SERVICE_TYPE_BY_CODE

    sites = gl.get_layer("sites")
    seen = [t for g in sites.groups for t in g.types]
    assert sorted(seen) == sorted(SERVICE_TYPE_BY_CODE)


def test_unknown_layer() -> None:
    with pytest.raises(UnknownLayerError, match="no-such-layer"):
        gl.get_layer("no-such-layer")


def test_minimal_layer_defaults(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(MINIMAL, encoding="utf-8")
    layer = gl.get_layer("x", tmp_path)
    assert layer.level == "municipality" and layer.measure == "share" and layer.year is None
    assert layer.scheme == "FisherJenks" and layer.k == 5 and len(layer.colours) == 5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('kind2 = "x"\n', "unknown key"),
        ('level = "district"\n', "level"),
        ('measure = "median"\n', "measure"),
        ('year = "soon"\n', "year"),
        ('[classification]\nscheme = "Magic"\n', "scheme"),
        ('[classification]\nk = 12\n', "k must be"),
        ('[style]\ncolours = "NoSuchRamp"\n', "ColorBrewer"),
        ('[style]\ncolours = ["red"]\n', "hex"),
        ('[[popup]]\nlabel_cs = "x"\n', "popup\\[0\\].field"),
    ],
)
def test_invalid_layer_files_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "x.toml").write_text(MINIMAL + extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        gl.load_layers(tmp_path)


@pytest.mark.parametrize("source", ["coverage:99", "indicator:NOPE", "sites", "weather:rain"])
def test_invalid_sources(tmp_path: Path, source: str) -> None:
    (tmp_path / "x.toml").write_text(MINIMAL.replace("population:65+", source), encoding="utf-8")
    with pytest.raises(ConfigError, match="source"):
        gl.load_layers(tmp_path)


def test_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(ConfigError, match="also defined"):
        gl.load_layers(tmp_path)


def test_number_format_is_czech() -> None:
    assert gl.format_number(1234.56, 1) == "1\u00a0234,6"
    assert gl.format_number(float("nan")) == "–"


def _check_choropleth(frame, layer: gl.Layer, n_territories: int) -> None:
    assert frame.crs.to_epsg() == 5514
    assert list(frame.columns[: len(CHOROPLETH_COLUMNS)]) == CHOROPLETH_COLUMNS
    assert len(frame) == n_territories and frame["code"].is_unique
    assert frame["klass"].dtype.kind == "i"
    nodata = frame["value"].isna().to_numpy()
    assert ((frame["klass"] == -1).to_numpy() == nodata).all()
    assert (frame.loc[nodata, "colour"] == layer.no_data_colour).all()
    assert frame["colour"].map(lambda c: bool(HEX.match(c))).all()
    for p in layer.popup:
        assert p.field in frame.columns
    legend = gl.layer_legend(layer, frame)
    assert legend and all(HEX.match(c) for _, c in legend)
    assert (gl.NO_DATA_LABEL in [label for label, _ in legend]) == bool(nodata.any() or frame.attrs["bins"] == [])


@pytest.mark.parametrize("layer_id", sorted(REQUIRED - {"sites"}))
def test_choropleth_frames_on_both_stores(loaded_store: Store, layer_id: str) -> None:
    layer = gl.get_layer(layer_id)
    n = len(loaded_store.read("orp" if layer.level == "orp" else "municipality"))
    frame = gl.layer_frame(loaded_store, layer)
    _check_choropleth(frame, layer, n)


def test_points_frame_on_both_stores(loaded_store: Store) -> None:
    layer = gl.get_layer("sites")
    frame = gl.layer_frame(loaded_store, layer)
    assert frame.crs.to_epsg() == 5514
    assert list(frame.columns[:-1]) == list(gl.POINT_COLUMNS)
    assert len(frame) > 0, "the demo has located sites"
    site = loaded_store.read("site")
    located = set(site.loc[site.geometry.notna(), "site_id"].astype(str))
    assert set(frame["site_id"]) <= located  # never an unlocated site
    assert frame.geometry.notna().all() and frame["code"].is_unique


@pytest.mark.parametrize("layer_id", sorted(REQUIRED - {"sites"}))
def test_choropleth_values_on_a_known_market(market_store: Store, layer_id: str) -> None:
    layer = gl.get_layer(layer_id)
    frame = gl.layer_frame(market_store, layer)
    n = len(market_store.read("orp" if layer.level == "orp" else "municipality"))
    _check_choropleth(frame, layer, n)
    assert frame["value"].notna().all(), "the market store has data for every territory"
    # classes are ordered by value and colours follow the ramp
    bins = frame.attrs["bins"]
    assert bins == sorted(bins) and max(frame["value"]) == pytest.approx(bins[-1])
    for k, part in frame.groupby("klass"):
        assert (part["value"] <= bins[k] + 1e-9).all()
        if k > 0:
            assert (part["value"] > bins[k - 1]).all()
        assert set(part["colour"]) == {frame.attrs["colours"][k]}


# --------------------------------------------------------------------------- a hand-made store
# Four 10 km squares in a row, two ORPs, one region; every value below is read off this table.
#
#   code    name   ORP    total 2025  65+ 2025  PNP 2025  UNEMP 2025 (%)
#   500001  Alfa   9101   5000        1000      100       1.0
#   500002  Beta   9101   4000         500       60      10.0
#   500003  Gama   9102   8000        2000      240       2.0
#   500004  Delta  9102   1000         500       40      11.0
#
# 2024 has the same totals, twice the 65+ and other indicator values (a wrong year shows).
# § 49 homes: H1 60 beds in Alfa, H2 30 beds in Gama (network 2025); H3 (§ 49, 20 beds) has
# an unlocated site only (no point, so not on the map; its beds still count in coverage).
TINY = {
    "500001": ("Alfa", "9101", 5000, 1000, 100.0, 1.0),
    "500002": ("Beta", "9101", 4000, 500, 60.0, 10.0),
    "500003": ("Gama", "9102", 8000, 2000, 240.0, 2.0),
    "500004": ("Delta", "9102", 1000, 500, 40.0, 11.0),
}
TX, TY = -560_000.0, -1_130_000.0


def _square(k: int) -> MultiPolygon:
    return MultiPolygon([box(TX + k * 10_000, TY, TX + (k + 1) * 10_000, TY + 10_000)])


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A GeoPackage store holding only the :data:`TINY` region."""
    store = GpkgStore(tmp_path_factory.mktemp("tiny") / "store.gpkg")
    codes = list(TINY)
    mun = gpd.GeoDataFrame({
        "municipality_code": codes, "name": [TINY[c][0] for c in codes],
        "orp_code": [TINY[c][1] for c in codes],
        "orp_name": ["Orp Jedna" if TINY[c][1] == "9101" else "Orp Dva" for c in codes],
        "district_code": ["D1"] * 4, "district_name": ["Okres"] * 4,
        "region_code": ["R1"] * 4, "region_name": ["Kraj"] * 4,
    }, geometry=[_square(k) for k in range(4)], crs=5514).rename_geometry("geom")
    orp = gpd.GeoDataFrame({"orp_code": ["9101", "9102"], "name": ["Orp Jedna", "Orp Dva"],
                            "region_code": ["R1", "R1"]},
                           geometry=[MultiPolygon([box(TX, TY, TX + 20_000, TY + 10_000)]),
                                     MultiPolygon([box(TX + 20_000, TY, TX + 40_000, TY + 10_000)])],
                           crs=5514).rename_geometry("geom")
    region = gpd.GeoDataFrame({"region_code": ["R1"], "name": ["Kraj"]},
                              geometry=[MultiPolygon([box(TX, TY, TX + 40_000, TY + 10_000)])],
                              crs=5514).rename_geometry("geom")
    pop, ind = [], []
    for code, (_, _, total, aged, pnp, unemp) in TINY.items():
        for year, f in ((2024, 2), (2025, 1)):
            a = aged * f
            pop += [(code, year, "total", total), (code, year, "65+", a), (code, year, "80+", a // 4),
                    (code, year, "0-17", total // 5), (code, year, "18-64", total - a - total // 5)]
            ind += [(code, year, "PNP_TOTAL", pnp * f, "persons"),
                    (code, year, "UNEMP_SHARE", unemp + (year - 2025) * 5, "percent")]
    homes = [("H1", "500001", 60.0, Point(TX + 5_000, TY + 5_000)),
             ("H2", "500003", 30.0, Point(TX + 25_000, TY + 5_000)),
             ("H3", "500004", 20.0, None)]
    with store.transaction() as w:
        w.upsert("region", region)
        w.upsert("orp", orp)
        w.upsert("municipality", mun)
        w.upsert("population", pd.DataFrame(pop, columns=["municipality_code", "year", "age_band", "persons"]))
        w.upsert("indicator_value", pd.DataFrame(ind, columns=["municipality_code", "year", "code", "value", "unit"]))
        w.upsert("provider", pd.DataFrame({"ico": ["00000001"], "name": ["Poskytovatel, z. ú."]}))
        w.upsert("service", pd.DataFrame({
            "service_id": [h[0] for h in homes], "provider_ico": ["00000001"] * 3, "type_code": ["49"] * 3,
            "name": [f"Domov {h[0]}" for h in homes], "valid_from": [pd.Timestamp("2010-01-01")] * 3}))
        w.upsert("service_form", pd.DataFrame({"service_id": [h[0] for h in homes], "form": ["residential"] * 3}))
        w.upsert("capacity", pd.DataFrame({"service_id": [h[0] for h in homes], "form": ["residential"] * 3,
                                           "unit": ["beds"] * 3, "value": [h[2] for h in homes]}))
        w.upsert("network", pd.DataFrame({
            "service_id": [h[0] for h in homes], "year": [2025] * 3,
            "update_date": [pd.Timestamp("2025-03-31")] * 3, "units": [h[2] for h in homes],
            "unit": ["beds"] * 3, "status": ["approved"] * 3}))
        w.upsert("site", gpd.GeoDataFrame({
            "site_id": [f"{h[0]}-1" for h in homes], "service_id": [h[0] for h in homes],
            "name": [f"Domov {h[0]}" for h in homes], "municipality_code": [h[1] for h in homes],
            "location_quality": ["address_point", "address_point", "unlocated"]},
            geometry=gpd.GeoSeries([h[3] for h in homes], crs=5514), crs=5514).rename_geometry("geom"))
    return store


def _values(frame: gpd.GeoDataFrame, col: str = "value") -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(frame["code"], frame[col], strict=True)}


# mutants: a wrong band, year or join in the layer (the old test compared the value with the
# frame's own persons / population columns, which carry the same mistake)
def test_population_share_on_a_hand_made_store(tiny_store: Store) -> None:
    frame = gl.layer_frame(tiny_store, gl.get_layer("population-65-share"))
    assert frame.attrs["year"] == 2025
    assert _values(frame) == pytest.approx({"500001": 20.0, "500002": 12.5, "500003": 25.0, "500004": 50.0})
    assert _values(frame, "persons") == {"500001": 1000, "500002": 500, "500003": 2000, "500004": 500}
    older = gl.layer_frame(tiny_store, gl.get_layer("population-65-share"), year=2024)
    assert _values(older) == pytest.approx({"500001": 40.0, "500002": 25.0, "500003": 50.0, "500004": 100.0})


def test_indicator_per_1000_on_a_hand_made_store(tiny_store: Store) -> None:
    frame = gl.layer_frame(tiny_store, gl.get_layer("care-allowance-per-1000"))
    assert _values(frame) == pytest.approx({"500001": 20.0, "500002": 15.0, "500003": 30.0, "500004": 40.0})
    assert _values(frame, "population") == {"500001": 5000, "500002": 4000, "500003": 8000, "500004": 1000}


def test_coverage_per_municipality_and_orp_on_a_hand_made_store(tiny_store: Store) -> None:
    """§ 49: Alfa 60 beds / 1,000 aged 65+ = 60 per 1,000, Gama 30 / 2,000 = 15, Delta H3's 20 /
    500 = 40 (an unlocated site still counts where its municipality is); ORP 9101 60 / 1,500 =
    40, 9102 50 / 2,500 = 20 — population-weighted, not the mean of 60 and 0 or of 15 and 40."""
    mun = gl.layer_frame(tiny_store, gl.get_layer("coverage-49-municipality"))
    assert _values(mun) == pytest.approx({"500001": 60.0, "500002": 0.0, "500003": 15.0, "500004": 40.0})
    orp = gl.layer_frame(tiny_store, gl.get_layer("coverage-49-orp"))
    assert _values(orp) == pytest.approx({"9101": 40.0, "9102": 20.0})
    assert _values(orp, "units") == pytest.approx({"9101": 60.0, "9102": 50.0})
    assert _values(orp, "reference_per_1000") == pytest.approx({"9101": 27.5, "9102": 27.5})  # 110 / 4,000


def test_gap_deficit_on_a_hand_made_store(tiny_store: Store) -> None:
    """Need at the regional 27.5 per 1,000: 9101 41.25 beds (has 60), 9102 68.75 (has 50)."""
    frame = gl.layer_frame(tiny_store, gl.get_layer("gap-49-orp"))
    assert _values(frame) == pytest.approx({"9101": 0.0, "9102": 18.75})
    assert _values(frame, "need_units") == pytest.approx({"9101": 41.25, "9102": 68.75})
    assert _values(frame, "gap_units") == pytest.approx({"9101": 18.75, "9102": -18.75})
    assert _values(frame, "coverage_pct") == pytest.approx({"9101": 100 * 60 / 41.25, "9102": 100 * 50 / 68.75})
    assert _values(frame, "rank") == {"9101": 2.0, "9102": 1.0}


ORP_PERCENT = """
id = "unemployment-orp"
title_cs = "Nezaměstnanost – ORP"
title_en = "Unemployment – ORP"
kind = "choropleth"
level = "orp"
source = "indicator:UNEMP_SHARE"
measure = "value"
"""


# mutant: ORP values of a percentage indicator averaged over the municipalities instead of
# weighted by their population (no shipped layer took this path)
def test_orp_percentage_indicator_is_population_weighted(tiny_store: Store, tmp_path: Path) -> None:
    (tmp_path / "unemployment-orp.toml").write_text(ORP_PERCENT, encoding="utf-8")
    frame = gl.layer_frame(tiny_store, gl.get_layer("unemployment-orp", tmp_path))
    # 9101: (1.0 × 5,000 + 10.0 × 4,000) / 9,000 = 5.0 (the mean would be 5.5)
    # 9102: (2.0 × 8,000 + 11.0 × 1,000) / 9,000 = 3.0 (the mean would be 6.5)
    assert _values(frame) == pytest.approx({"9101": 5.0, "9102": 3.0})
    assert _values(frame, "population") == {"9101": 9000, "9102": 9000}
    older = gl.layer_frame(tiny_store, gl.get_layer("unemployment-orp", tmp_path), year=2024)
    assert _values(older) == pytest.approx({"9101": 0.0, "9102": -2.0})  # every value 5 lower


def test_points_of_a_hand_made_store(tiny_store: Store) -> None:
    frame = gl.layer_frame(tiny_store, gl.get_layer("sites"))
    assert frame["site_id"].tolist() == ["H1-1", "H2-1"]  # H3 has no point
    assert frame["capacity_beds"].tolist() == [60.0, 30.0]
    assert frame["orp_code"].tolist() == ["9101", "9102"]
    assert frame["provider_ico"].tolist() == ["00000001", "00000001"]


# bug: near-equal quantile bounds (1.0 and 1.0000000000000007, a rounding difference) were two
# bounds with an empty class between them
def test_near_equal_quantile_bounds_are_one_class(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(MINIMAL + '[classification]\nscheme = "Quantiles"\nk = 5\n',
                                     encoding="utf-8")
    layer = gl.get_layer("x", tmp_path)
    near = 1.0000000000000009
    values = np.array([1.0, 1.0, 1.0, near, 2.0, 3.0, 4.0, 5.0, np.nan])
    klass, bins = _classify(values, layer)
    assert klass.tolist() == [0, 0, 0, 0, 1, 2, 3, 3, -1]
    assert bins == pytest.approx([1.0, 2.2, 3.6, 5.0]) and bins[0] >= near
    assert np.bincount(klass[klass >= 0]).tolist() == [4, 1, 1, 2]  # no empty class
    assert distinct_bounds([1.0, 1.0000000000000009, 1.001, 2.0, 2.0]) == [1.0000000000000009, 1.001, 2.0]


def test_orp_filter_keeps_regional_bins(market_store: Store) -> None:
    layer = gl.get_layer("population-65-share")
    whole = gl.layer_frame(market_store, layer)
    orp_code = whole["orp_code"].iloc[0]
    part = gl.layer_frame(market_store, layer, orp=orp_code)
    assert 0 < len(part) < len(whole) and (part["orp_code"] == orp_code).all()
    assert part.attrs["bins"] == whole.attrs["bins"]
    assert gl.layer_legend(layer, part)[:-1] == gl.layer_legend(layer, whole)[:-1] or \
        gl.layer_legend(layer, part) == gl.layer_legend(layer, whole)
    merged = whole.set_index("code").loc[part["code"], ["klass", "colour"]]
    assert (merged["klass"].to_numpy() == part["klass"].to_numpy()).all()


def test_year_before_any_data_gives_no_data(market_store: Store) -> None:
    layer = gl.get_layer("population-65-share")
    frame = gl.layer_frame(market_store, layer, year=1990)
    assert (frame["klass"] == -1).all() and frame.attrs["bins"] == []
    assert gl.layer_legend(layer, frame) == [(gl.NO_DATA_LABEL, layer.no_data_colour)]


def test_explicit_year(market_store: Store) -> None:
    layer = gl.get_layer("unemployment-share")
    assert gl.layer_frame(market_store, layer, year=2024).attrs["year"] == 2024


def test_points_on_a_known_market(market_store: Store) -> None:
    layer = gl.get_layer("sites")
    frame = gl.layer_frame(market_store, layer)
    ours = frame[frame["service_id"].isin([m[0] for m in MARKET])].set_index("service_id")
    assert len(ours) == len(MARKET)
    home = ours.loc["T49A"]
    assert home["type_code"] == "49" and home["colour"] == layer.colour_of_type("49")
    assert "pobytová: 60 lůžek" in home["capacity"] and home["forms"] == "pobytová"
    assert home["provider_name"].startswith("Poskytovatel") and home["orp_code"]
    assert home["network_years"] == "2024;2025" and home["network_units"] == 60.0
    assert ours.loc["T40A", "form_codes"] == "outpatient;field"
    legend = gl.layer_legend(layer, frame)
    assert ("Pobytové služby pro seniory (§ 47, 49, 50, 52)", "#c0392b") in legend
    orp_code = home["orp_code"]
    part = gl.layer_frame(market_store, layer, orp=orp_code)
    assert len(part) and (part["orp_code"] == orp_code).all()
