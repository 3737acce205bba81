"""Imports of reach, network, population and indicators: both stores, known values, broken inputs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from geo_kissos import InputError
from geo_kissos.bootstrap import load_data_dir
from geo_kissos.ingest.network import load_network, load_reach
from geo_kissos.ingest.phenomena import load_indicators, load_population, parse_age_group
from geo_kissos.store import Store

POP_HEADER = ("idhod,hodnota,stapro_kod,pohlavi_cis,pohlavi_kod,vek_cis,vek_kod,vuzemi_cis,vuzemi_kod,casref_do,"
              "pohlavi_txt,vek_txt,vuzemi_txt\n")


def pop_row(code: str, persons: object, age: str, date: str = "2024-12-31", sex: str = "", level: str = "43") -> str:
    return f"1,{persons},2000,,{sex},7700,1,{level},{code},{date},,{age},Obec\n"


def five(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{lo} a více (více nebo rovno {lo})"
    return f"{lo} až {hi} (více nebo rovno {lo} a méně než {hi})"


# -- the whole demo folder, end to end ------------------------------------------------------------

def test_demo_folder_loads_in_dependency_order(empty_store: Store, demo_folder: Path):
    results = load_data_dir(empty_store, demo_folder)
    assert [r.kind for r in results] == ["boundaries", "services", "reach", "network", "population", "indicators"]
    # network: every row of the file, history of two updates per year kept
    net_file = pd.read_csv(demo_folder / "network.csv", sep=";", dtype={"identifikator": str})
    net = empty_store.read("network")
    assert len(net) == len(net_file)
    assert sorted(net["update_date"].dt.strftime("%m-%d").unique()) == ["03-31", "07-31"]
    assert net.groupby(["service_id", "year"]).size().max() == 2
    # reach: ORP rows expanded to the ORP's municipalities
    reach_file = pd.read_csv(demo_folder / "reach.csv", sep=";", dtype=str)
    reach = empty_store.read("reach")
    mun = empty_store.read("municipality")
    orp_row = reach_file.dropna(subset=["kod_orp"]).iloc[0]
    got = set(reach.loc[reach["service_id"] == orp_row["identifikator"], "municipality_code"])
    assert set(mun.loc[mun["orp_code"] == orp_row["kod_orp"], "municipality_code"]) <= got
    # population: 5 bands for every municipality and both years; seats larger
    pop = empty_store.read("population")
    assert len(pop) == len(mun) * 2 * 5
    total = pop[pop["age_band"] == "total"].set_index(["municipality_code", "year"])["persons"]
    assert total[("900007", 2024)] > 90_000  # Olomouc
    assert total.groupby(level=0).mean().iloc[13:].median() < 2_000
    wide = pop.pivot_table(index=["municipality_code", "year"], columns="age_band", values="persons")
    assert ((wide["0-17"] + wide["18-64"] + wide["65+"] - wide["total"]).abs() <= 2).all()
    assert (wide["80+"] <= wide["65+"]).all()
    # indicators: all catalogue codes requested by the issue, per municipality and year
    ind = empty_store.read("indicator_value")
    assert {"PNP_I", "PNP_IV", "PNP_TOTAL", "UNEMP_SHARE", "DISTRAINT_SHARE", "SVL_COUNT",
            "WAITING_RESIDENTIAL"} <= set(ind["code"])
    assert len(ind) == len(pd.read_csv(demo_folder / "indicators.csv", sep=";"))
    pnp = ind[ind["code"].str.match(r"PNP_I+V?$")].groupby(["municipality_code", "year"])["value"].sum()
    tot = ind[ind["code"] == "PNP_TOTAL"].set_index(["municipality_code", "year"])["value"]
    assert (pnp - tot.reindex(pnp.index)).abs().max() == 0
    log = empty_store.read("import_log").set_index("kind")
    assert log.loc["population", "data_date"] == pd.Timestamp("2025-12-31")
    # second run: every file skipped
    assert all(r.skipped for r in load_data_dir(empty_store, demo_folder))


# -- reach ---------------------------------------------------------------------------------------

def test_reach_known_values(market: Store, write_text, small_mun):
    path = write_text("reach.csv", "identifikator;kod_obce;kod_orp\n3000001;;7101\n3000002;900005;\n3000002;900006;\n")
    res = load_reach(market, path)
    in_7101 = set(small_mun.loc[small_mun["KOD_ORP"] == "7101", "KOD_OBEC"])
    reach = market.read("reach")
    assert set(reach.loc[reach["service_id"] == "3000001", "municipality_code"]) == in_7101
    assert set(reach.loc[reach["service_id"] == "3000002", "municipality_code"]) == {"900005", "900006"}
    assert res.counts["reach"] == len(in_7101) + 2
    # a new file replaces the reach of the services it names, only of those
    load_reach(market, write_text("reach2.csv", "service_id,municipality_code,orp_code\n3000002,900007,\n"))
    reach = market.read("reach")
    assert set(reach.loc[reach["service_id"] == "3000002", "municipality_code"]) == {"900007"}
    assert set(reach.loc[reach["service_id"] == "3000001", "municipality_code"]) == in_7101


def test_network_known_values_keep_history(market: Store, write_text):
    text = ("identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace\n"
            "3000001;2025;4,5;fte;included;2025-03-31\n"
            "3000001;2025;5.0;fte;changed;31.7.2025\n"
            "3000002;2025;80;beds;zařazena;2025-03-31\n")
    res = load_network(market, write_text("network.csv", text))
    assert res.counts["network"] == 3
    net = market.read("network").sort_values(["service_id", "update_date"])
    assert net["units"].tolist() == [4.5, 5.0, 80.0]
    assert net["status"].tolist() == ["included", "changed", "included"]
    assert market.read("import_log").set_index("kind").loc["network", "data_date"] == pd.Timestamp("2025-07-31")
    # the next update adds rows, the history stays
    load_network(market, write_text("network2.csv", "service_id,year,units,unit,status,update_date\n"
                                                    "3000001,2026,6,fte,changed,2026-03-31\n"))
    assert market.count("network") == 4


# -- population ----------------------------------------------------------------------------------

def test_age_groups_parse():
    assert parse_age_group("65 až 70 (více nebo rovno 65 a méně než 70)") == (65, 70)
    assert parse_age_group("95 a více (více nebo rovno 95)") == (95, None)
    assert parse_age_group("80+") == (80, None)
    assert parse_age_group("15-17") == (15, 18)
    assert parse_age_group("") is None
    assert isinstance(parse_age_group("senioři"), str)


def test_population_known_values(territory: Store, write_text):
    groups = [(a, a + 5) for a in range(0, 95, 5)] + [(95, None)]
    lines = [pop_row("900001", 100, five(lo, hi)) for lo, hi in groups]  # 2000 persons
    lines.append(pop_row("900001", 2000, ""))  # total row
    lines.append(pop_row("71", 9999, five(0, 5), level="100"))  # a region row: skipped
    lines.append(pop_row("500496", 500, five(0, 5)))  # outside the store: skipped
    # municipality 900002 has only per-sex rows: summed
    lines += [pop_row("900002", 30, "80+", sex="1"), pop_row("900002", 50, "80+", sex="2"),
              pop_row("900002", 200, "0-17", sex="1"), pop_row("900002", 220, "0-17", sex="2")]
    res = load_population(territory, write_text("population.csv", POP_HEADER + "".join(lines)))
    pop = territory.read("population").set_index(["municipality_code", "year", "age_band"])["persons"]
    assert pop[("900001", 2024, "total")] == 2000
    assert pop[("900001", 2024, "0-17")] == 360  # 0-14 (300) + 3/5 of 15-19 (60)
    assert pop[("900001", 2024, "18-64")] == 940  # 2/5 of 15-19 (40) + 18-64 (900)
    assert pop[("900001", 2024, "65+")] == 700
    assert pop[("900001", 2024, "80+")] == 400
    assert pop[("900002", 2024, "80+")] == 80
    assert pop[("900002", 2024, "0-17")] == 420
    assert pop[("900002", 2024, "total")] == 500
    assert res.counts["population"] == 10
    assert any("not in the store" in w for w in res.warnings)
    assert any("split" in w for w in res.warnings)


def test_indicators_known_values(territory: Store, write_text):
    text = ("kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat\n"
            "900001;2024;PNP_TOTAL;312;persons;MPSV;2024-12-31\n"
            "900001;2024;UNEMP_SHARE;4,25;;ÚP ČR;\n")
    res = load_indicators(territory, write_text("ind.csv", text), data_date=pd.Timestamp("2025-01-31"))
    ind = territory.read("indicator_value").set_index("code")
    assert res.counts["indicator_value"] == 2
    assert ind.loc["PNP_TOTAL", "value"] == 312 and ind.loc["UNEMP_SHARE", "value"] == 4.25
    assert ind.loc["UNEMP_SHARE", "unit"] == "percent"
    assert ind.loc["PNP_TOTAL", "data_date"] == pd.Timestamp("2024-12-31")
    assert ind.loc["UNEMP_SHARE", "data_date"] == pd.Timestamp("2025-01-31")


# -- broken inputs: message names file, row and field; nothing written ---------------------------

R = "identifikator;kod_obce;kod_orp\n"
N = "identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace\n"
I_ = "kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat\n"
BROKEN: list[tuple[str, Callable[..., object], str, str, str, str]] = [
    # (id, loader, file text, location, field, words)
    ("reach_unknown_service", load_reach, R + "3000001;900001;\n4000000;900001;\n", "row 3 (service 4000000)",
     "service_id", "unknown service"),
    ("reach_unknown_municipality", load_reach, R + "3000001;999999;\n", "row 2 (service 3000001)",
     "municipality_code", "unknown municipality 999999"),
    ("reach_bad_code", load_reach, R + "3000001;9001;\n", "row 2 (service 3000001)", "municipality_code", "6-digit"),
    ("reach_unknown_orp", load_reach, R + "3000001;;7199\n", "row 2 (service 3000001)", "orp_code", "unknown ORP"),
    ("reach_both_codes", load_reach, R + "3000001;900001;7101\n", "row 2 (service 3000001)", "municipality_code",
     "exactly one"),
    ("reach_missing_column", load_reach, "identifikator;kod_obce\n3000001;900001\n", "header", "orp_code",
     "column missing"),
    ("network_negative", load_network, N + "3000001;2025;-1;fte;included;2025-03-31\n", "row 2 (service 3000001)",
     "units", "negative"),
    ("network_text_units", load_network, N + "3000001;2025;hodně;fte;included;2025-03-31\n",
     "row 2 (service 3000001)", "units", "not a number"),
    ("network_unknown_unit", load_network, N + "3000001;2025;1;postele;included;2025-03-31\n",
     "row 2 (service 3000001)", "unit", "unknown unit"),
    ("network_unknown_status", load_network, N + "3000001;2025;1;fte;maybe;2025-03-31\n", "row 2 (service 3000001)",
     "status", "unknown status"),
    ("network_bad_date", load_network, N + "3000001;2025;1;fte;included;březen\n", "row 2 (service 3000001)",
     "update_date", "not a date"),
    ("network_date_out_of_year", load_network, N + "3000001;2025;1;fte;included;2019-03-31\n",
     "row 2 (service 3000001)", "update_date", "does not belong"),
    ("network_duplicate", load_network, N + "3000001;2025;1;fte;included;2025-03-31\n"
     "3000001;2025;2;fte;changed;2025-03-31\n", "row 3 (service 3000001)", "service_id", "repeats row 2"),
    ("network_unknown_service", load_network, N + "4000000;2025;1;fte;included;2025-03-31\n",
     "row 2 (service 4000000)", "service_id", "unknown service"),
    ("population_bad_age", load_population, POP_HEADER + pop_row("900001", 5, "senioři"),
     "row 2 (municipality 900001)", "vek_txt", "not an age group"),
    ("population_negative", load_population, POP_HEADER + pop_row("900001", -5, "80+"),
     "row 2 (municipality 900001)", "hodnota", "non-negative whole"),
    ("population_fraction", load_population, POP_HEADER + pop_row("900001", 5.5, "80+"),
     "row 2 (municipality 900001)", "hodnota", "non-negative whole"),
    ("population_text", load_population, POP_HEADER + pop_row("900001", "x", "80+"),
     "row 2 (municipality 900001)", "hodnota", "not a number"),
    ("population_duplicate", load_population, POP_HEADER + pop_row("900001", 5, "80+") + pop_row("900001", 6, "80+"),
     "row 3 (municipality 900001)", "vek_txt", "repeats row 2"),
    ("population_bad_code", load_population, POP_HEADER + pop_row("90001", 5, "80+"), "row 2", "vuzemi_kod",
     "6-digit"),
    ("population_missing_column", load_population, "vuzemi_kod,vek_txt\n900001,80+\n", "header", "persons",
     "column missing"),
    ("indicator_unknown_code", load_indicators, I_ + "900001;2024;POVERTY;3;;;\n", "row 2", "ukazatel",
     "unknown indicator"),
    ("indicator_unknown_municipality", load_indicators, I_ + "999999;2024;PNP_I;3;;;\n", "row 2", "kod_obce",
     "unknown municipality"),
    ("indicator_percent_range", load_indicators, I_ + "900001;2024;UNEMP_SHARE;140;;;\n", "row 2", "hodnota",
     "not a percentage"),
    ("indicator_negative", load_indicators, I_ + "900001;2024;PNP_I;-3;;;\n", "row 2", "hodnota", "negative"),
    ("indicator_text", load_indicators, I_ + "900001;2024;PNP_I;n/a;;;\n", "row 2", "hodnota", "not a number"),
    ("indicator_wrong_unit", load_indicators, I_ + "900001;2024;PNP_I;3;percent;;\n", "row 2", "jednotka",
     "differs from the catalogue"),
    ("indicator_duplicate", load_indicators, I_ + "900001;2024;PNP_I;3;;;\n900001;2024;PNP_I;4;;;\n", "row 3",
     "ukazatel", "repeats row 2"),
    ("indicator_bad_year", load_indicators, I_ + "900001;dvacet;PNP_I;3;;;\n", "row 2", "rok", "not a number"),
]


@pytest.mark.parametrize("case,loader,text,location,field,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_csv_is_refused(market: Store, write_text, snap, case, loader, text, location, field, words):
    before = snap(market)
    with pytest.raises(InputError) as exc:
        loader(market, write_text(f"{case}.csv", text))
    p = exc.value.problems[0]
    assert (p.source, p.location, p.field) == (f"{case}.csv", location, field)
    assert words in p.message
    assert str(exc.value).startswith(f"{case}.csv, {location}, field '{field}'")
    assert snap(market) == before


def test_report_lists_every_problem_of_a_csv(market: Store, write_text, snap):
    before = snap(market)
    text = N + ("3000001;2025;-1;fte;included;2025-03-31\n3000001;2025;1;fte;included;2025-07-31\n"
                "3000002;2025;1;xyz;included;2025-03-31\n4000000;2025;1;fte;included;2025-03-31\n")
    with pytest.raises(InputError) as exc:
        load_network(market, write_text("net.csv", text), collect_all=True)
    assert [(p.location, p.field) for p in exc.value.problems] == [
        ("row 2 (service 3000001)", "units"), ("row 4 (service 3000002)", "unit"),
        ("row 5 (service 4000000)", "service_id")]
    assert snap(market) == before


def test_cp1250_semicolon_file_is_read(market: Store, tmp_path: Path):
    path = tmp_path / "ind.csv"
    with open(path, "w", encoding="cp1250", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["kod_obce", "rok", "ukazatel", "hodnota", "jednotka", "zdroj", "datum_dat"])
        w.writerow(["900001", "2024", "SVL_COUNT", "2", "count", "Agentura pro sociální začleňování", "2024-06-30"])
    load_indicators(market, path)
    assert market.read("indicator_value")["source"].tolist() == ["Agentura pro sociální začleňování"]


def test_reach_and_network_need_the_register(territory: Store, write_text):
    with pytest.raises(InputError, match="import the register first"):
        load_reach(territory, write_text("r.csv", R + "3000001;900001;\n"))
