"""Number formatting of labels and legends (Czech conventions)."""

from __future__ import annotations

import math

import pandas as pd

from ..catalogue import UNITS

NO_DATA_LABEL = "bez dat / no data"
#: Czech names of the capacity units of the register (beyond the planning units of the catalogue).
UNIT_NAMES: dict[str, str] = {**UNITS, "beds": "lůžek", "clients": "klientů", "contacts": "kontaktů",
                              "interventions": "intervencí", "calls": "hovorů", "fte": "úvazků"}


def format_number(value: float | None, decimals: int = 1) -> str:
    """Czech number format: decimal comma, no-break space between thousands."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    text = f"{float(value):,.{max(decimals, 0)}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def with_unit(text: str, unit: str) -> str:
    """``text`` followed by ``unit`` (no-break space), or ``text`` alone."""
    return f"{text}\u00a0{unit}" if unit else text
