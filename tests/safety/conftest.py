"""Fixtures of the safety tests: stores whose names are hostile (HTML and formulas).

``hostile_store`` is the loaded demo with ORP, municipality, provider, service and site names
rewritten by a writer transaction (both stores: the GeoPackage copy, and a fresh PostGIS
database filled from it table by table).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from geo_kissos.schema import TABLES
from geo_kissos.store import GpkgStore, PostgisStore, Store

#: Names that would run script if a page inserted them as HTML.
XSS_NAMES = ("<img src=x onerror=alert(1)>", '"><script>alert(1)</script>')
#: Names that a spreadsheet would run as a formula.
FORMULA_NAMES = ('=HYPERLINK("http://evil.example/","klik")', "+1+1", "-2+3", "@SUM(1,2)",
                 "\t=1+1", "\r=1+1")
#: ORP code -> hostile name given to it.
HOSTILE_ORPS = {"7101": XSS_NAMES[0], "7102": XSS_NAMES[1], "7103": FORMULA_NAMES[0]}


def hostile(i: int, prefix: str = "") -> str:
    """The i-th hostile name (HTML and formula names in turn)."""
    names = (*XSS_NAMES, *FORMULA_NAMES)
    return f"{names[i % len(names)]}{prefix}"


def make_hostile(store: Store) -> None:
    """Rewrite the names of the store (one writer transaction)."""
    orp = store.read("orp")
    orp["name"] = [HOSTILE_ORPS.get(c, n) for c, n in zip(orp["orp_code"], orp["name"], strict=True)]
    mun = store.read("municipality")
    mun["name"] = [hostile(i) if c in HOSTILE_ORPS else n
                   for i, (c, n) in enumerate(zip(mun["orp_code"], mun["name"], strict=True))]
    mun["orp_name"] = [HOSTILE_ORPS.get(c, n) for c, n in zip(mun["orp_code"], mun["orp_name"], strict=True)]
    prov = store.read("provider")
    prov["name"] = [hostile(i) for i in range(len(prov))]
    site = store.read("site")
    site["name"] = [hostile(i + 1) for i in range(len(site))]
    service = store.read("service")
    service["name"] = [hostile(i + 2) for i in range(len(service))]
    with store.transaction() as w:
        w.upsert("orp", orp)
        w.upsert("municipality", mun)
        w.upsert("provider", prov)
        w.upsert("site", site)
        w.upsert("service", service)


def copy_store(src: Store, dst: Store) -> None:
    """Every table of ``src`` into ``dst`` (one transaction)."""
    with dst.transaction() as w:
        for name in TABLES:
            df = src.read(name)
            if len(df):
                w.delete(name)
                w.upsert(name, df)


@pytest.fixture(params=("gpkg", "postgis"))
def hostile_store(request: pytest.FixtureRequest, loaded_gpkg_copy: Store, tmp_path: Path
                  ) -> Iterator[Store]:
    """The loaded demo with hostile names, on each store."""
    make_hostile(loaded_gpkg_copy)
    if request.param == "gpkg":
        yield loaded_gpkg_copy
        return
    pg = PostgisStore(request.getfixturevalue("pg_url"))
    copy_store(loaded_gpkg_copy, pg)
    yield pg
    pg.close()


@pytest.fixture
def hostile_gpkg(loaded_gpkg_copy: Store) -> GpkgStore:
    """The loaded GeoPackage copy with hostile names."""
    make_hostile(loaded_gpkg_copy)
    return loaded_gpkg_copy  # type: ignore[return-value]


def frame_text(df: pd.DataFrame) -> set[str]:
    """Every text cell of ``df``."""
    return {v for col in df.columns for v in df[col] if isinstance(v, str)}
