"""One analysis result per territorial table: coverage, gaps and accessibility of a year.

:func:`territory_tables` is the one way out of the analysis for the map layers, the export
tables, the CLI and the notebooks: for a level (municipality, ORP, region), service types,
norms and access parameters (:class:`TerritoryParams`) it returns a :class:`TerritoryResult`
holding the coverage table, the gap table, the accessibility table and what was left out, with
the reason. :func:`territory_from_store` reads the year's inputs once
(:func:`~geo_kissos.analysis.inputs.load_inputs`, which refuses a year without network rows).

Rules
-----
Tables
    ``coverage`` is :func:`~geo_kissos.analysis.coverage.coverage_ratios`, ``gaps`` is
    :func:`~geo_kissos.analysis.gaps.gaps_from_coverage` of it (``priority`` compares all
    territory × type rows of the result), ``access`` is the floating-catchment accessibility
    (:func:`~geo_kissos.analysis.fca.floating_catchment` from municipality points or raster
    cells to located sites) summarised per territory by
    :func:`~geo_kissos.analysis.metrics.summarise_access`.
Types
    The types asked for; by default those with services of the year; ``all_types`` gives all 33
    types of the Act (with norms, a type without services shows its whole need as deficit).
Left out
    One row per service and reason (:data:`~geo_kissos.analysis.inputs.LEFT_OUT_REASONS`):
    ``no_units`` and ``no_place`` (missing from every table), ``outside`` (units attributed
    to municipalities outside the territory), ``no_located_site`` (in coverage and gaps but not
    in the accessibility, ``part`` = ``access``). They are part of the result, never warnings.

Examples
--------
>>> from geo_kissos import analysis as ga
>>> res = ga.territory_from_store(store, 2025, ga.TerritoryParams(level="orp"))  # doctest: +SKIP
>>> res.gaps.query("type_code == '49'")  # doctest: +SKIP
>>> res.left_out  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from ..catalogue import SERVICE_TYPE_BY_CODE
from .coverage import LEVELS, _type_codes, coverage_ratios, indicator_base, read_norms
from .errors import AnalysisError
from .fca import floating_catchment
from .gaps import gaps_from_coverage
from .inputs import (
    LEFT_OUT_REASONS,
    AnalysisInputs,
    RasterPath,
    StoreLike,
    attribute_units,
    base_population,
    demand_points,
    left_out_frame,
    load_inputs,
    raster_demand,
    supply_sites,
    unplaced_services,
)
from .metrics import AccessParams, summarise_access

logger = logging.getLogger(__name__)

#: Columns of :attr:`TerritoryResult.access`.
ACCESS_COLUMNS: tuple[str, ...] = ("level", "code", "type_code", "demand", "unreached_demand",
                                   "unreached_share", "access_per_1000")


@dataclass(frozen=True)
class TerritoryParams:
    """What :func:`territory_tables` computes.

    Attributes
    ----------
    level : {"orp", "municipality", "region"}
        Territorial level of the tables (default ORP, the unit of planning).
    type_codes : tuple of str, optional
        § codes; default: the types with services in the year (or all with ``all_types``).
    all_types : bool
        All 33 types of the Act when ``type_codes`` is not given.
    norms : pandas.DataFrame, optional
        ``type_code``, ``units_per_1000``; types without a norm use the regional average.
    indicator : str, optional
        Measure need against this demand indicator (e.g. ``PNP_TOTAL``) instead of the target
        population (:func:`~geo_kissos.analysis.coverage.indicator_base`).
    access : AccessParams, optional
        Floating-catchment parameters; None: no accessibility table (it is the slow part).
    raster : str or path, optional
        Population raster for the accessibility demand (EPSG:5514).
    """

    level: str = "orp"
    type_codes: tuple[str, ...] | None = None
    all_types: bool = False
    norms: pd.DataFrame | None = field(default=None, compare=False, hash=False)
    indicator: str | None = None
    access: AccessParams | None = None
    raster: RasterPath | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise AnalysisError(f"unknown level {self.level!r}; use one of {', '.join(LEVELS)}")
        if self.type_codes is not None:
            object.__setattr__(self, "type_codes", tuple(_type_codes(self.type_codes)))
        if self.norms is not None:
            read_norms(self.norms)  # refused here, before any input is read


@dataclass(frozen=True)
class TerritoryResult:
    """Coverage, gaps and accessibility of one year at one level, and what was left out.

    Attributes
    ----------
    year : int
    level : str
    type_codes : tuple of str
        The types of the tables, in legal order.
    coverage : pandas.DataFrame
        Territory × type (:func:`~geo_kissos.analysis.coverage.coverage_ratios`).
    gaps : pandas.DataFrame
        Territory × type (:data:`~geo_kissos.analysis.gaps.GAP_COLUMNS`).
    access : pandas.DataFrame
        Territory × type with a located site (:data:`ACCESS_COLUMNS`); empty without
        ``params.access``.
    left_out : pandas.DataFrame
        ``service_id``, ``type_code``, ``name``, ``reason``, ``part``
        (:data:`~geo_kissos.analysis.inputs.LEFT_OUT_COLUMNS`).
    base_year : int or None
        The population (or indicator) year the base comes from.
    """

    year: int
    level: str
    type_codes: tuple[str, ...]
    coverage: pd.DataFrame
    gaps: pd.DataFrame
    access: pd.DataFrame
    left_out: pd.DataFrame
    base_year: int | None = None

    def values(self, type_code: str, table: str = "gaps") -> pd.DataFrame:
        """Rows of one type of ``table`` (``coverage``, ``gaps``, ``access``) indexed by code."""
        df = getattr(self, table)
        part = df[df["type_code"].astype(str) == str(type_code)].copy()
        part.index = pd.Index(part["code"].astype(str).to_numpy(), name="code")
        return part

    def left_out_lines(self) -> list[str]:
        """What was left out, one line per reason (English, for logs and the CLI)."""
        return left_out_lines(self.left_out, self.year)


def left_out_lines(left_out: pd.DataFrame, year: int) -> list[str]:
    """A left-out frame as text, one line per reason and part (at most 5 ids named each)."""
    lines = []
    for (reason, part), rows in left_out.groupby(["reason", "part"], sort=False):
        ids = ", ".join(rows["service_id"].astype(str).head(5))
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        where = "the accessibility" if part == "access" else "the tables"
        lines.append(f"{len(rows)} service(s) of {year} left out of {where}: "
                     f"{LEFT_OUT_REASONS.get(str(reason), reason)}: {ids}{more}")
    return lines


def _codes(inputs: AnalysisInputs, params: TerritoryParams) -> list[str]:
    if params.type_codes is not None:
        return list(params.type_codes)
    return list(SERVICE_TYPE_BY_CODE) if params.all_types else inputs.type_codes()


def _base(inputs: AnalysisInputs, params: TerritoryParams, codes: list[str]) -> pd.DataFrame:
    if params.indicator is None:
        return base_population(inputs, codes)
    known = sorted(set(inputs.indicators["code"].astype(str))) if len(inputs.indicators) else []
    if params.indicator not in known:
        raise AnalysisError(f"no indicator '{params.indicator}' in the store; loaded: "
                            f"{', '.join(known) or 'none'}")
    return indicator_base(inputs.indicators, inputs.year, params.indicator, codes)


def _outside(units: pd.DataFrame, inputs: AnalysisInputs) -> pd.DataFrame:
    """Services whose attributed units lie (partly) outside the territory."""
    inside = set(inputs.municipalities["municipality_code"].astype(str))
    out = units[~units["municipality_code"].astype(str).isin(inside)]
    ids = out.drop_duplicates("service_id")
    names = inputs.services.set_index("service_id")["name"] if "name" in inputs.services else {}
    return left_out_frame((str(s), str(t), str(names.get(s, "")), "outside", "all")
                          for s, t in zip(ids["service_id"], ids["type_code"], strict=True))


def _access(inputs: AnalysisInputs, params: TerritoryParams, codes: list[str],
            base: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accessibility per territory × type, and the services without a located site."""
    assert params.access is not None
    key = LEVELS[params.level]
    frames, skipped = [], []
    for code in codes:
        sup = supply_sites(inputs, code)
        svc = inputs.services[inputs.services["type_code"].astype(str) == code]
        skipped.append(svc[~svc["service_id"].isin(sup["service_id"])])
        if sup.empty:
            continue
        dem = (demand_points(inputs, code, base) if params.raster is None
               else raster_demand(inputs, params.raster, code, base))
        res = floating_catchment(dem, sup, method=params.access.method,
                                 max_cost=params.access.max_cost, decay=params.access.decay,
                                 supply_col="supply")
        if key in dem.columns:  # raster cells carry their municipality, points are indexed by it
            groups = dem[key].astype(str)
        else:
            groups = pd.Series(dem.index.astype(str), index=dem.index)
        s = summarise_access(res, groups)
        s.insert(0, "level", params.level)
        s.insert(2, "type_code", code)
        frames.append(s)
    miss = pd.concat(skipped) if skipped else inputs.services.iloc[:0]
    left = left_out_frame((str(i), str(t), str(n) if pd.notna(n) else "", "no_located_site", "access")
                          for i, t, n in zip(miss["service_id"], miss["type_code"],
                                             miss.get("name", pd.Series("", index=miss.index)),
                                             strict=True))
    if not frames:
        return pd.DataFrame(columns=list(ACCESS_COLUMNS)), left
    return pd.concat(frames, ignore_index=True)[list(ACCESS_COLUMNS)], left


def territory_tables(inputs: AnalysisInputs, params: TerritoryParams | None = None
                     ) -> TerritoryResult:
    """Coverage, gaps and accessibility of ``inputs`` at one level (see the module rules).

    Parameters
    ----------
    inputs : AnalysisInputs
        From :func:`~geo_kissos.analysis.inputs.load_inputs` (or built by hand).
    params : TerritoryParams, optional
        Level, types, norms, base and access (default: ORP, the types present, regional
        averages, no accessibility).

    Returns
    -------
    TerritoryResult

    Raises
    ------
    AnalysisError
        When no type is left to analyse, or for an unknown indicator.
    """
    params = params or TerritoryParams()
    codes = _codes(inputs, params)
    if not codes:
        raise AnalysisError(f"no services with units in {inputs.year}: nothing to analyse")
    base = _base(inputs, params, codes)
    units = attribute_units(inputs, base)
    units = units[units["type_code"].isin(codes)]
    cov = coverage_ratios(units, base, inputs.municipalities, level=params.level,
                          norms=params.norms)
    in_types = inputs.left_out["type_code"].astype(str).isin(codes)
    unplaced = unplaced_services(inputs)
    parts = [inputs.left_out[in_types], unplaced[unplaced["type_code"].isin(codes)],
             _outside(units, inputs)]
    access = pd.DataFrame(columns=list(ACCESS_COLUMNS))
    if params.access is not None:
        access, no_site = _access(inputs, params, codes, base)
        parts.append(no_site[~no_site["service_id"].isin(unplaced["service_id"])])  # once each
    left = pd.concat([p for p in parts if len(p)] or [left_out_frame()], ignore_index=True)
    result = TerritoryResult(
        year=int(inputs.year), level=params.level, type_codes=tuple(codes), coverage=cov,
        gaps=gaps_from_coverage(cov), access=access, left_out=left,
        base_year=int(base["population_year"].iloc[0]) if len(base) else None,
    )
    for line in result.left_out_lines():
        logger.info(line)
    return result


def territory_from_store(store: StoreLike, year: int, params: TerritoryParams | None = None
                         ) -> TerritoryResult:
    """:func:`territory_tables` of the year's inputs read once from ``store``.

    Raises
    ------
    NetworkYearError
        For a year the network has no rows for (while it has rows for others).
    """
    return territory_tables(load_inputs(store, int(year)), params)


__all__ = [
    "ACCESS_COLUMNS",
    "TerritoryParams",
    "TerritoryResult",
    "left_out_lines",
    "territory_from_store",
    "territory_tables",
]
