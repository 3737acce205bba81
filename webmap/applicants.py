"""Pages of the applicants' register (KISSoS "Evidence žadatelů") under ``/ucet/zadatele``.

A provider uploads each home's list (CSV/XLSX as its software exports it) with the free places,
and sees its own lists: counts per status (its rows, pseudonymised, are never shown one by one)
and the history of its uploads. ORP coordinators and region planners see aggregates only, through
disclosure control (:mod:`geo_kissos.analysis.disclosure`): the page and the JSON API
``/ucet/zadatele/souhrn.json``. The upload is parsed in memory: the file is never written to disk
by this view (werkzeug spools a large request body into an unnamed temporary file, deleted when
the request ends).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from geo_kissos.accounts import audit
from geo_kissos.accounts.roles import ORP_COORDINATOR, PROVIDER, REGION_PLANNER
from geo_kissos.analysis import applicants as agg
from geo_kissos.analysis import disclosure as dc
from geo_kissos.collect import applicants as ap
from geo_kissos.errors import InputError, PermissionDenied, Problem
from geo_kissos.text import czech_order

from .accounts import PostForm, current_actor, role_required, store

bp = Blueprint("applicants", __name__, url_prefix="/ucet/zadatele", template_folder="templates")
MAX_UPLOAD = 10 * 1024 * 1024


def _homes(actor: Any) -> pd.DataFrame:
    svc = store().read("service")
    svc = svc[svc["type_code"].astype(str).isin(ap.RESIDENTIAL_TYPES)
              & svc["provider_ico"].astype(str).isin(actor.scopes(PROVIDER))]
    return svc.sort_values(["provider_ico", "service_id"]).reset_index(drop=True)


def _year() -> int:
    raw = request.args.get("rok", "")
    if raw and not raw.isdigit():
        raise InputError([Problem("rok", "", "rok", "rok je číslo, např. 2026")])
    if raw:
        return int(raw)
    years = store().read("applicant_demand")["year"]
    return int(years.max()) if len(years) else date.today().year


def _published(year: int) -> pd.DataFrame:
    return agg.published_demand(agg.demand_cells(store(), year))


@bp.get("/")
@role_required(PROVIDER, ORP_COORDINATOR, REGION_PLANNER)
def index() -> Any:
    """A provider's lists and upload; the aggregates for coordinators and planners."""
    actor, s = current_actor(), store()
    homes = _homes(actor) if actor.has(PROVIDER) else pd.DataFrame()
    lists = ap.provider_lists(s, actor) if actor.has(PROVIDER) else pd.DataFrame()
    mine = lists[lists["ico"].astype(str).isin(actor.scopes(PROVIDER))] if len(lists) else lists
    summary = ap.provider_summary(s, actor) if actor.has(PROVIDER) else pd.DataFrame()
    counts: dict[str, dict[str, int]] = {}
    for r in summary.to_dict("records"):
        counts.setdefault(r["service_id"], {})[r["status"]] = int(r["applications"])
    history = {}
    for sid in (mine["service_id"] if len(mine) else []):
        history[sid] = [h for h in audit.history(s, ap.LIST_TABLE, {"service_id": sid})][::-1]
    planner = actor.has(REGION_PLANNER) or actor.has(ORP_COORDINATOR)
    year = _year() if planner else None
    pub = _published(year) if planner else pd.DataFrame()
    orps = dict(zip(s.read("orp")["orp_code"].astype(str), s.read("orp")["name"], strict=True))
    rows = []
    if len(pub):
        sel = pub[pub["level"].isin(["orp", "outside", "region"])].copy()
        sel["name"] = [orps.get(c, "mimo kraj" if lvl == "outside" else "kraj celkem")
                       for c, lvl in zip(sel["code"], sel["level"], strict=True)]
        order = {"orp": 0, "outside": 1, "region": 2}
        sel = sel.assign(o=sel["level"].map(order)).sort_values(
            ["type_code", "o", "name"], key=lambda col: czech_order(col) if col.name == "name" else col)
        rows = sel.to_dict("records")
    free = agg.free_places(s) if planner else pd.DataFrame()
    free_orp = (free.groupby("orp_code")["free_places"].sum(min_count=1).to_dict() if len(free) else {})
    return render_template(
        "applicants/index.html", actor=actor, homes=homes.to_dict("records"),
        lists={r["service_id"]: r for r in mine.to_dict("records")} if len(mine) else {},
        counts=counts, history=history, statuses=ap.STATUSES, planner=planner, year=year, rows=rows,
        free_orp={orps.get(k, k): v for k, v in free_orp.items()}, upload=PostForm(), logout=PostForm(),
        small=dc.SMALL, hidden=dc.HIDDEN, today=date.today().isoformat(), label=dc.label)


@bp.post("/nahrat")
@role_required(PROVIDER)
def upload() -> Any:
    """Upload one home's list: replaces it (with history), or nothing is written."""
    actor = current_actor()
    form = PostForm()
    if not form.validate():
        raise InputError([Problem("formulář", "nahrání", f, "; ".join(e)) for f, e in form.errors.items()])
    sid = request.form.get("service_id", "")
    if sid not in set(_homes(actor)["service_id"].astype(str)):
        raise PermissionDenied(f"{actor.username} may not upload the list of service {sid!r}")
    f = request.files.get("soubor")
    if f is None or not f.filename:
        raise InputError([Problem("formulář", "nahrání", "soubor", "vyberte soubor se seznamem (XLSX nebo CSV)")])
    name = f.filename.rsplit("/", 1)[-1][:120]
    if not name.lower().endswith((".xlsx", ".csv")):
        raise InputError([Problem(name, "", "soubor", "nahrajte sešit .xlsx nebo .csv")])
    data = f.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InputError([Problem(name, "", "soubor", "soubor je větší než 10 MB")])
    raw_free = request.form.get("free_places", "").strip()
    if raw_free and not raw_free.isdigit():
        raise InputError([Problem("formulář", "", "Volná místa", "počet volných míst je celé číslo")])
    raw_date = request.form.get("data_date", "").strip()
    try:
        when = date.fromisoformat(raw_date) if raw_date else date.today()
    except ValueError:
        raise InputError([Problem("formulář", "", "Datum dat", "datum je ve tvaru RRRR-MM-DD")]) from None
    if when > date.today():
        raise InputError([Problem("formulář", "", "Datum dat", "datum dat je v budoucnosti")])
    res = ap.upload_list(store(), actor, data, source=name, service_id=sid,
                         free_places=int(raw_free) if raw_free else None, data_date=when)
    flash(f"Seznam {sid} nahrán: {res.rows} žádostí ({res.created} nových, {res.updated} změněných, "
          f"{res.deleted} odebraných).")
    return redirect(url_for("applicants.index"))


@bp.get("/souhrn.json")
@role_required(ORP_COORDINATOR, REGION_PLANNER)
def summary_json() -> Any:
    """The published aggregates of a year (``?rok=``): disclosure-controlled cells only."""
    year = _year()
    pub = _published(year)
    cols = ["level", "code", "type_code", "applicants", "urgent", "applications",
            "applications_per_applicant", "median_wait_days"]
    cells = []
    for r in (pub[cols].to_dict("records") if len(pub) else []):
        cells.append({k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()})
    return jsonify({"year": year, "source": "Evidence žadatelů KISSoS (agregát, ochrana malých počtů)",
                    "note": f"{dc.SMALL} = 1 až 4 osoby; {dc.HIDDEN} = skryto, aby nešlo dopočítat malý počet",
                    "loaded": bool(len(pub)), "cells": cells})


def init_applicants(app: Any) -> None:
    """Register the pages (after :func:`webmap.accounts.init_accounts`)."""
    app.register_blueprint(bp)
