"""Analysis: coverage ratios, floating-catchment accessibility, field-service reach, gaps,
sensitivity, scenarios and zonal statistics.

Pure functions take (Geo)DataFrames and return DataFrames; :func:`load_inputs` builds the
in-memory :class:`AnalysisInputs` of a year from a store. Distances are EPSG:5514 metres.

Typical use in a notebook::

    from geo_kissos.store import open_store
    from geo_kissos import analysis as ga

    inputs = ga.load_inputs(open_store(), 2025)
    res = ga.territory_tables(inputs, ga.TerritoryParams(level="orp", norms=norms))
    res.gaps, res.coverage, res.left_out                     # one result per territorial table
    metrics = ga.compute_metrics(inputs, norms=norms)       # gaps, field, access
    metrics["gaps"].query("type_code == '49'")
    ga.compare_scenario(inputs, changes)                     # before / after / delta
"""

from .coverage import (
    coverage_ratios,
    indicator_base,
    municipal_table,
    read_norms,
    target_population,
)
from .errors import AnalysisError, NetworkYearError
from .fca import (
    CostPairs,
    GaussianDecay,
    NoDecay,
    StepDecay,
    balanced_fca,
    default_steps,
    enhanced_two_step_fca,
    euclidean_costs,
    euclidean_pairs,
    floating_catchment,
    gaussian_decay,
    pairs_from_costs,
    step_decay,
    three_step_fca,
    two_step_fca,
)
from .gaps import availability_gaps, gaps_from_coverage
from .inputs import (
    LEFT_OUT_REASONS,
    AnalysisInputs,
    active_in_year,
    analysis_years,
    attribute_units,
    base_population,
    check_network_year,
    demand_points,
    load_inputs,
    network_of_year,
    network_years,
    raster_demand,
    service_units,
    supply_sites,
    unplaced_services,
)
from .metrics import (
    AccessParams,
    access_by_orp,
    compute_metrics,
    coverage_over_years,
    summarise_access,
)
from .reach import allocate_by_reach, field_coverage, unreached_municipalities
from .scenarios import apply_scenario, compare_metrics, compare_scenario
from .sensitivity import access_sensitivity, sensitivity_grid
from .territory import TerritoryParams, TerritoryResult, territory_from_store, territory_tables
from .zonal import catchment_population, raster_demand_points, zonal_population

__all__ = [
    "LEFT_OUT_REASONS",
    "AccessParams",
    "AnalysisError",
    "AnalysisInputs",
    "NetworkYearError",
    "TerritoryParams",
    "TerritoryResult",
    "CostPairs",
    "GaussianDecay",
    "NoDecay",
    "StepDecay",
    "access_by_orp",
    "access_sensitivity",
    "active_in_year",
    "analysis_years",
    "allocate_by_reach",
    "apply_scenario",
    "attribute_units",
    "availability_gaps",
    "balanced_fca",
    "base_population",
    "catchment_population",
    "check_network_year",
    "compare_metrics",
    "compare_scenario",
    "compute_metrics",
    "coverage_over_years",
    "coverage_ratios",
    "default_steps",
    "demand_points",
    "enhanced_two_step_fca",
    "euclidean_costs",
    "euclidean_pairs",
    "field_coverage",
    "floating_catchment",
    "gaps_from_coverage",
    "gaussian_decay",
    "indicator_base",
    "load_inputs",
    "municipal_table",
    "network_of_year",
    "network_years",
    "pairs_from_costs",
    "raster_demand",
    "raster_demand_points",
    "read_norms",
    "sensitivity_grid",
    "service_units",
    "step_decay",
    "summarise_access",
    "supply_sites",
    "target_population",
    "territory_from_store",
    "territory_tables",
    "three_step_fca",
    "two_step_fca",
    "unplaced_services",
    "unreached_municipalities",
    "zonal_population",
]
