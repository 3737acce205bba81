"""The region's ranked list of a round's applications, with score and effect, and its XLSX.

Rank: weighted score total, highest first; ties by the ORP's deficit before (largest first),
then filing time. Each row carries the effect of the application on its ORP × § type
(:mod:`geo_kissos.analysis.application_effect`) on the round's data year.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .. import catalogue
from ..accounts.roles import Actor
from ..analysis.application_effect import EffectCache
from ..store.base import Store
from .applications import OPINIONS, OUTCOMES, STATES, applications_frame, round_of, visible_applications
from .criteria import KINDS, settings

__all__ = ["ranked_list", "data_year", "write_ranked_xlsx", "orp_applications", "COLUMNS_CS"]

_CACHE = EffectCache()

#: Column -> Czech heading of the ranked list (page and XLSX "about").
COLUMNS_CS: dict[str, str] = {
    "rank": "pořadí", "application_id": "žádost", "kind": "druh žádosti", "provider_ico": "IČO",
    "name": "název", "type_code": "§", "orp_code": "ORP", "units": "jednotky požadované",
    "unit": "jednotka", "late": "po termínu", "state": "stav", "opinion": "stanovisko ORP",
    "score_total": "body celkem (vážené)", "score_pct": "% z maxima",
    "units_before": "jednotky ORP před", "units_after": "jednotky ORP po",
    "gap_units_before": "mezera před (jednotky)", "gap_units_after": "mezera po (jednotky)",
    "coverage_pct_before": "pokrytí před (%)", "coverage_pct_after": "pokrytí po (%)",
    "access_per_1000_before": "dostupnost před (na 1000)", "access_per_1000_after": "dostupnost po (na 1000)",
    "n_gaining": "obcí získá", "gaining": "obce, které získají", "recommendation": "doporučení PS",
    "decision": "rozhodnutí", "units_approved": "jednotky schválené",
}


def data_year(store: Store, round_id: str) -> int:
    """The year the round's effects are computed on (its ``data_year``, else the latest
    population year in the store)."""
    rnd = round_of(round_id)
    if rnd.data_year:
        return rnd.data_year
    pop = store.read("population")
    if pop.empty:
        from ..errors import InputError, Problem

        raise InputError([Problem("population", "", "year", "v datech chybí obyvatelstvo: "
                                  "dopad žádostí nelze spočítat")])
    return int(pop["year"].max())


def effects(store: Store, apps: list[dict[str, Any]], year: int) -> dict[str, dict[str, Any]]:
    """application id -> effect summary (``error`` when its scenario cannot be computed)."""
    out = {}
    for a in apps:
        try:
            out[a["application_id"]] = _CACHE.effect(store, a, year).summary()
        except Exception as exc:
            out[a["application_id"]] = {"error": str(exc)}
    return out


def ranked_list(store: Store, actor: Actor, round_id: str) -> pd.DataFrame:
    """The round's applications ``actor`` may read, ranked, with effect columns."""
    round_of(round_id)
    apps = visible_applications(store, actor, round_id)
    df = applications_frame(store, actor, round_id)
    if df.empty:
        return pd.DataFrame(columns=["rank", *COLUMNS_CS])
    eff = effects(store, apps, data_year(store, round_id))
    extra = pd.DataFrame([{"application_id": k, **v} for k, v in eff.items()])
    df = df.merge(extra, on="application_id", how="left")
    gap = pd.to_numeric(df.get("deficit_units_before"), errors="coerce") if "deficit_units_before" in df \
        else pd.Series(0.0, index=df.index)
    df = df.assign(_s=pd.to_numeric(df["score_total"], errors="coerce").fillna(-1), _g=gap.fillna(0))
    df = df.sort_values(["_s", "_g", "filed_at"], ascending=[False, False, True]).drop(columns=["_s", "_g"])
    df.insert(0, "rank", range(1, len(df) + 1))
    return df.reset_index(drop=True)


def _czech(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["kind"] = out["kind"].map(KINDS)
    out["state"] = out["state"].map(STATES)
    out["opinion"] = out["opinion"].map(OPINIONS)
    for c in ("recommendation", "decision"):
        out[c] = out[c].map(OUTCOMES)
    out["late"] = out["late"].map({1: "ano", 0: "ne"})
    out["type_code"] = out["type_code"].map(
        lambda c: f"§ {c} {catalogue.SERVICE_TYPE_BY_CODE[c].name_cs}" if c in catalogue.SERVICE_TYPE_BY_CODE else c)
    for c in out.columns:
        if out[c].dtype == float:
            out[c] = out[c].round(2)
    return out


def write_ranked_xlsx(store: Store, actor: Actor, round_id: str, path: str | Path) -> Path:
    """The ranked list as an XLSX for the working group (text cells neutralised: a cell that
    begins like a formula stays text, :mod:`geo_kissos.safe_cells`)."""
    from ..export.tables import write_xlsx

    df = ranked_list(store, actor, round_id)
    crit_cols = [f"score_{c.code}" for c in settings().criteria]
    cols = [c for c in ["rank", "application_id", "kind", "provider_ico", "name", "type_code", "orp_code",
                        "units", "unit", "late", "state", "opinion", *crit_cols, "score_total", "score_pct",
                        *[k for k in COLUMNS_CS if k.endswith(("_before", "_after"))],
                        "n_gaining", "gaining", "recommendation", "decision", "units_approved"]
            if c in df.columns]
    sheet = _czech(df[cols]).rename(columns={**COLUMNS_CS, **{
        f"score_{c.code}": f"{c.label} (0–{c.max:g}, váha {c.weight:g})" for c in settings().criteria}})
    rnd = round_of(round_id)
    about = [("kolo", f"{rnd.label} ({round_id})"), ("síť na rok", str(rnd.network_year)),
             ("termín nové služby", rnd.deadlines["new"].isoformat()),
             ("termín změny jednotek", rnd.deadlines["change"].isoformat()),
             ("dopad spočten na datech roku", str(data_year(store, round_id))),
             ("pořadí", "vážený součet bodů, při shodě větší deficit ORP před změnou"),
             ("vytvořeno", f"geo-kissos, {date.today().isoformat()}")]
    return write_xlsx({"poradi": sheet}, path, about=about)


def orp_applications(store: Store, orp_code: str) -> pd.DataFrame:
    """The applications of one ORP (every round), for the ORP export: id, round, kind, IČO,
    type, units, late, state, opinion, score, decision, units approved."""
    from ..accounts.roles import Actor as _A

    try:
        df = applications_frame(store, _A.system("export"))
    except Exception:
        return pd.DataFrame()
    if df.empty:
        return df
    df = df[df["orp_code"].astype(str) == str(orp_code)]
    cols = ["application_id", "round_id", "kind", "provider_ico", "service_id", "type_code", "name",
            "municipality_code", "units", "unit", "late", "state", "opinion", "score_total",
            "recommendation", "decision", "units_approved"]
    return df[cols].sort_values(["round_id", "application_id"]).reset_index(drop=True)
