"""Seeds for the tests of modules built on the write path: a territory and one user per role.

Not used by the app. In a test module's ``conftest.py``::

    from geo_kissos.accounts.testing import seed_territory, seed_users

    @pytest.fixture
    def partners_store(empty_store, loaded_store):
        seed_territory(empty_store, loaded_store)  # ORPs and municipalities of the demo
        return empty_store

    def test_x(partners_store):
        people = seed_users(partners_store)
        actor = people["jesenik"].actor            # orp_coordinator of ORP 7102 (Jeseník)
        login = people["jesenik"].username, people["jesenik"].password
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..store.base import Store
from . import audit, users
from .roles import Actor, parse_grants

#: ORP codes of the demo (and the real region): Jeseník, Olomouc.
JESENIK, OLOMOUC = "7102", "7107"
#: An IČO used for the seeded provider (a valid checksum; the demo's providers have their own).
PROVIDER_ICO = "00000019"
PASSWORD = "heslo-pro-testy-2026"


@dataclass(frozen=True)
class Seeded:
    """A seeded account: its name, password, grants and actor."""

    username: str
    password: str
    user: users.User

    @property
    def actor(self) -> Actor:
        """The actor of the account's requests."""
        return self.user.actor()


#: Seeded name -> grants ("role:scope").
SEED: dict[str, tuple[str, ...]] = {
    "admin": ("admin",),
    "planner": ("region_planner",),
    "jesenik": (f"orp_coordinator:{JESENIK}",),
    "olomouc": (f"orp_coordinator:{OLOMOUC}",),
    "provider": (f"provider:{PROVIDER_ICO}",),
    "multi": (f"orp_coordinator:{JESENIK}", f"orp_coordinator:{OLOMOUC}", f"provider:{PROVIDER_ICO}"),
    "norole": (),
}


def seed_territory(store: Store, source: Store, geometry: bool = False) -> None:
    """Copy region, ORPs and municipalities from ``source`` (e.g. the loaded demo store) into
    ``store``; without geometry unless asked (fast GeoPackage commits)."""
    with store.transaction() as w:
        for table in ("region", "orp", "municipality"):
            df = source.read(table)
            if not geometry:
                df = pd.DataFrame(df.drop(columns="geom"))
            w.upsert(table, df)


def seed_users(store: Store, password: str = PASSWORD) -> dict[str, Seeded]:
    """Create the accounts of :data:`SEED` (all with ``password``); return them by name."""
    ids, changes = {}, []
    hashed = users.hash_password(password)  # argon2 is slow on purpose: once for all
    for name, grants in SEED.items():  # one transaction: a GeoPackage commit rewrites the file
        ids[name], more = users.new_user_changes(store, name, password, grants=parse_grants(grants),
                                                 display_name=f"Test {name}", password_hash=hashed)
        changes += more
    audit.write(store, Actor.system("tests"), changes)
    return {name: Seeded(name, password, users.get_user(store, user_id=uid))  # type: ignore[arg-type]
            for name, uid in ids.items()}


def municipality_of(store: Store, orp: str) -> str:
    """The first municipality code (in code order) of ORP ``orp``."""
    return str(store.read("municipality", {"orp_code": orp})["municipality_code"].sort_values().iloc[0])


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: Any, path: str = "/ucet/prihlaseni") -> str:
    """The CSRF token of the session of a Flask test ``client``, read from the form at ``path``."""
    html = client.get(path).get_data(as_text=True)
    m = _TOKEN.search(html)
    if m is None:
        raise AssertionError(f"no csrf_token field on {path}")
    return m.group(1)


def web_login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Log a Flask test ``client`` in through the login form; returns the response (302 on success)."""
    return client.post("/ucet/prihlaseni", data={"username": username, "password": password,
                                                  "csrf_token": csrf_token(client)})
