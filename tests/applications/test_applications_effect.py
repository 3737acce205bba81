"""The effect of an application is its scenario computed with compare_scenario; it is computed
again when the data change; the ranked list and its XLSX carry the same numbers."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from geo_kissos.accounts import audit
from geo_kissos.accounts.testing import JESENIK, PROVIDER_ICO
from geo_kissos.analysis import load_inputs
from geo_kissos.analysis.application_effect import EffectCache, application_effect, data_key
from geo_kissos.analysis.scenarios import compare_scenario
from geo_kissos.collect import applications as A
from geo_kissos.collect import ranking


def _point(store, orp: str) -> tuple[float, float]:
    mun = store.read("municipality", {"orp_code": orp}).sort_values("municipality_code")
    p = mun["geom"].iloc[0].representative_point()
    return float(p.x), float(p.y)


def _inputs(store, year: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_inputs(store, year)


def test_effect_equals_the_scenario_computed_directly(loaded_gpkg_copy, planning):
    from geo_kissos.accounts.testing import seed_users

    store = loaded_gpkg_copy
    people = seed_users(store)
    x, y = _point(store, JESENIK)
    aid = A.file_application(store, people["provider"].actor, A.Application(
        round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO, units=20, type_code="49", x=x, y=y))
    app = audit.get(store, A.TABLE, {"application_id": aid})
    year = ranking.data_year(store, "OPEN")
    inputs = _inputs(store, year)
    effect = application_effect(inputs, app)
    # the same scenario, written by hand
    direct = compare_scenario(inputs, pd.DataFrame([{
        "action": "add", "service_id": "HAND1", "type_code": "49", "x": x, "y": y, "units": 20}]),
        type_codes=["49"])
    gaps = direct[(direct["table"] == "gaps") & (direct["code"] == JESENIK)].set_index("metric")
    for m in ("units", "gap_units", "coverage_pct", "units_per_1000"):
        assert np.isclose(effect.before[m], gaps.loc[m, "before"]) and np.isclose(effect.after[m], gaps.loc[m, "after"])
    acc = direct[(direct["table"] == "access") & (direct["code"] == JESENIK)].set_index("metric")
    assert np.isclose(effect.after["access_per_1000"], acc.loc["access_per_1000", "after"])
    assert effect.delta("units") == 20 and effect.delta("gap_units") > 0
    assert app["municipality_code"] in effect.gaining

    # a change of units: a resize
    sid = str(inputs.services.sort_values("service_id")["service_id"].iloc[0])
    cur = float(inputs.services.set_index("service_id").loc[sid, "units"])
    rec = {"application_id": "x", "kind": "change", "service_id": sid, "units": cur + 3,
           "type_code": str(inputs.services.set_index("service_id").loc[sid, "type_code"]),
           "orp_code": JESENIK}
    eff2 = application_effect(inputs, rec)
    direct2 = compare_scenario(inputs, pd.DataFrame([{"action": "resize", "service_id": sid, "units": cur + 3}]),
                               type_codes=[rec["type_code"]])
    pd.testing.assert_frame_equal(eff2.comparison.reset_index(drop=True), direct2.reset_index(drop=True))


def test_effect_recomputed_when_the_data_change(loaded_gpkg_copy, planning):
    from geo_kissos.accounts.testing import seed_users

    store = loaded_gpkg_copy
    people = seed_users(store)
    x, y = _point(store, JESENIK)
    first = A.file_application(store, people["provider"].actor, A.Application(
        round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO, units=20, type_code="49", x=x, y=y))
    app = audit.get(store, A.TABLE, {"application_id": first})
    cache = EffectCache()
    # data year = the network year here, so an approval changes the data the effect is computed on
    year = 2025
    e1 = cache.effect(store, app, year)
    assert cache.effect(store, app, year) is e1  # cached per data version
    key = data_key(store)
    # an approved application changes the network of that year: new data version, new numbers
    planner = people["planner"].actor
    other = A.file_application(store, people["provider"].actor, A.Application(
        round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO, units=30, type_code="49", x=x, y=y))
    A.record_opinion(store, people["jesenik"].actor, other, "positive")
    A.score_application(store, planner, other, {"plan": 1, "gap": 1, "quality": 1})
    A.recommend(store, planner, other, "approved", 30)
    written = A.to_network(store, planner, {**audit.get(store, A.TABLE, {"application_id": other}),
                                            "round_id": "OPEN"}, 30, date(2025, 6, 1))
    # to_network writes the round's network year (2026); the same service in 2025 for this check
    svc = store.read("service", {"service_id": written[0]["service_id"]}).assign(valid_from=date(2020, 1, 1))
    with store.transaction() as w:
        w.upsert("service", svc)
        w.upsert("network", pd.DataFrame([{**written[0], "year": 2025}]))
        w.log_import("test", "síť 2025", "x", 1, 1)
    assert data_key(store) != key
    e2 = cache.effect(store, app, year)
    assert e2 is not e1 and np.isclose(e2.before["units"], e1.before["units"] + 30)


def test_ranked_list_and_xlsx(loaded_gpkg_copy, planning, tmp_path):
    from geo_kissos.accounts.testing import seed_users

    store = loaded_gpkg_copy
    people = seed_users(store)
    planner, prov = people["planner"].actor, people["provider"].actor
    x, y = _point(store, JESENIK)
    ids = []
    for units, name, pts in ((10, "=HYPERLINK(\"http://x\")", (5, 5, 5)), (25, "Domov B", (2, 2, 2))):
        aid = A.file_application(store, prov, A.Application(round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO,
                                                            units=units, type_code="49", x=x, y=y, name=name))
        A.record_opinion(store, people["jesenik"].actor, aid, "positive")
        A.score_application(store, planner, aid, dict(zip(("plan", "gap", "quality"), pts, strict=True)))
        ids.append(aid)
    df = ranking.ranked_list(store, planner, "OPEN")
    assert df["application_id"].tolist() == ids and df["rank"].tolist() == [1, 2]
    assert df["score_total"].tolist() == [30.0, 12.0]
    assert (df["units_after"] - df["units_before"]).round(6).tolist() == [10.0, 25.0]
    assert (df["deficit_units_before"] > df["deficit_units_after"]).all()
    # a provider's ranked list holds only its own; a coordinator of another ORP sees none
    assert len(ranking.ranked_list(store, people["olomouc"].actor, "OPEN")) == 0
    path = ranking.write_ranked_xlsx(store, planner, "OPEN", tmp_path / "r.xlsx")
    ws = load_workbook(path)["poradi"]
    header = [c.value for c in ws[1]]
    name_col = header.index("název") + 1
    cell = ws.cell(row=2, column=name_col)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"  # text, never a formula
    assert ws.cell(row=2, column=header.index("body celkem (vážené)") + 1).value == 30


def test_cli_ranked(loaded_gpkg_copy, planning, tmp_path):
    from click.testing import CliRunner

    from geo_kissos.accounts.testing import seed_users
    from geo_kissos.cli import main

    store = loaded_gpkg_copy
    people = seed_users(store)
    x, y = _point(store, JESENIK)
    A.file_application(store, people["provider"].actor, A.Application(
        round_id="LATE", kind="new", provider_ico=PROVIDER_ICO, units=8, type_code="49", x=x, y=y))
    res = CliRunner().invoke(main, ["applications", "ranked", "LATE", "--store", str(store.path)])
    assert res.exit_code == 0, res.output
    assert "filed" in res.output and PROVIDER_ICO in res.output
    out = tmp_path / "r.xlsx"
    res = CliRunner().invoke(main, ["applications", "ranked", "LATE", "--store", str(store.path), "--out", str(out)])
    assert res.exit_code == 0 and out.stat().st_size > 0
    assert CliRunner().invoke(main, ["applications", "ranked", "NOPE", "--store", str(store.path)]).exit_code != 0


def test_orp_export_has_an_applications_sheet(loaded_gpkg_copy, planning, tmp_path):
    from geo_kissos.accounts.testing import seed_users
    from geo_kissos.export.exporter import Exporter
    from geo_kissos.export.tables import read_xlsx_sheet

    store = loaded_gpkg_copy
    people = seed_users(store)
    x, y = _point(store, JESENIK)
    aid = A.file_application(store, people["provider"].actor, A.Application(
        round_id="OPEN", kind="new", provider_ico=PROVIDER_ICO, units=8, type_code="49", x=x, y=y,
        name="=1+1"))
    ex = Exporter(store)
    files = ex.write_tables(JESENIK, tmp_path)
    assert "applications.csv" in files
    sheet = read_xlsx_sheet(files["xlsx"], "applications")
    assert sheet["application_id"].tolist() == [aid] and sheet["name"].tolist() == ["=1+1"]
    assert "'=1+1" in files["applications.csv"].read_text(encoding="utf-8-sig")  # neutralised in CSV
    (tmp_path / "o").mkdir()
    assert "applications.csv" not in ex.write_tables("7107", tmp_path / "o")  # none: no table
