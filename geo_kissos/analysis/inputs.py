"""Analysis inputs for one year, read from a store or built by hand in a notebook.

:func:`load_inputs` reads the store once; everything else in the package works on the
in-memory :class:`AnalysisInputs` (so scenarios never touch stored data).

Rules
-----
Units of a service in year *Y*
    The network row of the latest ``update_date`` in *Y*, if its unit is the type's planning
    unit (beds for residential types, FTE otherwise; :data:`geo_kissos.catalogue.SERVICE_TYPES`);
    a latest row with status ``removed`` (the service left the network) counts as 0 units;
    otherwise the registered capacity in that unit, summed over forms; otherwise the service
    has no units (listed in ``AnalysisInputs.without_units``).
A year without network rows
    When the network table holds some years but not *Y*, the year is refused
    (:class:`~geo_kissos.analysis.errors.NetworkYearError`): its units would all fall back to
    capacities and read as a network that does not exist. A store without any network row
    (register only) is analysed on capacities.
Services of year *Y*
    ``valid_from`` on or before 31 December *Y* (or unknown) and ``valid_to`` on or after
    1 January *Y* (or open).
Where units are counted (:func:`attribute_units`)
    A service with only the *field* form and a territorial reach: over its reach, in
    proportion to target population (:mod:`geo_kissos.analysis.reach`). Any other service:
    equally over its sites' municipalities (a site without a point still has its
    municipality); failing that, over its reach.
Demand points
    A municipality's point is its representative point (always inside the polygon, unlike a
    centroid of a crescent-shaped municipality).
Supply sites
    A service's units are split equally over its *located* sites (``unlocated`` sites have no
    point and take no share).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from ..catalogue import SERVICE_TYPE_BY_CODE
from ..crs import STORE_EPSG
from ._validate import require_columns, require_store_crs
from .coverage import target_population
from .errors import AnalysisError, NetworkYearError
from .reach import allocate_by_reach

logger = logging.getLogger(__name__)

RasterPath = str | os.PathLike

#: Columns of a left-out frame (:attr:`AnalysisInputs.left_out`,
#: :attr:`geo_kissos.analysis.territory.TerritoryResult.left_out`).
LEFT_OUT_COLUMNS: tuple[str, ...] = ("service_id", "type_code", "name", "reason", "part")

#: Why a service is left out of a table, by reason code (English; Czech in the exports).
LEFT_OUT_REASONS: dict[str, str] = {
    "no_units": "no units in the year (no network row in the type's unit, no capacity in it)",
    "no_place": "neither a site with a municipality nor a territorial reach",
    "outside": "its units lie in municipalities outside the territory",
    "no_located_site": "no located site (no point): not in the accessibility",
}


def left_out_frame(rows: Iterable[tuple[str, str, str, str, str]] = ()) -> pd.DataFrame:
    """A left-out frame: ``service_id``, ``type_code``, ``name``, ``reason`` (a key of
    :data:`LEFT_OUT_REASONS`) and ``part`` (``all`` tables, or ``access`` only)."""
    return pd.DataFrame(list(rows), columns=list(LEFT_OUT_COLUMNS), dtype=object)


class StoreLike(Protocol):
    """What :func:`load_inputs` needs of a store: ``read(table) -> DataFrame``."""

    def read(self, name: str) -> pd.DataFrame:  # pragma: no cover - protocol
        """Return a table as a DataFrame (GeoDataFrame in EPSG:5514 for geometry tables)."""
        ...


@dataclass
class AnalysisInputs:
    """Everything an analysis of one year needs, in memory.

    Attributes
    ----------
    year : int
    municipalities : geopandas.GeoDataFrame
        ``municipality_code``, ``name``, ``orp_code``, ``orp_name``, ``region_code``, polygons
        in EPSG:5514.
    population : pandas.DataFrame
        The long ``population`` table.
    services : pandas.DataFrame
        One row per service: ``service_id``, ``type_code``, ``name``, ``forms`` (tuple of
        forms), ``units``, ``unit``, ``units_source`` (``network``/``capacity``).
    sites : geopandas.GeoDataFrame
        ``site_id``, ``service_id``, ``municipality_code``, ``location_quality``, points
        (None when unlocated).
    reach : pandas.DataFrame
        ``service_id``, ``municipality_code``.
    indicators : pandas.DataFrame
        The long ``indicator_value`` table (may be empty).
    without_units : list of str
        Services of the year for which no units could be found.
    left_out : pandas.DataFrame
        Services of the year left out of every table, with the reason
        (:func:`left_out_frame`; today: those without units).
    """

    year: int
    municipalities: gpd.GeoDataFrame
    population: pd.DataFrame
    services: pd.DataFrame
    sites: gpd.GeoDataFrame
    reach: pd.DataFrame
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    without_units: list[str] = field(default_factory=list)
    left_out: pd.DataFrame = field(default_factory=left_out_frame)

    def __post_init__(self) -> None:
        require_store_crs(self.municipalities, "municipalities")
        require_store_crs(self.sites, "sites")
        if self.municipalities.geometry.name != "geometry":
            self.municipalities = self.municipalities.rename_geometry("geometry")
        if self.sites.geometry.name != "geometry":
            self.sites = self.sites.rename_geometry("geometry")
        require_columns(self.municipalities, ["municipality_code", "orp_code", "region_code"],
                        "municipalities")
        require_columns(self.services, ["service_id", "type_code", "units"], "services")
        require_columns(self.sites, ["site_id", "service_id", "municipality_code"], "sites")
        require_columns(self.reach, ["service_id", "municipality_code"], "reach")
        if "forms" not in self.services.columns:
            self.services = self.services.assign(forms=[()] * len(self.services))
        if self.services["service_id"].duplicated().any():
            raise AnalysisError("services: service_id repeats")

    def copy(self) -> AnalysisInputs:
        """A deep copy (scenarios change copies only)."""
        return dataclasses.replace(
            self,
            municipalities=self.municipalities.copy(),
            population=self.population.copy(),
            services=self.services.copy(),
            sites=self.sites.copy(),
            reach=self.reach.copy(),
            indicators=self.indicators.copy(),
            without_units=list(self.without_units),
            left_out=self.left_out.copy(),
        )

    def type_codes(self) -> list[str]:
        """Service types present, in legal order."""
        present = set(self.services["type_code"].astype(str))
        return [c for c in SERVICE_TYPE_BY_CODE if c in present]


# --------------------------------------------------------------------------- from a store
def active_in_year(service: pd.DataFrame, year: int) -> np.ndarray:
    """Mask of the services of ``year`` (``valid_from``/``valid_to``; see the module rules)."""
    start, end = pd.Timestamp(dt.date(year, 1, 1)), pd.Timestamp(dt.date(year, 12, 31))
    vf = pd.to_datetime(service["valid_from"], errors="coerce")
    vt = pd.to_datetime(service["valid_to"], errors="coerce")
    ok = (vf.isna() | (vf <= end)) & (vt.isna() | (vt >= start))
    return ok.to_numpy(dtype=bool)


_active = active_in_year


def network_years(network: pd.DataFrame) -> list[int]:
    """Distinct years of the network table, ascending."""
    if network.empty or "year" not in network.columns:
        return []
    return sorted({int(y) for y in network["year"].dropna().unique()})


def analysis_years(store: StoreLike) -> list[int]:
    """The years :func:`load_inputs` accepts: the network's years, or the population's when the
    store has no network rows (the years a map layer of coverage, gaps or access should offer)."""
    years = network_years(store.read("network"))
    if years:
        return years
    pop = store.read("population")
    return sorted({int(y) for y in pop["year"].dropna().unique()}) if len(pop) else []


def check_network_year(network: pd.DataFrame, year: int) -> None:
    """Refuse ``year`` when the network holds other years but not it (see the module rules).

    Raises
    ------
    NetworkYearError
    """
    years = network_years(network)
    if years and int(year) not in years:
        raise NetworkYearError(int(year), years)


def network_of_year(network: pd.DataFrame, year: int) -> pd.DataFrame:
    """The network row counted for each service in ``year``: the latest ``update_date``.

    Returns
    -------
    pandas.DataFrame
        ``service_id`` (str), ``net_units`` (0 when ``removed``), ``net_unit``,
        ``net_removed`` (bool), one row per service with a network row in ``year``.
    """
    cols = ["service_id", "net_units", "net_unit", "net_removed"]
    net = pd.DataFrame(network)
    if net.empty:
        return pd.DataFrame(columns=cols)
    net = net[net["year"].astype("Int64") == year].copy()
    net["service_id"] = net["service_id"].astype(str)
    net = net.sort_values(["service_id", "update_date"]).groupby("service_id").tail(1)
    net = net.rename(columns={"units": "net_units", "unit": "net_unit"})
    removed = net["status"].astype(str).str.lower().eq("removed")
    net["net_units"] = net["net_units"].astype(float)
    net.loc[removed, "net_units"] = 0.0
    net["net_removed"] = removed.to_numpy(dtype=bool)
    return net[cols].reset_index(drop=True)


def service_units(
    service: pd.DataFrame, network: pd.DataFrame, capacity: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Units of each service in ``year`` (network first, then capacity; see module rules).

    Returns
    -------
    pandas.DataFrame
        ``service_id``, ``units`` (NaN when none found), ``unit``, ``units_source``.
    """
    svc = pd.DataFrame(service[["service_id", "type_code"]]).astype(str)
    svc["unit"] = svc["type_code"].map(lambda c: SERVICE_TYPE_BY_CODE[c].unit
                                       if c in SERVICE_TYPE_BY_CODE else None)
    unknown = svc["unit"].isna()
    if unknown.any():
        raise AnalysisError(f"service: unknown type_code {svc.loc[unknown, 'type_code'].iloc[0]!r}")
    net = network_of_year(network, year)
    if len(net):
        svc = svc.merge(net, on="service_id", how="left")
    else:
        svc["net_units"], svc["net_unit"], svc["net_removed"] = np.nan, None, False
    cap = pd.DataFrame(capacity)
    if len(cap):
        cap = cap.assign(service_id=cap["service_id"].astype(str), unit=cap["unit"].astype(str))
        cap = cap.groupby(["service_id", "unit"], as_index=False)["value"].sum()
        svc = svc.merge(cap.rename(columns={"value": "cap_units"}), on=["service_id", "unit"],
                        how="left")
    else:
        svc["cap_units"] = np.nan
    removed = svc["net_removed"].fillna(False).astype(bool)
    use_net = (svc["net_units"].notna() & (svc["net_unit"].astype(object) == svc["unit"])) | removed
    svc["units"] = np.where(use_net, svc["net_units"], svc["cap_units"]).astype(float)
    svc["units_source"] = np.where(removed, "network-removed", np.where(
        use_net, "network", np.where(svc["cap_units"].notna(), "capacity", None)))
    return svc[["service_id", "units", "unit", "units_source"]]


def load_inputs(store: StoreLike, year: int, *, check_year: bool = True) -> AnalysisInputs:
    """Read the analysis inputs of ``year`` from a store (each table once).

    Parameters
    ----------
    store : Store
        Anything with ``read(table_name)`` (``geo_kissos.store.open_store(...)``).
    year : int
    check_year : bool
        Refuse a year the network has no rows for when it has rows for others (default;
        see the module rules).

    Returns
    -------
    AnalysisInputs
        Services without units are left out, listed in ``without_units`` and ``left_out``.

    Raises
    ------
    NetworkYearError
        For a year without network rows (``check_year``).
    """
    network = store.read("network")
    if check_year:
        check_network_year(network, year)
    muni = store.read("municipality")
    if not isinstance(muni, gpd.GeoDataFrame):
        raise AnalysisError("store: the municipality table has no geometry")
    service = store.read("service")
    active = service[active_in_year(service, year)].copy()
    units = service_units(active, network, store.read("capacity"), year)
    forms = store.read("service_form")
    form_map = (
        forms.assign(service_id=forms["service_id"].astype(str)).groupby("service_id")["form"]
        .agg(lambda s: tuple(sorted(map(str, s))))
    )
    svc = pd.DataFrame(active[["service_id", "type_code", "name"]]).copy()
    svc["service_id"] = svc["service_id"].astype(str)
    svc["type_code"] = svc["type_code"].astype(str)
    svc = svc.merge(units, on="service_id", how="left")
    svc["forms"] = svc["service_id"].map(form_map).map(lambda f: f if isinstance(f, tuple) else ())
    no_units = svc["units"].isna()
    without = svc.loc[no_units, "service_id"].tolist()
    left_out = left_out_frame(
        (r.service_id, r.type_code, str(r.name) if pd.notna(r.name) else "", "no_units", "all")
        for r in svc.loc[no_units].itertuples())
    if without:
        logger.info("%d service(s) of %d without units are left out: %s", len(without), year,
                    ", ".join(without[:5]))
    svc = svc[svc["units"].notna()].reset_index(drop=True)
    site = store.read("site")
    if not isinstance(site, gpd.GeoDataFrame):
        site = gpd.GeoDataFrame(site, geometry=[None] * len(site), crs=STORE_EPSG)
    site = site[site["service_id"].astype(str).isin(svc["service_id"])].copy()
    site["service_id"] = site["service_id"].astype(str)
    site["municipality_code"] = site["municipality_code"].astype("string")
    reach = store.read("reach")
    reach = pd.DataFrame(reach[["service_id", "municipality_code"]]).astype(str)
    reach = reach[reach["service_id"].isin(svc["service_id"])].reset_index(drop=True)
    indicators = store.read("indicator_value")
    muni = muni.copy()
    muni["municipality_code"] = muni["municipality_code"].astype(str)
    return AnalysisInputs(
        year=year,
        municipalities=muni,
        population=store.read("population"),
        services=svc,
        sites=site.reset_index(drop=True),
        reach=reach,
        indicators=indicators,
        without_units=without,
        left_out=left_out,
    )


# --------------------------------------------------------------------------- derived tables
def base_population(
    inputs: AnalysisInputs, type_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Target population per municipality × type for the inputs' year."""
    codes = inputs.type_codes() if type_codes is None else list(type_codes)
    return target_population(inputs.population, inputs.year, codes)


def _is_field_only(forms: object) -> bool:
    return isinstance(forms, tuple) and len(forms) > 0 and set(forms) == {"field"}


def _placement(inputs: AnalysisInputs) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Masks of the services placed by reach and by sites, and the sites with a municipality."""
    svc = inputs.services
    has_reach = svc["service_id"].isin(inputs.reach["service_id"].astype(str))
    sites = pd.DataFrame(inputs.sites[["service_id", "municipality_code"]]).dropna()
    has_site = svc["service_id"].isin(sites["service_id"])
    by_reach = has_reach & (svc["forms"].map(_is_field_only) | ~has_site)
    by_sites = ~by_reach & has_site
    return by_reach, by_sites, sites


def unplaced_services(inputs: AnalysisInputs) -> pd.DataFrame:
    """Services with units but neither a site with a municipality nor a reach.

    Returns
    -------
    pandas.DataFrame
        A :func:`left_out_frame` with reason ``no_place``.
    """
    by_reach, by_sites, _ = _placement(inputs)
    svc = inputs.services[~by_reach & ~by_sites]
    names = svc["name"] if "name" in svc.columns else pd.Series("", index=svc.index)
    return left_out_frame(
        (str(i), str(t), str(n) if pd.notna(n) else "", "no_place", "all")
        for i, t, n in zip(svc["service_id"], svc["type_code"], names, strict=True))


def attribute_units(inputs: AnalysisInputs, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units of every service attributed to municipalities (see the module rules).

    Returns
    -------
    pandas.DataFrame
        ``service_id``, ``type_code``, ``municipality_code``, ``units``, ``how``
        (``reach`` or ``sites``). Services that can be placed nowhere are left out (listed
        by :func:`unplaced_services`, logged).
    """
    svc = inputs.services
    if base is None:
        base = base_population(inputs)
    by_reach, by_sites, sites = _placement(inputs)
    nowhere = ~by_reach & ~by_sites
    if nowhere.any():
        logger.info("%d service(s) have neither site nor reach and are left out: %s",
                    int(nowhere.sum()), ", ".join(svc.loc[nowhere, "service_id"].head(5)))
    r = allocate_by_reach(inputs.reach, svc.loc[by_reach], base)
    r = r.drop(columns="share").assign(how="reach")
    s = svc.loc[by_sites, ["service_id", "type_code", "units"]].merge(sites, on="service_id")
    s["units"] = s["units"] / s.groupby("service_id")["service_id"].transform("size")
    s = s.assign(how="sites")
    out = pd.concat([r, s[r.columns]], ignore_index=True)
    out["municipality_code"] = out["municipality_code"].astype(str)
    return out


def demand_points(inputs: AnalysisInputs, type_code: str,
                  base: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Municipality points (representative points) with the type's target population.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``municipality_code``: ``demand``, ``orp_code``, ``region_code``, points.
    """
    if base is None:
        base = target_population(inputs.population, inputs.year, [type_code])
    b = base[base["type_code"].astype(str) == str(type_code)]
    pop = pd.Series(b["target_population"].to_numpy(float),
                    index=b["municipality_code"].astype(str).to_numpy())
    m = inputs.municipalities
    pts = gpd.GeoDataFrame(
        {
            "demand": m["municipality_code"].astype(str).map(pop).fillna(0.0).to_numpy(),
            "orp_code": m["orp_code"].astype(str).to_numpy(),
            "region_code": m["region_code"].astype(str).to_numpy(),
        },
        geometry=m.geometry.representative_point().to_numpy(),
        crs=m.crs,
        index=pd.Index(m["municipality_code"].astype(str).to_numpy(), name="municipality_code"),
    )
    return pts


def raster_demand(inputs: AnalysisInputs, raster: RasterPath, type_code: str,
                  base: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Population-raster cell centroids carrying the type's target population (dasymetric).

    The raster only distributes people *within* a municipality; the counts stay those of the
    population table: a cell in municipality *m* gets
    ``value_cell × target_population_m / (sum of the values of m's cells)``. A municipality
    with target population but no populated cell keeps its representative point. Cells outside
    every municipality are dropped; a cell centre on a shared border goes to one of them.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by cell id (``r<row>c<col>``) or municipality code: ``demand``,
        ``municipality_code``, ``orp_code``, ``region_code``, points in EPSG:5514.
    """
    from .zonal import raster_demand_points  # rasterio only when rasters are used

    munis = demand_points(inputs, type_code, base)
    cells = raster_demand_points(raster)
    polys = inputs.municipalities[["municipality_code", "geometry"]].copy()
    polys["municipality_code"] = polys["municipality_code"].astype(str)
    hit = gpd.sjoin(cells, polys, how="inner", predicate="intersects")
    hit = hit[~hit.index.duplicated(keep="first")]
    total = hit.groupby("municipality_code")["demand"].transform("sum").to_numpy(float)
    target = hit["municipality_code"].map(munis["demand"]).fillna(0.0).to_numpy(float)
    out = gpd.GeoDataFrame(
        {
            "demand": hit["demand"].to_numpy(float) * np.divide(
                target, total, out=np.zeros_like(target), where=total > 0),
            "municipality_code": hit["municipality_code"].to_numpy(),
        },
        geometry=hit.geometry.to_numpy(), crs=STORE_EPSG, index=hit.index,
    )
    covered = set(out["municipality_code"])
    rest = munis[~munis.index.isin(covered) & (munis["demand"] > 0)]
    rest = rest.assign(municipality_code=rest.index.to_numpy())
    out = pd.concat([out, rest[["demand", "municipality_code", "geometry"]]])
    code_map = munis[["orp_code", "region_code"]]
    out["orp_code"] = out["municipality_code"].map(code_map["orp_code"])
    out["region_code"] = out["municipality_code"].map(code_map["region_code"])
    out.index.name = "demand_id"
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORE_EPSG)


def supply_sites(inputs: AnalysisInputs, type_code: str) -> gpd.GeoDataFrame:
    """Located sites of a type with their share of the service's units.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``site_id``: ``service_id``, ``supply`` (units), ``municipality_code``.
    """
    svc = inputs.services[inputs.services["type_code"].astype(str) == str(type_code)]
    sites = inputs.sites[inputs.sites["service_id"].isin(svc["service_id"])]
    sites = sites[sites.geometry.notna() & ~sites.geometry.is_empty]
    s = sites.merge(svc[["service_id", "units"]], on="service_id")
    s["supply"] = s["units"] / s.groupby("service_id")["service_id"].transform("size")
    out = gpd.GeoDataFrame(
        s[["site_id", "service_id", "municipality_code", "supply"]],
        geometry=s.geometry.to_numpy(), crs=inputs.sites.crs,
    )
    out["site_id"] = out["site_id"].astype(str)
    return out.set_index("site_id")
