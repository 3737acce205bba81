"""Reported needs in a real store (both backends): scopes, history, the XLSX template round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from geo_kissos.accounts import audit
from geo_kissos.accounts.testing import JESENIK, OLOMOUC, municipality_of
from geo_kissos.collect import needs, needs_template
from geo_kissos.errors import InputError, PermissionDenied

PERIOD = "2027-2029"


def test_coordinator_writes_own_orp_only(territory_store, accounts):
    store, jes = territory_store, accounts["jesenik"].actor
    own, other = municipality_of(store, JESENIK), municipality_of(store, OLOMOUC)
    w = needs.set_need(store, jes, period="2027–2029", municipality_code=own, type_code="§ 49",
                       level="high", source="community_plan", units_requested=12)
    rec = audit.get(store, needs.TABLE, w.key)
    # normalised on the server: period, § code; the ORP derived from the municipality
    assert (rec["period"], rec["type_code"], rec["orp_code"]) == (PERIOD, "49", JESENIK)
    with pytest.raises(PermissionDenied):
        needs.set_need(store, jes, period=PERIOD, municipality_code=other, type_code="49",
                       level="high", source="survey")
    # a crafted ORP code does not help: the server derives it from the municipality
    with pytest.raises(PermissionDenied):
        needs.write_entries(store, jes, [needs.NeedEntry(period=PERIOD, level="low", source="other",
                                                         municipality_code=other, orp_code=JESENIK,
                                                         type_code="49")])
    # a need of the whole ORP of another ORP
    with pytest.raises(PermissionDenied):
        needs.set_need(store, jes, period=PERIOD, orp_code=OLOMOUC, type_code="49", level="low", source="other")
    assert len(needs.needs_frame(store, PERIOD)) == 1


def test_same_need_again_updates_with_history(territory_store, accounts):
    store, jes = territory_store, accounts["jesenik"].actor
    own = municipality_of(store, JESENIK)
    first = needs.set_need(store, jes, period=PERIOD, municipality_code=own, type_code="49",
                           level="low", source="survey")
    second = needs.set_need(store, jes, period="2027 - 2029", municipality_code=own, type_code="49",
                            level="high", source="survey", justification="<b>čekatelé</b> =1+1")
    assert second.key == first.key and second.version == 2
    hist = audit.history(store, needs.TABLE, first.key)
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[1]["before"]["level"] == "low" and hist[1]["after"]["level"] == "high"
    assert len(needs.needs_frame(store, PERIOD)) == 1


def test_planner_reads_all_coordinator_reads_own(territory_store, accounts):
    store = territory_store
    needs.set_need(store, accounts["jesenik"].actor, period=PERIOD, municipality_code=municipality_of(store, JESENIK),
                   type_code="49", level="low", source="survey")
    needs.set_need(store, accounts["olomouc"].actor, period=PERIOD, municipality_code=municipality_of(store, OLOMOUC),
                   type_code="49", level="high", source="survey")
    assert set(needs.visible_needs(store, accounts["planner"].actor, PERIOD)["orp_code"]) == {JESENIK, OLOMOUC}
    assert set(needs.visible_needs(store, accounts["jesenik"].actor, PERIOD)["orp_code"]) == {JESENIK}
    assert needs.visible_needs(store, accounts["provider"].actor, PERIOD).empty
    with pytest.raises(PermissionDenied):
        needs.set_need(store, accounts["planner"].actor, period=PERIOD,
                       municipality_code=municipality_of(store, OLOMOUC), type_code="49", level="low", source="survey")


def test_bad_values_named(territory_store, accounts):
    store, jes = territory_store, accounts["jesenik"].actor
    own = municipality_of(store, JESENIK)
    with pytest.raises(InputError) as err:
        needs.set_need(store, jes, period="2029-2027", municipality_code=own, type_code="99",
                       level="huge", source="survey", units_requested=-3)
    fields = {p.field for p in err.value.problems}
    assert {"period", "type_code", "level", "units_requested"} <= fields
    assert needs.needs_frame(store).empty


def _fill(path: Path, rows: dict[str, dict[str, object]]) -> None:
    """Fill template rows by municipality code (first row of that code) and save."""
    wb = load_workbook(path)
    ws = wb[needs_template.SHEET]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(row=r, column=1).value
        if code in rows:
            for col, value in rows.pop(code).items():
                ws.cell(row=r, column=header.index(col) + 1, value=value)
    assert not rows, f"codes not in the template: {list(rows)}"
    wb.save(path)


def test_template_round_trip(territory_store, accounts, tmp_path):
    store, jes = territory_store, accounts["jesenik"].actor
    mun = store.read("municipality", {"orp_code": JESENIK}).sort_values("municipality_code")
    codes = list(mun["municipality_code"])
    wb = needs_template.template_workbook(store, jes, JESENIK, PERIOD)
    path = tmp_path / "potrebnost.xlsx"
    wb.save(path)
    ws = load_workbook(path)[needs_template.SHEET]
    assert [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)] == codes  # one to-do row each
    _fill(path, {
        codes[0]: {"Druh služby (§)": 49, "Potřeba": "vysoká", "Požadované jednotky": "12,5",
                   "Zdůvodnění": "čekatelé 120", "Zdroj": "komunitní plán"},
        codes[1]: {"Druh služby (§)": "§ 50", "Potřeba": "stredni", "Zdroj": "Průzkum obce"},
    })
    written = needs_template.upload_template(store, jes, path, JESENIK)
    assert len(written) == 2
    got = needs.needs_frame(store, PERIOD).set_index("municipality_code")
    assert got.loc[codes[0], "level"] == "high" and got.loc[codes[0], "units_requested"] == 12.5
    assert got.loc[codes[0], "source"] == "community_plan"
    assert got.loc[codes[1], ["type_code", "level", "source"]].tolist() == ["50", "medium", "survey"]
    # the same upload again changes nothing and records nothing
    log = len(store.read("audit_log"))
    assert needs_template.upload_template(store, jes, path, JESENIK) == []
    assert len(store.read("audit_log")) == log
    # text typed on the web that looks like a formula: in the next template it stays text
    needs.set_need(store, jes, period=PERIOD, municipality_code=codes[0], type_code="49", level="high",
                   source="community_plan", units_requested=12.5, justification='=HYPERLINK("http://x")')
    wb2 = needs_template.template_workbook(store, jes, JESENIK, PERIOD)
    path2 = tmp_path / "again.xlsx"
    wb2.save(path2)
    ws2 = load_workbook(path2)[needs_template.SHEET]
    cells = {ws2.cell(row=r, column=1).value: r for r in range(2, ws2.max_row + 1)}
    just = ws2.cell(row=cells[codes[0]], column=9)
    assert just.data_type == "s" and just.value.startswith("=HYPERLINK")
    assert ws2.cell(row=cells[codes[0]], column=7).value == "vysoká"
    assert [needs_template.entries_frame(needs_template.read_template(path2, JESENIK))["level"].tolist()] \
        == [["high", "medium"]]


def test_broken_template_writes_nothing(territory_store, accounts, tmp_path):
    store, jes = territory_store, accounts["jesenik"].actor
    codes = sorted(store.read("municipality", {"orp_code": JESENIK})["municipality_code"])
    path = tmp_path / "spatne.xlsx"
    needs_template.template_workbook(store, jes, JESENIK, PERIOD).save(path)
    _fill(path, {
        codes[0]: {"Druh služby (§)": "49", "Potřeba": "vysoká", "Zdroj": "jiné"},  # good
        codes[1]: {"Druh služby (§)": "49", "Potřeba": "obrovská", "Zdroj": "jiné"},  # bad level
        codes[2]: {"Druh služby (§)": "77", "Potřeba": "nízká", "Zdroj": "jiné",
                   "Požadované jednotky": "hodně"},  # bad type and units
    })
    with pytest.raises(InputError) as err:
        needs_template.upload_template(store, jes, path, JESENIK)
    where = {(p.location, p.field) for p in err.value.problems}
    assert ("řádek 3", "Potřeba") in where
    assert {("řádek 4", "Druh služby (§)"), ("řádek 4", "Požadované jednotky")} <= where
    assert all(p.source == "spatne.xlsx" for p in err.value.problems)
    assert needs.needs_frame(store).empty and store.read("audit_log", {"table_name": needs.TABLE}).empty


def test_template_of_another_orp_refused(territory_store, accounts, tmp_path):
    store = territory_store
    with pytest.raises(PermissionDenied):
        needs_template.template_workbook(store, accounts["jesenik"].actor, OLOMOUC, PERIOD)
    # a Jeseník coordinator's template with an Olomouc municipality typed in
    path = tmp_path / "t.xlsx"
    needs_template.template_workbook(store, accounts["jesenik"].actor, JESENIK, PERIOD).save(path)
    wb = load_workbook(path)
    ws = wb[needs_template.SHEET]
    ws.append([municipality_of(store, OLOMOUC), "", PERIOD, "49", "", "", "vysoká", "", "", "jiné"])
    wb.save(path)
    with pytest.raises(InputError, match="není v ORP 7102"):
        needs_template.upload_template(store, accounts["jesenik"].actor, path, JESENIK)
    assert needs.needs_frame(store).empty


def test_czech_excel_csv_upload(territory_store, accounts, tmp_path):
    store, jes = territory_store, accounts["jesenik"].actor
    code = municipality_of(store, JESENIK)
    text = ("Kód obce;Obec;Období;Druh služby (§);Název druhu;Cílová skupina;Potřeba;Požadované jednotky;"
            f"Zdůvodnění;Zdroj\r\n{code};x;2027–2029;§ 49;;;Vysoká;2,5;čekatelé;Sociální práce\r\n"
            "celé ORP;;2027-2029;;;senioři;nízká;;;jiné\r\n")
    path = tmp_path / "potrebnost.csv"
    path.write_bytes(text.encode("cp1250"))
    needs_template.upload_template(store, jes, path, JESENIK)
    got = needs.needs_frame(store, PERIOD)
    assert sorted(got["level"]) == ["high", "low"]
    whole = got[got["municipality_code"].isna()].iloc[0]
    assert (whole["orp_code"], whole["target_group"]) == (JESENIK, "senioři")
    assert pd.isna(whole["type_code"])


def test_gap_xlsx_has_the_needs_sheet(loaded_gpkg_copy, tmp_path):
    """`analysis gaps --needs-period` writes the comparison beside the gaps (the demo has a register)."""
    from click.testing import CliRunner

    from geo_kissos.accounts.roles import Actor
    from geo_kissos.cli import main
    from geo_kissos.export.tables import read_xlsx_sheet

    store = loaded_gpkg_copy
    year = int(store.read("network")["year"].max())
    code = municipality_of(store, JESENIK)
    needs.set_need(store, Actor.system("test"), period=PERIOD, municipality_code=code, type_code="49",
                   level="high", source="survey")
    out = tmp_path / "gaps.xlsx"
    res = CliRunner().invoke(main, ["analysis", "gaps", "--store", str(store.path), "--year", str(year),
                                    "--type", "49", "--needs-period", "2027–2029", "--out", str(out)])
    assert res.exit_code == 0, res.output
    gaps = read_xlsx_sheet(out, f"gaps {year}")
    cmp = read_xlsx_sheet(out, "potrebnost").set_index("orp_code")
    assert len(cmp) == len(gaps) == 13
    jes = cmp.loc[JESENIK]
    assert jes["reported_level"] == "high"
    share = float(gaps.set_index("code").loc[JESENIK, "deficit_share"])
    assert jes["agreement"] == ("both" if share >= 0.10 else "reported_only")
    assert set(cmp.drop(index=JESENIK)["agreement"]) <= {"computed_only", "neither"}


def test_need_layers_on_the_map(loaded_gpkg_copy):
    """The reported need per municipality and the agreement class per ORP, as map layers."""
    from geo_kissos.accounts.roles import Actor
    from geo_kissos.layers import layer_frame, layer_legend, load_layers

    store = loaded_gpkg_copy
    layers = load_layers()
    mun = sorted(store.read("municipality", {"orp_code": JESENIK})["municipality_code"])
    system = Actor.system("test")
    needs.set_need(store, system, period=PERIOD, municipality_code=mun[0], type_code="49", level="high",
                   source="survey", units_requested=20)
    needs.set_need(store, system, period=PERIOD, municipality_code=mun[1], type_code="49", level="none",
                   source="survey")
    needs.set_need(store, system, period=PERIOD, municipality_code=mun[2], type_code="50", level="high",
                   source="survey")  # another § type: not on the § 49 layer
    lay = layers["need-49-municipality"]
    f = layer_frame(store, lay).set_index("code")
    assert f.loc[mun[0], "label"] == "vysoká" and f.loc[mun[0], "units_requested"] == 20
    assert f.loc[mun[1], "label"] == "žádná"  # reported "none": a class, not missing
    assert f.loc[mun[2], "label"] == "obec nenahlásila" and f.loc[mun[2], "klass"] == -1
    assert f.attrs["period"] == PERIOD and int(f["year"].iloc[0]) == 2027
    legend = [label for label, _ in layer_legend(lay, f)]
    assert legend == ["žádná", "nízká", "střední", "vysoká", "obec nenahlásila"]
    agree = layers["agreement-49-orp"]
    a = layer_frame(store, agree).set_index("code")
    from geo_kissos.analysis.needs import needs_comparison
    cmp = needs_comparison(store, PERIOD, type_codes=["49"]).set_index("orp_code")
    expected = {"both": 0, "reported_only": 1, "computed_only": 2, "neither": 3}
    for orp_code, row in cmp.iterrows():
        assert a.loc[orp_code, "klass"] == expected[row["agreement"]]
    assert a.loc[JESENIK, "label"] in ("shoda: hlášená i vypočtená", "jen hlášená (prověřit)")
