"""Layer definitions (``layers/*.toml``) and their frames, on both stores and on a known market."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from webmap_market import MARKET

from geo_kissos import layers as gl
from geo_kissos.errors import ConfigError, UnknownLayerError
from geo_kissos.store import Store

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
    located = loaded_store.read("site")
    assert len(frame) <= len(located)
    assert frame.geometry.notna().all()


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


def test_population_share_is_band_over_total(market_store: Store) -> None:
    frame = gl.layer_frame(market_store, gl.get_layer("population-65-share"))
    expected = 100 * frame["persons"] / frame["population"]
    np.testing.assert_allclose(frame["value"], expected)
    year = frame.attrs["year"]
    assert year == market_store.read("population")["year"].max()


def test_indicator_per_1000(market_store: Store) -> None:
    frame = gl.layer_frame(market_store, gl.get_layer("care-allowance-per-1000"))
    np.testing.assert_allclose(frame["value"], 1000 * frame["indicator"] / frame["population"])


def test_coverage_orp_is_population_weighted(market_store: Store) -> None:
    mun = gl.layer_frame(market_store, gl.get_layer("coverage-49-municipality"))
    orp = gl.layer_frame(market_store, gl.get_layer("coverage-49-orp"))
    sums = mun.groupby("orp_code")[["units", "target_population"]].sum()
    got = orp.set_index("code")
    np.testing.assert_allclose(got.loc[sums.index, "value"],
                               1000 * sums["units"] / sums["target_population"])
    svc = market_store.read("service")
    if set(svc.loc[svc["type_code"] == "49", "service_id"]) == {"T49A", "T49B"}:
        assert mun["units"].sum() == pytest.approx(100.0)  # 60 + 40 beds of the known market


def test_gap_deficit_matches_need_minus_units(market_store: Store) -> None:
    frame = gl.layer_frame(market_store, gl.get_layer("gap-49-orp"))
    np.testing.assert_allclose(frame["value"], (frame["need_units"] - frame["units"]).clip(lower=0))
    assert (frame["value"] > 0).any()


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
