"""Synthetic demand data: population by age (ČSÚ open-data layout) and social-phenomena indicators.

Population sizes follow the territory: the 13 ORP seats get populations close to their real ones,
the other municipalities a log-normal size (median ~560 inhabitants). Two years are written, the
second drifting slightly (ageing, small towns shrinking). Indicators are derived from the
population with seeded noise, so they are plausible against it (care-allowance recipients grow
with the 80+ population, etc.). Everything is synthetic and seeded.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .territory import ORPS

#: Years written by the demo.
YEARS: tuple[int, int] = (2024, 2025)

#: Approximate real populations of the ORP seats (in :data:`ORPS` order).
SEAT_POPULATION: tuple[int, ...] = (
    18_000, 11_000, 2_900, 8_000, 9_900, 9_200, 101_000, 43_000, 41_000, 13_300, 25_500, 11_000, 13_300,
)

#: Five-year ČSÚ age groups: (from, to exclusive; None = open end).
AGE_GROUPS: tuple[tuple[int, int | None], ...] = tuple((a, a + 5) for a in range(0, 95, 5)) + ((95, None),)

#: Share of each five-year group in a "typical" Czech municipality (sums to 1).
_AGE_SHARE = np.array([
    0.050, 0.053, 0.052, 0.048, 0.047, 0.056, 0.062, 0.072, 0.084, 0.078,
    0.065, 0.063, 0.062, 0.066, 0.060, 0.044, 0.025, 0.012, 0.004, 0.001,
])
_AGE_SHARE = _AGE_SHARE / _AGE_SHARE.sum()


def age_label(lo: int, hi: int | None) -> str:
    """ČSÚ ``vek_txt`` of a five-year group, e.g. ``"65 až 70 (více nebo rovno 65 a méně než 70)"``."""
    if hi is None:
        return f"{lo} a více (více nebo rovno {lo})"
    return f"{lo} až {hi} (více nebo rovno {lo} a méně než {hi})"


def municipality_population(mun: gpd.GeoDataFrame, seed: int = 71) -> pd.Series:
    """Total population of each synthetic municipality (index: municipality code).

    Parameters
    ----------
    mun : geopandas.GeoDataFrame
        Municipalities as written by :func:`geo_kissos.demo.territory.make_municipalities`
        (``KOD_OBEC`` column; the first 13 rows are the ORP seats).
    seed : int
        Seed of the generator.
    """
    rng = np.random.default_rng(seed + 1)
    n = len(mun)
    pop = np.round(rng.lognormal(mean=6.33, sigma=0.9, size=n)).astype(int).clip(60, 9_000)
    seats = min(len(ORPS), n)
    pop[:seats] = SEAT_POPULATION[:seats]
    return pd.Series(pop, index=mun["KOD_OBEC"].astype(str).to_numpy(), name="population")


def population_by_age(mun: gpd.GeoDataFrame, seed: int = 71) -> pd.DataFrame:
    """Long table: ``municipality_code, year, age_from, age_to, persons`` (both sexes)."""
    rng = np.random.default_rng(seed + 2)
    totals = municipality_population(mun, seed)
    rows: list[tuple[str, int, int, int | None, int]] = []
    for code, total in totals.items():
        # smaller places are older: shift shares towards the old groups
        tilt = np.linspace(-1, 1, len(AGE_GROUPS)) * (0.15 if total < 1_000 else -0.05)
        share = _AGE_SHARE * (1 + tilt) * rng.uniform(0.85, 1.15, len(AGE_GROUPS))
        share /= share.sum()
        for k, year in enumerate(YEARS):
            drift = 1 + k * (0.004 if total > 5_000 else -0.006)
            ageing = 1 + k * np.linspace(-0.02, 0.04, len(AGE_GROUPS))
            counts = np.round(total * drift * share * ageing).astype(int)
            for (lo, hi), c in zip(AGE_GROUPS, counts, strict=True):
                rows.append((str(code), year, lo, hi, int(c)))
    return pd.DataFrame(rows, columns=["municipality_code", "year", "age_from", "age_to", "persons"])


def write_population(path: str | Path, mun: gpd.GeoDataFrame, seed: int = 71) -> Path:
    """Write population by five-year age group in the ČSÚ open-data layout (UTF-8, comma).

    Columns as in ČSÚ's tables of population by age in municipalities: ``idhod, hodnota,
    stapro_kod, pohlavi_cis, pohlavi_kod, vek_cis, vek_kod, vuzemi_cis, vuzemi_kod, casref_do,
    pohlavi_txt, vek_txt, vuzemi_txt``; ``vuzemi_cis`` 43 = municipality; both sexes (empty
    ``pohlavi_kod``); one row per municipality, year and age group, plus a total row (empty
    ``vek_txt``) per municipality and year.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = population_by_age(mun, seed)
    names = dict(zip(mun["KOD_OBEC"].astype(str), mun["NAZ_OBEC"], strict=True))
    header = ["idhod", "hodnota", "stapro_kod", "pohlavi_cis", "pohlavi_kod", "vek_cis", "vek_kod",
              "vuzemi_cis", "vuzemi_kod", "casref_do", "pohlavi_txt", "vek_txt", "vuzemi_txt"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        idhod = 800_000_000
        for (code, year), grp in df.groupby(["municipality_code", "year"], sort=True):
            casref = f"{year}-12-31"
            idhod += 1
            w.writerow([idhod, int(grp["persons"].sum()), 2_000, "", "", "", "", 43, code, casref, "", "",
                        names[str(code)]])
            for r in grp.itertuples(index=False):
                idhod += 1
                hi = None if pd.isna(r.age_to) else int(r.age_to)
                vek_kod = 400_000 + r.age_from * 100 + (hi or 999) % 1000
                w.writerow([idhod, r.persons, 2_000, "", "", 7_700, vek_kod, 43, code, casref, "",
                            age_label(int(r.age_from), hi), names[str(code)]])
    return path


def indicators(mun: gpd.GeoDataFrame, seed: int = 71) -> pd.DataFrame:
    """Indicator values per municipality and year (long form, schema columns of indicator_value)."""
    rng = np.random.default_rng(seed + 3)
    pop = population_by_age(mun, seed)
    pop["old80"] = np.where(pop["age_from"] >= 80, pop["persons"], 0)
    pop["old65"] = np.where(pop["age_from"] >= 65, pop["persons"], 0)
    pop["adult"] = np.where((pop["age_from"] >= 15) & (pop["age_from"] < 65), pop["persons"], 0)
    agg = pop.groupby(["municipality_code", "year"], as_index=False)[["persons", "old80", "old65", "adult"]].sum()
    codes = agg["municipality_code"].unique()
    # stable per-municipality traits: deprivation drives unemployment, distraint, SVL
    deprivation = pd.Series(rng.gamma(2.0, 0.5, len(codes)), index=codes)
    rows: list[dict[str, object]] = []
    for r in agg.itertuples(index=False):
        dep = float(deprivation[r.municipality_code])
        data_date = f"{r.year}-12-31"
        pnp_total = r.old80 * rng.uniform(0.28, 0.40) + r.old65 * rng.uniform(0.03, 0.06) + r.persons * 0.006
        shares = np.array([0.36, 0.30, 0.21, 0.13]) * rng.uniform(0.85, 1.15, 4)
        pnp = np.round(pnp_total * shares / shares.sum()).astype(int)
        unemp = float(np.clip(rng.normal(3.2 + 1.6 * dep, 0.6), 0.5, 15.0))
        distraint_share = float(np.clip(rng.normal(4.5 + 3.0 * dep, 1.0), 0.3, 25.0))
        svl = int(rng.poisson(0.02 * dep * np.sqrt(r.persons / 100))) if r.persons > 400 else 0
        waiting = int(rng.poisson(r.old80 * 0.05))
        values = {
            "PNP_I": pnp[0], "PNP_II": pnp[1], "PNP_III": pnp[2], "PNP_IV": pnp[3],
            "PNP_TOTAL": int(pnp.sum()),
            "UNEMP_SHARE": round(unemp, 2),
            "DISTRAINT_PERSONS": int(round(r.adult * distraint_share / 100)),
            "DISTRAINT_SHARE": round(distraint_share, 2),
            "SVL_COUNT": svl,
            "SVL_PERSONS": int(svl * rng.integers(40, 250)) if svl else 0,
            "WAITING_RESIDENTIAL": waiting,
        }
        sources = {
            "PNP": "MPSV, statistika příspěvku na péči (synthetic demo)",
            "UNEMP_SHARE": "ÚP ČR, podíl nezaměstnaných osob (synthetic demo)",
            "DISTRAINT": "Exekutorská komora, mapa exekucí (synthetic demo)",
            "SVL": "Agentura pro sociální začleňování (synthetic demo)",
            "WAITING_RESIDENTIAL": "Krajský registr žadatelů, agregát (synthetic demo)",
        }
        for code, value in values.items():
            src = next(v for k, v in sources.items() if code.startswith(k))
            rows.append({"municipality_code": r.municipality_code, "year": r.year, "code": code,
                         "value": value, "source": src, "data_date": data_date})
    return pd.DataFrame(rows)


def write_indicators(path: str | Path, mun: gpd.GeoDataFrame, seed: int = 71) -> Path:
    """Write indicators as a long CSV (``;``, UTF-8): ``kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat``."""
    from ..catalogue import INDICATOR_BY_CODE

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = indicators(mun, seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["kod_obce", "rok", "ukazatel", "hodnota", "jednotka", "zdroj", "datum_dat"])
        for r in df.itertuples(index=False):
            unit = INDICATOR_BY_CODE[r.code].unit
            value = r.value if unit == "percent" else int(r.value)
            w.writerow([r.municipality_code, r.year, r.code, value, unit,
                        r.source, r.data_date])
    return path
