"""Fixtures of the network applications: a writable store of each kind holding the whole demo
(territory, population, register, network), the seeded accounts, and planning settings with
two rounds (one open, one whose deadlines have passed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_kissos.accounts import users
from geo_kissos.accounts.roles import Actor
from geo_kissos.accounts.testing import Seeded, seed_users
from geo_kissos.collect.criteria import Settings, use_settings
from geo_kissos.store import GpkgStore, Store

#: The demo's tables copied into a writable store (the reference catalogues come with the schema).
DATA_TABLES = ("region", "orp", "municipality", "population", "provider", "service", "service_form",
               "capacity", "site", "reach", "network", "indicator_value", "import_log")

PLANNING = """
[rounds.OPEN]
label = "Kolo s otevřenými termíny"
network_year = 2026
deadline_new = 2099-03-31
deadline_change = 2099-07-31

[rounds.LATE]
label = "Kolo po termínu"
network_year = 2026
deadline_new = 2000-03-31
deadline_change = 2000-07-31

[[criteria]]
code = "plan"
label = "potřebnost podle plánu"
weight = 3
max = 5

[[criteria]]
code = "gap"
label = "vypočtená mezera"
weight = 2
max = 5

[[criteria]]
code = "quality"
label = "kvalita"
weight = 1
max = 5
"""


@pytest.fixture(autouse=True)
def planning(tmp_path: Path) -> Iterator[Settings]:
    """The test rounds and criteria (the packaged defaults again afterwards)."""
    path = tmp_path / "planning.toml"
    path.write_text(PLANNING, encoding="utf-8")
    yield use_settings(path)
    use_settings(None)


def copy_demo(source: Store, target: Store) -> None:
    """Copy the demo's data tables into ``target`` in one transaction."""
    with target.transaction() as w:
        for table in DATA_TABLES:
            df = source.read(table)
            if not df.empty:
                w.upsert(table, df)


@pytest.fixture
def demo_store(empty_store: Store, _loaded_gpkg: Path) -> Store:
    """A fresh, writable store (each backend) with the whole synthetic demo."""
    copy_demo(GpkgStore(_loaded_gpkg), empty_store)
    return empty_store


@pytest.fixture
def people(demo_store: Store) -> dict[str, Seeded]:
    """The seeded accounts plus ``owner``: the provider of the demo's first service."""
    seeded = seed_users(demo_store)
    ico = str(demo_store.read("service").sort_values("service_id")["provider_ico"].iloc[0])
    user = users.add_user(demo_store, Actor.system("test"), "owner", seeded["admin"].password,
                          grants={("provider", ico)})
    seeded["owner"] = Seeded("owner", seeded["admin"].password, user)
    return seeded
