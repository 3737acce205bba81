"""Accounts, roles and the one audited write path of the partners' data.

- :mod:`.roles`: role names, grants (role × scope), :class:`Actor`.
- :mod:`.audit`: :func:`~.audit.write` — THE write path (validate, authorise on the server,
  one transaction, one audit row per change) — and the readers ``current``, ``visible``,
  ``history``; how a module declares its table is in that module's docstring.
- :mod:`.users`: accounts with argon2id passwords, through the write path.
- :mod:`.notes`: the ORP coordinator's notes on its municipalities (the first audited records).

Importing this package registers the audited tables of accounts and notes.
"""

from __future__ import annotations

from . import audit, notes, roles, users
from .audit import AuditedTable, Change, Written, current, history, visible, write
from .roles import ADMIN, ORP_COORDINATOR, PROVIDER, REGION_PLANNER, ROLES, WHOLE_REGION, Actor

__all__ = [
    "audit", "notes", "roles", "users", "AuditedTable", "Change", "Written", "current", "history",
    "visible", "write", "Actor", "ADMIN", "ORP_COORDINATOR", "PROVIDER", "REGION_PLANNER", "ROLES",
    "WHOLE_REGION",
]
