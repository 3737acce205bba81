"""Pages of the municipalities' reported needs (KISSoS "Obce – potřebnost") under ``/ucet/potrebnost``.

ORP coordinators enter and edit the needs of their ORP(s), download the pre-filled XLSX template
and upload it back; region planners read every ORP. Every write goes through
:func:`geo_kissos.accounts.audit.write` (role and scope checked on the server; a hidden button
is never the check). The side-by-side table (computed gap × reported need) and the to-do list of
municipalities that have not reported are on the ORP's page.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from geo_kissos import catalogue
from geo_kissos.accounts import audit
from geo_kissos.accounts.roles import ORP_COORDINATOR, REGION_PLANNER
from geo_kissos.analysis.needs import AGREEMENT, missing_reports, needs_comparison
from geo_kissos.collect import needs, needs_template
from geo_kissos.config import get_config
from geo_kissos.errors import InputError, PermissionDenied, Problem
from geo_kissos.text import czech_order, czech_sort_key

from .accounts import PostForm, current_actor, role_required, store

bp = Blueprint("needs", __name__, url_prefix="/ucet/potrebnost", template_folder="templates")
#: The period offered first (the next medium-term plan).
DEFAULT_PERIOD = get_config().plan_period
MAX_UPLOAD = 5 * 1024 * 1024
WHOLE = "orp"


class NeedForm(FlaskForm):
    municipality_code = SelectField("Obec", validators=[DataRequired()], validate_choice=False)
    period = StringField("Období", validators=[DataRequired(), Length(max=12)])
    type_code = SelectField("Druh služby (§)", validate_choice=False)
    target_group = StringField("Cílová skupina (když ne druh služby)", validators=[Optional(), Length(max=64)])
    level = SelectField("Potřeba", choices=[SelectChoice(k, v) for k, v in needs.LEVELS.items()],
                        validate_choice=False)
    units_requested = StringField("Požadované jednotky (když jsou známé)", validators=[Optional(), Length(max=12)])
    justification = TextAreaField("Zdůvodnění", validators=[Optional(), Length(max=4000)])
    source = SelectField("Zdroj", choices=[SelectChoice(k, v) for k, v in needs.SOURCES.items()],
                         validate_choice=False)
    version = HiddenField()


def _period(value: str | None) -> str:
    p = needs.normalise_period(value or DEFAULT_PERIOD)
    if p is None:
        raise InputError([Problem("obdobi", "", "period", f"období {value!r} není ve tvaru 2027-2029")])
    return p


def _orp_choices(actor: Any) -> list[tuple[str, str]]:
    orp = store().read("orp").sort_values("name", key=czech_order)
    if actor.has(REGION_PLANNER):
        codes = list(orp["orp_code"])
    else:
        codes = sorted(actor.scopes(ORP_COORDINATOR))
    names = dict(zip(orp["orp_code"], orp["name"], strict=True))
    return [(c, names.get(c, c)) for c in sorted(codes, key=lambda c: czech_sort_key(names.get(c, c)))]


def _check_orp_readable(actor: Any, orp_code: str) -> str:
    if store().read("orp", {"orp_code": orp_code}).empty:
        abort(404)
    if not audit.can_read(actor, needs.TABLE, {"orp_code": orp_code}, store()):
        raise PermissionDenied(f"{actor.username} may not read the needs of ORP {orp_code}")
    return orp_code


def _form(orp_code: str, form: NeedForm | None = None) -> NeedForm:
    form = form or NeedForm()
    mun = store().read("municipality", {"orp_code": orp_code}).sort_values("name", key=czech_order)
    form.municipality_code.choices = [SelectChoice(WHOLE, "celé ORP")] + [
        SelectChoice(c, n) for c, n in zip(mun["municipality_code"], mun["name"], strict=True)]
    form.type_code.choices = [SelectChoice("", "— (cílová skupina)")] + [
        SelectChoice(t.code, f"§ {t.code} {t.name_cs}") for t in catalogue.SERVICE_TYPES]
    return form


def _entry(form: NeedForm, orp_code: str) -> needs.NeedEntry:
    units_text = (form.units_requested.data or "").replace(",", ".").replace(" ", "")
    try:
        units = float(units_text) if units_text else None
    except ValueError:
        raise InputError([Problem("formulář", "potřeba", "units_requested", f"{units_text!r} není číslo")]) from None
    mun = form.municipality_code.data
    return needs.NeedEntry(
        period=form.period.data or "", level=form.level.data or "", source=form.source.data or "",
        municipality_code=None if mun == WHOLE else mun, orp_code=orp_code if mun == WHOLE else None,
        type_code=form.type_code.data or None, target_group=(form.target_group.data or "").strip() or None,
        units_requested=units, justification=(form.justification.data or "").strip() or None,
        location="formulář")


@bp.get("/")
@role_required(ORP_COORDINATOR, REGION_PLANNER)
def index() -> Any:
    """The ORPs the user may see; a coordinator of one ORP goes straight to it."""
    actor = current_actor()
    choices = _orp_choices(actor)
    period = _period(request.args.get("obdobi"))
    if len(choices) == 1:
        return redirect(url_for("needs.orp", orp_code=choices[0][0], obdobi=period))
    reported = needs.visible_needs(store(), actor, period)
    counts = reported.groupby("orp_code").size().to_dict()
    return render_template("needs/index.html", orps=choices, counts=counts, period=period, logout=PostForm())


@bp.get("/<orp_code>")
@role_required(ORP_COORDINATOR, REGION_PLANNER)
def orp(orp_code: str) -> str:
    """One ORP: its reported needs, the form, template and upload, the comparison and the to-do list."""
    actor, s = current_actor(), store()
    _check_orp_readable(actor, orp_code)
    period = _period(request.args.get("obdobi"))
    df = needs.needs_frame(s, period)
    df = df[df["orp_code"] == orp_code]
    mun = s.read("municipality", {"orp_code": orp_code})
    names = dict(zip(mun["municipality_code"], mun["name"], strict=True))
    editable = audit.can_write(actor, needs.TABLE, {"orp_code": orp_code}, s)
    rows = []
    for r in df.sort_values(["municipality_code", "type_code"], na_position="first").to_dict("records"):
        t = catalogue.SERVICE_TYPE_BY_CODE.get(str(r["type_code"])) if r["type_code"] else None
        rows.append({**r, "municipality": names.get(r["municipality_code"], "celé ORP") if r["municipality_code"]
                     else "celé ORP", "what": f"§ {t.code} {t.name_cs}" if t else r["target_group"],
                     "key": audit.record_key(needs.TABLE, {"need_id": r["need_id"]})})
    cmp = needs_comparison(s, period)
    cmp = cmp[cmp["orp_code"] == orp_code]
    cmp = cmp[(cmp["reported_rank"].notna()) | (cmp["computed"].fillna(False))]
    todo = missing_reports(df, mun.drop(columns="geom"), orp_code)
    orp_row = s.read("orp", {"orp_code": orp_code})
    form = _form(orp_code, NeedForm(formdata=None, period=period)) if editable else None
    return render_template(
        "needs/orp.html", orp_code=orp_code, orp_name=str(orp_row["name"].iloc[0]), period=period, rows=rows,
        form=form, upload=PostForm(), delete=PostForm(), logout=PostForm(), editable=editable,
        comparison=cmp.to_dict("records"), agreement=AGREEMENT, gaps_missing=cmp.attrs.get("gaps_missing"),
        todo=todo.to_dict("records"), municipalities=len(mun), levels=needs.LEVELS, sources=needs.SOURCES)


@bp.post("/<orp_code>")
@role_required(ORP_COORDINATOR)
def save(orp_code: str) -> Any:
    """Save a need from the form (the same need again is an update, with history)."""
    actor = current_actor()
    form = _form(orp_code, NeedForm())
    if not form.validate():
        raise InputError([Problem("formulář", "potřeba", f, "; ".join(e)) for f, e in form.errors.items()])
    needs.write_entries(store(), actor, [_entry(form, orp_code)])
    flash("Potřeba uložena.")
    return redirect(url_for("needs.orp", orp_code=orp_code, obdobi=needs.normalise_period(form.period.data)))


@bp.post("/zaznam/<need_id>/smazat")
@role_required(ORP_COORDINATOR)
def delete(need_id: str) -> Any:
    """Delete a need (a recorded state; the history stays)."""
    actor, s = current_actor(), store()
    rec = audit.get(s, needs.TABLE, {"need_id": need_id})
    if rec is None:
        abort(404)
    needs.delete_need(s, actor, need_id)
    flash("Potřeba smazána (v historii zůstává).")
    return redirect(url_for("needs.orp", orp_code=rec["orp_code"], obdobi=rec["period"]))


@bp.get("/<orp_code>/sablona.xlsx")
@role_required(ORP_COORDINATOR, REGION_PLANNER)
def template(orp_code: str) -> Response:
    """The pre-filled XLSX template of the ORP's municipalities for the period."""
    actor = current_actor()
    _check_orp_readable(actor, orp_code)
    period = _period(request.args.get("obdobi"))
    wb = needs_template.template_workbook(store(), actor, orp_code, period)
    buf = io.BytesIO()
    wb.save(buf)
    name = f"potrebnost_{orp_code}_{period}.xlsx"
    return Response(buf.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/<orp_code>/nahrat")
@role_required(ORP_COORDINATOR)
def upload(orp_code: str) -> Any:
    """Upload a filled template: every row checked, all written in one transaction or nothing."""
    actor = current_actor()
    form = PostForm()
    if not form.validate():
        raise InputError([Problem("formulář", "nahrání", f, "; ".join(e)) for f, e in form.errors.items()])
    f = request.files.get("soubor")
    if f is None or not f.filename:
        raise InputError([Problem("formulář", "nahrání", "soubor", "vyberte vyplněnou šablonu (XLSX nebo CSV)")])
    suffix = Path(f.filename).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise InputError([Problem(Path(f.filename).name, "", "soubor", "nahrajte sešit .xlsx nebo .csv")])
    data = f.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InputError([Problem(Path(f.filename).name, "", "soubor", "soubor je větší než 5 MB")])
    with tempfile.TemporaryDirectory(prefix="gk-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        written = needs_template.upload_template(store(), actor, path, orp_code, source=Path(f.filename).name)
    flash(f"Nahráno: {len(written)} změn." if written else "Soubor nic nezměnil (vše už je uloženo).")
    return redirect(url_for("needs.orp", orp_code=orp_code, obdobi=request.args.get("obdobi") or DEFAULT_PERIOD))


def init_needs(app: Any) -> None:
    """Register the pages (after :func:`webmap.accounts.init_accounts`)."""
    app.register_blueprint(bp)
