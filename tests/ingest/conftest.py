"""Fixtures of the ingest tests: a small territory in each store, builders of input files."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from sqlalchemy import text

from geo_kissos.demo import build_demo
from geo_kissos.demo.territory import make_municipalities, write_boundaries
from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.services import load_services
from geo_kissos.schema import TABLES
from geo_kissos.store import GpkgStore, PostgisStore, Store

BACKENDS = ("gpkg", "postgis")

N_SMALL, SEED_SMALL = 40, 3


@pytest.fixture(scope="session")
def small_mun() -> gpd.GeoDataFrame:
    """40 demo municipalities (codes 900001-900040; the first 13 are the ORP seats 7101-7113)."""
    return make_municipalities(N_SMALL, SEED_SMALL)


@pytest.fixture(scope="session")
def small_boundaries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_boundaries(tmp_path_factory.mktemp("small") / "obce.gpkg", N_SMALL, SEED_SMALL)


def _load_territory(store: Store, boundaries: Path) -> None:
    load_boundaries(store, boundaries)


def _load_market(store: Store, folder: Path) -> None:
    """Two services: 3000001 (home care, field) and 3000002 (home for the elderly)."""
    path = folder / "market.json"
    path.write_text(json.dumps({"polozky": [
        register_item("3000001", "40", forms=(("ter", "klient", 30),), facilities=((900001, None),)),
        register_item("3000002", "49", forms=(("pob", "luzka", 80),), facilities=((900002, None),)),
    ]}), encoding="utf-8")
    load_services(store, path)


_PREPARED = {"territory": (_load_territory,), "market": (_load_territory, _load_market)}


def _prepare_gpkg(kind: str, tmp_path_factory: pytest.TempPathFactory, boundaries: Path) -> Path:
    folder = tmp_path_factory.mktemp(f"prepared-{kind}")
    path = folder / "store.gpkg"
    store = GpkgStore(path)
    for step in _PREPARED[kind]:
        step(store, boundaries if step is _load_territory else folder)
    store.close()
    return path


def _prepare_pg(kind: str, pg_admin: Any, tmp_path_factory: pytest.TempPathFactory, boundaries: Path) -> Iterator[str]:
    admin, url, template = pg_admin
    name = f"gk_ingest_{kind}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    store = PostgisStore(url.set(database=name).render_as_string(hide_password=False))
    folder = tmp_path_factory.mktemp(f"prepared-pg-{kind}")
    for step in _PREPARED[kind]:
        step(store, boundaries if step is _load_territory else folder)
    store.close()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _territory_gpkg(tmp_path_factory: pytest.TempPathFactory, small_boundaries: Path) -> Path:
    return _prepare_gpkg("territory", tmp_path_factory, small_boundaries)


@pytest.fixture(scope="session")
def _market_gpkg(tmp_path_factory: pytest.TempPathFactory, small_boundaries: Path) -> Path:
    return _prepare_gpkg("market", tmp_path_factory, small_boundaries)


@pytest.fixture(scope="session")
def _territory_pg(pg_admin: Any, tmp_path_factory: pytest.TempPathFactory, small_boundaries: Path) -> Iterator[str]:
    yield from _prepare_pg("territory", pg_admin, tmp_path_factory, small_boundaries)


@pytest.fixture(scope="session")
def _market_pg(pg_admin: Any, tmp_path_factory: pytest.TempPathFactory, small_boundaries: Path) -> Iterator[str]:
    yield from _prepare_pg("market", pg_admin, tmp_path_factory, small_boundaries)


def _clone(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A private writable copy of a prepared store (file copy, or CREATE DATABASE ... TEMPLATE)."""
    if request.param == "gpkg":
        dst = tmp_path / "store.gpkg"
        shutil.copy(request.getfixturevalue(f"_{kind}_gpkg"), dst)
        store: Store = GpkgStore(dst)
        yield store
        store.close()
        return
    admin, url, _ = request.getfixturevalue("pg_admin")
    source = request.getfixturevalue(f"_{kind}_pg")
    name = f"gk_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    store = PostgisStore(url.set(database=name).render_as_string(hide_password=False))
    yield store
    store.close()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def territory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store of each kind with the 40 small municipalities loaded (a private copy)."""
    yield from _clone("territory", request, tmp_path)


@pytest.fixture(params=BACKENDS)
def market(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The small territory plus services 3000001 (home care, field) and 3000002 (home for the elderly)."""
    yield from _clone("market", request, tmp_path)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full synthetic demo data folder (400 municipalities)."""
    folder = tmp_path_factory.mktemp("ingest-demo")
    build_demo(folder)
    return folder


def snapshot(store: Store) -> dict[str, Any]:
    """Row counts of every table and the content of the market and demand tables."""
    snap: dict[str, Any] = {name: store.count(name) for name in TABLES}
    for name in ("service", "capacity", "site", "reach", "network", "population", "indicator_value"):
        df = store.read(name)
        cols = [c for c in df.columns if c != "geom"]
        snap[f"{name}_rows"] = sorted(map(tuple, df[cols].astype(str).to_numpy().tolist()))
    return snap


@pytest.fixture
def snap() -> Callable[[Store], dict[str, Any]]:
    return snapshot


def register_item(
    sid: str = "1000001",
    type_: Any = "49",
    ico: Any = "99000001",
    forms: tuple[tuple[str, str, Any], ...] = (("pob", "luzka", 40),),
    facilities: tuple[tuple[Any, Any] | None, ...] = ((900001, 11111111),),
    od: str | None = "2015-01-01",
    do: str | None = None,
    provider_obec: Any = 900001,
) -> dict[str, Any]:
    """One register item in the MPSV layout; a facility is (obec code, address code) or None (no address)."""
    formy: dict[str, dict[str, Any]] = {}
    for form, unit, value in forms:
        f = formy.setdefault(form, {"forma": {"id": f"FormaSocialniSluzby/{form}"}, "kapacity": []})
        f["kapacity"].append({"pocet": value, "typ": {"id": f"TypKapacitySocialniSluzby/{unit}"}})
    zar = []
    for k, fac in enumerate(facilities, start=1):
        if fac is None:
            zar.append({"nazev": f"Zařízení {k}", "adresa": None, "utajenaAdresa": True})
        else:
            obec, kod = fac
            zar.append({"nazev": f"Zařízení {k}", "utajenaAdresa": False,
                        "adresa": {"kodAdresnihoMista": kod, "obec": {"id": f"Obec/{obec}"},
                                   "ulice": {"nazev": "Školní"}, "cisloDomovni": 12, "psc": "77900"}})
    return {
        "id": int(sid) * 7 if str(sid).isdigit() else 1, "identifikator": sid,
        "datumPoskytovaniOd": od, "datumPoskytovaniDo": do,
        "druhSocialniSluzby": {"id": type_} if isinstance(type_, str) else type_,
        "poskytovatel": {"ico": ico, "nazev": "Poskytovatel", "adresa": {"obec": {"id": f"Obec/{provider_obec}"}}},
        "formy": list(formy.values()), "zarizeni": zar,
        "telefony": [{"telefon": "585000000", "poznamka": None}],
    }


@pytest.fixture
def write_register(tmp_path: Path) -> Callable[..., Path]:
    """Write items as ``rpss.json`` (or another name) in a fresh folder; return the path."""

    def write(items: list[dict[str, Any]] | Any, name: str = "rpss.json", raw: str | None = None) -> Path:
        path = tmp_path / name
        path.write_text(raw if raw is not None else json.dumps({"polozky": items}, ensure_ascii=False),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[..., Path]:
    """Write a text file (default UTF-8) into the test's folder; return the path."""

    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def item() -> Callable[..., dict[str, Any]]:
    return register_item
