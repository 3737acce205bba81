"""The ORP coordinator's notes on its municipalities: the first audited record type.

A coordinator keeps, per municipality of its ORP, what the planning needs to know and no table
holds: whether the municipality has a community plan, who does its social work, which office to
call, a need heard at a meeting. Written by the ORP's coordinators (``orp_coordinator`` with
that ORP as scope), read by them and by the region's planners. The ORP of a note is derived on
the server from its municipality: a client never chooses it.

No personal data: a note names offices and roles, not people (the form says so).
"""

from __future__ import annotations

from typing import Any

from ..store.base import Store
from . import audit
from .roles import Actor

TABLE = "municipality_note"
#: Topic code -> Czech label, in the order the form offers them.
TOPICS: dict[str, str] = {
    "komunitni_plan": "Komunitní plán",
    "socialni_prace": "Sociální práce obce",
    "kontakt": "Kontakt na úřad",
    "potreba": "Zjištěná potřeba",
    "jine": "Jiné",
}
MAX_NOTE = 2000


def _check(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    problems = []
    if values.get("orp_code") is None:
        problems.append(("municipality_code", f"obec {values.get('municipality_code')!r} není v datech kraje"))
    if values.get("topic") not in TOPICS:
        problems.append(("topic", f"neznámé téma {values.get('topic')!r}; možná: {', '.join(TOPICS)}"))
    if len(values.get("text") or "") > MAX_NOTE:
        problems.append(("text", f"poznámka je delší než {MAX_NOTE} znaků"))
    return problems


NOTES = audit.register(audit.AuditedTable(
    TABLE,
    label="poznámka k obci",
    write_rule=audit.orp_scope("orp_code"),
    read_rule=audit.any_of(audit.orp_scope("orp_code"), audit.region_scope()),
    prepare=audit.orp_from_municipality(),
    validate=_check,
))


def add_note(store: Store, actor: Actor, municipality_code: str, topic: str, text: str) -> audit.Written:
    """Create a note; returns what was written (its key holds the new ``note_id``)."""
    nid = audit.new_id()
    return audit.write(store, actor, audit.Change(
        TABLE, {"note_id": nid}, {"municipality_code": municipality_code, "topic": topic, "text": text},
        expected_version=0, source="poznámka"))[0]
