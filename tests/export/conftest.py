"""Fixtures of the export tests: one ORP exported from each loaded store, a headless browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from export_helpers import CHROMIUM, CHROMIUM_ARGS, LAYER, pick_orp

from geo_kissos.export import Exporter, ExportResult
from geo_kissos.store import Store


@pytest.fixture(scope="session")
def orp_export(loaded_store: Store, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Exporter, ExportResult]:
    """All formats of one ORP exported from the loaded store (once per backend)."""
    ex = Exporter(loaded_store, LAYER)
    out = tmp_path_factory.mktemp("export")
    return ex, ex.export_orp(pick_orp(ex), out)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright; skipped (or failed with GK_REQUIRE_BROWSER=1).

    Function-scoped: a Playwright sync session left open would break other tests that start
    their own (only one sync session may run in a process at a time).
    """
    required = os.environ.get("GK_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        if required:
            pytest.fail("GK_REQUIRE_BROWSER=1 but playwright is not installed")
        pytest.skip("playwright not installed")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        if required:
            pytest.fail("GK_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("no chromium")
    exe = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
