"""Municipalities' reported needs (the KISSoS module "Obce – potřebnost").

Per planning period (e.g. ``2027-2029``), per municipality (or the whole ORP) and § type (or a
target group), the ORP office records what its municipalities report: the need (``none``,
``low``, ``medium``, ``high``), the units requested when known, a justification and its source
(community plan, municipality survey, social work, other). Who reported and when are the
record's ``rec_changed_by`` / ``rec_changed_at`` and its audit history.

Every write goes through :func:`geo_kissos.accounts.audit.write`: the ORP of a need is derived
on the server from its municipality (a client never chooses it), and only the coordinators of
that ORP may write it (``orp_coordinator`` with the ORP as scope); the region's planners read
all. A need is identified for users by its *natural key* (period, ORP, municipality, type or
target group): entering the same one again updates it, with history, instead of adding a twin.

Examples
--------
>>> from geo_kissos.collect import needs
>>> needs.set_need(store, actor, period="2027-2029", municipality_code="500496",
...                type_code="49", level="high", source="community_plan",
...                units_requested=40, justification="čekatelé 120")   # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import catalogue
from ..accounts import audit
from ..accounts.roles import Actor
from ..errors import InputError, Problem
from ..store.base import Store

__all__ = [
    "TABLE", "LEVELS", "LEVEL_RANK", "SOURCES", "NeedEntry", "normalise_period", "natural_key",
    "set_need", "delete_need", "write_entries", "needs_frame", "visible_needs",
]

TABLE = "reported_need"
#: Level code -> Czech label, weakest first.
LEVELS: dict[str, str] = {"none": "žádná", "low": "nízká", "medium": "střední", "high": "vysoká"}
#: Level code -> order (0 = none ... 3 = high).
LEVEL_RANK: dict[str, int] = {code: i for i, code in enumerate(LEVELS)}
#: Source code -> Czech label.
SOURCES: dict[str, str] = {
    "community_plan": "komunitní plán",
    "survey": "průzkum obce",
    "social_work": "sociální práce",
    "other": "jiné",
}
#: Largest plausible number of units requested for one municipality × type.
MAX_UNITS = 10_000
_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{4})\s*$")


def normalise_period(value: Any) -> str | None:
    """``"2027–2029"``, ``"2027 - 2029"`` or ``"2027/2029"`` -> ``"2027-2029"``; None if invalid.

    The first year must not be after the last and a period spans at most 10 years.
    """
    m = _PERIOD.match(str(value or ""))
    if not m:
        return None
    a, b = int(m[1]), int(m[2])
    if not (2000 <= a <= b <= a + 9):
        return None
    return f"{a}-{b}"


def _normalise(values: dict[str, Any], reader: audit.Reader) -> dict[str, Any]:
    """Server-side fields after the ORP (see ``NEEDS``): normalised period and codes."""
    if values.get("period") is not None:
        values["period"] = normalise_period(values["period"]) or values["period"]
    if values.get("type_code") not in (None, ""):
        values["type_code"] = str(values["type_code"]).strip().lower().removeprefix("§").strip()
    for col in ("type_code", "target_group", "justification"):
        if values.get(col) == "":
            values[col] = None
    return values


def _check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if normalise_period(values.get("period")) is None:
        problems.append(("period", f"období {values.get('period')!r} není ve tvaru 2027-2029"))
    if values.get("orp_code") is None:
        what = values.get("municipality_code")
        problems.append(("municipality_code", f"obec {what!r} není v datech kraje") if what
                        else ("orp_code", "chybí obec nebo ORP"))
    elif reader.read("orp", {"orp_code": str(values["orp_code"])}).empty:
        problems.append(("orp_code", f"ORP {values['orp_code']!r} není v datech kraje"))
    tc, tg = values.get("type_code"), values.get("target_group")
    if tc is None and tg is None:
        problems.append(("type_code", "uveďte druh služby (§) nebo cílovou skupinu"))
    elif tc is not None and tc not in catalogue.SERVICE_TYPE_BY_CODE:
        problems.append(("type_code", f"neznámý druh služby § {tc}"))
    if values.get("level") not in LEVELS:
        problems.append(("level", f"potřeba {values.get('level')!r} není jedna z: {', '.join(LEVELS.values())}"))
    if values.get("source") not in SOURCES:
        problems.append(("source", f"zdroj {values.get('source')!r} není jeden z: {', '.join(SOURCES.values())}"))
    units = values.get("units_requested")
    if units is not None and not pd.isna(units):
        try:
            u = float(units)
        except (TypeError, ValueError):
            problems.append(("units_requested", f"počet jednotek {units!r} není číslo"))
        else:
            if not 0 <= u <= MAX_UNITS:
                problems.append(("units_requested", f"počet jednotek {u:g} není mezi 0 a {MAX_UNITS}"))
    return problems


#: The ORP of a municipality's need (a need of a whole ORP keeps its ORP), then :func:`_normalise`.
_prepare = audit.orp_from_municipality(keep_orp_without_municipality=True, then=_normalise)
NEEDS = audit.register(audit.AuditedTable(
    TABLE,
    label="nahlášená potřeba",
    write_rule=audit.orp_scope("orp_code"),
    read_rule=audit.any_of(audit.orp_scope("orp_code"), audit.region_scope()),
    prepare=_prepare,
    validate=_check,
))


@dataclass(frozen=True)
class NeedEntry:
    """One reported need as entered (a form, a template row); see :func:`write_entries`."""

    period: str
    level: str
    source: str
    municipality_code: str | None = None
    orp_code: str | None = None
    type_code: str | None = None
    target_group: str | None = None
    units_requested: float | None = None
    justification: str | None = None
    location: str = ""  #: where it came from, for error messages ("řádek 7")

    def values(self) -> dict[str, Any]:
        """The record's values (without the key)."""
        return {c: getattr(self, c) for c in (
            "period", "level", "source", "municipality_code", "orp_code", "type_code",
            "target_group", "units_requested", "justification")}


def natural_key(rec: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """(period, ORP, municipality, type, target group) of a need: what users mean by "the same need"."""
    def s(v: Any) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)

    return (normalise_period(rec.get("period")) or s(rec.get("period")), s(rec.get("orp_code")),
            s(rec.get("municipality_code")), s(rec.get("type_code")).lower(), s(rec.get("target_group")))


def write_entries(store: Store, actor: Actor, entries: Iterable[NeedEntry], *, source: str = "formulář",
                  note: str | None = None) -> list[audit.Written]:
    """Write reported needs in ONE transaction: a need already reported (same natural key) is
    updated, a new one created; every change has its audit row. Nothing is written when any
    entry is refused (:class:`~geo_kissos.errors.InputError` names source and row, or
    :class:`~geo_kissos.errors.PermissionDenied` for another ORP's municipality)."""
    entries = list(entries)
    stored = audit.current(store, TABLE)
    by_key = {natural_key(r): r["need_id"] for r in stored.to_dict("records")}
    changes, seen, problems = [], {}, []
    for e in entries:
        vals = e.values()
        vals = _prepare(vals, store)
        nk = natural_key(vals)
        if nk in seen:
            problems.append(Problem(source, e.location, "municipality_code",
                                    f"stejná potřeba je už na {seen[nk]} (obec, druh a období)"))
            continue
        seen[nk] = e.location or "předchozím řádku"
        nid = by_key.get(nk)
        changes.append(audit.Change(TABLE, {"need_id": nid or audit.new_id()}, vals,
                                    expected_version=None if nid else 0, note=note,
                                    source=source, location=e.location))
    if problems:
        raise InputError(problems)
    return audit.write(store, actor, changes)


def set_need(store: Store, actor: Actor, *, period: str, level: str, source: str,
             municipality_code: str | None = None, orp_code: str | None = None,
             type_code: str | None = None, target_group: str | None = None,
             units_requested: float | None = None, justification: str | None = None,
             note: str | None = None) -> audit.Written:
    """Report (or update) one need; returns what was written."""
    entry = NeedEntry(period=period, level=level, source=source, municipality_code=municipality_code,
                      orp_code=orp_code, type_code=type_code, target_group=target_group,
                      units_requested=units_requested, justification=justification)
    return write_entries(store, actor, [entry], note=note)[0]


def delete_need(store: Store, actor: Actor, need_id: str, note: str | None = None) -> audit.Written:
    """Delete a need (a recorded state: the row and its history stay)."""
    return audit.write(store, actor, audit.Change.delete(TABLE, {"need_id": need_id}, note=note))[0]


def needs_frame(store: Store, period: str | None = None) -> pd.DataFrame:
    """The current (non-deleted) reported needs, optionally of one period, with Czech labels.

    Columns: the table's, plus ``level_rank`` (0–3), ``level_cs``, ``source_cs``.
    """
    df = audit.current(store, TABLE)
    if period is not None:
        p = normalise_period(period)
        if p is None:
            raise InputError([Problem("period", "", "period", f"období {period!r} není ve tvaru 2027-2029")])
        df = df[df["period"] == p]
    return _labelled(df)


def visible_needs(store: Store, actor: Actor, period: str | None = None) -> pd.DataFrame:
    """The needs ``actor`` may read (its ORPs; the whole region for planners)."""
    df = audit.visible(store, actor, TABLE)
    if period is not None:
        df = df[df["period"] == normalise_period(period)]
    return _labelled(df)


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy().reset_index(drop=True)
    df["level_rank"] = df["level"].map(LEVEL_RANK).astype("Int64")
    df["level_cs"] = df["level"].map(LEVELS)
    df["source_cs"] = df["source"].map(SOURCES)
    return df
