"""``geo-kissos export`` and the Flask export blueprint, on a copy of the loaded GeoPackage store."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner
from export_helpers import LAYER
from flask import Flask

from geo_kissos.cli import main
from geo_kissos.export import UnknownOrpError
from webmap.exports import export_blueprint


@pytest.fixture
def store_path(loaded_gpkg_copy) -> str:
    return str(loaded_gpkg_copy.url)


def test_cli_exports_one_orp_by_name_without_diacritics(store_path, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "sternberk",
                                    "--formats", "csv,xlsx", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "ORP Šternberk" in res.output
    files = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert len(files) == 3
    assert any(f.endswith(".xlsx") for f in files)
    assert not any(f.endswith((".png", ".pdf", ".html")) for f in files)


def test_cli_needs_orp_or_all(store_path):
    res = CliRunner().invoke(main, ["export", "--store", store_path])
    assert res.exit_code == 2
    assert "--orp" in res.output


def test_cli_rejects_an_unknown_format(store_path):
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "7110",
                                    "--formats", "docx"])
    assert res.exit_code == 2
    assert "docx" in res.output


def test_cli_unknown_orp_names_the_known_ones(store_path, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "Olomouc", "--orp", "Praha",
                                    "--out", str(out)])
    assert isinstance(res.exception, UnknownOrpError)
    assert "Olomouc" in str(res.exception)
    assert not out.exists()  # checked before anything is written


def test_cli_lists_layers():
    res = CliRunner().invoke(main, ["export", "--list-layers"])
    assert res.exit_code == 0
    assert LAYER in res.output


@pytest.fixture
def client(loaded_gpkg_copy):
    app = Flask(__name__)
    app.config["EXPORT_STORE"] = loaded_gpkg_copy
    app.register_blueprint(export_blueprint)
    return app.test_client()


def test_web_serves_tables_with_a_download_name(client):
    r = client.get("/export/Šternberk/gaps.csv")
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    assert "sternberk_gaps_" in r.headers["Content-Disposition"]
    df = pd.read_csv(io.BytesIO(r.data), dtype={"code": str, "type_code": str}, encoding="utf-8-sig")
    assert set(df["code"]) == {"7110"} and len(df) > 0
    x = client.get("/export/7110/tables.xlsx")
    assert x.status_code == 200 and x.data[:2] == b"PK"


def test_web_serves_maps_and_reuses_them(client):
    r = client.get(f"/export/7110/{LAYER}.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    again = client.get(f"/export/7110/{LAYER}.pdf")
    assert again.data == r.data
    h = client.get(f"/export/7110/{LAYER}.html?inline=1")
    assert h.status_code == 200 and "inline" in h.headers["Content-Disposition"]
    assert b"cdn." not in h.data and b"<script>" in h.data


def test_web_errors(client):
    assert client.get("/export/Praha/gaps.csv").status_code == 404
    assert client.get("/export/7110/no-such-layer.png").status_code == 404
    assert client.get("/export/7110/gaps.docx").status_code == 404
    assert client.get(f"/export/7110/{LAYER}.png?sites=99").status_code == 400
    idx = client.get("/export/")
    assert idx.status_code == 200
    assert {o["code"] for o in idx.json["orps"]} >= {"7110"}
    assert any(la["id"] == LAYER for la in idx.json["layers"])


def test_blueprint_uses_the_web_maps_store(loaded_gpkg_copy):
    """Registered on the market map's app, the blueprint reads the app's own store."""
    from webmap import create_app

    app = create_app({"STORE": loaded_gpkg_copy, "TILES": None, "TESTING": True})
    if "export" not in app.blueprints:  # the market map may register it itself
        app.register_blueprint(export_blueprint)
    assert "EXPORT_STORE" not in app.config
    c = app.test_client()
    r = c.get("/export/7110/coverage.csv")
    assert r.status_code == 200
    assert "EXPORT_STORE" not in app.config  # no second store was opened
    assert c.get("/").status_code == 200  # the map itself still works


def test_web_index_gives_url_templates(client):
    orps = client.get("/export/").json["orps"]
    first = orps[0]
    assert first["map"] == f"/export/{first['code']}/{{layer}}.{{fmt}}"
    assert first["tables"]["tables.xlsx"] == f"/export/{first['code']}/tables.xlsx"


def test_cli_year_without_data_is_refused(store_path, tmp_path):
    """--year 2031 used to export the 2025 data silently, under 2025 file names."""
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "7110", "--year", "2031",
                                    "--formats", "csv", "--out", str(out), "-q"])
    assert res.exit_code == 2, res.output
    assert "--year" in res.output and "2031" in res.output
    assert not out.exists()


def test_cli_norms_file_from_czech_excel(store_path, tmp_path):
    """';' + decimal comma + cp1250 is read; a bad type code names the file, row and column."""
    norms = tmp_path / "normy.csv"
    norms.write_bytes("type_code;units_per_1000\n49;30,5\n".encode("cp1250"))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "7110", "--norms", str(norms),
                                    "--layer", "gap-49-orp", "--formats", "csv", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "warning: --norms" not in res.output  # tables only: nothing to warn about
    gaps = pd.read_csv(next(out.rglob("*_gaps_*.csv")), dtype={"type_code": str}).set_index("type_code")
    assert gaps.loc["49", "reference_per_1000"] == pytest.approx(30.5)
    norms.write_text("type_code,units_per_1000\n49,30\nDS,10\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "7110", "--norms", str(norms),
                                    "--formats", "csv", "--out", str(tmp_path / "bad"), "-q"])
    assert res.exit_code == 2, res.output
    assert "normy.csv, row 3, column 'type_code'" in res.output
    assert not (tmp_path / "bad").exists()


def test_cli_output_folder_problems_are_usage_errors(store_path, tmp_path):
    """A file where the folder should be used to end in a NotADirectoryError traceback."""
    blocker = tmp_path / "exports"
    blocker.write_text("not a folder", encoding="utf-8")
    for out in (blocker, blocker / "2025"):
        res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "7110", "--formats", "csv",
                                        "--out", str(out), "-q"])
        assert res.exit_code == 2, (res.output, res.exception)
        assert "--out" in res.output


def test_cli_an_orp_named_twice_is_exported_once(store_path, tmp_path):
    res = CliRunner().invoke(main, ["export", "--store", store_path, "--orp", "Šternberk", "--orp", "sternberk",
                                    "--orp", "7110", "--formats", "csv", "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    assert res.output.count("ORP Šternberk (7110)") == 1


def test_cli_says_the_map_ignores_norms(store_path, tmp_path):
    """With --norms the tables compare with the norm but the map page with the regional average:
    the coordinator is told, instead of finding two different gaps in one folder."""
    norms = tmp_path / "norms.csv"
    norms.write_text("type_code,units_per_1000\n49,40\n", encoding="utf-8")
    res = CliRunner().invoke(main, [
        "export", "--store", store_path, "--orp", "7110", "--norms", str(norms), "--layer", "gap-49-orp",
        "--formats", "png,csv", "--dpi", "50", "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output
    assert "--norms applies to the tables (CSV/XLSX) only" in res.stderr
