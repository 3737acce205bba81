"""Fixtures of the applicants' register: a store of each backend with the demo territory, two
providers' residential homes, the seeded accounts and a pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo_kissos.accounts.roles import Actor
from geo_kissos.accounts.testing import PROVIDER_ICO, Seeded, seed_territory, seed_users
from geo_kissos.store import GpkgStore, Store

from applicants_helpers import OTHER_ICO, TEST_KEY  # isort: skip

#: service id -> (provider IČO, § type, municipality of the home)
HOMES = {"A49": (PROVIDER_ICO, "49"), "B49": (PROVIDER_ICO, "49"), "C50": (PROVIDER_ICO, "50"),
         "D49": (OTHER_ICO, "49"), "E44": (PROVIDER_ICO, "44")}


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GEO_KISSOS_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.delenv("GEO_KISSOS_PSEUDONYM_KEY_FILE", raising=False)
    return TEST_KEY


@pytest.fixture
def homes_store(empty_store: Store, _loaded_gpkg: Path, key_env: str) -> Store:
    """Territory + two providers with residential homes (each backend)."""
    seed_territory(empty_store, GpkgStore(_loaded_gpkg))
    munis = empty_store.read("municipality").sort_values("municipality_code")
    first = str(munis["municipality_code"].iloc[0])
    with empty_store.transaction() as w:
        w.upsert("provider", pd.DataFrame([{"ico": PROVIDER_ICO, "name": "Domovy testovací, p. o."},
                                           {"ico": OTHER_ICO, "name": "Jiný poskytovatel"}]))
        w.upsert("service", pd.DataFrame([
            {"service_id": sid, "provider_ico": ico, "type_code": tc, "name": f"Domov {sid}"}
            for sid, (ico, tc) in HOMES.items()]))
        w.upsert("site", pd.DataFrame([
            {"site_id": f"s-{sid}", "service_id": sid, "municipality_code": first,
             "location_quality": "unlocated"} for sid in HOMES]))
    return empty_store


@pytest.fixture
def people(homes_store: Store) -> dict[str, Seeded]:
    return seed_users(homes_store)


@pytest.fixture
def other_provider() -> Actor:
    return Actor("u-other", "jiny", frozenset({("provider", OTHER_ICO)}))

