"""Pages of the network applications (KISSoS "Plánování") under ``/ucet/zadosti``.

Providers file applications and see their own; ORP coordinators see their ORP's and give
opinions; region planners score, record the working group's recommendation, decide, see the
ranked list of a round and download it as XLSX; plan targets and their fulfilment. Every write
goes through :mod:`geo_kissos.collect.applications` (the audited write path): the server checks
role and scope, a hidden button is never the check.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from geo_kissos import catalogue
from geo_kissos.accounts import audit
from geo_kissos.accounts.roles import ORP_COORDINATOR, PROVIDER, REGION_PLANNER
from geo_kissos.collect import applications as apps
from geo_kissos.collect import ranking, targets
from geo_kissos.collect.criteria import KINDS, settings
from geo_kissos.errors import InputError, Problem

from .accounts import PostForm, current_actor, role_required, store

#: Czech names of the units after a number (the catalogue's vocabulary).
UNITS_CS = catalogue.UNIT_NAMES

bp = Blueprint("applications", __name__, url_prefix="/ucet/zadosti", template_folder="templates")
ANY = (PROVIDER, ORP_COORDINATOR, REGION_PLANNER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(value: str | None) -> str:
    rounds = settings().rounds
    if value:
        apps.round_of(value)
        return value
    if not rounds:
        raise InputError([Problem("planning", "", "rounds", "není nastaveno žádné kolo")])
    return sorted(rounds)[-1]


def _csrf() -> None:
    form = PostForm()
    if not form.validate():
        raise InputError([Problem("formulář", "", f, "; ".join(e)) for f, e in form.errors.items()])


def _num(name: str, required: bool = False) -> float | None:
    text = (request.form.get(name) or "").replace(",", ".").replace(" ", "").strip()
    if not text:
        if required:
            raise InputError([Problem("formulář", "", name, "povinný údaj chybí")])
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError([Problem("formulář", "", name, f"{text!r} není číslo")]) from None


def _text(name: str) -> str | None:
    return (request.form.get(name) or "").strip() or None


def _names() -> tuple[dict[str, str], dict[str, str]]:
    s = store()
    orp = s.read("orp")
    mun = s.read("municipality")
    return (dict(zip(orp["orp_code"], orp["name"], strict=True)),
            dict(zip(mun["municipality_code"], mun["name"], strict=True)))


@bp.get("/")
@role_required(*ANY)
def index() -> str:
    """The applications the user may see in a round; the provider's filing form."""
    actor = current_actor()
    rid = _round(request.args.get("kolo"))
    rows = apps.visible_applications(store(), actor, rid)
    orp_names, mun_names = _names()
    own_services = []
    if actor.has(PROVIDER):
        svc = store().read("service")
        svc = svc[svc["provider_ico"].isin(actor.scopes(PROVIDER))].sort_values("service_id")
        own_services = svc.to_dict("records")
    return render_template(
        "applications/index.html", rows=rows, round_id=rid, rnd=settings().rounds[rid],
        rounds=sorted(settings().rounds), kinds=KINDS, states=apps.STATES, opinions=apps.OPINIONS,
        orp_names=orp_names, mun_names=mun_names, types=catalogue.SERVICE_TYPES,
        icos=sorted(actor.scopes(PROVIDER)), services=own_services, form=PostForm(),
        is_planner=actor.has(REGION_PLANNER), logout=PostForm(), units_cs=UNITS_CS)


@bp.post("/")
@role_required(PROVIDER)
def file() -> Any:
    """File an application (a late one is stored and flagged)."""
    _csrf()
    actor = current_actor()
    kind = request.form.get("kind") or ""
    app = apps.Application(
        round_id=_round(request.form.get("round_id")), kind=kind,
        provider_ico=(request.form.get("provider_ico") or "").strip(), units=_num("units", True) or 0.0,
        type_code=_text("type_code"), service_id=_text("service_id") if kind == "change" else None,
        name=_text("name"), forms=";".join(request.form.getlist("forms")) or None,
        target_group=_text("target_group"), municipality_code=_text("municipality_code"),
        x=_num("x"), y=_num("y"), reach=_text("reach"), justification=_text("justification"))
    aid = apps.file_application(store(), actor, app)
    rec = audit.get(store(), apps.TABLE, {"application_id": aid})
    flash("Žádost podána po termínu: je přijata a označena." if rec and rec["late"] else "Žádost podána.")
    return redirect(url_for("applications.detail", application_id=aid))


@bp.get("/<application_id>")
@role_required(*ANY)
def detail(application_id: str) -> str:
    """One application: data, effect, steps and the forms the user's role allows."""
    actor, s = current_actor(), store()
    a = apps.application(s, actor, application_id)
    effect, effect_error = None, None
    try:
        year = ranking.data_year(s, a["round_id"])
        effect = ranking._CACHE.effect(s, a, year)
    except Exception as exc:
        effect_error = str(exc)
    orp_names, mun_names = _names()
    return render_template(
        "applications/detail.html", a=a, effect=effect, effect_error=effect_error,
        history=apps.history(s, actor, application_id), criteria=settings().criteria,
        kinds=KINDS, states=apps.STATES, opinions=apps.OPINIONS, outcomes=apps.OUTCOMES,
        orp_names=orp_names, mun_names=mun_names, type=catalogue.SERVICE_TYPE_BY_CODE.get(a["type_code"]),
        can_opinion=a["orp_code"] in actor.scopes(ORP_COORDINATOR) and not a["scores"],
        is_planner=actor.has(REGION_PLANNER), form=PostForm(), logout=PostForm(), units_cs=UNITS_CS)


@bp.post("/<application_id>/stanovisko")
@role_required(ORP_COORDINATOR)
def opinion(application_id: str) -> Any:
    """The ORP's opinion."""
    _csrf()
    apps.record_opinion(store(), current_actor(), application_id, request.form.get("opinion") or "",
                        _text("text"))
    flash("Stanovisko ORP uloženo.")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<application_id>/hodnoceni")
@role_required(REGION_PLANNER)
def score(application_id: str) -> Any:
    """The region's scores of every criterion."""
    _csrf()
    scores = {c.code: _num(f"score_{c.code}", True) for c in settings().criteria}
    apps.score_application(store(), current_actor(), application_id, scores)  # type: ignore[arg-type]
    flash("Hodnocení uloženo.")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<application_id>/doporuceni")
@role_required(REGION_PLANNER)
def recommend(application_id: str) -> Any:
    """The working group's recommendation."""
    _csrf()
    apps.recommend(store(), current_actor(), application_id, request.form.get("outcome") or "",
                   _num("units"), _text("text"))
    flash("Doporučení pracovní skupiny uloženo.")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<application_id>/rozhodnuti")
@role_required(REGION_PLANNER)
def decide(application_id: str) -> Any:
    """The decision (region planners only); an approval writes the network rows."""
    _csrf()
    rows = apps.decide(store(), current_actor(), application_id, request.form.get("outcome") or "",
                       _num("units"), _text("text"))
    flash(f"Rozhodnuto; do sítě roku {rows[0]['year']} zapsána služba {rows[0]['service_id']}."
          if rows else "Rozhodnuto: zamítnuto.")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.get("/poradi/<round_id>")
@role_required(REGION_PLANNER)
def ranked(round_id: str) -> str:
    """The ranked list of a round with scores and effects."""
    s = store()
    df = ranking.ranked_list(s, current_actor(), _round(round_id))
    orp_names, _ = _names()
    return render_template("applications/ranked.html", rows=df.to_dict("records"), round_id=round_id,
                           rnd=settings().rounds[round_id], year=ranking.data_year(s, round_id),
                           states=apps.STATES, opinions=apps.OPINIONS, outcomes=apps.OUTCOMES,
                           kinds=KINDS, orp_names=orp_names, max_total=settings().max_total, units_cs=UNITS_CS,
                           data_date=s.data_date(),
                           logout=PostForm())


@bp.get("/poradi/<round_id>.xlsx")
@role_required(REGION_PLANNER)
def ranked_xlsx(round_id: str) -> Response:
    """The ranked list as XLSX for the working group."""
    with tempfile.TemporaryDirectory(prefix="gk-rank-") as tmp:
        path = ranking.write_ranked_xlsx(store(), current_actor(), _round(round_id), Path(tmp) / "poradi.xlsx")
        data = path.read_bytes()
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="zadosti_poradi_{round_id}.xlsx"'})


@bp.get("/cile")
@role_required(*ANY)
def plan_targets() -> str:
    """The plan's measures and how much of each the approved applications fulfil."""
    actor = current_actor()
    orp_names, _ = _names()
    return render_template("applications/targets.html", rows=targets.fulfilment(store()).to_dict("records"),
                           is_planner=actor.has(REGION_PLANNER), types=catalogue.SERVICE_TYPES,
                           orp_names=orp_names, form=PostForm(), logout=PostForm())


@bp.post("/cile")
@role_required(REGION_PLANNER)
def add_target() -> Any:
    """Enter a plan measure."""
    _csrf()
    targets.set_target(store(), current_actor(), plan_period=request.form.get("plan_period") or "",
                       measure=_text("measure") or "", units=_num("units", True) or 0.0,
                       type_code=_text("type_code"), target_group=_text("target_group"),
                       orp_code=_text("orp_code"))
    flash("Cíl plánu uložen.")
    return redirect(url_for("applications.plan_targets"))


def init_applications(app: Any) -> None:
    """Register the pages (after :func:`webmap.accounts.init_accounts`)."""
    app.register_blueprint(bp)
