"""The medium-term plan's measures as data, and how much of each the approved applications fulfil.

A target (``plan_target``, written by region planners through the audited write path): the
plan period (``2024-2026``), the measure's wording, optionally a target group, a § type and an
ORP (none = the whole region), and the units to add (e.g. "+64 places for people with reduced
self-sufficiency"). :func:`fulfilment` sums the units approved in the applications that match
(same type when the target names one, same target group when it names one, same ORP when it
names one; network year within the period), for new services the units approved, for changes
the increase over the service's current units in the network.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import catalogue
from ..accounts import audit
from ..accounts.roles import Actor
from ..store.base import Store
from .criteria import settings
from .needs import normalise_period

__all__ = ["TABLE", "set_target", "targets_frame", "fulfilment"]

TABLE = "plan_target"


def _derive(values: dict[str, Any], reader: audit.Reader) -> dict[str, Any]:
    if values.get("plan_period") is not None:
        values["plan_period"] = normalise_period(values["plan_period"]) or values["plan_period"]
    for c in ("target_group", "type_code", "orp_code", "measure"):
        if isinstance(values.get(c), str):
            values[c] = values[c].strip() or None
    if values.get("type_code"):
        values["type_code"] = str(values["type_code"]).lower().removeprefix("§").strip()
        st = catalogue.SERVICE_TYPE_BY_CODE.get(values["type_code"])
        values["unit"] = st.unit if st else None
    return values


def _check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    out = []
    if normalise_period(values.get("plan_period")) is None:
        out.append(("plan_period", f"období {values.get('plan_period')!r} není ve tvaru 2024-2026"))
    tc = values.get("type_code")
    if tc and tc not in catalogue.SERVICE_TYPE_BY_CODE:
        out.append(("type_code", f"neznámý druh služby § {tc}"))
    orp = values.get("orp_code")
    if orp and reader.read("orp", {"orp_code": str(orp)}).empty:
        out.append(("orp_code", f"ORP {orp!r} není v datech kraje"))
    if not tc and not values.get("target_group"):
        out.append(("type_code", "uveďte druh služby (§) nebo cílovou skupinu"))
    if values.get("units") is None or float(values["units"]) <= 0:
        out.append(("units", "počet jednotek opatření musí být kladný"))
    return out


def _anyone(actor: Actor, record: Any, reader: Any) -> bool:
    return True


_anyone.__doc__ = "everyone signed in"

audit.register(audit.AuditedTable(
    TABLE, label="cíl střednědobého plánu", write_rule=audit.region_scope(), read_rule=_anyone,
    prepare=_derive, validate=_check))


def set_target(store: Store, actor: Actor, *, plan_period: str, measure: str, units: float,
               type_code: str | None = None, target_group: str | None = None,
               orp_code: str | None = None, target_id: str | None = None) -> str:
    """Enter (or, with ``target_id``, change) a plan measure; returns its id."""
    tid = target_id or audit.new_id()
    audit.write(store, actor, audit.Change(TABLE, {"target_id": tid}, {
        "plan_period": plan_period, "measure": measure, "units": units, "type_code": type_code,
        "target_group": target_group, "orp_code": orp_code},
        expected_version=None if target_id else 0))
    return tid


def targets_frame(store: Store) -> pd.DataFrame:
    """The current targets."""
    return audit.current(store, TABLE)


def fulfilment(store: Store) -> pd.DataFrame:
    """Each target with ``units_approved`` (matching approved applications), ``fulfilled_pct``
    and ``applications`` (their ids, ``;``-separated)."""
    from .applications import DECISION
    from .applications import TABLE as APPS

    targets = targets_frame(store)
    apps = audit.current(store, APPS)
    dec = audit.current(store, DECISION)
    dec = dec[(dec["stage"] == "decision") & (dec["outcome"] == "approved")] if not dec.empty else dec
    approved = apps.merge(dec[["application_id", "units"]].rename(columns={"units": "units_approved"}),
                          on="application_id") if not dec.empty and not apps.empty else pd.DataFrame()
    if not approved.empty:
        approved["increase"] = [_increase(store, r) for r in approved.to_dict("records")]
        approved["network_year"] = approved["round_id"].map(
            lambda r: settings().rounds[str(r)].network_year if str(r) in settings().rounds else None)
    rows = []
    for t in targets.to_dict("records"):
        t = {k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in t.items()}
        a, b = (int(p) for p in str(t["plan_period"]).split("-"))
        m = approved
        if not m.empty:
            m = m[m["network_year"].between(a, b)]
            if t.get("type_code"):
                m = m[m["type_code"].astype(str) == str(t["type_code"])]
            if t.get("target_group"):
                m = m[m["target_group"].astype(str) == str(t["target_group"])]
            if t.get("orp_code"):
                m = m[m["orp_code"].astype(str) == str(t["orp_code"])]
        done = float(m["increase"].sum()) if not m.empty else 0.0
        rows.append({**{k: t.get(k) for k in ("target_id", "plan_period", "measure", "target_group",
                                               "type_code", "orp_code", "units", "unit")},
                     "units_approved": done,
                     "fulfilled_pct": 100 * done / float(t["units"]) if t["units"] else None,
                     "applications": ";".join(m["application_id"]) if not m.empty else ""})
    return pd.DataFrame(rows)


def _increase(store: Store, app: dict[str, Any]) -> float:
    """Units an approved application adds: all of a new service; a change's increase over the
    service's latest network units before the decision."""
    units = float(app["units_approved"] or 0)
    if app["kind"] == "new":
        return units
    net = store.read("network", {"service_id": str(app["service_id"])})
    if not net.empty:  # the rows before this application's own row
        rnd = settings().rounds.get(str(app["round_id"]))
        year = rnd.network_year if rnd else None
        net = net[~((net["year"] == year) & (net["status"] == "changed"))]
    if net.empty:
        return units
    prev = float(net.sort_values(["year", "update_date"])["units"].iloc[-1])
    return units - prev
