"""``need:<§>`` and ``agreement:<§>``: the needs municipalities reported for a planning period.

``need:<§>``
    ``level``: the strongest need each municipality reported for the period starting in the
    year shown (0 none ... 3 high); a municipality that did not report has no value
    ("nenahlásila", never "none").
``agreement:<§>``
    ``class``: per ORP, reported × computed need (0 both ... 3 neither,
    :data:`AGREEMENT_VALUES`), from :func:`geo_kissos.analysis.needs.needs_comparison`.

A year of these layers is the first year of a planning period (2027 for 2027-2029).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...catalogue import SERVICE_TYPE_BY_CODE
from . import LayerSource, SourceValues, register_source

#: Agreement class -> value of an ``agreement:<§>`` layer (the order of its categories).
AGREEMENT_VALUES = {"both": 0, "reported_only": 1, "computed_only": 2, "neither": 3}


def need_years(store: Any) -> list[int]:
    """First years of the planning periods with reported needs (2027 for 2027-2029)."""
    from ...collect.needs import needs_frame

    periods = needs_frame(store)["period"].dropna().unique()
    return sorted({int(str(p)[:4]) for p in periods})


def need_period(store: Any, year: int) -> str | None:
    """The (latest) planning period starting in ``year``, None when there is none."""
    from ...collect.needs import needs_frame

    periods = sorted(p for p in needs_frame(store)["period"].dropna().unique() if int(str(p)[:4]) == year)
    return periods[-1] if periods else None


class _NeedsSource(LayerSource):
    """What the reported-needs kinds share: a § type, the planning periods as years."""

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        return None if arg in SERVICE_TYPE_BY_CODE else f"unknown § type {arg!r}"

    def years(self, store: Any) -> list[int]:
        return need_years(store)

    def values(self, store: Any, year: int) -> SourceValues:
        period = need_period(store, year)
        if period is None:
            return SourceValues()
        return SourceValues(self.period_values(store, period), period=period)

    def period_values(self, store: Any, period: str) -> pd.DataFrame:
        """Values of the period, by territory code."""
        raise NotImplementedError


@register_source
class NeedSource(_NeedsSource):
    """``need:<§>``: the need each municipality reported (0 none ... 3 high)."""

    kind = "need"
    measures = ("level",)

    def period_values(self, store: Any, period: str) -> pd.DataFrame:
        from ...analysis.needs import need_by_municipality
        from ...collect.needs import needs_frame

        d = need_by_municipality(needs_frame(store, period), self.arg)
        return pd.DataFrame({"value": d["level_rank"].astype(float).to_numpy(),
                             "units_requested": d["units_requested"].astype(float).to_numpy()},
                            index=d["municipality_code"].astype(str).to_numpy())


@register_source
class AgreementSource(_NeedsSource):
    """``agreement:<§>``: the ORP's class of reported × computed need."""

    kind = "agreement"
    measures = ("class",)

    def period_values(self, store: Any, period: str) -> pd.DataFrame:
        from ...analysis.needs import needs_comparison

        cmp = needs_comparison(store, period, type_codes=[self.arg])
        cmp = cmp[cmp["type_code"] == self.arg]
        share = pd.to_numeric(cmp["deficit_share"], errors="coerce").to_numpy(float)
        return pd.DataFrame({"value": cmp["agreement"].map(AGREEMENT_VALUES).astype(float).to_numpy(),
                             "reported_rank": pd.to_numeric(cmp["reported_rank"], errors="coerce").to_numpy(float),
                             "deficit_share_pct": 100 * share,
                             "completeness_pct": 100 * cmp["completeness"].to_numpy(float)},
                            index=cmp["orp_code"].astype(str).to_numpy())
