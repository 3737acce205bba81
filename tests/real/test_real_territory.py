"""The real Olomouc Region (``../shared/data``) as loaded into both stores: territory, population,
persons in distraint and what the store says about where they come from.

Skipped, saying so, when the real folder is absent (fixture ``real_data_dir``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo_kissos.layers import get_layer, has_register, is_synthetic, layer_frame, source_line
from geo_kissos.store import Store

#: Municipalities per ORP (PROVENANCE.md, checked against the ČSÚ relation VAZ0065_0043).
ORP_MUNICIPALITIES = {
    "Hranice": 32, "Jeseník": 24, "Konice": 22, "Lipník nad Bečvou": 14, "Litovel": 20,
    "Mohelnice": 14, "Olomouc": 46, "Prostějov": 75, "Přerov": 59, "Šternberk": 22,
    "Šumperk": 36, "Uničov": 10, "Zábřeh": 28,
}


def test_402_municipalities_in_13_orps(real_store: Store):
    mun = real_store.read("municipality")
    assert len(mun) == 402
    assert mun["municipality_code"].astype(str).str.match(r"^5\d{5}$").all()  # real ČSÚ codes
    orp = real_store.read("orp")
    assert sorted(orp["orp_code"].astype(str)) == [str(c) for c in range(7101, 7114)]
    assert len(real_store.read("region")) == 1


def test_municipalities_per_orp(real_store: Store):
    mun = real_store.read("municipality")
    counts = mun.groupby(mun["orp_name"].astype(str)).size().to_dict()
    assert counts == ORP_MUNICIPALITIES
    assert sum(counts.values()) == 402


def test_population_630522(real_store: Store):
    pop = real_store.read("population", {"age_band": "total"})
    assert sorted(pop["year"].unique()) == [2020]
    assert int(pop["persons"].sum()) == 630_522
    assert pop["municipality_code"].nunique() == 402
    olomouc = pop[pop["municipality_code"].astype(str) == "500496"]["persons"].sum()
    assert 95_000 < olomouc < 105_000  # the regional capital, about 100 thousand at end-2020
    bands = real_store.read("population").groupby("age_band")["persons"].sum()
    assert int(bands["65+"]) == 132_715 and int(bands["0-17"]) == 117_068


def test_distraint_33197_persons(real_store: Store):
    ind = real_store.read("indicator_value")
    persons = ind[ind["code"] == "DISTRAINT_PERSONS"]
    share = ind[ind["code"] == "DISTRAINT_SHARE"]
    assert len(persons) == len(share) == 402
    assert int(persons["value"].sum()) == 33_197
    assert (persons["year"] == 2023).all()
    olomouc = share[share["municipality_code"].astype(str) == "500496"]["value"].iloc[0]
    assert olomouc == pytest.approx(7.11, abs=0.01)
    assert share["value"].max() == pytest.approx(20.25, abs=0.01)
    assert pd.Timestamp(share["data_date"].max()) == pd.Timestamp("2023-12-31")


def test_no_register_and_not_synthetic(real_store: Store):
    assert not has_register(real_store)
    assert not is_synthetic(real_store)


def test_source_line_comes_from_the_imports(real_store: Store):
    line = source_line(get_layer("distraint-share"), real_store)
    assert "MMR ASZ Index sociálního vyloučení 2023" in line  # the indicator's zdroj
    assert "k 31. 12. 2023" in line
    assert "Obce Olomouckého kraje" in line  # the boundary manifest's title
    assert "RÚIAN/ArcČR" not in line and "SYNTETICK" not in line
    pop = source_line(get_layer("population-65-share"), real_store)
    assert "population.csv, k 31. 12. 2020" in pop
    reg = source_line(get_layer("coverage-49-orp"), real_store)
    assert "registr poskytovatelů sociálních služeb: nenahrán" in reg


def test_distraint_layer_frame(real_store: Store):
    layer = get_layer("distraint-share")
    assert "15+" in layer.legend_title_cs  # the denominator is residents aged 15+
    frame = layer_frame(real_store, layer)
    assert len(frame) == 402 and frame.attrs["year"] == 2023
    assert (frame["klass"] >= 0).all()
    hit = frame.set_index("code").loc["500496"]
    assert hit["value"] == pytest.approx(7.11, abs=0.01)
    assert hit["indicator:DISTRAINT_PERSONS"] == 6091


def test_population_layer_frame(real_store: Store):
    frame = layer_frame(real_store, get_layer("population-65-share"))
    assert len(frame) == 402 and frame.attrs["year"] == 2020
    assert int(frame["persons"].sum()) == 132_715
    assert int(frame["population"].sum()) == 630_522


def test_both_stores_give_the_same_frames(real_store: Store, real_gpkg_store: Store):
    for lid in ("distraint-share", "population-65-share"):
        a = pd.DataFrame(layer_frame(real_store, get_layer(lid))).drop(columns="geom")
        b = pd.DataFrame(layer_frame(real_gpkg_store, get_layer(lid))).drop(columns="geom")
        pd.testing.assert_frame_equal(a, b)
