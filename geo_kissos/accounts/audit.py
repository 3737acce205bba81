"""THE one write path: every change the partners make goes through :func:`write`.

:func:`write` takes an actor and one or more :class:`Change` (table, record key, the new values
or a deletion) and, in ONE store transaction:

1. locks the records (PostGIS advisory locks; the GeoPackage store serialises whole writers with
   its file lock), reads their current state;
2. runs the table's ``prepare`` hook (server-side derived fields, e.g. the ORP of a
   municipality: a client never supplies what the server can derive) and validates the values
   (key, unknown or bookkeeping columns, required fields, types, lengths, the table's own
   ``validate`` hook) -> :class:`~geo_kissos.errors.InputError` (400) naming field and record;
3. checks the table's scope rule **on the server**, for the record as stored (before) and as it
   would be (after), so a coordinator can neither change another ORP's record nor move a record
   into or out of its ORP -> :class:`~geo_kissos.errors.PermissionDenied` (403);
4. checks the optional expected version -> :class:`~geo_kissos.errors.ConflictError` (409);
5. writes the record with its next ``rec_version`` (a deletion sets ``rec_deleted = 1``: the row
   stays) and one ``audit_log`` row per change: who, when (UTC), what, before -> after as JSON.

Anything raised means nothing of the batch was written. A change that changes nothing writes
nothing and records nothing.

How a module writes through the write path
------------------------------------------
1. Declare the table in :mod:`geo_kissos.schema` with ``audited_table(name, *columns)`` and add a
   migration step ``create_tables(name)`` at the end of ``store/migrations.py``.
2. Register it, once, at import of the module, with its scope rules::

       from geo_kissos.accounts import audit

       audit.register(audit.AuditedTable(
           "reported_need",
           label="nahlášená potřeba",
           write_rule=audit.orp_scope("orp_code"),          # coordinators of that ORP
           read_rule=audit.any_of(audit.orp_scope("orp_code"), audit.region_scope()),
           prepare=orp_from_municipality(),                   # (values, reader) -> values
           validate=check_need,                               # (values, reader) -> [(field, msg)]
       ))

3. Write::

       from geo_kissos.accounts.audit import Change, write

       done = write(store, actor, Change("reported_need", {"need_id": nid},
                                         {"municipality_code": "500496", "level": "high"}))
       write(store, actor, Change.delete("reported_need", {"need_id": nid}))
       # a whole upload in one transaction; errors name the file and row:
       write(store, actor, [Change("reported_need", key, values, source="potreby.xlsx",
                                   location=f"row {n}") for n, key, values in rows])

   and read with :func:`current` (non-deleted rows), :func:`visible` (those the actor may
   read), :func:`history` (every version of one record). :func:`sync` replaces a partition
   (e.g. one provider's whole list) by new rows, with history for every row added, changed or
   deleted. In a Flask view the actor is ``webmap.accounts.current_actor()``.

Scope rules are plain functions ``(actor, record, reader) -> bool``; the factories below cover
the usual ones (``orp_scope``, ``ico_scope``, ``municipality_orp_scope``, ``region_scope``,
``role_scope``, ``any_of``). A system actor (``Actor.system``, operators' commands only) passes
every rule.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import pandas as pd
import shapely
from sqlalchemy import String

from ..errors import ConflictError, InputError, PermissionDenied, Problem, RecordNotFound, StoreError
from ..schema import AUDIT_COLUMNS, AUDITED_TABLES, TABLES, metadata
from ..store.base import Store
from .roles import ORP_COORDINATOR, PROVIDER, REGION_PLANNER, Actor

__all__ = [
    "AuditedTable", "Change", "Written", "ScopeRule", "register", "audited", "write", "sync",
    "current", "visible", "get", "history", "can_read", "can_write", "new_id", "record_key",
    "orp_scope", "ico_scope", "municipality_orp_scope", "region_scope", "role_scope", "any_of",
    "Prepare", "orp_from_municipality", "MAX_TEXT",
]

#: Longest text a user may store in a Text column (characters).
MAX_TEXT = 10_000
#: What the audit log shows instead of a redacted value (e.g. a password hash).
REDACTED = "(skryto)"


class Reader(Protocol):
    """A :class:`~geo_kissos.store.Store` or a :class:`~geo_kissos.store.Writer`."""

    def read(self, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame: ...


#: ``(actor, record values, reader) -> allowed``.
ScopeRule = Callable[[Actor, Mapping[str, Any], Reader], bool]
#: ``(values, reader) -> values``: a table's server-side normalisation (:attr:`AuditedTable.prepare`).
Prepare = Callable[[dict[str, Any], Reader], dict[str, Any]]


# --------------------------------------------------------------------------- scope rules
def orp_scope(field: str = "orp_code") -> ScopeRule:
    """ORP coordinators of the ORP in the record's ``field``."""

    def rule(actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        return record.get(field) is not None and str(record[field]) in actor.scopes(ORP_COORDINATOR)

    rule.__doc__ = f"orp_coordinator of {field}"
    return rule


def ico_scope(field: str = "ico") -> ScopeRule:
    """Providers of the IČO in the record's ``field``."""

    def rule(actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        return record.get(field) is not None and str(record[field]) in actor.scopes(PROVIDER)

    rule.__doc__ = f"provider of {field}"
    return rule


def municipality_orp_scope(field: str = "municipality_code") -> ScopeRule:
    """ORP coordinators of the ORP the record's municipality belongs to (looked up in the store)."""

    def rule(actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        code = record.get(field)
        if code is None:
            return False
        m = reader.read("municipality", {"municipality_code": str(code)})
        return not m.empty and str(m["orp_code"].iloc[0]) in actor.scopes(ORP_COORDINATOR)

    rule.__doc__ = f"orp_coordinator of the ORP of {field}"
    return rule


def role_scope(role: str) -> ScopeRule:
    """Anyone holding ``role``, for every record."""

    def rule(actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        return actor.has(role)

    rule.__doc__ = role
    return rule


def region_scope() -> ScopeRule:
    """Region planners (the whole region)."""
    return role_scope(REGION_PLANNER)


def any_of(*rules: ScopeRule) -> ScopeRule:
    """Allowed when any of ``rules`` allows."""

    def rule(actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        return any(r(actor, record, reader) for r in rules)

    rule.__doc__ = " or ".join(r.__doc__ or "?" for r in rules)
    return rule


# --------------------------------------------------------------------------- prepare hooks
def orp_from_municipality(field: str = "municipality_code", orp_field: str = "orp_code", *,
                          keep_orp_without_municipality: bool = False,
                          then: Prepare | None = None) -> Prepare:
    """A prepare hook deriving the record's ORP from its municipality on the server.

    The ORP is the stored ORP of the municipality in ``field`` (None when the municipality is not
    in the store, so the table's ``validate`` can name it): a client never chooses it.

    Parameters
    ----------
    field, orp_field : str
        The record's municipality and ORP columns.
    keep_orp_without_municipality : bool
        A record without a municipality keeps the ORP it was given (a need of a whole ORP);
        by default its ORP is None too.
    then : callable, optional
        The table's own normalisation, run after the ORP is set.

    Examples
    --------
    >>> hook = orp_from_municipality()   # AuditedTable(..., prepare=hook)
    """

    def prepare(values: dict[str, Any], reader: Reader) -> dict[str, Any]:
        code = values.get(field)
        if code in (None, ""):
            values[field] = None
            if not keep_orp_without_municipality:
                values[orp_field] = None
        else:
            code = str(code).strip()
            values[field] = code
            m = reader.read("municipality", {"municipality_code": code})
            values[orp_field] = None if m.empty else str(m["orp_code"].iloc[0])
        return then(values, reader) if then is not None else values

    return prepare


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class AuditedTable:
    """A table of :mod:`geo_kissos.schema` written through :func:`write`.

    Attributes
    ----------
    name : str
        The table (declared with :func:`geo_kissos.schema.audited_table`).
    write_rule : ScopeRule
        Who may create, change or delete a record (checked on the record before and after).
    read_rule : ScopeRule, optional
        Who may read a record and its history (default: ``write_rule``).
    prepare : callable, optional
        ``(values, reader) -> values``: normalise and derive fields on the server before the
        checks (the record's full values, key included).
    validate : callable, optional
        ``(values, reader) -> [(field, message), ...]``: the table's own rules, in Czech.
    redact : frozenset of str
        Columns the audit log shows only as ``(skryto)`` (e.g. a password hash).
    label : str
        What a record is called on pages, in Czech.
    """

    name: str
    write_rule: ScopeRule
    read_rule: ScopeRule | None = None
    prepare: Prepare | None = None
    validate: Callable[[dict[str, Any], Reader], list[tuple[str, str]]] | None = None
    redact: frozenset[str] = field(default_factory=frozenset)
    label: str = ""

    def __post_init__(self) -> None:
        if self.name not in AUDITED_TABLES:
            raise StoreError(f"table '{self.name}' is not declared with audited_table() in schema.py")

    @property
    def key(self) -> tuple[str, ...]:
        """The key columns."""
        return TABLES[self.name].key

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's own columns (without the bookkeeping ones)."""
        return tuple(c for c in TABLES[self.name].columns if c not in AUDIT_COLUMNS)

    def may_read(self, actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        """True when ``actor`` may read ``record``."""
        rule = self.read_rule or self.write_rule
        return actor.is_system or rule(actor, record, reader)

    def may_write(self, actor: Actor, record: Mapping[str, Any], reader: Reader) -> bool:
        """True when ``actor`` may write ``record``."""
        return actor.is_system or self.write_rule(actor, record, reader)


_REGISTRY: dict[str, AuditedTable] = {}


def register(table: AuditedTable) -> AuditedTable:
    """Register ``table`` for :func:`write` (again with the same name replaces it)."""
    _REGISTRY[table.name] = table
    return table


def audited(name: str) -> AuditedTable:
    """The registered :class:`AuditedTable` ``name``; StoreError when there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise StoreError(
            f"'{name}' is not a registered audited table; registered: {', '.join(sorted(_REGISTRY))}"
        ) from None


# --------------------------------------------------------------------------- changes
@dataclass(frozen=True)
class Change:
    """One change of one record.

    Attributes
    ----------
    table : str
        A registered audited table.
    key : mapping
        The record's key columns and values.
    values : mapping or None
        The new values of the columns to set (the others keep their stored value); ``None``
        deletes the record.
    expected_version : int, optional
        The ``rec_version`` the client saw (0 = the record must not exist yet); another value
        stored means someone changed it meanwhile: :class:`ConflictError`.
    note : str, optional
        Why, for the audit log.
    source, location : str
        Where the change came from, for error messages (``"potreby.xlsx"``, ``"row 12"``).
    """

    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] | None = None
    expected_version: int | None = None
    note: str | None = None
    source: str = ""
    location: str = ""

    @classmethod
    def delete(cls, table: str, key: Mapping[str, Any], **kw: Any) -> Change:
        """A deletion of the record ``key``."""
        return cls(table, key, None, **kw)


@dataclass(frozen=True)
class Written:
    """A change written: the record, its new version, the action and the audit row's id."""

    table: str
    key: dict[str, Any]
    version: int
    action: str
    audit_id: str


def new_id() -> str:
    """A new record id (UUID4 text) for tables keyed by an id."""
    return str(uuid.uuid4())


# --------------------------------------------------------------------------- values
def _plain(value: Any, dtype: str) -> Any:
    """A stored value as JSON-able Python (None for missing)."""
    if value is None:
        return None
    if dtype == "geometry":
        return None if value.is_empty else shapely.to_wkt(value, rounding_precision=3)
    if not isinstance(value, (list, tuple)) and pd.isna(value):
        return None
    if dtype == "Int64":
        return int(value)
    if dtype == "float64":
        f = float(value)
        return None if math.isnan(f) else f
    if dtype == "date":
        return pd.Timestamp(value).date().isoformat()
    if dtype.startswith("datetime"):
        return pd.Timestamp(value).isoformat()
    return str(value)


def _typed(table: str, col: str, value: Any) -> Any:
    """Convert a submitted value to the column's type; ValueError with a Czech message."""
    dtype = TABLES[table].columns[col]
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if value is None or (not isinstance(value, (list, tuple, dict)) and dtype != "geometry" and pd.isna(value)):
        return None
    if dtype == "Int64":
        try:
            f = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"není celé číslo: {value!r}") from None
        if not f.is_integer():
            raise ValueError(f"není celé číslo: {value!r}")
        return int(f)
    if dtype == "float64":
        try:
            f = float(value.replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"není číslo: {value!r}") from None
        if math.isnan(f) or math.isinf(f):
            raise ValueError(f"není číslo: {value!r}")
        return f
    if dtype in ("date", "datetime64[us]"):
        if isinstance(value, (date, datetime, pd.Timestamp)):
            ts = pd.Timestamp(value)
        else:
            try:
                ts = pd.Timestamp(str(value))
            except (TypeError, ValueError):
                raise ValueError(f"není datum: {value!r} (RRRR-MM-DD)") from None
        return ts.normalize() if dtype == "date" else ts
    if dtype == "geometry":
        if isinstance(value, str):
            try:
                return shapely.from_wkt(value)
            except shapely.errors.GEOSException:
                raise ValueError("neplatná geometrie (WKT)") from None
        return value
    text = str(value)
    length = getattr(metadata.tables[table].c[col].type, "length", None)
    limit = length if isinstance(metadata.tables[table].c[col].type, String) and length else MAX_TEXT
    if len(text) > limit:
        raise ValueError(f"text je delší než {limit} znaků ({len(text)})")
    return text


def _jsonable(table: str, values: Mapping[str, Any], cols: Iterable[str]) -> dict[str, Any]:
    dtypes = TABLES[table].columns
    return {c: _plain(values.get(c), dtypes[c]) for c in cols}


def record_key(table: str, key: Mapping[str, Any]) -> str:
    """The canonical text of a record's key, as ``audit_log.record_key`` stores it."""
    spec = TABLES[table]
    return json.dumps({k: _plain(_typed(table, k, key[k]), spec.columns[k]) for k in spec.key},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _row_dict(table: str, row: pd.Series) -> dict[str, Any]:
    return {c: (None if c != "geom" and not isinstance(v, (list, tuple)) and pd.isna(v) else v)
            for c, v in row.items() if c in TABLES[table].columns}


def _read_keys(reader: Reader, table: str, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored rows (deleted ones too) of the records ``keys``, by canonical key."""
    spec = TABLES[table]
    where = {k: sorted({_typed(table, k, key[k]) for key in keys}, key=str) for k in spec.key}
    df = reader.read(table, where)
    out = {}
    for _, row in df.iterrows():
        rec = _row_dict(table, row)
        out[record_key(table, rec)] = rec
    return out


def _audit_json(t: AuditedTable, values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    shown = _jsonable(t.name, values, t.columns)
    for c in t.redact:
        if shown.get(c) is not None:
            shown[c] = REDACTED
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None)).floor("ms")


# --------------------------------------------------------------------------- the write path
def write(store: Store, actor: Actor, changes: Change | Iterable[Change]) -> list[Written]:
    """Validate, authorise and write ``changes`` in one transaction, with one audit row each.

    Parameters
    ----------
    store : Store
        The store (PostGIS or GeoPackage).
    actor : Actor
        Who makes the change (from the session, or ``Actor.system`` for operators' commands).
    changes : Change or iterable of Change
        One record may appear only once in a batch.

    Returns
    -------
    list of Written
        The changes written, in order (unchanged records are left out).

    Raises
    ------
    InputError
        A value is invalid (every problem named); nothing written.
    PermissionDenied
        A record, as stored or as it would be, is outside the actor's scope; nothing written.
    ConflictError
        ``expected_version`` differs from the stored version; nothing written.
    RecordNotFound
        A deletion of a record that is not stored (or already deleted); nothing written.
    """
    batch = [changes] if isinstance(changes, Change) else list(changes)
    if not batch:
        return []
    problems: list[Problem] = []
    keys: list[str] = []
    for ch in batch:
        t = audited(ch.table)
        where = _where(ch)
        missing = [k for k in t.key if k not in ch.key or _blank(ch.key[k])]
        extra = [k for k in ch.key if k not in t.key]
        if missing or extra:
            problems.append(Problem(where[0], where[1], ",".join(missing or extra),
                                    f"klíč záznamu tabulky {t.name} je {', '.join(t.key)}"))
            keys.append("")
            continue
        try:
            keys.append(record_key(t.name, ch.key))
        except ValueError as exc:
            problems.append(Problem(where[0], where[1], ",".join(t.key), str(exc)))
            keys.append("")
    if problems:
        raise InputError(problems)
    seen: dict[tuple[str, str], int] = {}
    for i, (ch, k) in enumerate(zip(batch, keys, strict=True)):
        if (ch.table, k) in seen:
            raise InputError([Problem(*_where(ch), "", f"záznam {k} je v dávce dvakrát "
                                      f"(poprvé jako změna č. {seen[(ch.table, k)] + 1})")])
        seen[(ch.table, k)] = i

    at = _now()
    done: list[Written] = []
    with store.transaction() as w:
        by_table: dict[str, list[int]] = {}
        for i, ch in enumerate(batch):
            by_table.setdefault(ch.table, []).append(i)
        stored: dict[str, dict[str, dict[str, Any]]] = {}
        for name, idx in by_table.items():
            w.lock(name, [keys[i] for i in idx])
            stored[name] = _read_keys(w, name, [dict(batch[i].key) for i in idx])

        rows: dict[str, list[dict[str, Any]]] = {}
        audits: list[dict[str, Any]] = []
        for ch, k in zip(batch, keys, strict=True):
            t = audited(ch.table)
            before = stored[t.name].get(k)
            alive = before is not None and not before["rec_deleted"]
            version = int(before["rec_version"]) if before is not None else 0
            if before is not None and not t.may_write(actor, before, w):
                raise PermissionDenied(_denied(actor, t, k, "as stored"))
            if ch.expected_version is not None and ch.expected_version != (version if alive else 0):
                raise ConflictError(
                    f"{t.name} {k}: changed meanwhile (version {version if alive else 0} stored, "
                    f"{ch.expected_version} expected); reload and apply the change again"
                )
            if ch.values is None:
                if not alive:
                    raise RecordNotFound(f"{t.name} {k}: no such record to delete")
                after = None
                action = "delete"
                new_row = {**before, "rec_deleted": 1}
            else:
                after, errs = _prepared(t, ch, before if alive else None, w)
                if errs:
                    problems.extend(errs)
                    continue
                if not t.may_write(actor, after, w):
                    raise PermissionDenied(_denied(actor, t, k, "with the submitted values"))
                if alive and _jsonable(t.name, after, t.columns) == _jsonable(t.name, before, t.columns):
                    continue  # nothing changes: nothing to write or record
                action = "update" if alive else ("restore" if before is not None else "create")
                new_row = {**after, "rec_deleted": 0}
            new_row.update(rec_version=version + 1, rec_changed_at=at, rec_changed_by=actor.user_id)
            rows.setdefault(t.name, []).append(new_row)
            audit_id = new_id()
            audits.append({
                "audit_id": audit_id, "at": at, "actor_id": actor.user_id, "actor_name": actor.username,
                "actor_roles": actor.describe(), "table_name": t.name, "record_key": k,
                "version": version + 1, "action": action,
                "before": _audit_json(t, before) if alive else None, "after": _audit_json(t, after),
                "note": ch.note,
            })
            done.append(Written(t.name, json.loads(k), version + 1, action, audit_id))
        if problems:
            raise InputError(problems)
        for name, recs in rows.items():
            w.upsert(name, pd.DataFrame(recs) if TABLES[name].geometry_type is None
                     else _geo_frame(recs))
        if audits:
            w.upsert("audit_log", pd.DataFrame(audits))
    return done


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _where(ch: Change) -> tuple[str, str]:
    return (ch.source or ch.table, ch.location or f"záznam {dict(ch.key)}")


def _denied(actor: Actor, t: AuditedTable, key: str, when: str) -> str:
    return (f"{actor.username} ({actor.describe()}) may not write {t.name} {key} {when}: "
            f"allowed to {t.write_rule.__doc__ or 'others'}")


def _prepared(t: AuditedTable, ch: Change, before: dict[str, Any] | None,
              reader: Reader) -> tuple[dict[str, Any], list[Problem]]:
    """The record's full values after ``ch``, typed, derived and checked."""
    src, loc = _where(ch)
    problems: list[Problem] = []
    values = dict(ch.values or {})
    for c in values:
        if c in AUDIT_COLUMNS:
            problems.append(Problem(src, loc, c, "tento sloupec nastavuje jen server"))
        elif c not in t.columns:
            problems.append(Problem(src, loc, c, f"neznámý sloupec tabulky {t.name}"))
        elif c in t.key and c in ch.key and str(values[c]).strip() != str(ch.key[c]).strip():
            problems.append(Problem(src, loc, c, "klíč záznamu nelze změnit"))
    if problems:
        return {}, problems
    merged: dict[str, Any] = {c: (before or {}).get(c) for c in t.columns}
    merged.update(values)
    merged.update(ch.key)
    typed: dict[str, Any] = {}
    for c in t.columns:
        try:
            typed[c] = _typed(t.name, c, merged.get(c))
        except ValueError as exc:
            problems.append(Problem(src, loc, c, str(exc)))
    if problems:
        return {}, problems
    if t.prepare is not None:
        typed = dict(t.prepare(typed, reader))
    table = metadata.tables[t.name]
    for c in t.columns:
        if not table.c[c].nullable and typed.get(c) is None:
            problems.append(Problem(src, loc, c, "povinný údaj chybí"))
    if t.validate is not None and not problems:
        problems.extend(Problem(src, loc, f, m) for f, m in t.validate(typed, reader))
    return typed, problems


def _geo_frame(recs: list[dict[str, Any]]) -> pd.DataFrame:
    import geopandas as gpd

    from ..crs import STORE_EPSG

    return gpd.GeoDataFrame(recs, geometry="geom", crs=STORE_EPSG)


# --------------------------------------------------------------------------- reading
def current(reader: Reader, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
    """The non-deleted rows of the audited ``table`` (optionally filtered)."""
    df = reader.read(table, where)
    return df.loc[df["rec_deleted"].fillna(0) == 0].reset_index(drop=True)


def visible(reader: Reader, actor: Actor, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
    """The non-deleted rows of ``table`` the actor may read (its read rule, row by row)."""
    t = audited(table)
    df = current(reader, table, where)
    if actor.is_system or df.empty:
        return df
    keep = [t.may_read(actor, _row_dict(table, row), reader) for _, row in df.iterrows()]
    return df.loc[keep].reset_index(drop=True)


def get(reader: Reader, table: str, key: Mapping[str, Any], deleted: bool = False) -> dict[str, Any] | None:
    """The stored record ``key`` as a dict (None when absent, or deleted unless ``deleted``)."""
    audited(table)
    k = record_key(table, key)
    rec = _read_keys(reader, table, [dict(key)]).get(k)
    if rec is None or (rec["rec_deleted"] and not deleted):
        return None
    return rec


def can_write(actor: Actor, table: str, record: Mapping[str, Any], reader: Reader) -> bool:
    """Whether ``actor`` may write ``record`` (for showing a button; :func:`write` checks anyway)."""
    return audited(table).may_write(actor, record, reader)


def can_read(actor: Actor, table: str, record: Mapping[str, Any], reader: Reader) -> bool:
    """Whether ``actor`` may read ``record`` and its history."""
    return audited(table).may_read(actor, record, reader)


def history(reader: Reader, table: str, key: Mapping[str, Any] | str) -> list[dict[str, Any]]:
    """Every audit row of one record, oldest first, ``before``/``after`` parsed from JSON.

    Authorisation is the caller's: check :func:`can_read` on the record first.
    """
    k = key if isinstance(key, str) else record_key(table, key)
    log = reader.read("audit_log", {"table_name": table, "record_key": k})
    log = log.sort_values(["version", "at"]).reset_index(drop=True)
    out = []
    for _, row in log.iterrows():
        rec = _row_dict("audit_log", row)
        rec["before"] = json.loads(rec["before"]) if rec["before"] else None
        rec["after"] = json.loads(rec["after"]) if rec["after"] else None
        out.append(rec)
    return out


def sync(store: Store, actor: Actor, table: str, where: dict[str, Any], rows: Iterable[Mapping[str, Any]],
         note: str | None = None, source: str = "") -> list[Written]:
    """Make the partition ``where`` of ``table`` hold exactly ``rows``, with history.

    Records of the partition not in ``rows`` are deleted (a recorded state), new ones created,
    changed ones updated, unchanged ones left alone; all in one transaction through
    :func:`write` (same checks). E.g. a provider's monthly re-upload of its whole list.

    Parameters
    ----------
    where : dict
        Column -> value of the partition (e.g. ``{"ico": "12345678"}``); every row must match it.
    rows : iterable of mapping
        The partition's records, key columns included.
    """
    t = audited(table)
    have = current(store, table, where)
    stored_keys = {record_key(table, _row_dict(table, r)): _row_dict(table, r) for _, r in have.iterrows()}
    changes: list[Change] = []
    new_keys = set()
    for n, row in enumerate(rows, start=1):
        values = {**dict(row), **where}
        key = {k: values.get(k) for k in t.key}
        loc = f"řádek {n}"
        try:
            new_keys.add(record_key(table, key))
        except (ValueError, KeyError):
            pass  # write() names the problem
        changes.append(Change(table, key, {c: v for c, v in values.items() if c not in t.key},
                              note=note, source=source or table, location=loc))
    for k, rec in stored_keys.items():
        if k not in new_keys:
            changes.append(Change.delete(table, {c: rec[c] for c in t.key}, note=note, source=source or table))
    return write(store, actor, changes)
