"""``geo-kissos download`` against a real HTTP server on 127.0.0.1, into real stores (both backends)."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
from download_official import ADDRESS_MUNICIPALITIES, OUTSIDE_MUNICIPALITY, POPULATION, RPSS, SCHEMA, ZIP, Official

from geo_kissos.store import Store

LAST_MODIFIED_DATE = date(2026, 8, 3)


def _log(folder: Path) -> list[dict[str, str]]:
    with open(folder / "downloads.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_fetches_and_imports_the_region(empty_store: Store, run_download, data_folder: Path,
                                                 official: Official) -> None:
    res = run_download(empty_store)
    assert res.exit_code == 0, res.output
    # the files the loaders read, in the data folder
    for name in ("rpss.json", "rpss.schema.json", "druhy-socialni-sluzby.json", "cilove-skupiny-osoby.json",
                 "formy-soc-sluzby.json", "population.csv", "boundaries/arccr-obce.gpkg"):
        assert (data_folder / name).is_file(), name
    extracted = sorted(p.name for p in (data_folder / "adresni-mista").glob("*.csv"))
    assert extracted == [f"20260731_OB_{m}_ADR.csv" for m in ADDRESS_MUNICIPALITIES]  # not 554499
    assert OUTSIDE_MUNICIPALITY not in "".join(extracted)
    # byte for byte as published (cp1250 kept)
    assert "Souřadnice Y".encode("cp1250") in (data_folder / "adresni-mista" / extracted[0]).read_bytes()
    assert not [p for p in data_folder.iterdir() if p.name.startswith(".")]  # no staging or temp left
    # imported into the store
    assert empty_store.count("municipality") == 20
    svc = empty_store.read("service")
    assert len(svc) == 10
    sites = empty_store.read("site")
    assert set(sites["location_quality"]) == {"address_point"}
    assert empty_store.read("population")["municipality_code"].nunique() == 20
    log = empty_store.read("import_log")
    assert set(log["kind"]) == {"boundaries", "population", "services"}
    dates = dict(zip(log["kind"], pd.to_datetime(log["data_date"]).dt.date, strict=True))
    assert dates["services"] == LAST_MODIFIED_DATE  # the register's own date (HTTP Last-Modified), not today
    assert dates["boundaries"] == LAST_MODIFIED_DATE
    assert dates["population"].year >= 2020 and dates["population"] != date.today()  # casref_do of the file
    # the download log: address, data date and where it came from, sha256, count
    rows = {r["source"]: r for r in _log(data_folder)}
    assert rows["rpss"]["status"] == "imported"
    assert rows["rpss"]["url"] == f"{official.base}/{RPSS}"
    assert rows["rpss"]["sha256"] == _sha(data_folder / "rpss.json")
    assert (rows["rpss"]["records"], rows["rpss"]["data_date"], rows["rpss"]["date_from"]) == \
        ("10", "2026-08-03", "http")
    assert (rows["ruian-adresy"]["data_date"], rows["ruian-adresy"]["date_from"]) == ("2026-07-31", "feed")
    assert rows["ruian-adresy"]["records"] == "24"
    assert rows["ruian-adresy"]["url"].endswith("/vymenny_format/csv/20260731_OB_ADR_csv.zip")
    assert rows["population"]["date_from"] == "file"
    assert "rpss: imported (10 records; data date 2026-08-03 (http)" in res.output


def test_second_run_changes_nothing(empty_store: Store, run_download, data_folder: Path) -> None:
    assert run_download(empty_store).exit_code == 0
    before = {p: (p.stat().st_mtime_ns, _sha(p)) for p in data_folder.rglob("*") if p.is_file()
              and p.name != "downloads.csv"}
    log_before = empty_store.read("import_log")
    res = run_download(empty_store)
    assert res.exit_code == 0, res.output
    for line in res.output.splitlines():
        if line.startswith(("rpss:", "population:", "boundaries:", "druhy-socialni-sluzby:")):
            assert ": unchanged" in line, line
    assert "ruian-adresy: unchanged" in res.output
    after = {p: (p.stat().st_mtime_ns, _sha(p)) for p in data_folder.rglob("*") if p.is_file()
             and p.name != "downloads.csv"}
    assert after == before
    assert len(empty_store.read("import_log")) == len(log_before)
    assert "already imported" in res.output
    assert [r["status"] for r in _log(data_folder)].count("unchanged") >= 7


def test_count_jump_is_refused_and_the_last_good_data_stays(empty_store: Store, run_download, data_folder: Path,
                                                            official: Official) -> None:
    assert run_download(empty_store).exit_code == 0
    good = _sha(data_folder / "rpss.json")
    official.register(12)  # 10 -> 12 services: +20 %
    res = run_download(empty_store, "--source", "rpss")
    assert res.exit_code == 2
    assert "rpss: refused" in res.output
    assert "12 records against 10 in the last good file (+20.0%, more than ±5%)" in res.output
    assert "--accept-count-change" in res.output
    assert _sha(data_folder / "rpss.json") == good
    assert len(empty_store.read("service")) == 10
    assert _log(data_folder)[-1]["status"] == "refused"
    res = run_download(empty_store, "--source", "rpss", "--accept-count-change")
    assert res.exit_code == 0, res.output
    assert len(empty_store.read("service")) == 12


def test_a_small_count_change_is_accepted(gpkg_store: Store, run_download, official: Official) -> None:
    official.register(40)
    assert run_download(gpkg_store).exit_code == 0
    official.register(41)  # +2.5 %
    res = run_download(gpkg_store, "--source", "rpss")
    assert res.exit_code == 0, res.output
    assert len(gpkg_store.read("service")) == 41


def test_truncated_register_is_refused(empty_store: Store, run_download, data_folder: Path,
                                       official: Official) -> None:
    text = (official.root / RPSS).read_bytes()
    official.put(RPSS, text[: len(text) // 2])
    res = run_download(empty_store)
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("rpss:"))
    assert "refused" in line and "invalid or truncated JSON" in line and f"[{official.base}/{RPSS}]" in line
    assert not (data_folder / "rpss.json").exists()
    # the rest of the register's import is held back with it; other imports went ahead
    assert not (data_folder / "adresni-mista").exists()
    assert empty_store.count("service") == 0
    assert empty_store.count("municipality") == 20
    assert f"{official.base}/{RPSS}" in {r["url"] for r in _log(data_folder) if r["source"] == "rpss"}


def test_truncated_download_is_refused(gpkg_store: Store, run_download, data_folder: Path,
                                       official: Official) -> None:
    """The server announces the whole length and sends half: a short read, nothing written."""
    official.short.add(RPSS)  # type: ignore[attr-defined]
    res = run_download(gpkg_store, "--source", "rpss")
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("rpss:"))
    assert "refused" in line and "download failed after 1 attempt(s)" in line
    assert not (data_folder / "rpss.json").exists()
    assert not list(data_folder.rglob("*.tmp")) and not [p for p in data_folder.iterdir() if p.name.startswith(".")]


def test_truncated_zip_is_refused(gpkg_store: Store, run_download, data_folder: Path, official: Official) -> None:
    data = (official.root / ZIP).read_bytes()
    official.put(ZIP, data[: len(data) - 40])
    res = run_download(gpkg_store)
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("ruian-adresy:"))
    assert "refused" in line and "ZIP" in line and ZIP in line
    assert not (data_folder / "adresni-mista").exists()
    assert gpkg_store.count("service") == 0


def test_schema_invalid_register_is_refused(empty_store: Store, run_download, data_folder: Path,
                                            official: Official) -> None:
    assert run_download(empty_store).exit_code == 0
    good = _sha(data_folder / "rpss.json")
    doc = json.loads((official.root / RPSS).read_text(encoding="utf-8"))
    doc["polozky"][3]["druhSocialniSluzby"] = "domov"  # a string where the schema wants {"id": ...}
    del doc["polozky"][3]["poskytovatel"]
    official.put(RPSS, json.dumps(doc, ensure_ascii=False))
    res = run_download(empty_store, "--source", "rpss")
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("rpss:"))
    assert "refused" in line and "the import refused it" in line and "rpss.json" in line
    assert _sha(data_folder / "rpss.json") == good  # the last good file put back
    assert len(empty_store.read("service")) == 10


def test_missing_source_is_refused_and_named(empty_store: Store, run_download, data_folder: Path,
                                             official: Official) -> None:
    official.remove(POPULATION)
    official.remove(SCHEMA)  # optional: not published is no error
    res = run_download(empty_store)
    assert res.exit_code == 2
    assert f"population: refused [{official.base}/{POPULATION}] — the server answered HTTP 404" in res.output
    assert f"{official.base}/{POPULATION}" in {r["url"] for r in _log(data_folder) if r["source"] == "population"}
    assert "rpss-schema: not published" in res.output
    assert not (data_folder / "population.csv").exists()
    assert empty_store.count("population") == 0
    assert empty_store.count("service") == 10  # the other sources went ahead


def test_pinned_checksum_refuses_another_file(gpkg_store: Store, run_download, data_folder: Path) -> None:
    manifest = data_folder / "boundaries" / "arccr-obce.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('sha256 = ""', f'sha256 = "{"0" * 64}"'),
                        encoding="utf-8")
    res = run_download(gpkg_store, "--source", "boundaries")
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("boundaries:"))
    assert "refused" in line and "hash" in line.lower()
    assert not (data_folder / "boundaries" / "arccr-obce.gpkg").exists()
    assert gpkg_store.count("municipality") == 0


def test_a_service_feed_leading_to_a_dataset_feed_is_followed(gpkg_store: Store, run_download, data_folder: Path,
                                                              official: Official) -> None:
    """ČÚZK's service feed links a dataset feed, whose newest entry links the ZIP."""
    from download_official import FEED, atom_feed

    official.put("RUIAN-CSV-ADR-ST/datasetFeeds/adresy.xml", official.root.joinpath(FEED).read_text(encoding="utf-8"))
    older = atom_feed("https://vdp.cuzk.gov.cz/vymenny_format/csv/20260630_OB_ADR_csv.zip", "2026-06-30T23:00:00+02:00")
    service = atom_feed("datasetFeeds/adresy.xml").replace('type="application/zip"', 'type="application/atom+xml"')
    official.put(FEED, service)
    official.put("RUIAN-CSV-ADR-ST/old.xml", older)  # not linked: only the linked feed counts
    res = run_download(gpkg_store)
    assert res.exit_code == 0, res.output
    assert len(list((data_folder / "adresni-mista").glob("*.csv"))) == 2
    assert set(gpkg_store.read("site")["location_quality"]) == {"address_point"}
    res = run_download(gpkg_store, "--source", "ruian-adresy")
    assert "ruian-adresy: unchanged" in res.output and "--force fetches it" in res.output
    res = run_download(gpkg_store, "--source", "ruian-adresy", "--force")
    assert res.exit_code == 0, res.output
    assert "ruian-adresy: unchanged" in res.output and "same file as the one in place" in res.output


def test_list_names_the_sources_and_their_addresses(official: Official, data_folder: Path) -> None:
    from click.testing import CliRunner

    from geo_kissos.cli import main

    res = CliRunner().invoke(main, ["download", "--list", "--data-dir", str(data_folder), "--base-url", official.base])
    assert res.exit_code == 0, res.output
    assert f"{official.base}/{RPSS}" in res.output
    assert "ruian-adresy [services, atom-zip-csv] -> adresni-mista" in res.output
    assert f"{official.base}/hranice/obce.gpkg" in res.output  # the data folder's manifest wins
    assert "population [population, csv-rows] -> population.csv\n  ČSÚ – obyvatelstvo obcí podle věku\n" \
        "  (no download address)" in res.output


def test_refused_address_points_put_the_last_good_folder_back(gpkg_store: Store, run_download, data_folder: Path,
                                                              official: Official) -> None:
    """A new ZIP whose points lie outside Czechia: the import refuses it, the old folder returns."""
    from download_official import ADDRESS_HEADER, FEED, atom_feed

    assert run_download(gpkg_store).exit_code == 0
    folder = data_folder / "adresni-mista"
    before = {p.name: _sha(p) for p in folder.iterdir()}
    zip_rel = "vymenny_format/csv/20260831_OB_ADR_csv.zip"
    import zipfile

    def bad(mun: str, code: int) -> bytes:  # the address point of a facility, at (5 m, 7 m)
        return (f"{ADDRESS_HEADER}\r\n{code};{mun};Lipová;;;;;1;Lipová;1;Školní;č.p.;1;;;77900;5.00;7.00;"
                "2026-01-01T00:00:00\r\n").encode("cp1250")

    buf = official.root / "bad.zip"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("CSV/20260831_OB_900001_ADR.csv", bad("900001", 1000002))
        z.writestr("CSV/20260831_OB_900002_ADR.csv", bad("900002", 2000001))
    official.put(zip_rel, buf.read_bytes())
    official.put(FEED, atom_feed(f"https://vdp.cuzk.gov.cz/{zip_rel}", "2026-08-31T23:00:00+02:00"))
    res = run_download(gpkg_store, "--source", "ruian-adresy", "--accept-count-change")
    assert res.exit_code == 2
    line = next(ln for ln in res.output.splitlines() if ln.startswith("ruian-adresy:"))
    assert "refused" in line and "the import refused it" in line and "not an S-JTSK point in Czechia" in line
    assert zip_rel in line
    assert {p.name: _sha(p) for p in folder.iterdir()} == before
    assert not [p for p in data_folder.iterdir() if p.name.startswith(".")]
    assert set(gpkg_store.read("site")["location_quality"]) == {"address_point"}


def test_the_downloaded_folder_loads_offline_with_setup(gpkg_store: Store, run_download, data_folder: Path,
                                                        tmp_path: Path) -> None:
    """Copied elsewhere, the folder is all `geo-kissos setup` needs (address points from adresni-mista/)."""
    import shutil

    from click.testing import CliRunner

    from geo_kissos.cli import main
    from geo_kissos.store import GpkgStore

    assert run_download(gpkg_store).exit_code == 0
    copy = tmp_path / "offline"
    shutil.copytree(data_folder, copy)
    res = CliRunner().invoke(main, ["setup", "--data-dir", str(copy), "--store", str(tmp_path / "offline.gpkg")])
    assert res.exit_code == 0, res.output
    store = GpkgStore(tmp_path / "offline.gpkg")
    assert store.count("service") == 10
    assert set(store.read("site")["location_quality"]) == {"address_point"}


def test_a_boundary_manifest_without_download_address_is_skipped_saying_how(gpkg_store: Store, run_download,
                                                                            data_folder: Path) -> None:
    (data_folder / "boundaries" / "arccr-obce.toml").unlink()  # the repository's manifest: no download_url
    res = run_download(gpkg_store, "--source", "boundaries")
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if ln.startswith("boundaries:"))
    assert "skipped" in line and "download_url" in line and "arccr-obce.toml" in line
    assert gpkg_store.count("municipality") == 0


def test_a_source_without_address_is_skipped_saying_how(gpkg_store: Store, official: Official,
                                                        data_folder: Path) -> None:
    from click.testing import CliRunner

    from geo_kissos.cli import main

    res = CliRunner().invoke(main, ["download", "--region", "CZ071", "--data-dir", str(data_folder), "--base-url",
                                    official.base, "--store", gpkg_store.url, "--quiet", "--source", "population"])
    assert res.exit_code == 0, res.output
    assert "population: skipped [sources.toml] — no download address" in res.output
    assert "--url population=URL" in res.output
    assert not (data_folder / "population.csv").exists()
