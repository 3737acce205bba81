"""``indicator:<code>``: a municipal indicator as reported, or per 1,000 inhabitants.

Indicators counting persons (:data:`PERSON_COUNTS`) pass disclosure control on the map: small
counts are hidden (:func:`geo_kissos.analysis.applicants.protect_layer_frame`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...catalogue import INDICATOR_BY_CODE
from .. import provenance
from . import LayerSource, Notice, SourceValues, register_source
from ._common import municipality_orp, rate, resolve_year, years_of

#: Indicators counting persons: their map cells pass disclosure control (counts below 5 hidden).
PERSON_COUNTS: frozenset[str] = frozenset({"WAITING_RESIDENTIAL"})


@register_source
class IndicatorSource(LayerSource):
    """``value`` (as reported; ORP: sum, or population-weighted mean for percentages) or
    ``per_1000`` (per 1,000 inhabitants of the same year or the latest earlier one)."""

    kind = "indicator"
    measures = ("value", "per_1000")

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        return None if arg in INDICATOR_BY_CODE else f"unknown indicator {arg!r}"

    def years(self, store: Any) -> list[int]:
        return years_of(store.read("indicator_value", {"code": self.arg}))

    def missing(self, store: Any, years: list[int]) -> Notice | None:
        """The indicator was never imported (no year): say so, it is not zero."""
        if not years:
            return Notice(provenance.no_indicator_text(self.arg), provenance.NO_INDICATOR_LABEL)
        return None

    def values(self, store: Any, year: int) -> SourceValues:
        code = self.arg
        rows = store.read("indicator_value", {"code": code, "year": year})
        vals = rows.groupby(rows["municipality_code"].astype(str))["value"].sum().astype(float)
        pop = store.read("population", {"age_band": "total"})
        py = resolve_year(years_of(pop), year)
        if py is not None:
            p = pop[pop["year"] == py].groupby(pop["municipality_code"].astype(str))["persons"].sum().astype(float)
        else:
            p = pd.Series(dtype=float)
        cols = pd.DataFrame({"indicator": vals}).join(pd.DataFrame({"population": p}), how="left")
        percent = INDICATOR_BY_CODE[code].unit == "percent"
        if self.level != "municipality" and not cols.empty:
            key = cols.index.map(municipality_orp(store))
            if percent:
                w = cols["population"].fillna(0.0)
                weighted = (cols["indicator"] * w).groupby(key).sum(min_count=1)
                wsum = w.groupby(key).sum()
                plain = cols["indicator"].groupby(key).mean()
                ind = (weighted / wsum.where(wsum > 0)).fillna(plain)
                cols = pd.DataFrame({"indicator": ind,
                                     "population": cols["population"].groupby(key).sum(min_count=1)})
            else:
                cols = cols.groupby(key).sum(min_count=1)
        per_1000 = self.layer.measure == "per_1000"
        cols["value"] = rate(cols["indicator"], cols["population"], 1000) if per_1000 else cols["indicator"]
        return SourceValues(cols)

    def protect(self, frame: pd.DataFrame, store: Any, year: int) -> tuple[pd.DataFrame, pd.Series | None]:
        """Counts of persons (:data:`PERSON_COUNTS`): hide small cells (issue 13)."""
        if self.arg not in PERSON_COUNTS:
            return frame, None
        from ...analysis.applicants import protect_layer_frame

        frame = protect_layer_frame(frame, store, year, self.level)
        return frame, (frame.pop("label") if "label" in frame.columns else None)

    def source_parts(self, store: Any) -> list[str]:
        code = self.arg
        s = provenance.indicator_source(store, code)
        name = INDICATOR_BY_CODE[code].name_cs if code in INDICATOR_BY_CODE else code
        parts = [s.text(name) if s else f"{name}: nenahráno"]
        if self.layer.measure == "per_1000" or any(p.field == "population" for p in self.layer.popup):
            parts.append(provenance.population_text(store))
        return parts

    def data_date(self, store: Any) -> pd.Timestamp | None:
        """The latest ``datum_dat`` of the indicator's rows."""
        rows = store.read("indicator_value", {"code": self.arg})
        if len(rows) and rows["data_date"].notna().any():
            return pd.Timestamp(rows["data_date"].dropna().max())
        return None
