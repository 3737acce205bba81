"""Statistical disclosure control of counts of persons: every output path uses this module.

Counts of persons (applicants waiting for a home, ...) leave the store only through
:func:`protect` (a frame of cells) and :func:`published` (the cells as shown):

* **primary suppression** — a count from 1 to 4 (``0 < n < THRESHOLD``) is shown as ``"<5"``;
  zero is shown (nobody is described by it);
* **secondary suppression** — in every published additive relation ``total = Σ parts`` (the
  municipalities of an ORP, the ORPs and the residents from outside of the region, per § type)
  never exactly one cell is hidden: if one is, the next smallest of its parts (or, failing that,
  the total) is hidden as well (``"skryto"``), repeated until no relation has exactly one
  hidden cell. Because the relations form a tree (region → ORP → municipality, per type) this
  makes no hidden cell solvable from the published cells by any linear combination (each hidden
  cell can be changed, compensated along the tree, without changing anything published); the
  tests try that with a linear solver.
* **complements** — a sub-count (e.g. the urgent ones of the applicants) is hidden when it, or
  what it leaves of its total (the non-urgent ones), is from 1 to 4, or when its total is hidden.

Measures of a hidden cell's persons (a median waiting time, applications per applicant) are
hidden with it; a median of fewer than :data:`THRESHOLD` persons is never shown.

A numeric consumer (the map) gets ``NaN`` for hidden cells and the label from :func:`label`;
tables (CSV, XLSX, the API) get the text cells of :func:`published`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = ["THRESHOLD", "SMALL", "HIDDEN", "NONE", "PRIMARY", "SECONDARY", "primary_mask",
           "protect", "protect_flat", "complement", "published", "label", "hidden"]

#: Counts below this (and above 0) are never shown.
THRESHOLD = 5
#: What a primary-suppressed count shows.
SMALL = "<5"
#: What a secondary-suppressed (complementary) count shows.
HIDDEN = "skryto"
NONE, PRIMARY, SECONDARY = 0, 1, 2


def primary_mask(values: pd.Series, threshold: int = THRESHOLD) -> pd.Series:
    """``PRIMARY`` where ``0 < value < threshold``, else ``NONE`` (missing values stay NONE)."""
    v = pd.to_numeric(values, errors="coerce")
    return pd.Series(np.where((v > 0) & (v < threshold), PRIMARY, NONE), index=values.index, dtype=int)


def protect(cells: pd.DataFrame, value: str, *, key: Sequence[str], parent: Sequence[str],
            group: Sequence[str] = (), threshold: int = THRESHOLD,
            initial: pd.Series | None = None) -> pd.Series:
    """Primary and secondary suppression of a tree of additive counts.

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per published cell: the totals and their parts, all in the same frame.
    value : str
        The count column.
    key : sequence of str
        Columns identifying a cell within a ``group`` (e.g. ``level``, ``code``).
    parent : sequence of str
        Columns holding the ``key`` of the cell's total (missing for the top), same order.
    group : sequence of str
        Columns of independent trees (e.g. ``type_code``).
    initial : pandas.Series, optional
        Cells already hidden (e.g. by a complement rule), same index.

    Returns
    -------
    pandas.Series
        ``NONE`` / ``PRIMARY`` / ``SECONDARY`` per row of ``cells``.
    """
    mask = primary_mask(cells[value], threshold)
    if initial is not None:
        mask = mask.where(mask != NONE, np.where(initial.reindex(cells.index).fillna(0) > 0, SECONDARY, NONE))
    if cells.empty:
        return mask
    vals = pd.to_numeric(cells[value], errors="coerce").fillna(0).to_numpy(float)
    grp = [tuple(r) for r in cells[list(group)].astype(str).to_numpy()] if group else [()] * len(cells)
    ids = [g + tuple(k) for g, k in zip(grp, cells[list(key)].astype(str).to_numpy(), strict=True)]
    index_of: dict[Hashable, int] = {c: i for i, c in enumerate(ids)}
    relations: dict[int, list[int]] = {}
    orphans: dict[tuple, list[int]] = {}
    for i, (g, p) in enumerate(zip(grp, cells[list(parent)].to_numpy(), strict=True)):
        if any(pd.isna(x) for x in p):
            continue
        pid = g + tuple(str(x) for x in p)
        if pid in index_of:
            relations.setdefault(index_of[pid], []).append(i)
        else:  # a published total not in the frame: its parts still must not single out one
            orphans.setdefault(pid, []).append(i)
    rels = [([t], parts) for t, parts in relations.items()] + [([], parts) for parts in orphans.values()]
    m = mask.to_numpy().copy()
    changed = True
    while changed:
        changed = False
        for total, parts in rels:
            members = total + parts
            hidden_n = sum(1 for i in members if m[i] != NONE)
            if hidden_n != 1:
                continue
            cand = [i for i in parts if m[i] == NONE] or [i for i in total if m[i] == NONE]
            if not cand:
                continue
            pick = min(cand, key=lambda i: (vals[i] <= 0, vals[i], i))
            m[pick] = SECONDARY
            changed = True
    return pd.Series(m, index=cells.index, dtype=int)


def protect_flat(values: pd.Series, groups: pd.Series | None = None,
                 threshold: int = THRESHOLD) -> pd.Series:
    """Suppression of cells whose per-``groups`` totals are published (no tree above them)."""
    df = pd.DataFrame({"v": values, "g": "all" if groups is None else groups.astype(str),
                       "k": np.arange(len(values)).astype(str), "p": "total"})
    return protect(df, "v", key=["k"], parent=["p"], group=["g"], threshold=threshold)


def complement(sub: pd.Series, total: pd.Series, total_mask: pd.Series,
               threshold: int = THRESHOLD) -> pd.Series:
    """Cells of a sub-count to hide: small itself, small complement, or hidden total."""
    s = pd.to_numeric(sub, errors="coerce")
    rest = pd.to_numeric(total, errors="coerce") - s
    hide = ((s > 0) & (s < threshold)) | ((rest > 0) & (rest < threshold)) | (total_mask != NONE)
    return pd.Series(np.where(hide, np.where((s > 0) & (s < threshold), PRIMARY, SECONDARY), NONE),
                     index=sub.index, dtype=int)


def label(value: object, mask: int) -> str:
    """A published cell as text: the count, ``"<5"`` or ``"skryto"`` (``""`` when missing)."""
    if mask == PRIMARY:
        return SMALL
    if mask == SECONDARY:
        return HIDDEN
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    f = float(value)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else f"{f:.1f}"


def published(values: pd.Series, mask: pd.Series) -> pd.Series:
    """The cells as published (object dtype): the integer counts, ``"<5"``, ``"skryto"`` or NA."""
    out = []
    for v, m in zip(values, mask, strict=True):
        if m == PRIMARY:
            out.append(SMALL)
        elif m == SECONDARY:
            out.append(HIDDEN)
        elif v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(pd.NA)
        else:
            f = float(v)
            out.append(int(f) if f.is_integer() else round(f, 1))
    return pd.Series(out, index=values.index, dtype=object)


def hidden(values: pd.Series, mask: pd.Series) -> pd.Series:
    """``values`` with the hidden cells as NaN (for numeric consumers such as the map)."""
    return pd.to_numeric(values, errors="coerce").astype(float).where(mask.to_numpy() == NONE)
