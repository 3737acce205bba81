"""Map layers: one declarative TOML file per layer in ``layers/``, and their data.

A layer file says *what* to show (``source``), at which territorial ``level``, how to classify
and colour it, and how to label legend and popups. The market map, its API and the exporter all
read layers through this module, so a map on screen and an exported PDF agree.

Layer file keys
---------------
``id``, ``title_cs``, ``title_en``, ``kind`` (``choropleth`` | ``points``), ``level``
(``municipality`` | ``orp``; choropleths only), ``source``, ``measure``, ``year``
(``"latest"`` or a year), ``description_cs``; tables ``[classification]`` (``scheme``:
NaturalBreaks | FisherJenks | Quantiles | EqualInterval, ``k``), ``[style]`` (``colours``: a
ColorBrewer ramp name, e.g. ``"YlOrRd"`` or ``"YlGnBu_r"``, or a list of hex colours;
``no_data``), ``[legend]`` (``title_cs``, ``title_en``, ``unit``, ``decimals``), ``[[popup]]``
(``field``, ``label_cs``, ``label_en``, ``decimals``; a ``field`` ``indicator:CODE`` shows another
indicator of the same municipality, e.g. the persons in distraint beside their share) and, for
points, ``[[groups]]`` (``id``, ``name_cs``, ``name_en``, ``colour``, ``types``).

Provenance (:mod:`geo_kissos.layers.provenance`): the data date and source line of a layer come
from the import log, the boundary manifest and the indicator's ``zdroj``; the synthetic demo is
labelled as such; a layer that needs the register of social services when none is loaded carries
``frame.attrs["notice"]`` and a one-entry legend saying so (never "no data", never zeros).

Sources and measures
--------------------
The source kinds are a registry (:mod:`geo_kissos.layers.sources`, one module per kind; adding
a kind is one module there and a TOML here):

``population:<band>``
    ``share`` (% of all inhabitants) or ``count`` (persons).
``indicator:<code>``
    ``value`` (as reported; ORP: sum, or population-weighted mean for percentages) or
    ``per_1000`` (per 1,000 inhabitants).
``coverage:<§>``
    ``per_1000``: units (beds, FTE) per 1,000 of the type's target population, from
    :func:`geo_kissos.analysis.coverage_ratios`.
``gap:<§>``
    ``deficit`` (units missing against the regional average), ``gap`` (units minus need) or
    ``coverage_pct``, from :func:`geo_kissos.analysis.availability_gaps`.
``access:<§>``
    ``per_1000`` or ``unreached_share``: floating-catchment accessibility (table ``[access]``:
    ``method``, ``max_distance``).
``need:<§>``, ``agreement:<§>``
    ``level``: the need municipalities reported; ``class``: reported × computed need per ORP.
``sites``
    Located service sites (points), coloured by § type group.

What a layer's numbers leave out (services without units in the year, services placed nowhere,
units outside the territory) travels with its frame (``frame.attrs["left_out"]``), is logged
and is shown under the legend (:func:`layer_left_out`) and in the API's collection document.

Classification bins are computed over the whole region, never per ORP, so maps of two ORPs
are comparable. ``NaturalBreaks`` is computed with the exact Fisher-Jenks optimisation
(mapclassify's ``NaturalBreaks`` is k-means with random starts and could change between runs).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from .definitions import (
    KINDS,
    LEVELS,
    OTHER_COLOUR,
    SCHEMES,
    Layer,
    PopupField,
    TypeGroup,
    get_layer,
    load_layers,
)
from .formatting import NO_DATA_LABEL, UNIT_NAMES, format_number, with_unit
from .points import POINT_COLUMNS
from .provenance import (
    NO_REGISTER_LABEL,
    SYNTHETIC_LABEL,
    has_register,
    is_synthetic,
    needs_register,
    no_register_text,
    source_line,
)
from .sources import (
    LayerSource,
    LeftOut,
    Notice,
    SourceValues,
    available_years,
    register_source,
    source_for,
    source_kinds,
    source_measures,
)

__all__ = [
    "KINDS",
    "LEVELS",
    "MEASURES",
    "NO_DATA_LABEL",
    "NO_REGISTER_LABEL",
    "POINT_COLUMNS",
    "SCHEMES",
    "SOURCES",
    "SYNTHETIC_LABEL",
    "UNIT_NAMES",
    "Layer",
    "LayerSource",
    "LeftOut",
    "Legend",
    "Notice",
    "PopupField",
    "SourceValues",
    "TypeGroup",
    "available_years",
    "format_number",
    "get_layer",
    "has_register",
    "is_synthetic",
    "layer_frame",
    "layer_left_out",
    "layer_legend",
    "load_layers",
    "needs_register",
    "no_register_text",
    "register_source",
    "source_for",
    "source_kinds",
    "source_line",
    "source_measures",
]


def __getattr__(name: str) -> Any:
    """``SOURCES`` (the registered kinds) and ``MEASURES`` (kind -> measures), as registered now."""
    if name == "SOURCES":
        return source_kinds()
    if name == "MEASURES":
        return source_measures()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: (label, colour) pairs, first class first.
Legend = list[tuple[str, str]]


def layer_frame(store: Any, layer: Layer, year: int | None = None, orp: str | None = None) -> gpd.GeoDataFrame:
    """The data of a layer, ready to draw or export, in EPSG:5514.

    Parameters
    ----------
    store : Store
        Where to read from (any :class:`geo_kissos.store.Store`).
    layer : Layer
        The layer definition.
    year : int, optional
        Year to show; the latest year ``<=`` it with data is used (default: the layer's
        ``year``, else the latest). The year used is in column ``year`` and
        ``frame.attrs["year"]``.
    orp : str, optional
        ORP code: keep only this ORP's municipalities (or the ORP itself). Classes are still
        computed on the whole region.

    Returns
    -------
    geopandas.GeoDataFrame
        Choropleths: one row per municipality (or ORP) with ``code, name, orp_code, orp_name,
        value, klass`` (-1: no data)``, colour, label, year`` and the popup fields; bins in
        ``attrs["bins"]``. Points: one row per located site with service, provider, type,
        forms, capacity, network and ``colour`` per § type group (see :data:`POINT_COLUMNS`).
        Empty tables give rows without data (choropleths) or no rows (points). What the
        numbers leave out is in ``attrs["left_out"]`` (see :func:`layer_left_out`).
    """
    return source_for(layer).frame(store, year, orp)


def layer_legend(layer: Layer, frame: gpd.GeoDataFrame) -> Legend:
    """Legend entries ``(label, colour)`` of a frame made by :func:`layer_frame`.

    Choropleths: one entry per class of the whole region (``"12,3 – 18,0 %"``), and
    ``"bez dat / no data"`` when some feature has no value. Points: one entry per § type
    group present (``"ostatní"`` for types in no group). When an input is missing
    (``frame.attrs["notice"]``: no register, an indicator never imported) one entry saying so.
    """
    if frame.attrs.get("notice"):
        # an input (the register, the indicator) is missing: say so, never an empty legend or
        # a "no data" class
        return [(frame.attrs.get("notice_label") or NO_REGISTER_LABEL, layer.no_data_colour)]
    if layer.kind == "points":
        present = set(frame["type_code"].astype(str)) if len(frame) else set()
        entries = [(g.name_cs, g.colour) for g in layer.groups if present & set(g.types)]
        if any(layer.group_of_type(t) is None for t in present):
            entries.append(("ostatní / other", OTHER_COLOUR))
        return entries
    if layer.categories:  # fixed categories (reported needs, agreement classes)
        colours = frame.attrs.get("colours") or list(layer.colours[: len(layer.categories)])
        entries = list(zip(layer.categories, colours, strict=False))
        if len(frame) and (frame["klass"] < 0).any():
            entries.append((layer.no_data_label or NO_DATA_LABEL, layer.no_data_colour))
        return entries
    bins = frame.attrs.get("bins")
    lo = frame.attrs.get("min")
    colours = frame.attrs.get("colours")
    if bins is None or colours is None:  # attrs lost: rebuild from the frame
        valid = frame[frame["klass"] >= 0]
        stats = valid.groupby("klass").agg(lo=("value", "min"), hi=("value", "max"), colour=("colour", "first"))
        bins, colours = list(stats["hi"]), list(stats["colour"])
        lo = float(stats["lo"].min()) if len(stats) else None
    entries: Legend = []
    d = layer.decimals
    for i, (hi, colour) in enumerate(zip(bins, colours, strict=True)):
        start = lo if i == 0 else bins[i - 1]
        if i == 0 and start is not None and start == hi:
            text = format_number(hi, d)
        elif i == 0:
            text = f"{format_number(start, d)} – {format_number(hi, d)}"
        else:
            text = f"> {format_number(start, d)} – {format_number(hi, d)}"
        entries.append((with_unit(text, layer.unit), colour))
    if len(frame) and (frame["klass"] < 0).any() or not entries:
        entries.append((NO_DATA_LABEL, layer.no_data_colour))
    return entries


def layer_left_out(frame: gpd.GeoDataFrame) -> list[str]:
    """What the numbers of a frame made by :func:`layer_frame` leave out, as the legend says it
    (``"Nezapočteno – bez kapacity (jednotek) v roce 2023: 2 služby (…)"``; empty: nothing)."""
    return [str(d["text"]) for d in frame.attrs.get("left_out") or []]
