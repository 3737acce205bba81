"""The public surface of :mod:`geo_kissos.ingest` and its one CSV importer skeleton."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from click.testing import CliRunner

import geo_kissos.ingest as ingest
from geo_kissos.bootstrap import load_data_dir
from geo_kissos.cli import main
from geo_kissos.cli.ingest import group
from geo_kissos.errors import InputError
from geo_kissos.ingest import CSV_IMPORTERS, Batch, CsvImporter, ImportResult
from geo_kissos.ingest.common import Problems, stored_codes
from geo_kissos.store import Store


def test_every_public_name_exists_and_is_listed_once() -> None:
    assert len(ingest.__all__) == len(set(ingest.__all__))
    missing = [name for name in ingest.__all__ if not hasattr(ingest, name)]
    assert missing == []
    assert {"load_reach", "load_network", "load_population", "load_indicators", "CSV_IMPORTERS"} <= set(ingest.__all__)


def test_the_cli_has_one_command_per_importer_with_its_help() -> None:
    assert set(group.commands) == {"services", *(imp.kind for imp in CSV_IMPORTERS)}
    for imp in CSV_IMPORTERS:
        assert imp.help and group.commands[imp.kind].help == imp.help
        names = [p.name for p in group.commands[imp.kind].params]
        assert names == ["path", "store_url", "quiet", "data_date", "report"]


def test_cli_ingest_refuses_a_bad_file_with_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "indicators.csv"
    bad.write_text("kod_obce;rok;ukazatel;hodnota\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["ingest", "indicators", str(bad), "--store", str(tmp_path / "s.gpkg")])
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError)
    assert "municipality rows" in str(res.exception.problems[0].message)


class _Notes(CsvImporter):
    """A made-up kind (``kod_obce;rok;hodnota`` as indicator PNP_I): the skeleton alone does the rest."""

    kind = "test-notes"
    file_name = "notes.csv"
    table = "indicator_value"
    columns: ClassVar[dict[str, tuple[str, ...]]] = {"municipality_code": ("kod_obce",), "year": ("rok",),
                                                      "value": ("hodnota",)}
    required = ("municipality_code", "year", "value")
    help = "Import test notes."

    def prepare(self) -> None:
        self.known = stored_codes(self.store, "municipality", "municipality_code", self.path, "load boundaries first")
        self.rows: list[dict[str, object]] = []

    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        if row["municipality_code"] not in self.known:
            probs.add(f"row {lineno}", "kod_obce", "unknown municipality")
            return
        self.rows.append({"municipality_code": row["municipality_code"], "year": int(row["year"] or 0),
                          "code": "PNP_I", "value": float(row["value"] or 0), "unit": "persons"})

    def finish(self, result: ImportResult) -> Batch:
        return Batch(pd.DataFrame(self.rows), self.data_date, "made up")


def test_a_new_kind_is_one_subclass(territory: Store, tmp_path: Path) -> None:
    good = tmp_path / "notes.csv"
    good.write_text("kod_obce;rok;hodnota\n900001;2024;5\n900002;2024;7\n", encoding="utf-8")
    res = _Notes.load(territory, good, data_date=pd.Timestamp("2025-01-31"))
    assert not res.skipped and res.counts == {"indicator_value": 2}
    log = territory.read("import_log", {"kind": "test-notes"})
    assert log[["rows_read", "rows_written", "note"]].values.tolist() == [[2, 2, "made up"]]
    assert str(log["data_date"].iloc[0])[:10] == "2025-01-31"
    assert _Notes.load(territory, good).skipped  # same bytes: nothing read, nothing written
    assert len(territory.read("import_log", {"kind": "test-notes"})) == 1

    bad = tmp_path / "notes2.csv"
    bad.write_text("kod_obce;rok;hodnota\n900003;2024;1\n999999;2024;1\n888888;2024;1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _Notes.load(territory, bad, collect_all=True)
    assert [p.location for p in err.value.problems] == ["row 3", "row 4"]
    assert len(territory.read("indicator_value")) == 2  # one transaction: nothing of the bad file
    empty = tmp_path / "notes3.csv"
    empty.write_text("kod_obce;rok;hodnota\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        _Notes.load(territory, empty)


def test_setup_runs_the_importers_whose_files_are_there(territory: Store, small_boundaries: Path,
                                                       tmp_path: Path) -> None:
    """Without the register, the importers that need it (reach) are passed over; the others run."""
    (tmp_path / "boundaries").mkdir()
    shutil.copy(small_boundaries, tmp_path / "boundaries" / small_boundaries.name)
    (tmp_path / "reach.csv").write_text("identifikator;kod_obce;kod_orp\n1;900001;\n", encoding="utf-8")
    (tmp_path / "population.csv").write_text("vuzemi_kod,rok,vek_txt,hodnota\n900001,2024,,100\n",
                                             encoding="utf-8")
    results = load_data_dir(territory, tmp_path)
    assert [(r.kind, r.skipped) for r in results] == [("boundaries", True), ("population", False)]
    assert territory.read("population", {"municipality_code": "900001"})["persons"].tolist() == [100]
