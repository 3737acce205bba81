"""What every view says about its data, with or without the real folder beside the checkout.

* On the synthetic demo (``loaded_store``) the map page, the API landing, the export pages,
  their footers and the XLSX say "syntetická demo data", and the source line is the imported
  one (the demo's ``obce.gpkg`` has no manifest: no "RÚIAN/ArcČR" is claimed).
* On a store with territory and population but no register (the demo folder without
  ``rpss.json``: the shape of the real folder) the map opens on a layer that has data and every
  view of services says the register is not loaded and how to load one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.export import Exporter, read_xlsx_sheet
from geo_kissos.export.maps import _footer_lines
from geo_kissos.layers import get_layer, layer_frame, layer_legend, source_line
from geo_kissos.store import GpkgStore, Store
from webmap import create_app

NO_REGISTER = "Registr poskytovatelů sociálních služeb není nahrán"


@pytest.fixture(scope="module")
def no_register_store(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Demo boundaries, population and indicators, but no register, network or reach."""
    folder = tmp_path_factory.mktemp("no-register")
    shutil.copytree(data_dir / "boundaries", folder / "boundaries")
    for name in ("population.csv", "indicators.csv"):
        shutil.copy(data_dir / name, folder / name)
    store = GpkgStore(tmp_path_factory.mktemp("no-register-store") / "store.gpkg")
    load_data_dir(store, folder)
    return store


# --------------------------------------------------------------------------- synthetic demo
def test_demo_source_line_is_the_imported_one(loaded_store: Store):
    line = source_line(get_layer("population-65-share"), loaded_store)
    assert line.startswith("SYNTETICKÁ DEMO DATA – ")
    assert "hranice obcí: obce.gpkg" in line and "RÚIAN/ArcČR" not in line
    assert "population.csv, k 31. 12." in line
    ind = source_line(get_layer("care-allowance-per-1000"), loaded_store)
    assert "(synthetic demo)" in ind  # the indicator file's own zdroj
    reg = source_line(get_layer("coverage-49-orp"), loaded_store)
    assert "registr poskytovatelů sociálních služeb: rpss.json" in reg and "nenahrán" not in reg


def test_demo_page_and_api_say_synthetic(loaded_store: Store):
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    html = client.get("/").get_data(as_text=True)
    assert 'id="gk-synthetic"' in html and "SYNTETICKÁ DEMO DATA" in html
    assert "<title>Mapa trhu sociálních služeb · syntetická demo data · geo-kissos</title>" in html
    assert NO_REGISTER not in html and "(chybí registr)" not in html
    landing = client.get("/api/").get_json()
    assert landing["synthetic"] is True and "syntetická demo data" in landing["title"]
    col = client.get("/api/collections/population-65-share").get_json()
    assert col["sourceLine"].startswith("SYNTETICKÁ DEMO DATA") and col["notice"] == ""


def test_demo_exports_say_synthetic(loaded_store: Store, tmp_path: Path):
    ex = Exporter(loaded_store, "population-65-share")
    assert ex.data.synthetic and ex.data.subtitle.startswith("SYNTETICKÁ DEMO DATA · Rok ")
    assert _footer_lines(ex.data)[0].startswith("SYNTETICKÁ DEMO DATA · Data k ")
    res = ex.export_orp("Olomouc", tmp_path, "html,xlsx")
    page = res.files["html"].read_text(encoding="utf-8")
    assert "SYNTETICKÁ DEMO DATA" in page and "RÚIAN/ArcČR" not in page
    about = dict(read_xlsx_sheet(res.files["xlsx"], "about").values.tolist())
    assert about["data"] == "SYNTETICKÁ DEMO DATA" and "registr" not in about


# --------------------------------------------------------------------------- no register
def test_layers_without_register_say_so(no_register_store: Store):
    for lid in ("coverage-49-orp", "gap-49-orp", "access-49-municipality", "sites"):
        layer = get_layer(lid)
        frame = layer_frame(no_register_store, layer)
        assert frame.attrs["notice"].startswith(NO_REGISTER), lid
        assert "geo-kissos ingest services rpss.json" in frame.attrs["notice"]
        assert layer_legend(layer, frame) == [("registr služeb není nahrán", layer.no_data_colour)]
        if layer.kind == "choropleth":
            assert frame["value"].isna().all() and set(frame["label"]) == {"registr služeb není nahrán"}
    pop = layer_frame(no_register_store, get_layer("population-65-share"))
    assert pop.attrs["notice"] == "" and (pop["klass"] >= 0).any()


def test_map_opens_on_a_layer_with_data(no_register_store: Store):
    app = create_app({"STORE": no_register_store, "TILES": None, "DEFAULT_LAYER": "gap-49-orp"})
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<option value="population-65-share" selected>' in html
    assert html.count("(chybí registr)") == 5  # coverage ×3, gap, access
    assert 'id="gk-no-register"' in html and 'id="gk-f-type" disabled' in html
    assert "registr poskytovatelů sociálních služeb: nenahrán" in html


def test_export_without_register(no_register_store: Store, tmp_path: Path):
    ex = Exporter(no_register_store)
    assert ex.layer_id == "population-65-share"  # the default § 49 access layer needs a register
    res = ex.export_orp("Olomouc", tmp_path, "csv,xlsx")
    gaps = res.files["gaps.csv"].read_text(encoding="utf-8-sig").splitlines()
    assert gaps[0] == "poznamka" and gaps[1].strip("\"").startswith(NO_REGISTER) and len(gaps) == 2
    about = dict(read_xlsx_sheet(res.files["xlsx"], "about").values.tolist())
    assert about["registr"].startswith(NO_REGISTER)
    gap = Exporter(no_register_store, "gap-49-orp")
    assert gap.year is None and gap.data.notice.startswith(NO_REGISTER)
    assert gap.file_name("7107", "gaps") == "olomouc_gaps.csv"  # no year: none invented
    assert gap.atlas_title() == "Atlas pokrytí sociálními službami podle ORP"
    assert Exporter(no_register_store, "population-65-share").atlas_title() == "Atlas ORP: Olomoucký kraj"


def test_boundary_manifest_is_recorded_and_read_back(data_dir: Path, tmp_path: Path):
    from geo_kissos.ingest.boundaries import BoundarySource, load_boundaries
    from geo_kissos.layers.provenance import boundaries_source

    manifest = tmp_path / "obce.toml"
    manifest.write_text('id = "t"\ntitle = "Hranice obcí – testovací manifest"\npublisher = "Vydavatel; s. p."\n'
                        'url = "https://example.invalid/"\nlicence = "CC0"\n', encoding="utf-8")
    store = GpkgStore(tmp_path / "store.gpkg")
    load_boundaries(store, data_dir / "boundaries" / "obce.gpkg", BoundarySource.from_toml(manifest))
    src = boundaries_source(store)
    assert src.title == "Hranice obcí – testovací manifest" and src.publisher == "Vydavatel; s. p."
    assert src.file == "obce.gpkg"
    assert "hranice obcí: Hranice obcí – testovací manifest" in source_line(get_layer("population-65-share"), store)


def test_the_map_and_the_exporter_open_on_the_same_layer(loaded_store, no_register_store) -> None:
    """One default layer (:data:`geo_kissos.catalogue.DEFAULT_LAYER`) for the map and the exporter."""
    from geo_kissos.catalogue import DEFAULT_LAYER, FALLBACK_LAYER
    from geo_kissos.export.mapdata import default_layer
    from webmap.page import page_config

    app = create_app({"STORE": loaded_store, "TILES": None})
    assert app.config["DEFAULT_LAYER"] == DEFAULT_LAYER == default_layer(loaded_store)
    with app.test_request_context("/"):
        cfg = page_config(app.extensions["geo_kissos"], None, app.config["DEFAULT_LAYER"])
    assert cfg["defaultLayer"] == DEFAULT_LAYER
    # without a register both fall back to the population layer (the default needs the register)
    bare = create_app({"STORE": no_register_store, "TILES": None})
    with bare.test_request_context("/"):
        cfg = page_config(bare.extensions["geo_kissos"], None, bare.config["DEFAULT_LAYER"])
    assert cfg["defaultLayer"] == FALLBACK_LAYER == default_layer(no_register_store)
