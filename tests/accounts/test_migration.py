"""Migration 2 adds the accounts tables to a PostGIS store made before them."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from geo_kissos.store import PostgisStore
from geo_kissos.store.migrations import MIGRATIONS

NEW = ("app_user", "user_role", "audit_log", "municipality_note")


def test_step_2_creates_the_tables_of_an_older_store(pg_url):
    engine = create_engine(pg_url)
    with engine.begin() as c:  # the store as version 1 left it
        for name in NEW:
            c.execute(text(f'DROP TABLE "{name}"'))
        c.execute(text("DELETE FROM schema_migrations WHERE version = 2"))
    assert not set(NEW) & set(inspect(engine).get_table_names())
    store = PostgisStore(pg_url)
    assert set(NEW) <= set(inspect(engine).get_table_names())
    assert store.read("audit_log").empty
    with engine.connect() as c:
        versions = [r[0] for r in c.execute(text("SELECT version FROM schema_migrations ORDER BY 1"))]
    assert versions == [v for v, _, _ in MIGRATIONS]  # step 2 applied again, the later ones kept
    store.close()
    engine.dispose()
