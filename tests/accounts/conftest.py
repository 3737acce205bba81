"""Fixtures of the accounts tests: a writable store of each kind with the demo territory
(ORPs and municipalities, no geometry) and one seeded account per role."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_kissos.accounts.testing import Seeded, seed_territory, seed_users
from geo_kissos.store import GpkgStore, Store


@pytest.fixture
def partners_store(empty_store: Store, _loaded_gpkg: Path) -> Store:
    """A fresh store (each backend) holding the demo's region, ORPs and municipalities."""
    seed_territory(empty_store, GpkgStore(_loaded_gpkg))
    return empty_store


@pytest.fixture
def people(partners_store: Store) -> dict[str, Seeded]:
    """Seeded accounts: admin, planner, jesenik (ORP 7102), olomouc (ORP 7107), provider, multi,
    norole (see :data:`geo_kissos.accounts.testing.SEED`)."""
    return seed_users(partners_store)

