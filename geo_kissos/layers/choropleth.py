"""Choropleth frames: values per municipality or ORP, classified over the whole region.

The values come from the layer's source kind (:mod:`geo_kissos.layers.sources`); this module
merges them with the territories, classifies them over the whole region (never per ORP, so maps
of two ORPs are comparable) and labels and colours each feature. What the source left out
travels with the frame (``frame.attrs["left_out"]``).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import STORE_EPSG
from .definitions import Layer, pick_colours, ramp_colours
from .formatting import format_number, with_unit
from .sources import available_years, source_for
from .sources._common import municipality_orp, resolve_year, territory_frame, years_of

__all__ = [
    "JENKS_EXACT_MAX",
    "available_years",
    "choropleth_frame",
    "distinct_bounds",
    "natural_breaks",
    "years_of",
]

log = logging.getLogger(__name__)

# mapclassify's Quantiles says so when quantiles coincide (many equal values); the repeated bounds
# are merged here (distinct_bounds), which is expected, not a fault. The filter is set once, at
# import, never toggled per call (warnings.catch_warnings is not thread-safe: maps are made in
# request threads).
warnings.filterwarnings("ignore", message="Not enough unique values in array", category=UserWarning,
                        module="mapclassify")


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

        cls = getattr(mapclassify, scheme)(y, k=k)
        bins = [float(b) for b in cls.bins]
        yb = np.asarray(cls.yb, dtype=int)
    # Quantiles may give repeated bounds, equal or only near-equal in floating point (1.0 and
    # 1.0000000000000009, an empty class between them): one bound per run, re-index classes
    distinct = distinct_bounds(bins)
    if len(distinct) != len(bins):
        log.debug("%s: %d class bounds merged into %d", layer.id, len(bins), len(distinct))
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
        iy = resolve_year(years_of(rows), year)
        if iy is None:
            frame[p.field] = np.nan
            continue
        vals = rows[rows["year"] == iy].groupby(rows["municipality_code"].astype(str))["value"].sum(min_count=1)
        if (layer.level or "municipality") == "orp":
            vals = vals.groupby(vals.index.map(municipality_orp(store))).sum(min_count=1)
        frame[p.field] = frame["code"].map(vals).astype(float)


def choropleth_frame(store: Any, layer: Layer, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
    """The classified frame of a choropleth layer (see :func:`geo_kissos.layers.layer_frame`).

    Attributes of the frame: ``layer, year, bins, colours, min, notice, notice_label, period``
    and ``left_out`` (what the values leave out, dicts of
    :meth:`geo_kissos.layers.sources.LeftOut.as_dict`).
    """
    src = source_for(layer)
    level = layer.level or "municipality"
    terr = territory_frame(store, level)
    years = src.years(store)
    missing = src.missing(store, years)  # e.g. no register: no year is shown, never zeros
    if missing is not None:
        years = []
    notice, notice_label = (missing.text, missing.label) if missing is not None else ("", "")
    used = resolve_year(years, year if year is not None else layer.year)
    result = src.values(store, used) if used is not None else None
    vals = result.values.copy() if result is not None else pd.DataFrame(columns=["value"])
    period = result.period if result is not None else None
    left_out = [lo.as_dict() for lo in result.left_out] if result is not None else []
    vals.index = vals.index.astype(str)
    frame = terr.merge(vals, left_on="code", right_index=True, how="left")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame.loc[~np.isfinite(frame["value"].to_numpy(float)), "value"] = np.nan
    hidden = None
    if used is not None:  # disclosure control (counts of persons, issue 13)
        frame, hidden = src.protect(frame, store, used)
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
        "notice": notice, "notice_label": notice_label, "period": period, "left_out": left_out,
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
