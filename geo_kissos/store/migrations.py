"""Migrations of the PostGIS schema.

Each migration is a numbered step applied once, in order, inside one transaction, and recorded in
``schema_migrations``. Add a step at the end of :data:`MIGRATIONS`; never edit an applied one. A step that only adds
tables declared in :mod:`geo_kissos.schema` is ``create_tables("name", ...)`` (a fresh database
already has them from step 1, which creates every declared table, so it checks first).

The GeoPackage store needs no step: a table is a layer written on its first row, an absent layer
is an empty table.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text

from .. import catalogue
from ..schema import metadata


def _v1_initial(conn: Connection) -> None:
    """All tables of :mod:`geo_kissos.schema` and the reference catalogues."""
    metadata.create_all(conn)
    st = metadata.tables["service_type"]
    conn.execute(st.insert(), catalogue.service_types_frame().to_dict("records"))
    ind = metadata.tables["indicator_def"]
    conn.execute(ind.insert(), catalogue.indicators_frame().to_dict("records"))


def create_tables(*names: str) -> Callable[[Connection], None]:
    """A migration step creating the tables ``names`` of the schema (when not already there)."""

    def step(conn: Connection) -> None:
        for name in names:
            metadata.tables[name].create(conn, checkfirst=True)

    step.__doc__ = f"Create {', '.join(names)}."
    return step


def _v6_data_version(conn: Connection) -> None:
    """The data version: one counter that every transaction changing data adds one to
    (:meth:`geo_kissos.store.PostgisStore.data_version`), so a reader learns of a change by
    reading one row, not by scanning the growing audit log."""
    conn.execute(text("CREATE TABLE IF NOT EXISTS gk_data_version ("
                      " id smallint PRIMARY KEY CHECK (id = 1), n bigint NOT NULL)"))
    conn.execute(text("INSERT INTO gk_data_version (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema and catalogues", _v1_initial),
    (2, "accounts, roles, audit log, municipality notes",
     create_tables("app_user", "user_role", "audit_log", "municipality_note")),
    (3, "municipalities' reported needs", create_tables("reported_need")),
    (4, "applicants' register", create_tables("applicant_entry", "applicant_list", "applicant_demand")),
    (5, "network applications, opinions, scores, decisions, plan targets",
     create_tables("network_application", "application_opinion", "application_score",
                   "application_decision", "plan_target")),
    (6, "data version counter", _v6_data_version),
]


def migrate(conn: Connection) -> list[int]:
    """Apply pending migrations on ``conn`` (inside the caller's transaction).

    Returns
    -------
    list of int
        The versions applied now (empty when the schema is current).
    """
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, description text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    )
    # Serialise concurrent migrators (two app workers starting at once).
    conn.execute(text("SELECT pg_advisory_xact_lock(54145)"))
    done = {r[0] for r in conn.execute(text("SELECT version FROM schema_migrations"))}
    applied = []
    for version, description, step in MIGRATIONS:
        if version in done:
            continue
        step(conn)
        conn.execute(
            text("INSERT INTO schema_migrations (version, description) VALUES (:v, :d)"),
            {"v": version, "d": description},
        )
        applied.append(version)
    return applied
