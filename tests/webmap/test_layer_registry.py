"""The registry of layer source kinds: a kind is one module and a TOML, what a layer leaves out
travels with it into the legend and the API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo_kissos import analysis as ga
from geo_kissos import layers as gl
from geo_kissos.errors import ConfigError
from geo_kissos.layers.sources import (
    LayerSource,
    LeftOut,
    SourceValues,
    get_source,
    register_source,
    source_kinds,
    unregister_source,
)
from geo_kissos.store import Store
from webmap import create_app

KIND = "test-code-digit"
LAYER_TOML = f"""
id = "digits"
title_cs = "Poslední číslice kódu obce"
title_en = "Last digit of the municipality code"
kind = "choropleth"
source = "{KIND}:7"
measure = "digit"

[classification]
scheme = "EqualInterval"
k = 3

[legend]
unit = "b."
decimals = 0

[[popup]]
field = "plus"
label_cs = "číslice + argument"
"""
LEFT = LeftOut("test_left", "Nezapočteno – obce s kódem končícím nulou: 2 obce", 2, ("a", "b"))


class CodeDigitSource(LayerSource):
    """A test-only kind: the last digit of each municipality's code (ORP: their sum), two years."""

    kind = KIND
    measures = ("digit",)

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        return None if arg.isdigit() else f"not a number: {arg!r}"

    def years(self, store: Any) -> list[int]:
        return [2020, 2021]

    def values(self, store: Any, year: int) -> SourceValues:
        mun = store.read("municipality")
        codes = mun["municipality_code"].astype(str)
        digit = codes.str[-1].astype(float).to_numpy()
        out = pd.DataFrame({"value": digit, "plus": digit + int(self.arg)}, index=codes.to_numpy())
        if self.level == "orp":
            out = out.groupby(mun["orp_code"].astype(str).to_numpy()).sum()
        return SourceValues(out, left_out=(LEFT,))

    def source_parts(self, store: Any) -> list[str]:
        return ["číslice kódů obcí (test)"]


@pytest.fixture
def code_digit_kind() -> Iterator[type[LayerSource]]:
    """The test-only kind, registered for one test."""
    register_source(CodeDigitSource)
    try:
        yield CodeDigitSource
    finally:
        unregister_source(KIND)


@pytest.fixture
def layers_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "digits.toml").write_text(LAYER_TOML, encoding="utf-8")
    return folder


def test_shipped_kinds_are_one_module_each() -> None:
    kinds = set(source_kinds())
    assert {"population", "indicator", "coverage", "gap", "access", "sites", "need", "agreement"} <= kinds
    modules = {k: get_source(k).__module__.rsplit(".", 1)[-1] for k in kinds}
    assert modules["population"] == "population" and modules["indicator"] == "indicator"
    assert {modules[k] for k in ("coverage", "gap", "access")} == {"analysis"}
    assert {modules[k] for k in ("need", "agreement")} == {"need"} and modules["sites"] == "sites"
    assert get_source("sites").layer_kind == "points" and get_source("coverage").needs_register
    assert gl.SOURCES == source_kinds() and gl.MEASURES["gap"] == ("deficit", "gap", "coverage_pct")


def test_a_new_kind_is_one_module_and_a_toml(code_digit_kind: type[LayerSource], layers_dir: Path,
                                             loaded_store: Store) -> None:
    layer = gl.load_layers(layers_dir)["digits"]
    assert layer.source_kind == KIND and KIND in gl.SOURCES
    frame = gl.layer_frame(loaded_store, layer)
    mun = loaded_store.read("municipality")
    expected = mun.set_index(mun["municipality_code"].astype(str))["municipality_code"].astype(str).str[-1]
    assert frame.attrs["year"] == 2021 and frame["year"].eq(2021).all()
    np.testing.assert_array_equal(frame["value"].to_numpy(float), expected.loc[frame["code"]].astype(float))
    assert (frame["plus"] == frame["value"] + 7).all()
    assert gl.layer_left_out(frame) == [LEFT.text]

    client = create_app({"STORE": loaded_store, "TILES": None, "LAYERS_DIR": layers_dir}).test_client()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<option value="digits"[^>]*>Poslední číslice kódu obce</option>', page)
    collections = client.get("/api/collections").get_json()["collections"]
    doc = next(c for c in collections if c["id"] == "digits")
    assert doc["source"] == f"{KIND}:7" and doc["years"] == [2020, 2021] and doc["year"] == 2021
    assert doc["leftOut"] == [LEFT.as_dict()] and doc["legend"]["leftOut"] == [LEFT.text]
    assert doc["sourceLine"].split(" – ")[-1].startswith("číslice kódů obcí (test)")
    assert [e["label"] for e in doc["legend"]["entries"]] == [label for label, _ in gl.layer_legend(layer, frame)]
    items = client.get("/api/collections/digits/items?year=2020&limit=5000").get_json()
    assert items["year"] == 2020 and items["numberMatched"] == len(mun)
    got = {f["properties"]["code"]: f["properties"]["value"] for f in items["features"]}
    assert got == {c: float(d) for c, d in expected.items()}
    assert items["legend"]["leftOut"] == [LEFT.text]


def test_a_new_kind_is_checked_like_the_others(code_digit_kind: type[LayerSource], layers_dir: Path) -> None:
    toml = layers_dir / "digits.toml"
    for old, new, message in [
        (f'"{KIND}:7"', f'"{KIND}:seven"', r"digits\.toml: source .*not a number: 'seven'"),
        ('measure = "digit"', 'measure = "share"', r"digits\.toml: measure 'share' is not one of \('digit',\)"),
        ('kind = "choropleth"', 'kind = "points"', r"digits\.toml: source .* does not fit kind 'points'"),
        ('id = "digits"', 'id = "digits"\nbins = 4', r"digits\.toml: unknown key\(s\) \['bins'\]"),
        ('k = 3', 'k = 3\nbins = 4', r"digits\.toml: unknown key\(s\) \['classification\.bins'\]"),
        ('decimals = 0', 'decimals = 0\n\n[[popup]]\nfield = "x"\nlabel_cs = "x"\nformat = "%"',
         r"digits\.toml: unknown key\(s\) \['popup\[0\]\.format'\]"),
    ]:
        toml.write_text(LAYER_TOML.replace(old, new), encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            gl.load_layers(layers_dir)


def test_unregistered_kind_is_refused_naming_the_file(layers_dir: Path) -> None:
    with pytest.raises(ConfigError, match=rf"digits\.toml: source '{KIND}:7': use one of .*population"):
        gl.load_layers(layers_dir)


def test_a_kind_is_registered_once(code_digit_kind: type[LayerSource]) -> None:
    class Other(CodeDigitSource):
        pass

    with pytest.raises(ConfigError, match=f"{KIND}.*is registered by"):
        register_source(Other)
    with pytest.raises(ConfigError, match="kind without ':'"):
        register_source(type("NoKind", (LayerSource,), {}))


@pytest.mark.filterwarnings("ignore:.*without units:UserWarning")
def test_services_left_out_travel_with_the_layer(loaded_store: Store) -> None:
    """Services of the type without units in the year: not counted, and said so (not muted)."""
    layer = gl.get_layer("coverage-40-orp")
    frame = gl.layer_frame(loaded_store, layer)
    year = int(frame.attrs["year"])
    left = {d["reason"]: d for d in frame.attrs["left_out"]}
    assert "without_units" in left, "the demo has services of § 40 without units"
    ids = set(left["without_units"]["ids"])
    assert left["without_units"]["count"] == len(ids) > 0
    inputs = ga.load_inputs(loaded_store, year)
    counted = set(inputs.services.loc[inputs.services["type_code"] == "40", "service_id"].astype(str))
    of_type = set(loaded_store.read("service", {"type_code": "40"})["service_id"].astype(str))
    assert not ids & counted and ids <= of_type
    assert sum(frame["units"].fillna(0)) == pytest.approx(
        float(inputs.services.loc[inputs.services["service_id"].isin(counted), "units"].sum()))
    assert any(t.startswith("Nezapočteno – bez kapacity") and str(year) in t for t in gl.layer_left_out(frame))

    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    doc = client.get("/api/collections/coverage-40-orp").get_json()
    assert doc["leftOut"] == frame.attrs["left_out"]
    assert doc["legend"]["leftOut"] == gl.layer_left_out(frame)
    pop = client.get("/api/collections/population-65-share").get_json()
    assert pop["leftOut"] == [] and pop["legend"]["leftOut"] == []


def test_no_muted_warnings_in_the_layers() -> None:
    folder = Path(gl.__file__).parent
    for path in folder.rglob("*.py"):
        assert "catch_warnings(" not in path.read_text(encoding="utf-8"), path


@pytest.mark.browser
def test_left_out_is_said_under_the_legend_in_chromium(browser, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="cs-CZ")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_url + "/")
    page.wait_for_function("() => window.GK && GK.ready === true", timeout=60_000)
    assert page.locator("#gk-legend-thematic .gk-left-out").count() == 0  # population: nothing left out
    page.select_option("#gk-layer", "coverage-40-orp")
    page.wait_for_function("() => document.querySelector('#gk-legend-thematic .gk-left-out') !== null",
                           timeout=60_000)
    api = json.loads(page.evaluate("fetch('/api/collections/coverage-40-orp').then(r => r.text())"))
    shown = page.locator("#gk-legend-thematic .gk-left-out").all_inner_texts()
    assert shown == api["legend"]["leftOut"] and any("bez kapacity" in t for t in shown)
    assert "§ 40" in page.locator("#gk-legend-thematic h3").inner_text() and not errors
    page.close()
