"""Disclosure control: small counts hidden, and no hidden count recoverable from the published
cells (a linear-algebra attack on every published additive relation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_kissos.analysis import applicants as agg
from geo_kissos.analysis import disclosure as dc


def _tree(rng: np.random.Generator, n_orp: int = 6, n_muni: int = 5, types=("49", "50", "*")) -> pd.DataFrame:
    rows = []
    for t in types:
        orps = []
        for o in range(n_orp):
            munis = rng.choice([0, 1, 2, 3, 4, 6, 9, 15], size=n_muni, p=[.2, .15, .1, .1, .1, .15, .1, .1])
            for j, v in enumerate(munis):
                if v:
                    rows.append(dict(level="municipality", code=f"{o}{j}", type_code=t, parent_level="orp",
                                     parent_code=f"O{o}", applicants=int(v), urgent=int(rng.integers(0, v + 1)),
                                     applications=int(v) * 2, median_wait_days=100.0))
            orps.append(int(munis.sum()))
            if orps[-1]:
                rows.append(dict(level="orp", code=f"O{o}", type_code=t, parent_level="region",
                                 parent_code="R", applicants=orps[-1], urgent=0, applications=orps[-1],
                                 median_wait_days=90.0))
        outside = int(rng.integers(0, 4))
        if outside:
            rows.append(dict(level="outside", code="", type_code=t, parent_level="region", parent_code="R",
                             applicants=outside, urgent=0, applications=outside, median_wait_days=1.0))
        rows.append(dict(level="region", code="R", type_code=t, parent_level=None, parent_code=None,
                         applicants=sum(orps) + outside, urgent=0, applications=1, median_wait_days=2.0))
    df = pd.DataFrame(rows)
    # urgent of a total = sum of its parts' (the tree is additive for urgent ones too)
    for lvl, child in (("orp", "municipality"), ("region", "orp")):
        sums = df[df["level"] == child].groupby(["type_code", "parent_code"])["urgent"].sum()
        sel = df["level"] == lvl
        pairs = zip(df.loc[sel, "type_code"], df.loc[sel, "code"], strict=True)
        df.loc[sel, "urgent"] = [int(sums.get((t, c), 0)) for t, c in pairs]
    return df


def _recoverable(cells: pd.DataFrame, col: str) -> list[int]:
    """Hidden cells whose value follows from the published ones by any linear combination of
    the relations total = Σ parts (unit vector in the row space of the hidden cells' system)."""
    hidden = [i for i in cells.index if not isinstance(cells.at[i, col], int | np.integer)]
    if not hidden:
        return []
    pos = {i: k for k, i in enumerate(hidden)}
    rows = []
    for i, r in cells.iterrows():
        parts = cells[(cells["parent_level"] == r["level"]) & (cells["parent_code"] == r["code"])
                      & (cells["type_code"] == r["type_code"])]
        if parts.empty:
            continue
        v = np.zeros(len(hidden))
        for j in [i, *parts.index]:
            if j in pos:
                v[pos[j]] += 1 if j == i else -1
        rows.append(v)
    a = np.array(rows) if rows else np.zeros((0, len(hidden)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    out = []
    for i, k in pos.items():
        e = np.zeros(len(hidden))
        e[k] = 1
        if len(a) and np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(i)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_no_suppressed_count_can_be_recovered(seed: int) -> None:
    cells = _tree(np.random.default_rng(seed))
    pub = agg.published_demand(cells)
    small = cells["applicants"].between(1, 4)
    assert (pub.loc[small, "applicants"] == dc.SMALL).all()
    assert pub.loc[small, "median_wait_days"].isna().all()
    for col in ("applicants", "urgent"):
        assert _recoverable(pub, col) == [], f"{col}: a hidden cell follows from the published ones"
    # the attack does work on primary suppression alone: the test can fail
    naive = cells.copy()
    naive["applicants"] = [v if not 0 < v < 5 else dc.SMALL for v in cells["applicants"]]
    naive["applicants"] = naive["applicants"].astype(object)
    if (cells["applicants"].between(1, 4)).any():
        assert _recoverable(naive, "applicants"), "the naive table should leak"


def test_subtraction_from_a_total_fails() -> None:
    cells = pd.DataFrame([
        dict(level="orp", code="A", type_code="49", parent_level="region", parent_code="R", applicants=3,
             urgent=0, applications=3, median_wait_days=1.0),
        dict(level="orp", code="B", type_code="49", parent_level="region", parent_code="R", applicants=40,
             urgent=38, applications=50, median_wait_days=1.0),
        dict(level="orp", code="C", type_code="49", parent_level="region", parent_code="R", applicants=12,
             urgent=6, applications=12, median_wait_days=1.0),
        dict(level="region", code="R", type_code="49", parent_level=None, parent_code=None, applicants=55,
             urgent=44, applications=65, median_wait_days=1.0),
    ])
    pub = agg.published_demand(cells)
    assert list(pub["applicants"]) == ["<5", 40, "skryto", 55]
    # B's urgent 38 of 40 leaves 2 non-urgent: hidden (the complement), and one more with it
    assert pub.loc[1, "urgent"] in (dc.SMALL, dc.HIDDEN)
    assert _recoverable(pub, "applicants") == [] and _recoverable(pub, "urgent") == []


def test_gap_column_is_na_without_lists_and_published_with_them() -> None:
    gaps = pd.DataFrame({"code": ["A", "B", "C"], "type_code": ["49", "49", "44"]})
    none = agg.waiting_column(gaps, None)
    assert none["waiting_applicants"].isna().all()
    cells = pd.DataFrame([
        dict(level="orp", code="A", type_code="49", parent_level="region", parent_code="R", applicants=3,
             urgent=0, applications=3, median_wait_days=1.0),
        dict(level="orp", code="C", type_code="49", parent_level="region", parent_code="R", applicants=9,
             urgent=0, applications=3, median_wait_days=1.0),
        dict(level="region", code="R", type_code="49", parent_level=None, parent_code=None, applicants=12,
             urgent=0, applications=6, median_wait_days=1.0),
    ])
    col = agg.waiting_column(gaps, cells)["waiting_applicants"]
    assert col.iloc[0] == "<5" and col.iloc[1] == 0 and pd.isna(col.iloc[2])
