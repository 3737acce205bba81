"""``population:<band>``: inhabitants of an age band, as a share of all or as persons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import provenance
from . import LayerSource, SourceValues, register_source
from ._common import per_level, rate, years_of


@register_source
class PopulationSource(LayerSource):
    """``share`` (% of all inhabitants) or ``count`` (persons) of the band, summed per ORP."""

    kind = "population"
    measures = ("share", "count")
    log_kinds = ("population",)

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        return None if arg else "name the age band, e.g. population:65+"

    def years(self, store: Any) -> list[int]:
        return years_of(store.read("population", {"age_band": self.arg}))

    def values(self, store: Any, year: int) -> SourceValues:
        band = self.arg
        pop = store.read("population", {"year": year})
        wide = pop.pivot_table(index="municipality_code", columns="age_band", values="persons", aggfunc="sum")
        wide.index = wide.index.astype(str)
        cols = pd.DataFrame(index=wide.index)
        cols["persons"] = wide[band].astype(float) if band in wide.columns else np.nan
        cols["population"] = wide["total"].astype(float) if "total" in wide.columns else np.nan
        cols = per_level(cols, store, self.level)
        share = self.layer.measure == "share"
        cols["value"] = rate(cols["persons"], cols["population"], 100) if share else cols["persons"]
        return SourceValues(cols)

    def source_parts(self, store: Any) -> list[str]:
        return [provenance.population_text(store)]
