"""Fixtures of the partners' modules: a writable store of each kind with the demo territory and
one seeded account per role (see :mod:`geo_kissos.accounts.testing`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_kissos.accounts.testing import Seeded, seed_territory, seed_users
from geo_kissos.store import GpkgStore, Store


@pytest.fixture
def territory_store(empty_store: Store, _loaded_gpkg: Path) -> Store:
    """A fresh store (each backend) holding the demo's region, ORPs and municipalities."""
    seed_territory(empty_store, GpkgStore(_loaded_gpkg))
    return empty_store


@pytest.fixture
def accounts(territory_store: Store) -> dict[str, Seeded]:
    """admin, planner, jesenik (ORP 7102), olomouc (ORP 7107), provider, multi, norole."""
    return seed_users(territory_store)
