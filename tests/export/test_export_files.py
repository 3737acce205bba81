"""One ORP exported from each store (GeoPackage and PostGIS): the files and what is in them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from export_helpers import LAYER, pick_orp

from geo_kissos.analysis import compute_metrics, load_inputs
from geo_kissos.export import Exporter, read_xlsx_sheet
from geo_kissos.export.layout import A4_INCHES
from geo_kissos.layers import get_layer, layer_frame, layer_legend

CODE_COLUMNS = {"code": str, "type_code": str, "orp_code": str, "region_code": str}


def pdf_pages(path: Path) -> int:
    """Page count: pdfinfo when installed, and always the PDF's own page objects."""
    data = path.read_bytes()
    own = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
        assert pages == own
    return own


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=CODE_COLUMNS, encoding="utf-8-sig")


def test_every_format_is_written(orp_export):
    ex, res = orp_export
    assert set(res.files) == {"png", "pdf", "html", "gaps.csv", "coverage.csv", "xlsx"}
    for path in res.files.values():
        assert path.exists() and path.stat().st_size > 1000, path
        assert path.parent == res.directory
    assert res.directory.name.startswith(res.orp_code + "_")


def test_pdf_is_one_a4_page_with_czech_text(orp_export):
    ex, res = orp_export
    pdf = res.files["pdf"]
    assert pdf_pages(pdf) == 1
    data = pdf.read_bytes()
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(595.28, abs=0.5)  # 210 mm
    assert float(box.group(2)) == pytest.approx(841.89, abs=0.5)  # 297 mm
    assert b"DejaVu" in data  # embedded font with Czech diacritics
    assert b"CreationDate" not in data  # deterministic metadata
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        name = ex.data.orp_name(res.orp_code)
        assert f"ORP {name}" in text
        assert "Data k" in text and "Zdroj:" in text
        assert "km" in text  # scale bar


def test_png_is_a4_at_the_chosen_dpi(orp_export):
    ex, res = orp_export
    img = mpimg.imread(res.files["png"])
    w, h = int(A4_INCHES[0] * ex.dpi), int(A4_INCHES[1] * ex.dpi)  # matplotlib truncates
    assert img.shape[:2] == (h, w)
    # not blank: the map frame holds many colours (classes, grey neighbours, outlines)
    colours = np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50


def test_csv_tables_match_the_analysis_for_the_orp(orp_export, loaded_store):
    ex, res = orp_export
    inputs = load_inputs(loaded_store, ex.year)
    gaps = compute_metrics(inputs, with_access=False)["gaps"]
    expected = gaps[gaps["code"] == res.orp_code].reset_index(drop=True)
    got = read_csv(res.files["gaps.csv"])
    assert len(got) == len(expected) > 0
    assert list(got["type_code"]) == list(expected["type_code"])
    for col in ("units", "target_population", "need_units", "gap_units", "deficit_units"):
        np.testing.assert_allclose(got[col].to_numpy(float), expected[col].to_numpy(float), rtol=1e-12)
    assert set(got["code"]) == {res.orp_code}

    cov = read_csv(res.files["coverage.csv"])
    own = set(inputs.municipalities.loc[inputs.municipalities["orp_code"] == res.orp_code,
                                        "municipality_code"])
    assert set(cov["code"]) == own  # every municipality of the ORP, and only those
    assert set(cov["orp_code"]) == {res.orp_code}
    assert len(cov) == len(own) * len(inputs.type_codes())
    # the ORP's units are the sum over its municipalities, type by type
    by_type = cov.groupby("type_code")["units"].sum()
    np.testing.assert_allclose(by_type.reindex(got["type_code"]).to_numpy(float),
                               got["units"].to_numpy(float), rtol=1e-9, atol=1e-9)


def test_xlsx_has_the_same_rows_as_the_csv(orp_export):
    ex, res = orp_export
    for sheet, csv in (("gaps", "gaps.csv"), ("coverage", "coverage.csv")):
        x = read_xlsx_sheet(res.files["xlsx"], sheet)
        c = read_csv(res.files[csv])
        assert list(x.columns) == list(c.columns)
        assert len(x) == len(c)
        assert x["type_code"].astype(str).tolist() == c["type_code"].tolist()
        assert x["code"].astype(str).tolist() == c["code"].tolist()
        np.testing.assert_allclose(pd.to_numeric(x["units"]).to_numpy(float),
                                   c["units"].to_numpy(float), rtol=1e-12)
    about = read_xlsx_sheet(res.files["xlsx"], "about")
    assert res.orp_code in " ".join(map(str, about.iloc[:, 1]))
    # what the analysis left out is stated, with the count and the services (or that nothing was)
    left = ex.tables.left_out
    said = {k: v for k, v in zip(about["key"], about["value"], strict=True) if str(k).startswith("vynecháno")}
    if left.empty:
        assert list(said.values()) == ["nic: všechny služby roku jsou v tabulkách"]
    else:
        assert sum(int(str(v).split()[0]) for v in said.values()) == len(left)
        assert str(left["service_id"].iloc[0]) in " ".join(map(str, said.values()))


def test_tables_name_the_unit_of_each_type(orp_export):
    """``units`` mixes beds (residential types) and FTE (the rest): each row says which."""
    ex, res = orp_export
    for csv in ("gaps.csv", "coverage.csv"):
        t = read_csv(res.files[csv])
        cols = list(t.columns)
        assert cols[cols.index("type_code") + 1: cols.index("type_code") + 3] == ["type_name", "unit"]
        units = dict(zip(t["type_code"], t["unit"], strict=False))
        assert units.get("49", "beds") == "beds" and units.get("40", "fte") == "fte"
        assert set(t["unit"]) <= {"beds", "fte"}
    # the about sheet explains the columns a coordinator cannot guess (priority is region-wide)
    about = read_xlsx_sheet(res.files["xlsx"], "about").set_index("key")["value"]
    assert "chybí" in about["sloupec gap_units"]
    assert "v kraji" in about["sloupec priority"] and "lůžka" in about["sloupec unit"]


def test_classes_are_shared_across_orps(orp_export, loaded_store):
    ex, res = orp_export
    layer = get_layer(LAYER)
    region = layer_frame(loaded_store, layer, ex.year)
    assert ex.data.legend == layer_legend(layer, region)
    colour = region.set_index("code")["colour"]
    areas = ex.data.areas.set_index("code")["colour"]
    assert (areas.reindex(colour.index) == colour).all()


def test_same_input_gives_identical_files(orp_export, loaded_store, tmp_path):
    ex, res = orp_export
    again = Exporter(loaded_store, LAYER).export_orp(res.orp_code, tmp_path)
    for kind, path in res.files.items():
        assert again.files[kind].read_bytes() == path.read_bytes(), f"{kind} differs between runs"


def test_both_stores_give_the_same_tables(orp_export, _loaded_gpkg, tmp_path):
    """PostGIS and GeoPackage exports of the same data: identical CSV bytes."""
    ex, res = orp_export
    from geo_kissos.store import GpkgStore

    ref = Exporter(GpkgStore(_loaded_gpkg), LAYER).export_orp(res.orp_code, tmp_path, "csv")
    for kind in ("gaps.csv", "coverage.csv"):
        assert ref.files[kind].read_bytes() == res.files[kind].read_bytes()


@pytest.mark.browser
def test_html_works_offline_in_chromium(orp_export, browser):
    ex, res = orp_export
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    requests, failed, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = res.files["html"].resolve().as_uri()
    page.goto(url)
    page.wait_for_selector("path.leaflet-interactive")
    assert page.evaluate("typeof L") == "object"
    assert page.locator("svg path").count() > 0
    n_areas = int((ex.data.municipalities["orp_code"] == res.orp_code).sum())
    assert page.locator("path.leaflet-interactive").count() >= n_areas
    assert page.locator("#gk-legend").inner_text().startswith(ex.data.legend_title)
    assert ex.data.orp_name(res.orp_code) in page.locator("#gk-title").inner_text()
    assert failed == [] and errors == []
    assert requests == [url]  # nothing but the file itself: Leaflet is inlined
    # a metric scale only (no miles), and the source line covers neither the scale nor the legend
    scale = page.locator(".leaflet-control-scale-line")
    assert scale.count() == 1 and "mi" not in scale.inner_text().split()
    foot = page.locator("#gk-foot").bounding_box()
    for other in (page.locator(".leaflet-control-scale").bounding_box(),
                  page.locator("#gk-legend").bounding_box()):
        apart = (foot["x"] >= other["x"] + other["width"] or other["x"] >= foot["x"] + foot["width"]
                 or foot["y"] >= other["y"] + other["height"] or other["y"] >= foot["y"] + foot["height"])
        assert apart, (foot, other)
    page.close()


@pytest.mark.slow
def test_all_orps_and_the_atlas(loaded_gpkg_copy, tmp_path):
    ex = Exporter(loaded_gpkg_copy, LAYER)
    results, atlas = ex.export_all(tmp_path, "pdf", progress=False)
    n = len(ex.orp_codes())
    assert len(results) == n == len(loaded_gpkg_copy.read("orp"))
    assert atlas is not None and pdf_pages(atlas) == n + 1  # title page + one per ORP
    assert all(pdf_pages(r.files["pdf"]) == 1 for r in results)
    assert pick_orp(ex) in ex.orp_codes()


def test_the_footer_says_what_the_layer_leaves_out(loaded_store, tmp_path):
    """The map page's footer prints what the layer's numbers leave out, as the legend does."""
    from geo_kissos.export.mapdata import load_map_data
    from geo_kissos.export.maps import orp_figure
    from geo_kissos.layers import layer_left_out

    layer_id = "coverage-40-orp"  # the demo has § 40 services without units in the year
    data = load_map_data(loaded_store, layer_id, sites="none")
    expected = layer_left_out(layer_frame(loaded_store, get_layer(layer_id), data.year))
    assert expected and expected[0].startswith("Nezapočteno – bez kapacity")
    assert data.left_out == expected
    pdf = tmp_path / "page.pdf"
    orp_figure(data, data.orp_codes()[0]).savefig(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Nezapočteno" in " ".join(text.split())
