"""Roles, scopes and the actor: who is asking, as what, for which part of the region.

A user holds any number of grants, each a (role, scope) pair:

=================  =====================  ================================================
role               scope                  may (as the tables' scope rules say)
=================  =====================  ================================================
``provider``       an IČO (8 digits)      the services and lists of that provider
``orp_coordinator`` an ORP code (4 digits) the municipalities of that ORP
``region_planner`` ``*`` (whole region)   read the whole region, decide
``admin``          ``*``                  manage users (not the partners' data)
=================  =====================  ================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import AccountError

PROVIDER = "provider"
ORP_COORDINATOR = "orp_coordinator"
REGION_PLANNER = "region_planner"
ADMIN = "admin"
#: The scope of a role that covers the whole region.
WHOLE_REGION = "*"

#: Role names and their Czech labels, in the order pages list them.
ROLES: dict[str, str] = {
    PROVIDER: "poskytovatel",
    ORP_COORDINATOR: "koordinátor ORP",
    REGION_PLANNER: "plánovač kraje",
    ADMIN: "správce uživatelů",
}
_SCOPE_PATTERN = {PROVIDER: re.compile(r"\d{8}"), ORP_COORDINATOR: re.compile(r"\d{4}")}


def check_grant(role: str, scope: str | None) -> tuple[str, str]:
    """Normalise one grant; raise :class:`AccountError` naming what is wrong.

    ``provider`` takes an IČO (8 digits, leading zeros kept), ``orp_coordinator`` an ORP code
    (4 digits), ``region_planner`` and ``admin`` no scope (stored as ``*``).
    """
    role = (role or "").strip()
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    scope = (scope or "").strip()
    pattern = _SCOPE_PATTERN.get(role)
    if pattern is None:
        if scope not in ("", WHOLE_REGION):
            raise AccountError(f"role {role} covers the whole region and takes no scope (got {scope!r})")
        return role, WHOLE_REGION
    if not pattern.fullmatch(scope):
        what = "an IČO of 8 digits" if role == PROVIDER else "an ORP code of 4 digits"
        raise AccountError(f"role {role} needs {what} as its scope (got {scope!r})")
    return role, scope


def parse_grants(specs: Iterable[str]) -> frozenset[tuple[str, str]]:
    """Parse ``role`` or ``role:scope`` strings (as the CLI takes them) into grants."""
    out = set()
    for spec in specs:
        role, _, scope = spec.partition(":")
        out.add(check_grant(role, scope))
    return frozenset(out)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user and its grants at the time of the request.

    Attributes
    ----------
    user_id, username : str
        The account (``username`` is what the audit log shows).
    grants : frozenset of (role, scope)
        The roles and scopes held.
    is_system : bool
        An operator's command (CLI, scripts) that every scope rule allows. The web app never
        makes one.
    """

    user_id: str
    username: str
    grants: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    is_system: bool = False

    @classmethod
    def system(cls, name: str) -> Actor:
        """The actor of an operator's command, e.g. ``Actor.system("cli:root")``."""
        return cls(user_id=f"system:{name}"[:36], username=f"system:{name}", is_system=True)

    def has(self, role: str) -> bool:
        """True when the actor holds ``role`` (with any scope)."""
        return any(r == role for r, _ in self.grants)

    def scopes(self, role: str) -> frozenset[str]:
        """The scopes the actor holds ``role`` for (``{"*"}`` for region-wide roles)."""
        return frozenset(s for r, s in self.grants if r == role)

    @property
    def roles(self) -> frozenset[str]:
        """The role names held."""
        return frozenset(r for r, _ in self.grants)

    def describe(self) -> str:
        """The grants as text, e.g. ``"orp_coordinator:7103, provider:12345678"``."""
        if self.is_system:
            return "system"
        return ", ".join(f"{r}:{s}" for r, s in sorted(self.grants)) or "(no role)"
