"""Every view on the real region (``../shared/data``: territory, population, distraint; no
register, no network, no services): the CLI setup, the map page, the API, the ORP exports and
the atlas. Wherever the register is needed they say it is not loaded and how to load one.

Skipped, saying so, when the real folder is absent (fixture ``real_data_dir``).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from geo_kissos.cli import main
from geo_kissos.export import Exporter, read_xlsx_sheet
from geo_kissos.store import GpkgStore, Store
from webmap import create_app

NO_REGISTER = "Registr poskytovatelů sociálních služeb není nahrán"
LOAD_HINT = "geo-kissos ingest services rpss.json"


@pytest.fixture(scope="module")
def client(real_gpkg_store: Store):
    return create_app({"STORE": real_gpkg_store, "TILES": None}).test_client()


def test_cli_setup_loads_the_real_folder(real_data_dir: Path, tmp_path: Path):
    store = tmp_path / "store.gpkg"
    res = CliRunner().invoke(main, ["setup", "--data-dir", str(real_data_dir), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "municipality: 402, orp: 13" in res.output
    assert "population: 2010" in res.output and "indicator_value: 804" in res.output
    again = CliRunner().invoke(main, ["setup", "--data-dir", str(real_data_dir), "--store", str(store)])
    assert again.exit_code == 0 and again.output.count("already imported") == 3  # same files: skipped
    with GpkgStore(store) as s:
        assert s.count("municipality") == 402 and s.count("service") == 0


def test_map_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<option value="population-65-share" selected>' in html  # a layer that has data
    assert NO_REGISTER in html and LOAD_HINT in html
    assert "(chybí registr)" in html  # coverage/gap/access layers are marked in the picker
    assert "Obce Olomouckého kraje" in html  # source line from the boundary manifest
    assert "MMR ASZ Index sociálního vyloučení 2023" in html  # ... and from the indicators
    assert "registr poskytovatelů sociálních služeb: nenahrán" in html
    assert "Data: registr poskytovatelů sociálních služeb, ČSÚ, ÚP ČR" not in html  # no fixed line
    assert "gk-synthetic" not in html and "Traceback" not in html
    assert "Data k <strong id=\"gk-data-date\">31. 12. 2023</strong>" in html


def test_api_landing_and_collections(client):
    landing = client.get("/api/").get_json()
    assert landing["synthetic"] is False and "syntetick" not in landing["title"]
    cols = {c["id"]: c for c in client.get("/api/collections").get_json()["collections"]}
    d = cols["distraint-share"]
    assert d["years"] == [2023] and "15+" in d["legend"]["title_cs"] and d["notice"] == ""
    assert len(d["legend"]["entries"]) >= 3 and "MMR ASZ" in d["sourceLine"]
    assert d["dataDate"] == "31. 12. 2023"
    assert cols["population-65-share"]["dataDate"] == "31. 12. 2020"
    for lid in ("sites", "coverage-49-orp", "gap-49-orp", "access-49-municipality"):
        c = cols[lid]
        assert c["notice"].startswith(NO_REGISTER) and LOAD_HINT in c["notice"], lid
        assert [e["label"] for e in c["legend"]["entries"]] == ["registr služeb není nahrán"], lid
    care = cols["care-allowance-per-1000"]  # an indicator the real folder does not have
    assert "není nahrán" in care["notice"] and care["legend"]["entries"][0]["label"] == "ukazatel není nahrán"


def test_api_items(client):
    fc = client.get("/api/collections/distraint-share/items?limit=1000").get_json()
    assert fc["numberMatched"] == 402 and fc["notice"] == ""
    olomouc = next(f for f in fc["features"] if f["id"] == "500496")["properties"]
    assert olomouc["value"] == pytest.approx(7.11, abs=0.01) and olomouc["indicator:DISTRAINT_PERSONS"] == 6091
    assert olomouc["label"] == "7,1\u00a0%"
    gap = client.get("/api/collections/gap-49-orp/items").get_json()
    assert gap["numberMatched"] == 13 and gap["notice"].startswith(NO_REGISTER)
    labels = {f["properties"]["label"] for f in gap["features"]}
    assert labels == {"registr služeb není nahrán"}  # not "0" nor a bare "bez dat"
    assert all(f["properties"]["value"] is None for f in gap["features"])
    sites = client.get("/api/collections/sites/items").get_json()
    assert sites["numberMatched"] == 0 and sites["notice"].startswith(NO_REGISTER)


def test_export_routes(client):
    png = client.get("/export/Olomouc/distraint-share.png")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.data)).size == (1240, 1753)
    gaps = client.get("/export/Olomouc/gaps.csv")
    assert gaps.status_code == 200
    table = pd.read_csv(io.BytesIO(gaps.data), encoding="utf-8-sig")
    assert list(table.columns) == ["poznamka"] and table["poznamka"][0].startswith(NO_REGISTER)
    assert "olomouc_gaps_2020.csv" in gaps.headers["Content-Disposition"]  # population layer's year
    pdf = client.get("/export/Olomouc/gap-49-orp.pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    html = client.get("/export/Olomouc/coverage-49-municipality.html").get_data(as_text=True)
    assert "registr služeb není nahrán" in html.lower() and "RÚIAN/ArcČR" not in html


def test_cli_export_olomouc_falls_back_to_population(real_gpkg_store: Store, tmp_path: Path):
    res = CliRunner().invoke(
        main, ["export", "--orp", "Olomouc", "--out", str(tmp_path), "--store", str(real_gpkg_store.url), "-q"])
    assert res.exit_code == 0, res.output + res.stderr
    assert "no register of social services is loaded" in res.stderr and LOAD_HINT in res.stderr
    folder = tmp_path / "7107_olomouc"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["olomouc_coverage_2020.csv", "olomouc_gaps_2020.csv", "olomouc_population-65-share.html",
                     "olomouc_population-65-share.pdf", "olomouc_population-65-share.png",
                     "olomouc_tables_2020.xlsx"]
    about = dict(read_xlsx_sheet(folder / "olomouc_tables_2020.xlsx", "about").values.tolist())
    assert about["registr"].startswith(NO_REGISTER)
    assert "population.csv, k 31. 12. 2020" in about["zdroj mapy"] and about["data k"] == "31. 12. 2020"
    page = (folder / "olomouc_population-65-share.html").read_text(encoding="utf-8")
    assert "Obce Olomouckého kraje" in page and "SYNTETICK" not in page


def test_export_pages_say_what_is_missing(real_gpkg_store: Store):
    gap = Exporter(real_gpkg_store, "gap-49-orp")
    assert gap.data.notice.startswith(NO_REGISTER) and "Registr služeb není nahrán" in gap.data.subtitle
    assert gap.data.legend == [("registr služeb není nahrán", "#d9d9d9")]
    assert ("Registr služeb", "není nahrán") in gap.data.key_figures["7107"]
    assert gap.data.data_date == ""  # no date of another input (the population) passed off as its own
    texts = [t.get_text() for t in gap.figure("7107").findobj(match=lambda a: hasattr(a, "get_text"))]
    assert any(NO_REGISTER in t.replace("\n", " ") for t in texts)  # said across the map
    dist = Exporter(real_gpkg_store, "distraint-share")
    assert dist.data.notice == "" and dist.data.year == 2023 and dist.data.data_date == "31. 12. 2023"
    figures = dict(dist.data.key_figures["7107"])
    mun = real_gpkg_store.read("municipality")
    pop = real_gpkg_store.read("population", {"age_band": "total"})
    olomouc = pop[pop["municipality_code"].isin(mun.loc[mun["orp_code"] == "7107", "municipality_code"])]
    assert figures["Obcí"] == "46"
    assert figures["Obyvatel"].replace("\u00a0", "") == str(int(olomouc["persons"].sum()))
    assert figures["Registr služeb"] == "není nahrán"
    ind = real_gpkg_store.read("indicator_value", {"code": "DISTRAINT_PERSONS"})
    persons = ind[ind["municipality_code"].isin(mun.loc[mun["orp_code"] == "7107", "municipality_code"])]
    assert figures["Osoby v exekuci"].replace("\u00a0", "") == str(int(persons["value"].sum()))
    assert "MMR ASZ" in dist.data.source and "Obce Olomouckého kraje" in dist.data.source


def test_atlas(real_gpkg_store: Store, tmp_path: Path):
    results, atlas = Exporter(real_gpkg_store, "distraint-share").export_all(tmp_path, "pdf", progress=False)
    assert len(results) == 13 and atlas is not None
    assert len(re.findall(rb"/Type\s*/Page(?!s)", atlas.read_bytes())) == 14  # title page + 13 ORPs
    if shutil.which("pdftotext"):
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(atlas), "-"], capture_output=True,
                               text=True, check=True).stdout
        assert "Atlas ORP: Olomoucký kraj" in first and "Šternberk" in first
        assert "MMR ASZ" in first and "SYNTETICK" not in first
        assert "15+" in first  # the legend names the denominator


def test_atlas_of_a_register_layer_says_it_is_missing(real_gpkg_store: Store, tmp_path: Path):
    ex = Exporter(real_gpkg_store, "coverage-49-orp")
    from geo_kissos.export import overview_figure

    fig = overview_figure(ex.data, ex.atlas_title(), [("Olomouc", "2")])
    texts = " ".join(t.get_text().replace("\n", " ") for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))
    assert NO_REGISTER in texts and LOAD_HINT in texts and "registr služeb není nahrán" in texts
