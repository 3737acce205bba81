"""Reported needs beside computed gaps: the four classes the planning working groups argue about.

Per ORP × § type::

    reported  = the strongest need reported in the ORP (any municipality, or the ORP as a whole)
                reaches ``reported_from`` (default ``medium``: a "low" need alone is weak
                evidence in an ORP of dozens of municipalities; pass ``low`` to count it)
    computed  = the computed deficit is at least ``min_deficit_share`` of the need
                (default 0.10: a tenth of the need is missing; ``deficit_share`` of
                :func:`~geo_kissos.analysis.gaps.availability_gaps`)

    agreement = "both"           reported and computed shortage
                "reported_only"  a need the numbers do not show: look closer
                "computed_only"  a shortage nobody reported
                "neither"

Honest gaps in the evidence stay visible: an ORP × type without a computed gap (no register or
no population loaded) has ``computed`` NA and the class ``no_gap`` (never "neither"); the
completeness of the period's reporting (municipalities of the ORP that reported anything) is a
column of its own, so "nobody reported" and "nobody was asked yet" can be told apart.
Needs of target groups (no § type) cannot be set beside a § gap and are left out (counted in
``attrs["left_out"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["AGREEMENT", "compare_needs", "missing_reports", "need_by_municipality", "needs_comparison"]

#: Agreement class -> Czech label, in the order of the legend.
AGREEMENT: dict[str, str] = {
    "both": "shoda: hlášená i vypočtená potřeba",
    "reported_only": "jen hlášená (čísla ji neukazují)",
    "computed_only": "jen vypočtená (nikdo ji nehlásil)",
    "neither": "žádná potřeba",
    "no_gap": "vypočtený deficit není k dispozici",
}
_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}
_LEVEL_OF_RANK = {v: k for k, v in _RANK.items()}

COMPARISON_COLUMNS: tuple[str, ...] = (
    "orp_code", "orp_name", "type_code", "reported_level", "reported_rank", "n_reporting_need",
    "units_requested", "reported", "gap_units", "deficit_units", "deficit_share", "computed",
    "agreement", "agreement_cs", "municipalities", "municipalities_reported", "completeness",
)


def compare_needs(
    gaps: pd.DataFrame,
    needs: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    reported_from: str = "medium",
    min_deficit_share: float = 0.10,
) -> pd.DataFrame:
    """Computed gap beside reported need, per ORP × § type, in the four agreement classes.

    Parameters
    ----------
    gaps : pandas.DataFrame
        ORP-level gap table (:func:`~geo_kissos.analysis.gaps.availability_gaps`): ``code``,
        ``type_code``, ``gap_units``, ``deficit_units``, ``deficit_share`` (``name`` optional).
    needs : pandas.DataFrame
        Reported needs of ONE period (:func:`geo_kissos.collect.needs.needs_frame`):
        ``orp_code``, ``municipality_code`` (NA: the whole ORP), ``type_code``, ``level``,
        ``units_requested``.
    municipalities : pandas.DataFrame
        ``municipality_code``, ``orp_code`` (``orp_name`` optional): the territory, for the
        completeness of reporting.
    reported_from : {"low", "medium", "high"}
        The weakest level that counts as a reported need (default ``medium``).
    min_deficit_share : float
        The share of the need that must be missing to count as a computed shortage.

    Returns
    -------
    pandas.DataFrame
        One row per ORP × type present in either input, columns :data:`COMPARISON_COLUMNS`.
    """
    if reported_from not in ("low", "medium", "high"):
        raise ValueError(f"reported_from must be low, medium or high, not {reported_from!r}")
    if not 0 <= min_deficit_share <= 1:
        raise ValueError("min_deficit_share must be between 0 and 1")
    mun = municipalities[["municipality_code", "orp_code"]].astype(str)
    n_mun = mun.groupby("orp_code").size().rename("municipalities")

    by_type = needs[needs["type_code"].notna()].copy()
    left_out = int(len(needs) - len(by_type))
    by_type["orp_code"] = by_type["orp_code"].astype(str)
    by_type["type_code"] = by_type["type_code"].astype(str)
    by_type["rank"] = by_type["level"].map(_RANK).astype(float)
    threshold = _RANK[reported_from]
    rep = by_type.groupby(["orp_code", "type_code"]).agg(
        reported_rank=("rank", "max"),
        n_reporting_need=("rank", lambda r: int((r >= threshold).sum())),
        units_requested=("units_requested", lambda u: u.sum(min_count=1)),
    ).reset_index()

    g = gaps.rename(columns={"code": "orp_code", "name": "orp_name"}).copy()
    g["orp_code"] = g["orp_code"].astype(str)
    g["type_code"] = g["type_code"].astype(str)
    keep = [c for c in ("orp_code", "orp_name", "type_code", "gap_units", "deficit_units", "deficit_share")
            if c in g.columns]
    out = g[keep].merge(rep, on=["orp_code", "type_code"], how="outer")

    out["reported_rank"] = out["reported_rank"].fillna(-1)
    out["reported"] = out["reported_rank"] >= threshold
    out["reported_level"] = out["reported_rank"].map(_LEVEL_OF_RANK)
    out["reported_rank"] = out["reported_rank"].where(out["reported_rank"] >= 0).astype("Int64")
    out["n_reporting_need"] = out["n_reporting_need"].fillna(0).astype(int)
    share = pd.to_numeric(out["deficit_share"], errors="coerce")
    computed = (share >= min_deficit_share - 1e-12).astype("boolean")
    computed[share.isna()] = pd.NA
    out["computed"] = computed

    rep_b, comp_b = out["reported"].to_numpy(bool), out["computed"].fillna(False).to_numpy(bool)
    out["agreement"] = np.select(
        [share.isna().to_numpy(), rep_b & comp_b, rep_b & ~comp_b, ~rep_b & comp_b],
        ["no_gap", "both", "reported_only", "computed_only"], default="neither")
    out["agreement_cs"] = out["agreement"].map(AGREEMENT)

    reported_mun = needs[needs["municipality_code"].notna()]
    n_rep = (reported_mun.assign(municipality_code=reported_mun["municipality_code"].astype(str),
                                 orp_code=reported_mun["orp_code"].astype(str))
             .groupby("orp_code")["municipality_code"].nunique().rename("municipalities_reported"))
    out = out.merge(n_mun, left_on="orp_code", right_index=True, how="left")
    out = out.merge(n_rep, left_on="orp_code", right_index=True, how="left")
    out["municipalities"] = out["municipalities"].fillna(0).astype(int)
    out["municipalities_reported"] = out["municipalities_reported"].fillna(0).astype(int)
    out["completeness"] = np.divide(out["municipalities_reported"], out["municipalities"],
                                    out=np.full(len(out), np.nan), where=out["municipalities"] > 0)
    if "orp_name" not in out.columns:
        if "orp_name" in municipalities.columns:
            names = municipalities[["orp_code", "orp_name"]].astype(str).drop_duplicates("orp_code")
            out = out.merge(names, on="orp_code", how="left")
        else:
            out["orp_name"] = pd.NA
    elif "orp_name" in municipalities.columns:
        names = municipalities[["orp_code", "orp_name"]].astype(str).drop_duplicates("orp_code")
        out["orp_name"] = out["orp_name"].fillna(out["orp_code"].map(names.set_index("orp_code")["orp_name"]))
    out = out[list(COMPARISON_COLUMNS)].sort_values(["type_code", "orp_code"]).reset_index(drop=True)
    out.attrs["left_out"] = left_out
    out.attrs["reported_from"] = reported_from
    out.attrs["min_deficit_share"] = min_deficit_share
    return out


def missing_reports(needs: pd.DataFrame, municipalities: pd.DataFrame, orp_code: str | None = None) -> pd.DataFrame:
    """The municipalities that have reported nothing for the period: the coordinator's to-do list.

    A need of the whole ORP does not count for its municipalities (each is asked on its own).

    Parameters
    ----------
    needs : pandas.DataFrame
        Reported needs of ONE period (``municipality_code``).
    municipalities : pandas.DataFrame
        ``municipality_code``, ``orp_code`` (``name`` optional).
    orp_code : str, optional
        Only this ORP.

    Returns
    -------
    pandas.DataFrame
        The municipalities' rows (same columns), in code order.
    """
    mun = municipalities.copy()
    mun["municipality_code"] = mun["municipality_code"].astype(str)
    if orp_code is not None:
        mun = mun[mun["orp_code"].astype(str) == str(orp_code)]
    done = set(needs["municipality_code"].dropna().astype(str))
    return mun[~mun["municipality_code"].isin(done)].sort_values("municipality_code").reset_index(drop=True)


def need_by_municipality(needs: pd.DataFrame, type_code: str) -> pd.DataFrame:
    """The strongest need reported per municipality for one § type (``level``, ``level_rank``,
    ``units_requested``), for the map layer; municipalities that did not report are absent
    (not "none")."""
    d = needs[(needs["type_code"].astype(str) == str(type_code)) & needs["municipality_code"].notna()].copy()
    d["level_rank"] = d["level"].map(_RANK)
    d = d.sort_values("level_rank").groupby("municipality_code", as_index=False).agg(
        level=("level", "last"), level_rank=("level_rank", "max"),
        units_requested=("units_requested", lambda u: u.sum(min_count=1)))
    return d.reset_index(drop=True)


def needs_comparison(store, period: str, year: int | None = None, *, norms: pd.DataFrame | None = None,
                     type_codes: list[str] | None = None, reported_from: str = "medium",
                     min_deficit_share: float = 0.10) -> pd.DataFrame:
    """:func:`compare_needs` on a store: the ORP gaps of ``year`` (default: the latest year with
    network rows) beside the needs reported for ``period``.

    When the gaps cannot be computed (no register or network loaded), every row has the class
    ``no_gap`` and ``attrs["gaps_missing"]`` says why: the reported needs are still listed.
    """
    from ..collect.needs import needs_frame
    from .errors import AnalysisError
    from .inputs import load_inputs
    from .metrics import compute_metrics

    reported = needs_frame(store, period)
    mun = store.read("municipality").drop(columns="orp_name", errors="ignore")
    orp = store.read("orp")
    if not orp.empty and "name" in orp.columns:
        mun = mun.merge(pd.DataFrame(orp[["orp_code", "name"]]).rename(columns={"name": "orp_name"}),
                        on="orp_code", how="left")
    why = None
    gaps = pd.DataFrame(columns=["code", "type_code", "gap_units", "deficit_units", "deficit_share"])
    try:
        if year is None:
            net = store.read("network")
            if net.empty:
                raise AnalysisError("no network rows are loaded: load network.csv (geo-kissos ingest network)")
            year = int(net["year"].max())
        inputs = load_inputs(store, year)
        gaps = compute_metrics(inputs, type_codes=type_codes, norms=norms, with_access=False)["gaps"]
    except AnalysisError as exc:
        why = str(exc)
    if type_codes is not None:
        reported = reported[reported["type_code"].isin([str(t) for t in type_codes])]
    out = compare_needs(gaps, reported, pd.DataFrame(mun.drop(columns="geom", errors="ignore")),
                        reported_from=reported_from, min_deficit_share=min_deficit_share)
    out.attrs["gaps_missing"] = why
    out.attrs["year"] = year
    out.attrs["period"] = period
    return out
