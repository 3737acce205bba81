"""``--norms`` must reach every exported table, and the CSV files carry the BOM they promise
(issue 17: only gaps.csv was checked, and the tests read the files with ``utf-8-sig``, which
passes with or without a BOM)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from geo_kissos.cli import main
from geo_kissos.export.tables import write_csv

BOM = b"\xef\xbb\xbf"


def _raw_csv(data: bytes) -> pd.DataFrame:
    """A CSV read from its bytes after checking (and cutting) the BOM."""
    assert data.startswith(BOM), data[:20]
    assert not data[3:].startswith(BOM)  # once
    return pd.read_csv(io.BytesIO(data[3:]), encoding="utf-8", dtype={"type_code": str, "code": str})


def test_write_csv_starts_with_one_bom_and_keeps_czech_letters(tmp_path):
    path = write_csv(pd.DataFrame({"name": ["Šternberk", "Lipník nad Bečvou"], "units": [1.5, 2.0]}),
                     tmp_path / "t.csv")
    data = path.read_bytes()
    df = _raw_csv(data)
    assert df["name"].tolist() == ["Šternberk", "Lipník nad Bečvou"]
    assert b"\r\n" not in data  # '\n' line ends, as documented


# mutant: the export's coverage table computed without ``norms=`` (only gaps.csv was checked)
def test_norms_reach_the_exported_coverage_table(loaded_gpkg_copy, tmp_path):
    norms = tmp_path / "normy.csv"
    norms.write_text("type_code,units_per_1000\n49,30.5\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["export", "--store", str(loaded_gpkg_copy.url), "--orp", "7110",
                                    "--norms", str(norms), "--formats", "csv", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    cov = _raw_csv(next(out.rglob("*_coverage_*.csv")).read_bytes())
    gaps = _raw_csv(next(out.rglob("*_gaps_*.csv")).read_bytes())
    for table in (cov, gaps):
        homes = table[table["type_code"] == "49"]
        assert len(homes) > 0
        assert set(homes["reference"]) == {"norm"}
        assert homes["reference_per_1000"].tolist() == pytest.approx([30.5] * len(homes))
        others = table[table["type_code"] != "49"]
        assert len(others) > 0 and set(others["reference"]) == {"regional_average"}
    homes = cov[(cov["type_code"] == "49") & (cov["target_population"] > 0)]
    assert homes["index"].tolist() == pytest.approx((homes["units_per_1000"] / 30.5).tolist())
