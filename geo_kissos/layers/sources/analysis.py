"""``coverage:<§>``, ``gap:<§>``, ``access:<§>``: the analysis of one § type, per municipality or ORP.

``coverage``
    ``per_1000``: units (beds, FTE) per 1,000 of the type's target population, from
    :func:`geo_kissos.analysis.coverage_ratios`.
``gap``
    ``deficit`` (units missing against the regional average), ``gap`` (units minus need) or
    ``coverage_pct``, from :func:`geo_kissos.analysis.availability_gaps`.
``access``
    ``per_1000`` (floating-catchment accessibility) or ``unreached_share``, from
    :func:`geo_kissos.analysis.floating_catchment` and :func:`geo_kissos.analysis.summarise_access`.

The analysis is called in one place, :func:`analysis_table`; what it leaves out (services
without units in the year, services placed nowhere, units outside the territory, services
without a located site for accessibility) is returned with the values (:class:`LeftOut`) and
logged, never muted.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ...catalogue import SERVICE_TYPE_BY_CODE
from . import LayerSource, LeftOut, SourceValues, register_source

log = logging.getLogger(__name__)

#: Columns of the analysis tables a coverage or gap layer keeps (popup fields).
KEPT_COLUMNS = ("units", "target_population", "units_per_1000", "reference_per_1000", "index", "need_units",
                "gap_units", "deficit_units", "surplus_units", "coverage_pct", "rank")
#: Measure -> column of the coverage or gap table.
MEASURE_COLUMNS = {"per_1000": "units_per_1000", "deficit": "deficit_units", "gap": "gap_units",
                   "coverage_pct": "coverage_pct"}


def _services(n: int) -> str:
    """``1 služba``, ``3 služby``, ``5 služeb``."""
    word = "služba" if n == 1 else "služby" if 2 <= n <= 4 else "služeb"
    return f"{n} {word}"


def _ids_text(ids: list[str]) -> str:
    return f" ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''})" if ids else ""


def _left_out(reason: str, what: str, ids: list[str]) -> LeftOut:
    ids = sorted(set(ids))
    return LeftOut(reason, f"Nezapočteno – {what}: {_services(len(ids))}{_ids_text(ids)}", len(ids), tuple(ids))


#: Reason of :class:`~geo_kissos.analysis.TerritoryResult.left_out` -> (layer reason, Czech text).
LEFT_OUT_TEXTS = {
    "no_units": ("without_units", "bez kapacity (jednotek) v roce {year}"),
    "no_place": ("placed_nowhere", "bez místa poskytování i územní působnosti"),
    "outside": ("outside_territory", "jednotky mimo území"),
    "no_located_site": ("no_located_site", "bez lokalizovaného místa poskytování"),
}
#: Layer source kind -> table of the territorial result.
RESULT_TABLES = {"coverage": "coverage", "gap": "gaps", "access": "access"}


def _left_outs(left_out: pd.DataFrame, year: int) -> list[LeftOut]:
    """The result's left-out services as the layer's :class:`LeftOut` notes, one per reason."""
    notes = []
    for reason, rows in left_out.groupby("reason", sort=False):
        code, what = LEFT_OUT_TEXTS.get(str(reason), (str(reason), str(reason)))
        notes.append(_left_out(code, what.format(year=year), rows["service_id"].astype(str).tolist()))
    return notes


def analysis_table(store: Any, layer: Any, year: int) -> tuple[pd.DataFrame | None, list[LeftOut]]:
    """The analysis table of a ``coverage``, ``gap`` or ``access`` layer for ``year``.

    The one place the layers call :mod:`geo_kissos.analysis`: the territorial result
    (:func:`geo_kissos.analysis.territory_from_store`) the CLI tables and the exports read too,
    so the map, ``geo-kissos analysis`` and the exported tables show the same numbers.

    Returns
    -------
    table : pandas.DataFrame or None
        The layer's type in the result's ``coverage``, ``gaps`` or ``access`` table (with
        ``code`` and ``type_code``). None when the analysis refuses the inputs
        (:class:`geo_kissos.analysis.AnalysisError`, e.g. a year without network rows) or, for
        access, no site of the type is located.
    left_out : list of LeftOut
        What the table leaves out.
    """
    from ... import analysis as ga

    type_code = layer.source_arg
    access = (ga.AccessParams(method=layer.access_method, max_cost=layer.access_max_distance)
              if layer.source_kind == "access" else None)
    try:
        params = ga.TerritoryParams(level=layer.level or "municipality", type_codes=(type_code,),
                                    access=access)
        result = ga.territory_from_store(store, year, params)
    except ga.AnalysisError as exc:
        log.info("layer %s, %s: the analysis refused the inputs: %s", layer.id, year, exc)
        return None, []
    left = _left_outs(result.left_out, year)
    table = getattr(result, RESULT_TABLES[layer.source_kind])
    table = table[table["type_code"].astype(str) == type_code]
    if layer.source_kind == "access" and table.empty:
        return None, left
    return table, left


class _AnalysisSource(LayerSource):
    """What coverage, gap and access share: a § type of the register, years of the population."""

    needs_register = True

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        return None if arg in SERVICE_TYPE_BY_CODE else f"unknown § type {arg!r}"

    def years(self, store: Any) -> list[int]:
        from ...analysis import analysis_years

        if store.read("service", {"type_code": self.arg}).empty:
            return []
        return analysis_years(store)

    def source_parts(self, store: Any) -> list[str]:
        from .. import provenance

        return [provenance.register_text(store), provenance.population_text(store)]

    def sites_type(self) -> str | None:
        return self.arg

    def values(self, store: Any, year: int) -> SourceValues:
        table, left = analysis_table(store, self.layer, year)
        for lo in left:
            log.info("layer %s, %s: %s", self.layer.id, year, lo.text)
        if table is None:
            return SourceValues(pd.DataFrame(columns=["value"]), left_out=tuple(left))
        return SourceValues(self.shape(table), left_out=tuple(left))

    def shape(self, table: pd.DataFrame) -> pd.DataFrame:
        """The table as layer values, by territory code."""
        table = table[table["type_code"].astype(str) == self.arg].copy()
        table.index = table["code"].astype(str)
        keep = [c for c in KEPT_COLUMNS if c in table.columns]
        out = pd.DataFrame(table[keep]).astype({c: float for c in keep if c != "rank"})
        if "rank" in out.columns:
            out["rank"] = pd.to_numeric(out["rank"], errors="coerce")
        out["value"] = out[MEASURE_COLUMNS[self.layer.measure]].astype(float)
        return out


@register_source
class CoverageSource(_AnalysisSource):
    """``coverage:<§>``: units per 1,000 of the target population."""

    kind = "coverage"
    measures = ("per_1000",)

    def source_parts(self, store: Any) -> list[str]:
        return [*super().source_parts(store), "srovnání s průměrem kraje"]


@register_source
class GapSource(_AnalysisSource):
    """``gap:<§>``: units missing (or over) against the regional average."""

    kind = "gap"
    measures = ("deficit", "gap", "coverage_pct")

    def source_parts(self, store: Any) -> list[str]:
        return [*super().source_parts(store), "srovnání s průměrem kraje"]


@register_source
class AccessSource(_AnalysisSource):
    """``access:<§>``: floating-catchment accessibility of the type's located sites.

    Demand: the type's target population at each municipality's representative point; supply:
    the units of its located sites; access per 1,000 is the demand-weighted mean over the
    territory's points, unreachable points counting 0 (:func:`geo_kissos.analysis.summarise_access`).
    """

    kind = "access"
    measures = ("per_1000", "unreached_share")

    def source_parts(self, store: Any) -> list[str]:
        return [*super().source_parts(store), f"dostupnost {self.layer.access_method.upper()}, spádový okruh "
                f"{self.layer.access_max_distance / 1000:g} km vzdušnou čarou"]

    def shape(self, table: pd.DataFrame) -> pd.DataFrame:
        out = table.set_index("code")
        out.index = out.index.astype(str)
        out = out.rename(columns={"demand": "target_population"})
        out["value"] = out["access_per_1000" if self.layer.measure == "per_1000" else "unreached_share"].astype(float)
        out["unreached_pct"] = 100.0 * out["unreached_share"].astype(float)
        if self.layer.measure == "unreached_share":
            out["value"] = out["unreached_pct"]
        return out
