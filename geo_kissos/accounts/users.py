"""User accounts: local passwords (argon2id), roles and scopes, through the audited write path.

Accounts live in the audited tables ``app_user`` and ``user_role`` (see
:mod:`geo_kissos.schema`): creating, disabling or changing the roles of a user is a change with
an audit row like any other (the password hash is shown there only as ``(skryto)``). Only an
``admin`` (or an operator's command, ``Actor.system``) may change accounts.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults); a password is never stored,
logged, or put in an error message. ``session_nonce`` is part of the login session's id:
renewing it (password change, disabling) ends every session of the user.

Identity provider (OIDC) seam
-----------------------------
An account with ``auth_source="oidc"`` has no password and is matched by ``oidc_subject`` (the
``sub`` claim of the region's identity provider): :func:`actor_for_oidc` is what a login
callback calls once Authlib has verified the ID token (see :mod:`webmap.accounts`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import AccountError
from ..store.base import Store
from . import audit
from .roles import ADMIN, Actor, check_grant

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
#: Verified when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

def _unique_name(values: dict, reader: audit.Reader) -> list[tuple[str, str]]:
    """Inside the transaction: no other account has this name."""
    same = audit.current(reader, "app_user", {"username": values["username"]})
    if (same["user_id"] != values["user_id"]).any():
        return [("username", f"uživatelské jméno {values['username']!r} už má jiný účet")]
    return []


audit.register(audit.AuditedTable(
    "app_user", label="uživatel", write_rule=audit.role_scope(ADMIN), validate=_unique_name,
    redact=frozenset({"password_hash", "session_nonce"}),
))
audit.register(audit.AuditedTable("user_role", label="role uživatele", write_rule=audit.role_scope(ADMIN)))


@dataclass(frozen=True)
class User:
    """An account as pages and the CLI show it (never the hash)."""

    user_id: str
    username: str
    display_name: str | None
    active: bool
    auth_source: str
    grants: frozenset[tuple[str, str]]
    session_nonce: str

    def actor(self) -> Actor:
        """The actor of this user's requests."""
        return Actor(self.user_id, self.username, self.grants)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _HASHER.hash(password)


def check_password_rules(password: str, username: str = "") -> None:
    """Raise :class:`AccountError` when ``password`` is too weak (the password is not quoted)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if username and password.strip().lower() == username.strip().lower():
        raise AccountError("the password must not be the user name")


def _normal_name(username: str) -> str:
    name = (username or "").strip().lower()
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise AccountError(f"user name {username!r}: 1-64 letters, digits or . _ - @")
    return name


def _grants_of(store: Store, user_id: str) -> frozenset[tuple[str, str]]:
    df = audit.current(store, "user_role", {"user_id": user_id})
    return frozenset(zip(df["role"], df["scope"], strict=True))


def _user(store: Store, row: dict) -> User:
    return User(
        user_id=row["user_id"], username=row["username"], display_name=row.get("display_name"),
        active=bool(row["active"]), auth_source=row["auth_source"],
        grants=_grants_of(store, row["user_id"]), session_nonce=row["session_nonce"],
    )


def _row(store: Store, username: str | None = None, user_id: str | None = None) -> dict | None:
    where = {"user_id": user_id} if user_id else {"username": _normal_name(username or "")}
    df = audit.current(store, "app_user", where)
    return None if df.empty else df.iloc[0].to_dict()


def get_user(store: Store, username: str | None = None, user_id: str | None = None) -> User | None:
    """The account by name or id (None when absent)."""
    row = _row(store, username, user_id)
    return None if row is None else _user(store, row)


def list_users(store: Store) -> list[User]:
    """Every account, by name."""
    df = audit.current(store, "app_user").sort_values("username")
    return [_user(store, r.to_dict()) for _, r in df.iterrows()]


def _checked_grants(store: Store, grants: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = sorted({check_grant(r, s) for r, s in grants})
    known = set(store.read("orp")["orp_code"])
    for role, scope in out:
        if role == "orp_coordinator" and known and scope not in known:
            raise AccountError(f"ORP {scope} is not in the store (known: {', '.join(sorted(known))})")
    return out


def add_user(store: Store, actor: Actor, username: str, password: str | None = None, *,
             display_name: str | None = None, grants: Iterable[tuple[str, str]] = (),
             auth_source: str = "local", oidc_subject: str | None = None) -> User:
    """Create an account with its grants (one transaction, audited).

    Raises
    ------
    AccountError
        Name taken or malformed, weak password, bad role or scope.
    PermissionDenied
        ``actor`` is not an admin.
    """
    uid, changes = new_user_changes(store, username, password, display_name=display_name, grants=grants,
                                    auth_source=auth_source, oidc_subject=oidc_subject)
    audit.write(store, actor, changes)
    return get_user(store, user_id=uid)  # type: ignore[return-value]


def new_user_changes(store: Store, username: str, password: str | None = None, *,
                     display_name: str | None = None, grants: Iterable[tuple[str, str]] = (),
                     auth_source: str = "local", oidc_subject: str | None = None,
                     password_hash: str | None = None) -> tuple[str, list[audit.Change]]:
    """The new user's id and the changes creating it (for writing several accounts at once;
    ``password_hash`` reuses a hash already made for ``password``)."""
    name = _normal_name(username)
    if _row(store, name) is not None:
        raise AccountError(f"user {name!r} already exists")
    if auth_source == "local":
        if not password:
            raise AccountError("a local account needs a password")
        check_password_rules(password, name)
    elif auth_source == "oidc":
        if not oidc_subject:
            raise AccountError("an OIDC account needs its subject (the identity provider's 'sub')")
    else:
        raise AccountError(f"unknown auth source {auth_source!r} (local or oidc)")
    uid = audit.new_id()
    changes = [audit.Change("app_user", {"user_id": uid}, {
        "username": name, "display_name": display_name,
        "password_hash": (password_hash or hash_password(password)) if password else None, "active": 1,
        "auth_source": auth_source, "oidc_subject": oidc_subject, "session_nonce": secrets.token_hex(16),
    }, expected_version=0, note="new account")]
    changes += [audit.Change("user_role", {"user_id": uid, "role": r, "scope": s}, {})
                for r, s in _checked_grants(store, grants)]
    return uid, changes


def set_roles(store: Store, actor: Actor, username: str, grants: Iterable[tuple[str, str]]) -> User:
    """Replace the user's grants by ``grants`` (removed ones are recorded deletions)."""
    user = _require(store, username)
    rows = [{"role": r, "scope": s} for r, s in _checked_grants(store, grants)]
    audit.sync(store, actor, "user_role", {"user_id": user.user_id}, rows, note="set roles")
    return _require(store, username)


def set_active(store: Store, actor: Actor, username: str, active: bool) -> User:
    """Disable (ending every session) or re-enable an account."""
    user = _require(store, username)
    values: dict = {"active": int(active)}
    if not active:
        values["session_nonce"] = secrets.token_hex(16)
    audit.write(store, actor, audit.Change("app_user", {"user_id": user.user_id}, values,
                                           note="enabled" if active else "disabled"))
    return _require(store, username)


def set_password(store: Store, actor: Actor, username: str, password: str) -> User:
    """Set a new password; every session of the user ends."""
    user = _require(store, username)
    check_password_rules(password, user.username)
    audit.write(store, actor, audit.Change("app_user", {"user_id": user.user_id}, {
        "password_hash": hash_password(password), "session_nonce": secrets.token_hex(16),
        "auth_source": "local"}, note="password set"))
    return _require(store, username)


def _require(store: Store, username: str) -> User:
    user = get_user(store, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active local user whose name and password match, else None (never says which failed)."""
    try:
        row = _row(store, username)
    except AccountError:
        row = None
    stored = row.get("password_hash") if row else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or stored is None or not row["active"]:
        return None
    return _user(store, row)


def user_for_session(store: Store, session_id: str) -> User | None:
    """The active user of a login session id (``"<user_id>.<session_nonce>"``), else None."""
    uid, _, nonce = (session_id or "").partition(".")
    if not uid or not nonce:
        return None
    user = get_user(store, user_id=uid)
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def actor_for_oidc(store: Store, subject: str) -> User | None:
    """The active OIDC account of the identity provider's subject ``sub``, else None."""
    df = audit.current(store, "app_user", {"oidc_subject": subject})
    df = df.loc[(df["auth_source"] == "oidc") & (df["active"] == 1)]
    return None if df.empty else _user(store, df.iloc[0].to_dict())


__all__ = [
    "User", "add_user", "new_user_changes", "set_roles", "set_active", "set_password", "authenticate", "get_user",
    "list_users", "user_for_session", "actor_for_oidc", "hash_password", "check_password_rules",
    "MIN_PASSWORD_LENGTH",
]
