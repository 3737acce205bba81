"""Shared constants and helpers of the export tests (imported by the test modules)."""

from __future__ import annotations

from geo_kissos.export import Exporter

LAYER = "coverage-49-municipality"


def pick_orp(exporter: Exporter) -> str:
    """Šternberk when the data has it (the demo does), else the first ORP."""
    codes = exporter.orp_codes()
    for code in codes:
        if exporter.data.orp_name(code) == "Šternberk":
            return code
    return codes[0]
