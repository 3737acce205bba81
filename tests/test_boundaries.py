"""Boundary import: the real (or demo) region, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from geo_kissos import CRSError, InputError
from geo_kissos.cli import main
from geo_kissos.demo.territory import make_municipalities
from geo_kissos.ingest.boundaries import BoundarySource, load_boundaries, topology_warnings


def _snapshot(store) -> dict[str, object]:
    mun = store.read("municipality").sort_values("municipality_code")
    return {
        "codes": mun["municipality_code"].tolist(),
        "names": mun["name"].tolist(),
        "wkb": [g.wkb_hex for g in mun.geometry],
        "orp": store.count("orp"),
        "log": store.count("import_log"),
    }


@pytest.fixture(scope="module")
def small() -> gpd.GeoDataFrame:
    """40 municipalities of the demo generator (ArcČR field names)."""
    return make_municipalities(n=40, seed=3)


def test_region_loads_in_both_stores(loaded_store):
    mun = loaded_store.read("municipality")
    orp = loaded_store.read("orp")
    region = loaded_store.read("region")
    assert 350 <= len(mun) <= 450
    assert mun["municipality_code"].is_unique
    assert len(orp) == 13 and orp["orp_code"].nunique() == 13
    assert len(region) == 1
    total = region.area.sum()
    assert mun.area.sum() == pytest.approx(total, rel=1e-3)
    assert orp.area.sum() == pytest.approx(total, rel=1e-3)
    assert set(mun["orp_code"]) == set(orp["orp_code"])
    assert mun.crs.to_epsg() == 5514 and mun.is_valid.all()


def test_second_load_changes_nothing(empty_store, tmp_path, small):
    path = tmp_path / "obce.gpkg"
    small.to_file(path, layer="obce")
    first = load_boundaries(empty_store, path)
    assert first.counts["municipality"] == 40 and not first.skipped
    before = _snapshot(empty_store)
    again = load_boundaries(empty_store, path)
    assert again.skipped
    assert _snapshot(empty_store) == before


def test_any_declared_crs_is_reprojected(empty_store, tmp_path, small):
    path = tmp_path / "obce.geojson"
    small.to_crs(4326).to_file(path, driver="GeoJSON")
    load_boundaries(empty_store, path)
    mun = empty_store.read("municipality")
    assert mun.area.sum() == pytest.approx(small.area.sum(), rel=1e-6)


def _bad(tmp_path: Path, gdf: gpd.GeoDataFrame, name: str = "bad.gpkg") -> Path:
    path = tmp_path / name
    gdf.to_file(path, layer="obce")
    return path


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("duplicate", "feature 4 \\(KOD_OBEC=900003\\), field .KOD_OBEC.: code 900003 repeats feature 3"),
        ("no_orp", "feature 5 \\(KOD_OBEC=900005\\).*KOD_ORP.*has no ORP"),
        ("bad_code", "feature 2.*'12345' is not a 6-digit code"),
        ("empty_geometry", "feature 7 \\(KOD_OBEC=900007\\).*geometry.*no geometry"),
        ("line_geometry", "feature 4 \\(KOD_OBEC=900004\\).*LineString is not a polygon"),
    ],
)
def test_bad_file_refused_store_unchanged(empty_store, tmp_path, small, case, match):
    load_boundaries(empty_store, _bad(tmp_path, small, "good.gpkg"))
    before = _snapshot(empty_store)
    bad = small.copy()
    if case == "duplicate":
        bad.loc[bad.index[3], "KOD_OBEC"] = bad.loc[bad.index[2], "KOD_OBEC"]
    elif case == "no_orp":
        bad.loc[bad.index[4], "KOD_ORP"] = None
    elif case == "bad_code":
        bad.loc[bad.index[1], "KOD_OBEC"] = "12345"
    elif case == "empty_geometry":
        bad.loc[bad.index[6], "geometry"] = None
    elif case == "line_geometry":
        bad.loc[bad.index[3], "geometry"] = shapely.LineString([(0, 0), (1, 1)])
    bad["NAZ_OBEC"] = bad["NAZ_OBEC"] + " (nový)"
    with pytest.raises(InputError, match=f"bad.gpkg, {match}"):
        load_boundaries(empty_store, _bad(tmp_path, bad))
    assert _snapshot(empty_store) == before


def test_missing_crs_refused(empty_store, tmp_path, small):
    shp = tmp_path / "obce.shp"
    small.to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="obce.shp: no coordinate reference system"):
        load_boundaries(empty_store, shp)
    assert empty_store.count("municipality") == 0


def test_invalid_polygon_repaired_and_reported(empty_store, tmp_path, small):
    bad = small.copy()
    x0, y0, x1, y1 = bad.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    bad.loc[bad.index[0], "geometry"] = bowtie
    res = load_boundaries(empty_store, _bad(tmp_path, bad))
    assert any("feature 1 (KOD_OBEC=900001)" in w and "make_valid" in w for w in res.warnings)
    assert empty_store.read("municipality").is_valid.all()
    with pytest.raises(InputError, match="invalid geometry: Self-intersection"):
        load_boundaries(empty_store, _bad(tmp_path, bad.assign(NAZ_OBEC="x"), "b2.gpkg"), repair=False)


def test_overlaps_and_gaps_reported_with_codes(small):
    gdf = small.rename(columns={"KOD_OBEC": "municipality_code"}).copy()
    assert topology_warnings(gdf) == []
    a = gdf.index[0]
    gdf.loc[a, "geometry"] = gdf.loc[a, "geometry"].buffer(50)
    gdf.loc[gdf.index[10], "geometry"] = gdf.geometry.iloc[10].buffer(-80)
    warns = topology_warnings(gdf)
    assert any("900001 and" in w and "overlap" in w for w in warns)
    assert any(w.startswith("gap of") and "900011" in w for w in warns)


def test_manifest_maps_fields(empty_store, tmp_path, small):
    renamed = small.rename(columns={"KOD_OBEC": "KODOB", "NAZ_OBEC": "JMENO"})
    path = _bad(tmp_path, renamed, "vlastni.gpkg")
    with pytest.raises(InputError, match="no column for municipality_code"):
        load_boundaries(empty_store, path)
    manifest = tmp_path / "vlastni.toml"
    manifest.write_text(
        'id = "own"\ntitle = "t"\nurl = "file:"\nlicence = "CC BY 4.0"\n'
        '[fields]\nmunicipality_code = "KODOB"\nname = "JMENO"\n', encoding="utf-8")
    load_boundaries(empty_store, path, BoundarySource.from_toml(manifest))
    assert empty_store.count("municipality") == 40


def test_shipped_manifests_are_complete():
    from geo_kissos.config import boundaries_dir

    manifests = sorted(boundaries_dir().glob("*.toml"))
    assert manifests, "boundaries/ must describe the official sources"
    for m in manifests:
        s = BoundarySource.from_toml(m)
        assert s.url.startswith("https://") and s.licence and s.fields


def test_cli_load_reports_error_and_exit_code(tmp_path, small):
    from geo_kissos.cli import run  # noqa: F401 - the entry point used by the console script

    path = tmp_path / "obce.gpkg"
    small.to_file(path, layer="obce")
    runner = CliRunner()
    store = str(tmp_path / "s.gpkg")
    ok = runner.invoke(main, ["boundaries", "load", str(path), "--store", store])
    assert ok.exit_code == 0, ok.output
    assert "40 municipalities in" in ok.output
    shp = tmp_path / "nocrs.shp"
    small.to_file(shp)
    shp.with_suffix(".prj").unlink()
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "boundaries",
                           "load", str(shp), "--store", store], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "nocrs.shp: no coordinate reference system" in proc.stderr
    assert "Traceback" not in proc.stderr


def _relation_csv(path: Path, small: gpd.GeoDataFrame, encoding: str = "cp1250") -> Path:
    lines = ["KODJAZ,AKRCIS1,KODCIS1,CHODNOTA1,TEXT1,AKRCIS2,KODCIS2,CHODNOTA2,TEXT2"]
    for r in small.itertuples():
        lines.append(f"CS,OBEC,43,{r.KOD_OBEC},{r.NAZ_OBEC},ORP,65,{r.KOD_ORP},{r.NAZ_ORP}")
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def test_ruian_file_with_csu_orp_relation(empty_store, tmp_path, small):
    from geo_kissos.ingest.boundaries import read_orp_relation

    ruian = small.rename(columns={"KOD_OBEC": "KOD", "NAZ_OBEC": "NAZEV", "KOD_KRAJ": "VUSC_KOD"})
    ruian = ruian.drop(columns=["KOD_ORP", "NAZ_ORP"])
    path = _bad(tmp_path, ruian, "OBCE_P.gpkg")
    with pytest.raises(InputError, match="no column for orp_code"):
        load_boundaries(empty_store, path)
    rel = read_orp_relation(_relation_csv(tmp_path / "VAZ0043_0065.csv", small))
    load_boundaries(empty_store, path, orp_relation=rel)
    mun = empty_store.read("municipality")
    assert mun.set_index("municipality_code")["orp_code"].to_dict() == dict(
        zip(small["KOD_OBEC"], small["KOD_ORP"], strict=True))
    orp_names = set(empty_store.read("orp")["name"])
    assert orp_names == set(small["NAZ_ORP"])


def test_orp_relation_conflicts_named(tmp_path, small, empty_store):
    from geo_kissos.ingest.boundaries import read_orp_relation

    rel = read_orp_relation(_relation_csv(tmp_path / "v.csv", small, "utf-8"))
    code = small["KOD_OBEC"].iloc[0]
    rel[code] = ("7199", "Jinde")
    with pytest.raises(InputError, match=f"KOD_ORP.*ORP {small['KOD_ORP'].iloc[0]} in the file, 7199"):
        load_boundaries(empty_store, _bad(tmp_path, small), orp_relation=rel)
    broken = tmp_path / "broken.csv"
    broken.write_text("CHODNOTA1,TEXT1\n900001,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.csv, header, field 'CHODNOTA2': column missing"):
        read_orp_relation(broken)
