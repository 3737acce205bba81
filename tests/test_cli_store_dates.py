"""Command-line guards a daily user trips over: a misspelt --store, an empty store, Czech dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from click.testing import CliRunner

from geo_kissos.cli import main
from geo_kissos.cli.options import parse_date_option
from geo_kissos.store import GpkgStore


def test_read_only_commands_do_not_create_a_store(tmp_path):
    """``store info``/``analysis``/``export`` on a misspelt path used to create an empty store."""
    missing = tmp_path / "typo" / "stroe.gpkg"
    for args in (["store", "info"], ["analysis", "gaps", "--year", "2025", "--out", str(tmp_path / "g.csv")],
                 ["export", "--orp", "Olomouc", "--out", str(tmp_path / "ex")]):
        res = CliRunner().invoke(main, [*args, "--store", str(missing)])
        assert res.exit_code == 2, res.output
        assert "no store at" in res.output and "geo-kissos setup" in res.output
    assert not missing.parent.exists()
    assert not (tmp_path / "g.csv").exists() and not (tmp_path / "ex").exists()


def test_analysis_on_a_store_without_boundaries_says_so(tmp_path):
    path = tmp_path / "empty.gpkg"
    GpkgStore(path).close()
    res = CliRunner().invoke(main, ["analysis", "gaps", "--year", "2025", "--store", str(path),
                                    "--out", str(tmp_path / "g.csv")])
    assert res.exit_code == 2, res.output
    assert "no municipalities loaded" in res.output  # was "no services with units in 2025"
    res = CliRunner().invoke(main, ["export", "--orp", "Olomouc", "--store", str(path),
                                    "--out", str(tmp_path / "ex")])
    assert res.exit_code == 2 and "no municipalities loaded" in res.output  # was "known: " (empty)
    res = CliRunner().invoke(main, ["store", "info", "--store", str(path)])
    assert res.exit_code == 0 and "data date: unknown" in res.output


def test_data_dates_are_czech_day_first_and_checked(tmp_path):
    assert parse_date_option("1.2.2025") == pd.Timestamp(dt.date(2025, 2, 1))  # was 2 January
    assert parse_date_option("2025-02-01") == pd.Timestamp(dt.date(2025, 2, 1))
    bad = tmp_path / "obce.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    res = CliRunner().invoke(main, ["boundaries", "load", str(bad), "--data-date", "yesterday",
                                    "--store", str(tmp_path / "s.gpkg")])
    assert res.exit_code == 2, (res.output, res.exception)  # was a DateParseError traceback
    assert "--data-date" in res.output and "'yesterday' is not a date" in res.output


def test_setup_never_writes_the_demo_over_a_users_files(tmp_path):
    """A data folder without boundaries/ used to get the synthetic demo written over its files
    (rpss.json, network.csv...) and loaded into the store."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "rpss.json").write_text('{"polozky": []}', encoding="utf-8")
    store = tmp_path / "s.gpkg"
    res = CliRunner().invoke(main, ["setup", "--data-dir", str(folder), "--store", str(store)])
    assert res.exit_code == 2, res.output
    assert "no boundaries/ folder" in res.output and "rpss.json" in res.output
    assert (folder / "rpss.json").read_text(encoding="utf-8") == '{"polozky": []}'
    assert sorted(p.name for p in folder.iterdir()) == ["rpss.json"] and not store.exists()
    res = CliRunner().invoke(main, ["demo", "build", str(folder)])
    assert res.exit_code == 2 and "not empty" in res.output
    res = CliRunner().invoke(main, ["demo", "build", str(tmp_path / "d"), "--municipalities", "0"])
    assert res.exit_code == 2 and "--municipalities" in res.output
    assert not (tmp_path / "d").exists()


def test_serve_refuses_a_missing_store(tmp_path):
    missing = tmp_path / "typo.gpkg"
    res = CliRunner().invoke(main, ["serve", "--store", str(missing), "--port", "0"])
    assert res.exit_code == 2, (res.output, res.exception)
    assert "no store at" in res.output and not missing.exists()
