"""Imports in the wrong order are refused with a message that says what to load first."""

from __future__ import annotations

import pytest

from geo_kissos import InputError
from geo_kissos.ingest.network import load_network, load_reach
from geo_kissos.ingest.phenomena import load_indicators, load_population


@pytest.mark.parametrize(("loader", "name", "first"), [
    (load_population, "population.csv", "no municipality rows: load boundaries first"),
    (load_indicators, "indicators.csv", "no municipality rows: load boundaries first"),
    (load_reach, "reach.csv", "no service rows: import the register first"),
    (load_network, "network.csv", "no service rows: import the register first"),
])
def test_missing_prerequisite_named(empty_store, data_dir, loader, name, first):
    with pytest.raises(InputError, match=f"{name}: the store has {first}"):
        loader(empty_store, data_dir / name)
    assert empty_store.count("import_log") == 0


def test_missing_file_named(empty_store, tmp_path):
    with pytest.raises(InputError, match="nothing.csv.*file not found"):
        load_population(empty_store, tmp_path / "nothing.csv")
