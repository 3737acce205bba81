"""The register's aggregates as they leave: the CLI, the gap-table column, the map frame."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from applicants_helpers import csv_bytes
from click.testing import CliRunner

from geo_kissos.analysis import applicants as agg
from geo_kissos.analysis import disclosure as dc
from geo_kissos.cli import main
from geo_kissos.collect import applicants as ap
from geo_kissos.store import GpkgStore

DAY = date(2026, 11, 30)
RCS = ["455101/123", "5606151232", "445312/789", "450101/001", "450101/002", "450101/003"]


def _url(store, request) -> str:
    return str(store.path) if isinstance(store, GpkgStore) else request.getfixturevalue("pg_url")


def test_cli_aggregate_gap_column_and_map_frame(homes_store, people, tmp_path, request) -> None:
    munis = homes_store.read("municipality").sort_values("municipality_code")
    a, b = (str(c) for c in munis["municipality_code"].iloc[:2])
    # five applicants in a, one in b (a small count, and b's ORP total may be small too)
    rows = [[f"S{i}", rc, a if i < 5 else b, "1.3.2025", "ano" if i < 2 else "ne", "čeká"] for i, rc in enumerate(RCS)]
    src = tmp_path / "seznam.csv"
    src.write_bytes(csv_bytes(rows))
    url = _url(homes_store, request)
    run = CliRunner().invoke(main, ["applicants", "upload", str(src), "--service", "A49", "--free-places", "1",
                                    "--data-date", DAY.isoformat(), "--store", url])
    assert run.exit_code == 0, run.output
    out = tmp_path / "zadatele.csv"
    run = CliRunner().invoke(main, ["applicants", "aggregate", "--year", "2026", "--out", str(out), "--store", url])
    assert run.exit_code == 0, run.output
    assert "6 applicants" in run.output
    text = out.read_text(encoding="utf-8-sig") + run.output
    assert "<5" in text
    for rc in RCS:
        assert rc not in text and rc.replace("/", "") not in text
    ind = homes_store.read("indicator_value", {"code": "WAITING_RESIDENTIAL", "year": 2026})
    assert len(ind) == len(munis) and ind["value"].sum() == 6 and set(ind["source"].str[:8]) == {"Evidence"}
    # the gap table: a column beside the 65+ population, NA for types without lists
    orp_a = str(munis["orp_code"].iloc[0])
    gaps = pd.DataFrame({"code": [orp_a, orp_a], "type_code": ["49", "50"], "target_population": [1000, 1000]})
    g = agg.with_waiting(homes_store, 2026, gaps)
    assert list(g.columns) == ["code", "type_code", "target_population", "waiting_applicants"]
    assert pd.isna(g["waiting_applicants"].iloc[1])
    assert g["waiting_applicants"].iloc[0] in (dc.HIDDEN, dc.SMALL) or int(g["waiting_applicants"].iloc[0]) >= 5
    assert agg.with_waiting(homes_store, 2025, gaps)["waiting_applicants"].isna().all()  # no lists of 2025
    # the map: b's single applicant is hidden, never drawn, labelled "<5"
    frame = pd.DataFrame({"code": munis["municipality_code"].astype(str), "orp_code": munis["orp_code"].astype(str),
                          "value": munis["municipality_code"].astype(str).map(
                              ind.set_index("municipality_code")["value"]).astype(float)})
    shown = agg.protect_layer_frame(frame, homes_store, 2026, "municipality")
    rb = shown[shown["code"] == b].iloc[0]
    assert np.isnan(rb["value"]) and rb["label"] == dc.SMALL
    va = shown.loc[shown["code"] == a, "value"].iloc[0]
    assert va == 5 or pd.isna(va)
    assert int(ap.provider_summary(homes_store, people["provider"].actor)["applications"].sum()) == 6
