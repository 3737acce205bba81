"""Inputs as people write them: Czech unit names, a non-spatial file given as boundaries."""

from __future__ import annotations

import pytest

from geo_kissos import InputError
from geo_kissos.ingest.boundaries import load_boundaries
from geo_kissos.ingest.network import load_network
from geo_kissos.ingest.phenomena import load_indicators


def test_network_accepts_czech_unit_names(market, write_text):
    text = ("identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace\n"
            "3000001;2025;4,5;úvazky;zařazena;2025-03-31\n"
            "3000002;2025;80;Lůžka;zařazena;2025-03-31\n")
    load_network(market, write_text("network.csv", text, "cp1250"))
    net = market.read("network").set_index("service_id")
    assert net.loc["3000001", "unit"] == "fte" and net.loc["3000002", "unit"] == "beds"


def test_network_unknown_unit_still_refused(market, write_text):
    text = ("identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace\n"
            "3000001;2025;4;kusy;zařazena;2025-03-31\n")
    with pytest.raises(InputError, match=r"network.csv, row 2 \(service 3000001\), field 'unit': unknown unit 'kusy'"):
        load_network(market, write_text("network.csv", text))
    assert market.count("network") == 0


def test_non_spatial_file_is_no_boundary_file(empty_store, write_text):
    path = write_text("network.csv", "identifikator;rok\n1;2025\n")
    with pytest.raises(InputError, match="network.csv, field 'geometry': no geometries: not a boundary file"):
        load_boundaries(empty_store, path)
    assert empty_store.count("municipality") == 0


def test_unknown_indicator_lists_the_codes(territory, write_text):
    text = "kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat\n900001;2024;XYZ;1;;;\n"
    with pytest.raises(InputError, match=r"unknown indicator 'XYZ' \(known: PNP_I, PNP_II,"):
        load_indicators(territory, write_text("indicators.csv", text))
