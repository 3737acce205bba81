"""Number formatting of labels and legends (Czech conventions)."""

from __future__ import annotations

import math

import pandas as pd

from ..catalogue import UNIT_FORMS, UNIT_NAMES

NO_DATA_LABEL = "bez dat / no data"


def format_count(value: float, unit: str) -> str:
    """A capacity with its unit in the right Czech form: ``1 lůžko``, ``3 lůžka``, ``60 lůžek``,
    ``2,5 úvazku`` (whole numbers without decimals, others with one)."""
    v = float(value)
    whole = v.is_integer()
    text = format_number(v, 0 if whole else 1)
    forms = UNIT_FORMS.get(str(unit))
    if forms is None:
        return f"{text} {UNIT_NAMES.get(str(unit), str(unit))}"
    if not whole:
        word = forms[3]
    elif abs(v) == 1:
        word = forms[0]
    elif 2 <= abs(v) <= 4:
        word = forms[1]
    else:
        word = forms[2]
    return f"{text} {word}"


def format_number(value: float | None, decimals: int = 1) -> str:
    """Czech number format: decimal comma, no-break space between thousands."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    text = f"{float(value):,.{max(decimals, 0)}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def with_unit(text: str, unit: str) -> str:
    """``text`` followed by ``unit`` (no-break space), or ``text`` alone."""
    return f"{text}\u00a0{unit}" if unit else text
