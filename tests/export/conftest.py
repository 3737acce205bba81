"""Fixtures of the export tests: one ORP exported from each loaded store (browser: tests/conftest.py)."""

from __future__ import annotations

import pytest
from export_helpers import LAYER, pick_orp

from geo_kissos.export import Exporter, ExportResult
from geo_kissos.store import Store


@pytest.fixture(scope="session")
def orp_export(loaded_store: Store, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Exporter, ExportResult]:
    """All formats of one ORP exported from the loaded store (once per backend)."""
    ex = Exporter(loaded_store, LAYER)
    out = tmp_path_factory.mktemp("export")
    return ex, ex.export_orp(pick_orp(ex), out)
