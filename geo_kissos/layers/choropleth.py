"""Choropleth frames: values per municipality or ORP, classified over the whole region."""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..catalogue import INDICATOR_BY_CODE
from ..crs import STORE_EPSG
from .definitions import Layer, pick_colours, ramp_colours
from .formatting import format_number, with_unit
from .provenance import (
    NO_INDICATOR_LABEL,
    NO_REGISTER_LABEL,
    has_register,
    needs_register,
    no_indicator_text,
    no_register_text,
)

#: Indicators counting persons: their map cells pass disclosure control (counts below 5 hidden).
PERSON_COUNTS: frozenset[str] = frozenset({"WAITING_RESIDENTIAL"})


# --------------------------------------------------------------------------- years
def years_of(frame: pd.DataFrame) -> list[int]:
    """Distinct years of a table's ``year`` column, ascending."""
    if frame.empty or "year" not in frame.columns:
        return []
    return sorted({int(y) for y in frame["year"].dropna().unique()})


def available_years(store: Any, layer: Layer) -> list[int]:
    """Years for which ``layer`` has data in ``store`` (ascending; may be empty)."""
    skind = layer.source_kind
    if skind == "population":
        return years_of(store.read("population", {"age_band": layer.source_arg}))
    if skind == "indicator":
        return years_of(store.read("indicator_value", {"code": layer.source_arg}))
    if skind in ("coverage", "gap", "access"):
        if store.read("service", {"type_code": layer.source_arg}).empty:
            return []
        return years_of(store.read("population", {"age_band": "total"}))
    if skind in ("need", "agreement"):
        return _need_years(store)
    net = years_of(store.read("network"))
    return net


def _resolve_year(years: list[int], year: int | None) -> int | None:
    """``year`` itself or the latest earlier year with data (None: the latest)."""
    if not years:
        return None
    if year is None:
        return years[-1]
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else None


# --------------------------------------------------------------------------- territories
def _territory(store: Any, level: str) -> gpd.GeoDataFrame:
    if level == "orp":
        orp = store.read("orp")
        out = gpd.GeoDataFrame(
            {"code": orp["orp_code"].astype(str).to_numpy(), "name": orp["name"].astype(str).to_numpy(),
             "orp_code": orp["orp_code"].astype(str).to_numpy(), "orp_name": orp["name"].astype(str).to_numpy()},
            geometry=gpd.GeoSeries(orp.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    else:
        mun = store.read("municipality")
        out = gpd.GeoDataFrame(
            {"code": mun["municipality_code"].astype(str).to_numpy(), "name": mun["name"].astype(str).to_numpy(),
             "orp_code": mun["orp_code"].astype(str).to_numpy(),
             "orp_name": mun["orp_name"].astype("string").fillna("").astype(str).to_numpy()},
            geometry=gpd.GeoSeries(mun.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    out = out.rename_geometry("geom")
    return out.sort_values("code").reset_index(drop=True)


def _municipality_orp(store: Any) -> pd.Series:
    mun = store.read("municipality")
    return pd.Series(mun["orp_code"].astype(str).to_numpy(), index=mun["municipality_code"].astype(str).to_numpy())


def _per_level(values: pd.DataFrame, store: Any, level: str) -> pd.DataFrame:
    """Sum municipal columns per ORP (index: municipality code -> ORP code)."""
    if level == "municipality" or values.empty:
        return values
    orp = _municipality_orp(store)
    return values.groupby(values.index.map(orp)).sum(min_count=1)


# --------------------------------------------------------------------------- values
def _population_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    band = layer.source_arg
    pop = store.read("population", {"year": year})
    wide = pop.pivot_table(index="municipality_code", columns="age_band", values="persons", aggfunc="sum")
    wide.index = wide.index.astype(str)
    cols = pd.DataFrame(index=wide.index)
    cols["persons"] = wide[band].astype(float) if band in wide.columns else np.nan
    cols["population"] = wide["total"].astype(float) if "total" in wide.columns else np.nan
    cols = _per_level(cols, store, layer.level or "municipality")
    if layer.measure == "share":
        tot = cols["population"].to_numpy(float)
        cols["value"] = np.divide(100 * cols["persons"].to_numpy(float), tot,
                                  out=np.full(len(cols), np.nan), where=tot > 0)
    else:
        cols["value"] = cols["persons"]
    return cols


def _indicator_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    code = layer.source_arg
    rows = store.read("indicator_value", {"code": code, "year": year})
    vals = rows.groupby(rows["municipality_code"].astype(str))["value"].sum().astype(float)
    pop = store.read("population", {"age_band": "total"})
    pop_years = years_of(pop)
    py = _resolve_year(pop_years, year)
    if py is not None:
        p = pop[pop["year"] == py].groupby(pop["municipality_code"].astype(str))["persons"].sum().astype(float)
    else:
        p = pd.Series(dtype=float)
    cols = pd.DataFrame({"indicator": vals}).join(pd.DataFrame({"population": p}), how="left")
    percent = INDICATOR_BY_CODE[code].unit == "percent"
    level = layer.level or "municipality"
    if level != "municipality" and not cols.empty:
        orp = _municipality_orp(store)
        key = cols.index.map(orp)
        if percent:
            w = cols["population"].fillna(0.0)
            weighted = (cols["indicator"] * w).groupby(key).sum(min_count=1)
            wsum = w.groupby(key).sum()
            plain = cols["indicator"].groupby(key).mean()
            ind = (weighted / wsum.where(wsum > 0)).fillna(plain)
            cols = pd.DataFrame({"indicator": ind, "population": cols["population"].groupby(key).sum(min_count=1)})
        else:
            cols = cols.groupby(key).sum(min_count=1)
    if layer.measure == "per_1000":
        p_ = cols["population"].to_numpy(float)
        cols["value"] = np.divide(1000 * cols["indicator"].to_numpy(float), p_,
                                  out=np.full(len(cols), np.nan), where=p_ > 0)
    else:
        cols["value"] = cols["indicator"]
    return cols


def _analysis_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    from .. import analysis as ga

    type_code = layer.source_arg
    level = layer.level or "municipality"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inputs = ga.load_inputs(store, year)
            inputs.services = inputs.services[inputs.services["type_code"].astype(str) == type_code]
            base = ga.base_population(inputs, [type_code])
            if layer.source_kind == "access":
                return _access_values(ga, inputs, base, layer, type_code, level)
            units = ga.attribute_units(inputs, base)
            if layer.source_kind == "coverage":
                table = ga.coverage_ratios(units, base, inputs.municipalities, level=level)
            else:
                table = ga.availability_gaps(units, base, inputs.municipalities, level=level)
    except ga.AnalysisError:
        return pd.DataFrame(columns=["value"])
    table = table[table["type_code"].astype(str) == type_code].copy()
    table.index = table["code"].astype(str)
    keep = [c for c in ("units", "target_population", "units_per_1000", "reference_per_1000", "index",
                        "need_units", "gap_units", "deficit_units", "surplus_units", "coverage_pct", "rank")
            if c in table.columns]
    out = pd.DataFrame(table[keep]).astype({c: float for c in keep if c != "rank"})
    if "rank" in out.columns:
        out["rank"] = pd.to_numeric(out["rank"], errors="coerce")
    measure_col = {"per_1000": "units_per_1000", "deficit": "deficit_units", "gap": "gap_units",
                   "coverage_pct": "coverage_pct"}[layer.measure]
    out["value"] = out[measure_col].astype(float)
    return out


def _access_values(ga: Any, inputs: Any, base: pd.DataFrame, layer: Layer, type_code: str,
                   level: str) -> pd.DataFrame:
    """Floating-catchment accessibility of one § type, per municipality or ORP.

    Demand: the type's target population at each municipality's representative point; supply:
    the units of its located sites; access per 1,000 is the demand-weighted mean over the
    territory's points, unreachable points counting 0 (:func:`geo_kissos.analysis.summarise_access`).
    """
    sup = ga.supply_sites(inputs, type_code)
    if sup.empty:
        return pd.DataFrame(columns=["value"])
    dem = ga.demand_points(inputs, type_code, base)
    res = ga.floating_catchment(dem, sup, method=layer.access_method,
                                max_cost=layer.access_max_distance, supply_col="supply")
    groups = dem["orp_code"] if level == "orp" else pd.Series(dem.index.astype(str), index=dem.index)
    out = ga.summarise_access(res, groups).set_index("code")
    out.index = out.index.astype(str)
    out = out.rename(columns={"demand": "target_population"})
    out["value"] = out["access_per_1000" if layer.measure == "per_1000" else "unreached_share"].astype(float)
    out["unreached_pct"] = 100.0 * out["unreached_share"].astype(float)
    if layer.measure == "unreached_share":
        out["value"] = out["unreached_pct"]
    return out


# --------------------------------------------------------------------------- reported needs
def _need_years(store: Any) -> list[int]:
    """First years of the planning periods with reported needs (2027 for 2027-2029)."""
    from ..collect.needs import needs_frame

    periods = needs_frame(store)["period"].dropna().unique()
    return sorted({int(str(p)[:4]) for p in periods})


def _need_period(store: Any, year: int) -> str | None:
    from ..collect.needs import needs_frame

    periods = sorted(p for p in needs_frame(store)["period"].dropna().unique() if int(str(p)[:4]) == year)
    return periods[-1] if periods else None


#: Agreement class -> value of an ``agreement:<§>`` layer (the order of its categories).
AGREEMENT_VALUES = {"both": 0, "reported_only": 1, "computed_only": 2, "neither": 3}


def _need_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    """``need:<§>``: the strongest need each municipality reported for the period starting in
    ``year`` (0 none ... 3 high; a municipality that did not report has no value: "nenahlásila",
    never "none"). ``agreement:<§>``: the ORP's class of reported × computed need."""
    from ..analysis.needs import need_by_municipality, needs_comparison
    from ..collect.needs import needs_frame

    period = _need_period(store, year)
    if period is None:
        return pd.DataFrame(columns=["value"])
    if layer.source_kind == "need":
        d = need_by_municipality(needs_frame(store, period), layer.source_arg)
        out = pd.DataFrame({"value": d["level_rank"].astype(float).to_numpy(),
                            "units_requested": d["units_requested"].astype(float).to_numpy()},
                           index=d["municipality_code"].astype(str).to_numpy())
    else:
        cmp = needs_comparison(store, period, type_codes=[layer.source_arg])
        cmp = cmp[cmp["type_code"] == layer.source_arg]
        share = pd.to_numeric(cmp["deficit_share"], errors="coerce").to_numpy(float)
        out = pd.DataFrame({"value": cmp["agreement"].map(AGREEMENT_VALUES).astype(float).to_numpy(),
                            "reported_rank": pd.to_numeric(cmp["reported_rank"], errors="coerce").to_numpy(float),
                            "deficit_share_pct": 100 * share,
                            "completeness_pct": 100 * cmp["completeness"].to_numpy(float)},
                           index=cmp["orp_code"].astype(str).to_numpy())
    out.attrs["period"] = period
    return out


# --------------------------------------------------------------------------- classification
#: Up to this many values, natural breaks are exact (Fisher-Jenks on all of them; 6,258
#: municipalities of Czechia take ~0.25 s). Above it they are computed on this many order
#: statistics, evenly spaced in rank, so the time stays bounded as the areas grow.
JENKS_EXACT_MAX = 8_000


def natural_breaks(values: np.ndarray, k: int, exact_max: int = JENKS_EXACT_MAX) -> list[float]:
    """Upper bounds of ``k`` Fisher-Jenks natural-break classes (the last one is the maximum).

    Parameters
    ----------
    values : numpy.ndarray
        Finite values, at least ``k`` distinct ones.
    k : int
        Number of classes (>= 2).
    exact_max : int
        Largest number of values classified exactly; above it, the breaks are those of a
        deterministic sample (see Notes).

    Returns
    -------
    list of float
        Strictly increasing upper bounds; a value ``v`` is in the first class whose bound is
        ``>= v`` (as in mapclassify).

    Notes
    -----
    The breaks minimise the within-class sum of squared deviations (Fisher 1958), computed by
    :func:`jenkspy.jenks_breaks` (C; equal to ``mapclassify.FisherJenks``, whose pure-Python
    path, without numba, took 45-57 s for 6,258 values). ``mapclassify.FisherJenksSampled``
    bounds the time too but draws its sample from NumPy's global random state, so the classes
    of a map would change from one build (or worker) to the next; here the sample is the
    ``exact_max`` values at evenly spaced ranks of the sorted data (minimum and maximum
    included), which keeps the distribution's shape and gives the same breaks every time.
    """
    import jenkspy

    y = np.sort(np.asarray(values, dtype=float))
    if y.size > exact_max:
        y = y[np.linspace(0, y.size - 1, exact_max).round().astype(int)]
    uniq = np.unique(y)
    if uniq.size <= k:
        return [float(v) for v in uniq]
    breaks = jenkspy.jenks_breaks(y, n_classes=k)
    return sorted({float(b) for b in breaks[1:]} | {float(y[-1])})


def _classify(values: np.ndarray, layer: Layer) -> tuple[np.ndarray, list[float]]:
    """Class index per value (-1 for NaN) and upper bounds, computed on all values given."""
    klass = np.full(len(values), -1, dtype=int)
    ok = ~np.isnan(values)
    y = values[ok]
    if layer.scheme == "Categories":  # fixed categories 0..k-1: one class and colour each
        n = len(layer.categories)
        klass[ok] = np.clip(np.rint(y).astype(int), 0, n - 1)
        return klass, [float(i) for i in range(n)]
    if y.size == 0:
        return klass, []
    uniq = np.unique(y)
    k = min(layer.k, uniq.size)
    if k <= 1:
        klass[ok] = 0
        return klass, [float(uniq.max())]
    if layer.k >= 3 and uniq[0] == 0 and uniq.size >= 3:
        # zero (no beds, no one reached, no deficit) is a class of its own: lumped with the
        # lowest values ("0,0 – 55,1") it would colour "none" like "some"
        pos = y > 0
        sub_klass, sub_bins = _classify(y[pos], _with_k(layer, layer.k - 1))
        yb = np.zeros(y.size, dtype=int)
        yb[pos] = sub_klass + 1
        klass[ok] = yb
        return klass, [0.0, *sub_bins]
    scheme = "FisherJenks" if layer.scheme == "NaturalBreaks" else layer.scheme
    if scheme == "FisherJenks":
        bins = natural_breaks(y, k)
        yb = np.searchsorted(np.asarray(bins), y, side="left")
    else:
        import mapclassify  # imports scipy.stats and matplotlib: only for the schemes that need it

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = getattr(mapclassify, scheme)(y, k=k)
        bins = [float(b) for b in cls.bins]
        yb = np.asarray(cls.yb, dtype=int)
    # Quantiles may give repeated bounds, equal or only near-equal in floating point (1.0 and
    # 1.0000000000000009, an empty class between them): one bound per run, re-index classes
    distinct = distinct_bounds(bins)
    if len(distinct) != len(bins):
        yb, bins = _reindex(y, distinct)
    klass[ok] = yb
    return klass, bins


def distinct_bounds(bins: list[float], rtol: float = 1e-9, atol: float = 1e-12) -> list[float]:
    """Sorted class upper bounds with near-equal ones merged (the largest of a run is kept).

    Two bounds are one when ``numpy.isclose(a, b, rtol, atol)``: 1.0 and 1.0000000000000009
    (a rounding difference of a quantile) are one bound, 1.0 and 1.001 are two.
    """
    out: list[float] = []
    for b in sorted(bins):
        if out and np.isclose(b, out[-1], rtol=rtol, atol=atol):
            out[-1] = float(b)
        else:
            out.append(float(b))
    return out


def _reindex(y: np.ndarray, bounds: list[float], rtol: float = 1e-9,
             atol: float = 1e-12) -> tuple[np.ndarray, list[float]]:
    """Class of each value against merged ``bounds``; a value near-equal to a bound (within the
    tolerance of :func:`distinct_bounds`) is in that bound's class, which is raised to hold it."""
    b = np.asarray(bounds, dtype=float)
    yb = np.searchsorted(b, y, side="left")
    below = np.clip(yb - 1, 0, None)
    near = (yb > 0) & np.isclose(y, b[below], rtol=rtol, atol=atol)
    yb = np.minimum(np.where(near, below, yb), len(b) - 1)
    top = b.copy()
    np.maximum.at(top, yb, y)
    return yb, [float(v) for v in top]


def _with_k(layer: Layer, k: int) -> Layer:
    from dataclasses import replace

    return replace(layer, k=k)


def _class_colours(layer: Layer, n: int) -> list[str]:
    if layer.ramp:
        return ramp_colours(layer.ramp, n) if n >= 1 else []
    return pick_colours(layer.colours, n)


def _companion_indicators(store: Any, layer: Layer, frame: pd.DataFrame, year: int | None) -> None:
    """Fill popup fields named ``indicator:CODE`` with that indicator's value (same year or the
    latest earlier one; municipality level only, sums per ORP for counts)."""
    for p in layer.popup:
        if not p.field.startswith("indicator:"):
            continue
        code = p.field.split(":", 1)[1]
        rows = store.read("indicator_value", {"code": code})
        iy = _resolve_year(years_of(rows), year)
        if iy is None:
            frame[p.field] = np.nan
            continue
        vals = rows[rows["year"] == iy].groupby(rows["municipality_code"].astype(str))["value"].sum(min_count=1)
        if (layer.level or "municipality") == "orp":
            vals = vals.groupby(vals.index.map(_municipality_orp(store))).sum(min_count=1)
        frame[p.field] = frame["code"].map(vals).astype(float)


def choropleth_frame(store: Any, layer: Layer, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
    level = layer.level or "municipality"
    terr = _territory(store, level)
    missing_register = needs_register(layer) and not has_register(store)
    years = [] if missing_register else available_years(store, layer)
    notice, notice_label = (no_register_text(), NO_REGISTER_LABEL) if missing_register else ("", "")
    if layer.source_kind == "indicator" and not years:  # the indicator was never imported
        notice, notice_label = no_indicator_text(layer.source_arg), NO_INDICATOR_LABEL
    used = _resolve_year(years, year if year is not None else layer.year)
    skind = layer.source_kind
    if used is None:
        vals = pd.DataFrame(columns=["value"])
    elif skind == "population":
        vals = _population_values(store, layer, used)
    elif skind == "indicator":
        vals = _indicator_values(store, layer, used)
    elif skind in ("need", "agreement"):
        vals = _need_values(store, layer, used)
    else:
        vals = _analysis_values(store, layer, used)
    period = vals.attrs.get("period")
    vals = vals.copy()
    vals.index = vals.index.astype(str)
    frame = terr.merge(vals, left_on="code", right_index=True, how="left")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame.loc[~np.isfinite(frame["value"].to_numpy(float)), "value"] = np.nan
    hidden = None
    if skind == "indicator" and layer.source_arg in PERSON_COUNTS and used is not None:
        from ..analysis.applicants import protect_layer_frame  # disclosure control (issue 13)

        frame = protect_layer_frame(frame, store, used, level)
        hidden = frame.pop("label") if "label" in frame.columns else None
    klass, bins = _classify(frame["value"].to_numpy(float), layer)
    colours = _class_colours(layer, len(bins))
    frame["klass"] = klass
    frame["colour"] = [colours[c] if c >= 0 else layer.no_data_colour for c in klass]
    if layer.categories:
        frame["label"] = [layer.categories[c] if c >= 0 else (notice_label or layer.no_data_label or "bez dat")
                          for c in klass]
    else:
        frame["label"] = [
            with_unit(format_number(v, layer.decimals), layer.unit) if c >= 0
            else (notice_label or layer.no_data_label or "bez dat")
            for v, c in zip(frame["value"], klass, strict=True)
        ]
    if hidden is not None:
        frame["label"] = hidden.where(hidden.notna(), frame["label"])
    frame["year"] = pd.array([used] * len(frame), dtype="Int64")
    _companion_indicators(store, layer, frame, used)
    values = frame["value"].dropna()
    frame.attrs.update({
        "layer": layer.id, "year": used, "bins": bins, "colours": colours,
        "min": float(values.min()) if len(values) else None,
        "notice": notice, "notice_label": notice_label, "period": period,
    })
    if orp is not None:
        frame = frame[frame["orp_code"] == str(orp)].reset_index(drop=True)
    for p in layer.popup:
        if p.field not in frame.columns:
            frame[p.field] = np.nan
    lead = ["code", "name", "orp_code", "orp_name", "value", "klass", "colour", "label", "year"]
    rest = [c for c in frame.columns if c not in lead and c != "geom"]
    out = gpd.GeoDataFrame(frame[lead + rest + ["geom"]], geometry="geom", crs=STORE_EPSG)
    out.attrs.update(frame.attrs)
    return out
