"""Network applications and decisions (the KISSoS module "Plánování").

A provider (role ``provider``, scope its IČO) applies in a planning round
(:mod:`geo_kissos.collect.criteria`) for a **new service** (type, forms, a site as EPSG:5514
x/y or a municipality, or a reach as municipality codes; units) or a **change of units** of a
service in the network (the new total). The server derives the application's ORP (from the
site, the service's site or the first municipality of the reach), its unit (the type's planning
unit), the time it was filed and whether it was late: a late application is flagged
(``late = 1``), never refused or lost.

The cycle, each step a record of its own audited table (history = the audit log):

1. ``network_application`` — filed by the provider (editable by it until the ORP's opinion);
2. ``application_opinion`` — the ORP coordinator of the application's ORP: positive, negative
   or neutral, with a text;
3. ``application_score`` — the region's planner scores every criterion 0..max;
4. ``application_decision`` stage ``recommendation`` — the working group's recommendation,
   entered by a planner;
5. ``application_decision`` stage ``decision`` — approved (with the units approved) or
   rejected; only a region planner, once. An approved application becomes network rows of the
   round's network year at once (:func:`to_network`): a new service gets a ``service`` row (id
   ``Z`` + 12 hex digits of the application), its forms, site or reach and a ``network`` row of
   status ``new``; a change a ``network`` row of status ``changed``. That store transaction
   also writes an ``audit_log`` row per network row and an ``import_log`` row (kind
   ``application``), so the data version changes and every cache refreshes.

Every step is checked in order (no opinion before filing, no decision before the
recommendation...), with Czech messages naming the field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from .. import catalogue
from ..accounts import audit
from ..accounts.roles import PROVIDER, REGION_PLANNER, Actor
from ..analysis.application_effect import scenario_service_id
from ..errors import InputError, PermissionDenied, Problem, RecordNotFound
from ..store.base import Store
from .criteria import KINDS, Round, settings

__all__ = [
    "TABLE", "OPINIONS", "OUTCOMES", "STATES", "Application", "file_application", "update_application",
    "record_opinion", "score_application", "recommend", "decide", "to_network", "application",
    "visible_applications", "applications_frame", "state_of", "round_of", "history", "service_id_for",
]

TABLE = "network_application"
OPINION, SCORE, DECISION = "application_opinion", "application_score", "application_decision"
#: Opinion code -> Czech label.
OPINIONS: dict[str, str] = {"positive": "kladné", "neutral": "neutrální", "negative": "záporné"}
#: Outcome code -> Czech label.
OUTCOMES: dict[str, str] = {"approved": "schváleno", "rejected": "zamítnuto"}
#: State code -> Czech label, in the cycle's order.
STATES: dict[str, str] = {
    "filed": "podána", "opinion": "stanovisko ORP", "scored": "obodována",
    "recommended": "doporučení pracovní skupiny", "approved": "schválena", "rejected": "zamítnuta",
}
FORMS = ("residential", "outpatient", "field")
_FORMS_CS = {"pobytová": "residential", "ambulantní": "outpatient", "terénní": "field"}


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None)).floor("ms")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and not v.strip())


def _codes(v: Any) -> list[str]:
    if _blank(v):
        return []
    return [p.strip() for p in str(v).replace(",", ";").split(";") if p.strip()]


def round_of(round_id: str) -> Round:
    """The configured round ``round_id``; :class:`InputError` naming the rounds configured."""
    r = settings().rounds.get(str(round_id))
    if r is None:
        raise InputError([Problem("planning", "", "round_id", f"kolo {round_id!r} není nastaveno; "
                                  f"nastavená: {', '.join(settings().rounds) or 'žádné'}")])
    return r


# --------------------------------------------------------------------------- application
def _municipality_at(reader: audit.Reader, x: float, y: float) -> str | None:
    from shapely.geometry import Point

    munis = reader.read("municipality")
    if "geom" not in munis.columns or munis.empty:
        return None
    hit = munis[munis.geometry.covers(Point(x, y))]
    return None if hit.empty else str(hit["municipality_code"].iloc[0])


def _orp_of_municipality(reader: audit.Reader, code: str | None) -> str | None:
    if not code:
        return None
    m = reader.read("municipality", {"municipality_code": str(code)})
    return None if m.empty else str(m["orp_code"].iloc[0])


def _service_place(reader: audit.Reader, service_id: str) -> tuple[str | None, str | None]:
    """(municipality of the service's first site or reach, its type) of a stored service."""
    svc = reader.read("service", {"service_id": service_id})
    if svc.empty:
        return None, None
    tc = str(svc["type_code"].iloc[0])
    sites = reader.read("site", {"service_id": service_id})
    sites = sites[sites["municipality_code"].notna()] if not sites.empty else sites
    if not sites.empty:
        return str(sites["municipality_code"].iloc[0]), tc
    reach = reader.read("reach", {"service_id": service_id})
    return (str(reach["municipality_code"].sort_values().iloc[0]) if not reach.empty else None), tc


def _derive(values: dict[str, Any], reader: audit.Reader) -> dict[str, Any]:
    """Server-side fields: ORP, unit, site municipality, type of a change, filed time, late flag."""
    for col in ("name", "forms", "target_group", "reach", "justification", "service_id",
                "municipality_code"):
        if isinstance(values.get(col), str):
            values[col] = values[col].strip() or None
    if values.get("type_code") is not None:
        values["type_code"] = str(values["type_code"]).strip().lower().removeprefix("§").strip()
    if values.get("forms"):
        forms = [_FORMS_CS.get(f.lower(), f.lower()) for f in _codes(values["forms"])]
        values["forms"] = ";".join(forms)
    if values.get("reach"):
        values["reach"] = ";".join(sorted(set(_codes(values["reach"]))))
    orp = None
    if values.get("kind") == "change" and values.get("service_id"):
        muni, tc = _service_place(reader, str(values["service_id"]))
        if tc is not None:
            values["type_code"] = tc
        orp = _orp_of_municipality(reader, muni)
    else:
        x, y = values.get("x"), values.get("y")
        if values.get("municipality_code") is None and not _blank(x) and not _blank(y):
            values["municipality_code"] = _municipality_at(reader, float(x), float(y))
        first = values.get("municipality_code") or next(iter(_codes(values.get("reach"))), None)
        orp = _orp_of_municipality(reader, first)
    values["orp_code"] = orp
    st = catalogue.SERVICE_TYPE_BY_CODE.get(str(values.get("type_code")))
    values["unit"] = st.unit if st else None
    if values.get("filed_at") is None:
        values["filed_at"] = _now()
    rnd = settings().rounds.get(str(values.get("round_id")))
    if rnd is not None and values.get("kind") in KINDS:
        values["late"] = int(rnd.is_late(values["kind"], pd.Timestamp(values["filed_at"]).to_pydatetime()))
    return values


def _check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if str(values.get("round_id")) not in settings().rounds:
        problems.append(("round_id", f"kolo {values.get('round_id')!r} není nastaveno"))
    kind = values.get("kind")
    if kind not in KINDS:
        problems.append(("kind", f"druh žádosti {kind!r} není jeden z: {', '.join(KINDS.values())}"))
    ico = str(values.get("provider_ico") or "")
    if not (len(ico) == 8 and ico.isdigit()):
        problems.append(("provider_ico", f"IČO {ico!r} nemá 8 číslic"))
    tc = values.get("type_code")
    st = catalogue.SERVICE_TYPE_BY_CODE.get(str(tc))
    if kind == "change":
        sid = values.get("service_id")
        svc = reader.read("service", {"service_id": str(sid)}) if sid else pd.DataFrame()
        if svc.empty:
            problems.append(("service_id", f"služba {sid!r} není v registru" if sid else "uveďte službu"))
        elif str(svc["provider_ico"].iloc[0]) != ico:
            problems.append(("service_id", f"služba {sid} nepatří poskytovateli IČO {ico}"))
    elif kind == "new":
        if st is None:
            problems.append(("type_code", f"neznámý druh služby § {tc}"))
        for f in _codes(values.get("forms")):
            if f not in FORMS:
                problems.append(("forms", f"forma {f!r} není pobytová, ambulantní ani terénní"))
        x, y = values.get("x"), values.get("y")
        if _blank(x) != _blank(y):
            problems.append(("x", "uveďte obě souřadnice x a y (S-JTSK, EPSG:5514)"))
        elif not _blank(x) and values.get("municipality_code") is None:
            problems.append(("x", f"bod ({x:.0f}, {y:.0f}) neleží v žádné obci kraje (EPSG:5514, metry)"))
        muni = values.get("municipality_code")
        if muni is not None and _orp_of_municipality(reader, muni) is None:
            problems.append(("municipality_code", f"obec {muni!r} není v datech kraje"))
        reach = _codes(values.get("reach"))
        known = set(reader.read("municipality")["municipality_code"].astype(str)) if reach else set()
        stray = [c for c in reach if c not in known]
        if stray:
            problems.append(("reach", f"kódy {', '.join(stray)} nejsou obce kraje"))
        if muni is None and not _codes(values.get("reach")) and _blank(x):
            problems.append(("municipality_code", "uveďte místo (x/y nebo obec) nebo působnost (obce)"))
    if values.get("orp_code") is None and not problems:
        problems.append(("orp_code", "ORP žádosti nelze určit (služba bez místa a působnosti)"))
    units = values.get("units")
    try:
        u = float(units)
    except (TypeError, ValueError):
        problems.append(("units", f"počet jednotek {units!r} není číslo"))
    else:
        top = catalogue.UNIT_MAX.get(str(values.get("unit")), 10_000)
        if not 0 <= u <= top:
            problems.append(("units", f"počet jednotek {u:g} není mezi 0 a {top:g}"))
    return problems


def _app_write_rule(actor: Actor, record: Mapping[str, Any], reader: audit.Reader) -> bool:
    """The provider of the IČO while the ORP has not given its opinion."""
    if record.get("provider_ico") is None or str(record["provider_ico"]) not in actor.scopes(PROVIDER):
        return False
    aid = record.get("application_id")
    return aid is None or audit.get(reader, OPINION, {"application_id": aid}) is None


_app_write_rule.__doc__ = "provider of provider_ico, until the ORP's opinion"


def _application_reader(actor: Actor, record: Mapping[str, Any], reader: audit.Reader) -> bool:
    """The provider of the application a step record belongs to."""
    app = audit.get(reader, TABLE, {"application_id": record.get("application_id")})
    return app is not None and str(app["provider_ico"]) in actor.scopes(PROVIDER)


_READ = audit.any_of(audit.ico_scope("provider_ico"), audit.orp_scope("orp_code"), audit.region_scope())

audit.register(audit.AuditedTable(
    TABLE, label="žádost o změnu sítě", write_rule=_app_write_rule, read_rule=_READ,
    prepare=_derive, validate=_check))


# --------------------------------------------------------------------------- the steps
def _app_or_404(reader: audit.Reader, application_id: str) -> dict[str, Any]:
    app = audit.get(reader, TABLE, {"application_id": application_id})
    if app is None:
        raise RecordNotFound(f"žádost {application_id} neexistuje")
    return app


def _step_record(table: str, reader: audit.Reader, aid: Any, *key: str) -> dict[str, Any] | None:
    return audit.get(reader, table, {"application_id": aid, **dict(key)}) if key else \
        audit.get(reader, table, {"application_id": aid})


def _opinion_derive(values: dict[str, Any], reader: audit.Reader) -> dict[str, Any]:
    app = audit.get(reader, TABLE, {"application_id": values.get("application_id")})
    values["orp_code"] = None if app is None else app["orp_code"]
    if isinstance(values.get("text"), str):
        values["text"] = values["text"].strip() or None
    return values


def _opinion_check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    if values.get("orp_code") is None:
        return [("application_id", f"žádost {values.get('application_id')} neexistuje")]
    out = []
    if values.get("opinion") not in OPINIONS:
        out.append(("opinion", f"stanovisko {values.get('opinion')!r} není jedno z: {', '.join(OPINIONS.values())}"))
    if _scores(reader, values["application_id"]):
        out.append(("opinion", "žádost už kraj hodnotí: stanovisko nelze měnit"))
    return out


audit.register(audit.AuditedTable(
    OPINION, label="stanovisko ORP k žádosti", write_rule=audit.orp_scope("orp_code"),
    read_rule=audit.any_of(audit.orp_scope("orp_code"), audit.region_scope(), _application_reader),
    prepare=_opinion_derive, validate=_opinion_check))


def _scores(reader: audit.Reader, aid: str) -> dict[str, float]:
    df = audit.current(reader, SCORE, {"application_id": aid})
    return {str(r["criterion"]): float(r["score"]) for r in df.to_dict("records")}


def _decisions(reader: audit.Reader, aid: str) -> dict[str, dict[str, Any]]:
    df = audit.current(reader, DECISION, {"application_id": aid})
    return {str(r["stage"]): {k: _none(v) for k, v in r.items()} for r in df.to_dict("records")}


def _none(v: Any) -> Any:
    """Missing cells (NaN, NA) as None."""
    return None if v is None or (not isinstance(v, (str, list, tuple)) and pd.isna(v)) else v


def _score_check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    aid = values.get("application_id")
    if audit.get(reader, TABLE, {"application_id": aid}) is None:
        return [("application_id", f"žádost {aid} neexistuje")]
    if audit.get(reader, OPINION, {"application_id": aid}) is None:
        return [("criterion", "žádost nemá stanovisko ORP: hodnotí se až po něm")]
    if "recommendation" in _decisions(reader, aid):
        return [("criterion", "pracovní skupina už doporučila: hodnocení nelze měnit")]
    crit = settings().criterion(str(values.get("criterion")))
    if crit is None:
        return [("criterion", f"kritérium {values.get('criterion')!r} není nastaveno")]
    s = values.get("score")
    if s is None or not 0 <= float(s) <= crit.max:
        return [("score", f"body za „{crit.label}“ musí být 0 až {crit.max:g}, ne {s!r}")]
    return []


_PLANNER_OR_APP = audit.any_of(audit.region_scope(), _application_reader)


def _orp_of_step(actor: Actor, record: Mapping[str, Any], reader: audit.Reader) -> bool:
    app = audit.get(reader, TABLE, {"application_id": record.get("application_id")})
    return app is not None and str(app["orp_code"]) in actor.scopes("orp_coordinator")


audit.register(audit.AuditedTable(
    SCORE, label="hodnocení žádosti", write_rule=audit.region_scope(),
    read_rule=audit.any_of(_PLANNER_OR_APP, _orp_of_step), validate=_score_check))


def _decision_check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    aid = values.get("application_id")
    app = audit.get(reader, TABLE, {"application_id": aid})
    if app is None:
        return [("application_id", f"žádost {aid} neexistuje")]
    out: list[tuple[str, str]] = []
    stage = values.get("stage")
    decisions = _decisions(reader, aid)
    if stage == "recommendation":
        missing = [c.label for c in settings().criteria if c.code not in _scores(reader, aid)]
        if missing:
            out.append(("stage", f"žádost není obodována ({', '.join(missing)})"))
        if "decision" in decisions:
            out.append(("stage", "o žádosti je rozhodnuto: doporučení nelze měnit"))
    elif stage == "decision":
        if "recommendation" not in decisions:
            out.append(("stage", "chybí doporučení pracovní skupiny"))
    else:
        out.append(("stage", f"krok {stage!r} není doporučení ani rozhodnutí"))
    if values.get("outcome") not in OUTCOMES:
        out.append(("outcome", f"výsledek {values.get('outcome')!r} není schváleno ani zamítnuto"))
    units = values.get("units")
    if values.get("outcome") == "approved":
        if units is None or not 0 <= float(units) <= 10_000:
            out.append(("units", "uveďte počet schválených jednotek (0 až 10 000)"))
    return out


audit.register(audit.AuditedTable(
    DECISION, label="doporučení a rozhodnutí o žádosti", write_rule=audit.region_scope(),
    read_rule=audit.any_of(_PLANNER_OR_APP, _orp_of_step), validate=_decision_check))


# --------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class Application:
    """An application as entered (form, script); see :func:`file_application`."""

    round_id: str
    kind: str
    provider_ico: str
    units: float
    type_code: str | None = None
    service_id: str | None = None
    name: str | None = None
    forms: str | None = None
    target_group: str | None = None
    municipality_code: str | None = None
    x: float | None = None
    y: float | None = None
    reach: str | None = None
    justification: str | None = None

    def values(self) -> dict[str, Any]:
        """The record's values as the client may give them."""
        return {c: getattr(self, c) for c in (
            "round_id", "kind", "provider_ico", "units", "type_code", "service_id", "name", "forms",
            "target_group", "municipality_code", "x", "y", "reach", "justification")}


def file_application(store: Store, actor: Actor, app: Application, note: str | None = None,
                     source: str = "formulář") -> str:
    """File an application; returns its id. Late ones are stored with ``late = 1``."""
    aid = audit.new_id()
    audit.write(store, actor, audit.Change(TABLE, {"application_id": aid}, app.values(),
                                           expected_version=0, note=note, source=source))
    return aid


def update_application(store: Store, actor: Actor, application_id: str, values: Mapping[str, Any],
                       expected_version: int | None = None, note: str | None = None) -> audit.Written | None:
    """Change an application (its provider, until the ORP's opinion). Filing time and flag stay."""
    allowed = set(Application.__dataclass_fields__) - {"provider_ico", "round_id", "kind"}
    bad = [k for k in values if k not in allowed]
    if bad:
        raise InputError([Problem("formulář", "", k, "tento údaj žádosti nelze měnit") for k in bad])
    done = audit.write(store, actor, audit.Change(TABLE, {"application_id": application_id}, dict(values),
                                                  expected_version=expected_version, note=note))
    return done[0] if done else None


def record_opinion(store: Store, actor: Actor, application_id: str, opinion: str,
                   text: str | None = None) -> audit.Written | None:
    """The ORP coordinator's opinion (positive / neutral / negative) with its text."""
    _app_or_404(store, application_id)
    done = audit.write(store, actor, audit.Change(OPINION, {"application_id": application_id},
                                                  {"opinion": opinion, "text": text}))
    return done[0] if done else None


def score_application(store: Store, actor: Actor, application_id: str, scores: Mapping[str, float],
                      notes: Mapping[str, str] | None = None) -> list[audit.Written]:
    """The region's scores (criterion -> 0..max), all in one transaction."""
    _app_or_404(store, application_id)
    changes = [audit.Change(SCORE, {"application_id": application_id, "criterion": c},
                            {"score": s, "note": (notes or {}).get(c)}, location=c)
               for c, s in scores.items()]
    return audit.write(store, actor, changes)


def recommend(store: Store, actor: Actor, application_id: str, outcome: str,
              units: float | None = None, text: str | None = None) -> audit.Written | None:
    """The working group's recommendation (entered by a region planner)."""
    _app_or_404(store, application_id)
    done = audit.write(store, actor, audit.Change(
        DECISION, {"application_id": application_id, "stage": "recommendation"},
        {"outcome": outcome, "units": units, "text": text}))
    return done[0] if done else None


def decide(store: Store, actor: Actor, application_id: str, outcome: str,
           units: float | None = None, text: str | None = None,
           day: date | None = None) -> list[dict[str, Any]]:
    """The decision (region planners only, once); an approval writes the network rows.

    Returns
    -------
    list of dict
        The network rows written (empty for a rejection).
    """
    app = _app_or_404(store, application_id)
    if not actor.is_system and not actor.has(REGION_PLANNER):
        raise PermissionDenied(f"{actor.username} ({actor.describe()}) may not decide applications: "
                               "only region_planner")
    audit.write(store, actor, audit.Change(
        DECISION, {"application_id": application_id, "stage": "decision"},
        {"outcome": outcome, "units": units, "text": text}, expected_version=0,
        note="rozhodnutí o žádosti"))
    if outcome != "approved":
        return []
    return to_network(store, actor, app, float(units or 0), day or datetime.now(UTC).date())


def service_id_for(application_id: str) -> str:
    """The register id of the service an approved new-service application creates (the same id
    as in its scenario, :func:`~geo_kissos.analysis.application_effect.scenario_service_id`)."""
    return scenario_service_id(application_id)


def to_network(store: Store, actor: Actor, app: Mapping[str, Any], units: float,
               day: date) -> list[dict[str, Any]]:
    """Write an approved application into the network of its round's year (one transaction).

    Idempotent (the rows are keyed by service, year and update date). A new service also gets
    its register rows (``service``, ``service_form``, ``site`` or ``reach``); every row written is
    recorded in ``audit_log`` and the transaction in ``import_log`` (kind ``application``).
    """
    if not actor.is_system and not actor.has(REGION_PLANNER):
        raise PermissionDenied("only region_planner writes the network")
    rnd = round_of(str(app["round_id"]))
    aid = str(app["application_id"])
    sid = str(app["service_id"]) if app["kind"] == "change" else service_id_for(aid)
    upd = pd.Timestamp(day).date()
    written: dict[str, pd.DataFrame] = {}
    if app["kind"] == "new":
        st = catalogue.SERVICE_TYPE_BY_CODE[str(app["type_code"])]
        written["service"] = pd.DataFrame([{
            "service_id": sid, "provider_ico": str(app["provider_ico"]), "type_code": st.code,
            "name": app.get("name") or f"{st.name_cs} (žádost {aid[:8]})",
            "target_groups": app.get("target_group"), "contact": None,
            "valid_from": date(rnd.network_year, 1, 1), "valid_to": None}])
        forms = _codes(app.get("forms")) or list(st.forms)
        written["service_form"] = pd.DataFrame([{"service_id": sid, "form": f} for f in forms])
        if app.get("municipality_code"):
            import geopandas as gpd
            from shapely.geometry import Point

            from ..crs import STORE_EPSG

            has_xy = not (_blank(app.get("x")) or _blank(app.get("y")))
            geom = Point(float(app["x"]), float(app["y"])) if has_xy else None
            written["site"] = gpd.GeoDataFrame([{
                "site_id": f"{sid}-1", "service_id": sid, "name": app.get("name"), "address": None,
                "municipality_code": str(app["municipality_code"]), "ruian_address_code": None,
                "location_quality": "address_point" if has_xy else "unlocated", "geom": geom}],
                geometry="geom", crs=STORE_EPSG)
        reach = _codes(app.get("reach"))
        if reach:
            written["reach"] = pd.DataFrame([{"service_id": sid, "municipality_code": m} for m in reach])
    written["network"] = pd.DataFrame([{
        "service_id": sid, "year": rnd.network_year, "update_date": upd, "units": float(units),
        "unit": str(app["unit"]), "status": "new" if app["kind"] == "new" else "changed"}])
    at = _now()
    note = f"schválená žádost {aid} (kolo {app['round_id']})"
    audits = []
    with store.transaction() as w:
        if app["kind"] == "new" and w.read("provider", {"ico": str(app["provider_ico"])}).empty:
            written = {"provider": pd.DataFrame([{"ico": str(app["provider_ico"]),
                                                  "name": f"poskytovatel IČO {app['provider_ico']}",
                                                  "address": None}]), **written}
        for table, df in written.items():
            w.upsert(table, df)
            for rec in pd.DataFrame(df.drop(columns="geom", errors="ignore")).to_dict("records"):
                key = {k: rec[k] for k in _KEYS[table]}
                audits.append({
                    "audit_id": audit.new_id(), "at": at, "actor_id": actor.user_id,
                    "actor_name": actor.username, "actor_roles": actor.describe(), "table_name": table,
                    "record_key": json.dumps(key, default=str, sort_keys=True, ensure_ascii=False),
                    "version": 1, "action": "create", "before": None,
                    "after": json.dumps(rec, default=str, sort_keys=True, ensure_ascii=False), "note": note})
        w.upsert("audit_log", pd.DataFrame(audits))
        checksum = hashlib.sha256(json.dumps([a["after"] for a in audits]).encode()).hexdigest()
        w.log_import("application", f"žádost {aid}", checksum, len(audits), len(audits),
                     note=note)
    return written["network"].to_dict("records")


_KEYS = {"provider": ("ico",), "service": ("service_id",), "service_form": ("service_id", "form"),
         "site": ("site_id",), "reach": ("service_id", "municipality_code"),
         "network": ("service_id", "year", "update_date")}


# --------------------------------------------------------------------------- reading
def state_of(opinion: Mapping[str, Any] | None, scores: Mapping[str, float],
             decisions: Mapping[str, Mapping[str, Any]]) -> str:
    """The state of an application from its step records (see :data:`STATES`)."""
    if "decision" in decisions:
        return str(decisions["decision"]["outcome"])
    if "recommendation" in decisions:
        return "recommended"
    if scores and all(c.code in scores for c in settings().criteria):
        return "scored"
    return "opinion" if opinion else "filed"


def application(store: Store, actor: Actor, application_id: str) -> dict[str, Any]:
    """One application with its steps, as ``actor`` may see it (404 / 403 otherwise)."""
    app = _app_or_404(store, application_id)
    if not audit.can_read(actor, TABLE, app, store):
        raise PermissionDenied(f"{actor.username} may not read application {application_id}")
    return _with_steps(store, app)


def _with_steps(store: Store, app: dict[str, Any]) -> dict[str, Any]:
    aid = app["application_id"]
    op = audit.get(store, OPINION, {"application_id": aid})
    op = None if op is None else {k: _none(v) for k, v in op.items()}
    sc = _scores(store, aid)
    de = _decisions(store, aid)
    crits = settings().criteria
    total = sum(c.weight * sc.get(c.code, 0.0) for c in crits) if sc else None
    return {**app, "opinion": op, "scores": sc, "decisions": de, "state": state_of(op, sc, de),
            "score_total": total, "score_pct": None if total is None or not settings().max_total
            else 100 * total / settings().max_total}


def visible_applications(store: Store, actor: Actor, round_id: str | None = None) -> list[dict[str, Any]]:
    """The applications ``actor`` may read (own IČO, own ORP, all for planners), with steps."""
    df = audit.visible(store, actor, TABLE, {"round_id": str(round_id)} if round_id else None)
    df = df.sort_values("filed_at") if not df.empty else df
    return [_with_steps(store, r) for r in df.to_dict("records")]


def applications_frame(store: Store, actor: Actor, round_id: str | None = None) -> pd.DataFrame:
    """:func:`visible_applications` as a flat table (one column per criterion)."""
    rows = []
    for a in visible_applications(store, actor, round_id):
        dec = a["decisions"].get("decision") or {}
        rec = a["decisions"].get("recommendation") or {}
        row = {k: a[k] for k in ("application_id", "round_id", "kind", "provider_ico", "service_id",
                                 "type_code", "name", "orp_code", "municipality_code", "units", "unit",
                                 "late", "filed_at", "state")}
        row["opinion"] = (a["opinion"] or {}).get("opinion")
        for c in settings().criteria:
            row[f"score_{c.code}"] = a["scores"].get(c.code)
        row["score_total"] = a["score_total"]
        row["score_pct"] = a["score_pct"]
        row["recommendation"] = rec.get("outcome")
        row["decision"] = dec.get("outcome")
        row["units_approved"] = dec.get("units") if dec.get("outcome") == "approved" else None
        rows.append(row)
    return pd.DataFrame(rows)


def history(store: Store, actor: Actor, application_id: str) -> list[dict[str, Any]]:
    """Every change of the application and its steps, oldest first (audit rows)."""
    app = application(store, actor, application_id)
    items = audit.history(store, TABLE, {"application_id": application_id})
    items += audit.history(store, OPINION, {"application_id": application_id})
    for c in app["scores"]:
        items += audit.history(store, SCORE, {"application_id": application_id, "criterion": c})
    for s in app["decisions"]:
        items += audit.history(store, DECISION, {"application_id": application_id, "stage": s})
    return sorted(items, key=lambda h: (str(h.get("at")), h.get("table_name", "")))
