"""Static coverage maps of one ORP (and the region overview) on the A4 layout.

A :class:`MapData` holds everything needed to draw any ORP for one layer and year, computed once
for the *whole region* — so the classification bins (and colours) are the same on every page of
an atlas and in every single-ORP export. :func:`orp_figure` then draws one ORP: its
municipalities coloured by class, the rest of the region greyed, ORP outlines, service sites,
legend, scale bar, north arrow, data date and source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure

from . import layout as L

#: Municipality labels are drawn when an ORP has at most this many municipalities.
MAX_LABELS = 80
HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]


@dataclass
class MapData:
    """One layer and year of the whole region, ready to draw any ORP.

    Attributes
    ----------
    layer_id, title, subtitle : str
        Layer id and the titles printed on the page.
    legend_title, legend_unit : str
        Legend heading and unit line.
    municipalities : geopandas.GeoDataFrame
        Every municipality of the region (``code``, ``name``, ``orp_code``, ``orp_name``),
        EPSG:5514.
    orps : geopandas.GeoDataFrame
        ``orp_code``, ``name``, EPSG:5514 polygons, sorted by name.
    areas : geopandas.GeoDataFrame or None
        The choropleth rows (municipality or ORP polygons) with ``code``, ``orp_code``,
        ``colour`` and ``label``; None for a points-only layer.
    legend : list of (label, colour)
        The classes, shared by every ORP.
    points : geopandas.GeoDataFrame or None
        Service sites with ``orp_code`` and ``colour``.
    points_legend : list of (label, colour)
    year : int or None
    data_date : str
        Data date as printed (``"31. 12. 2025"``), ``""`` when unknown.
    source : str
        Source line, as imported (:func:`geo_kissos.layers.source_line`).
    key_figures : dict
        ORP code -> list of (label, value) printed beside the legend.
    left_out : list of str
        What the layer's numbers leave out (:func:`geo_kissos.layers.layer_left_out`), printed
        in the footer as the map's legend and the API's collection document say it.
    notice : str
        Said across the map when an input is missing (the register for coverage, gap, access
        and sites layers), so an empty map never reads as measured zeros.
    synthetic : bool
        The store holds the synthetic demo: every page says so.
    """

    layer_id: str
    title: str
    subtitle: str
    legend_title: str
    legend_unit: str
    municipalities: gpd.GeoDataFrame
    orps: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None
    legend: list[tuple[str, str]]
    points: gpd.GeoDataFrame | None = None
    points_legend: list[tuple[str, str]] = field(default_factory=list)
    year: int | None = None
    data_date: str = ""
    source: str = ""
    key_figures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    notice: str = ""
    synthetic: bool = False

    def orp_name(self, orp_code: str) -> str:
        """Name of an ORP of the region."""
        hit = self.orps.loc[self.orps["orp_code"] == orp_code, "name"]
        if hit.empty:
            raise KeyError(orp_code)
        return str(hit.iloc[0])

    def orp_codes(self) -> list[str]:
        """ORP codes in atlas order (by Czech name)."""
        return list(self.orps["orp_code"])


# --------------------------------------------------------------------------- drawing
def _footer_lines(data: MapData) -> list[str]:
    date = (f"Data k {data.data_date}" if data.data_date
            else "Bez dat: chybí vstup (viz zdroj)" if data.notice else "Datum dat neuvedeno")
    year = f" · rok {data.year}" if data.year else ""
    demo = "SYNTETICKÁ DEMO DATA · " if data.synthetic else ""
    return [
        f"{demo}{date}{year} · S-JTSK / Krovak East North (EPSG:5514) · stejné třídy pro všechny ORP · geo-kissos",
        *_source_lines(data.source),
        *(["; ".join(data.left_out)] if data.left_out else []),
    ]


def _source_lines(source: str, width: int = 190) -> list[str]:
    """The source line, on two footer lines when it is long (the real manifests' titles are)."""
    if not source:
        return []
    text = f"Zdroj: {source}"
    if len(text) <= width:
        return [text]
    cut = text.rfind("; ", 0, len(text) // 2 + 40)
    cut = cut if cut > 0 else text.rfind(" ", 0, len(text) // 2 + 20)
    return [text[:cut + 1].rstrip(), text[cut + 1:].strip()] if cut > 0 else [text]


def draw_notice(ax: matplotlib.axes.Axes, text: str) -> None:
    """A boxed message across the middle of a map frame (an input is missing)."""
    import textwrap

    ax.text(0.5, 0.5, textwrap.fill(text, 70), transform=ax.transAxes, ha="center", va="center",
            fontsize=9, color=L.INK, zorder=20, linespacing=1.35,
            bbox={"boxstyle": "round,pad=0.8", "facecolor": "white", "edgecolor": "#c0392b", "linewidth": 1.2})


def _no_data(areas: gpd.GeoDataFrame) -> pd.Series:
    """Rows without a value (class -1 in :func:`geo_kissos.layers.layer_frame`, or no colour)."""
    missing = areas["colour"].isna()
    if "klass" in areas.columns:
        missing |= pd.to_numeric(areas["klass"], errors="coerce").fillna(-1).lt(0)
    return missing


def _legend_entries(data: MapData) -> list[L.LegendEntry]:
    """The main legend: classes of the choropleth, or the point groups of a points layer."""
    if data.areas is None:
        return [L.LegendEntry(label, colour, "marker", edge="#333333", size=5.5)
                for label, colour in data.points_legend]
    return [L.LegendEntry(label, colour, hatch="////" if label.startswith("bez dat") else "")
            for label, colour in data.legend]


def _symbol_entries(data: MapData, orp_name: str) -> list[L.LegendEntry]:
    out = [L.LegendEntry(f"hranice ORP {orp_name}", L.OUTLINE, "line", size=4.5),
           L.LegendEntry("hranice ostatních ORP", "#8a8a8a", "line", size=2.4),
           L.LegendEntry("území mimo ORP", L.NEIGHBOUR_FILL, "patch", edge="#bbbbbb")]
    out += [L.LegendEntry(label, colour, "marker", edge="#333333", size=5.5)
            for label, colour in data.points_legend]
    return out


def draw_orp_map(ax: matplotlib.axes.Axes, data: MapData, orp_code: str,
                 box: L.Box = L.LAYOUT.map) -> None:
    """Draw the map of one ORP into ``ax`` (limits, layers, labels, scale bar, north arrow)."""
    munis = data.municipalities
    inside = munis["orp_code"] == orp_code
    orp_geom = data.orps.loc[data.orps["orp_code"] == orp_code].geometry
    (x0, x1), (y0, y1) = L.fit_extent(orp_geom.total_bounds, box.aspect, pad=0.05)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)

    munis.loc[~inside].plot(ax=ax, color=L.NEIGHBOUR_FILL, edgecolor=L.NEIGHBOUR_EDGE,
                            linewidth=0.4, zorder=1)
    if data.areas is not None:
        areas = data.areas[data.areas["orp_code"] == orp_code]
        missing = _no_data(areas)
        if (~missing).any():
            areas.loc[~missing].plot(ax=ax, color=areas.loc[~missing, "colour"].tolist(),
                                     edgecolor="white", linewidth=0.5, zorder=2)
        if missing.any():  # hatched, so "no data" never reads as a class or as the grey outside
            areas.loc[missing].plot(ax=ax, facecolor=areas.loc[missing, "colour"].fillna(L.NO_DATA).tolist(),
                                    edgecolor="#9a9a9a", linewidth=0.4, hatch="////", zorder=2)
    else:
        munis.loc[inside].plot(ax=ax, color="#fbfbf7", edgecolor="#c8c8c8", linewidth=0.5, zorder=2)
    if data.areas is None or "municipality_code" not in data.areas.columns:
        munis.loc[inside].boundary.plot(ax=ax, color="white", linewidth=0.5, zorder=3)
    data.orps.boundary.plot(ax=ax, color="#8a8a8a", linewidth=0.8, zorder=4)
    orp_geom.boundary.plot(ax=ax, color=L.OUTLINE, linewidth=1.8, zorder=5)

    # names of the neighbouring ORPs (grey, italic) where their area shows
    view = gpd.GeoSeries.from_xy([x0, x1], [y0, y1], crs=munis.crs).total_bounds
    others = data.orps[data.orps["orp_code"] != orp_code]
    for name, p in zip(others["name"], others.geometry.representative_point(), strict=True):
        if view[0] < p.x < view[2] and view[1] < p.y < view[3]:
            ax.text(p.x, p.y, name, ha="center", va="center", fontsize=8, style="italic",
                    color="#8a8a8a", zorder=6, path_effects=HALO, clip_on=True)

    if data.points is not None and len(data.points):
        pts = data.points[data.points.geometry.notna() & ~data.points.geometry.is_empty]
        own = pts["orp_code"] == orp_code
        if (~own).any():
            pts.loc[~own].plot(ax=ax, color=pts.loc[~own, "colour"].tolist(), markersize=14,
                               edgecolor="#555555", linewidth=0.3, alpha=0.45, zorder=7)
        if own.any():
            pts.loc[own].plot(ax=ax, color=pts.loc[own, "colour"].tolist(), markersize=26,
                              edgecolor="#222222", linewidth=0.6, zorder=8)

    inner = munis.loc[inside]
    if len(inner) <= MAX_LABELS:
        size = 5.6 if len(inner) > 40 else 6.4
        inner = inner.sort_values("code")
        for name, p in zip(inner["name"], inner.geometry.representative_point(), strict=True):
            ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=size,
                    color=L.INK, zorder=9, path_effects=HALO, clip_on=True)
    L.finish_map_axes(ax)
    L.add_scale_bar(ax)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    L.add_north_arrow(ax, L.true_north_angle(cx, cy))


def orp_figure(data: MapData, orp_code: str, page_label: str = "") -> Figure:
    """The A4 page of one ORP.

    Parameters
    ----------
    data : MapData
        Region-wide data of the layer (see :func:`geo_kissos.export.mapdata.load_map_data`).
    orp_code : str
        The ORP to draw.
    page_label : str
        Printed at the bottom right (e.g. ``"strana 3 / 14"``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    name = data.orp_name(orp_code)
    with matplotlib.rc_context(L.RC):
        fig = L.new_page()
        L.draw_title(fig, f"ORP {name}", data.title, data.subtitle)
        ax = L.map_axes(fig, L.LAYOUT.map)
        draw_orp_map(ax, data, orp_code)
        if data.notice:
            draw_notice(ax, data.notice)
        entries = _legend_entries(data)
        if data.areas is not None:
            L.draw_legend(L.block_axes(fig, L.LAYOUT.legend), data.legend_title, entries,
                          unit=data.legend_unit, columns=2 if len(entries) > 6 else 1)
            L.draw_legend(L.block_axes(fig, L.LAYOUT.symbols), "Mapové značky",
                          _symbol_entries(data, name))
        else:  # points layer: long group names, one legend across legend and symbol blocks
            wide = L.Box(L.LAYOUT.legend.left, L.LAYOUT.legend.top,
                         L.LAYOUT.symbols.left + L.LAYOUT.symbols.width - L.LAYOUT.legend.left,
                         L.LAYOUT.legend.height)
            L.draw_legend(L.block_axes(fig, wide), data.legend_title,
                          entries + _symbol_entries(data, name)[:3])
        figures = data.key_figures.get(orp_code)
        if figures:
            L.draw_key_figures(L.block_axes(fig, L.LAYOUT.figures), f"ORP {name}", figures)
        L.draw_footer(fig, _footer_lines(data), page_label)
    return fig


def overview_figure(data: MapData, heading: str, contents: Sequence[tuple[str, str]],
                    page_label: str = "") -> Figure:
    """The atlas title page: the region with all ORPs, the legend and a table of contents.

    Parameters
    ----------
    data : MapData
    heading : str
        Main title of the atlas.
    contents : sequence of (ORP name, page number)
    page_label : str
    """
    with matplotlib.rc_context(L.RC):
        fig = L.new_page()
        L.draw_title(fig, heading, data.title, data.subtitle)
        box = L.Box(L.MARGIN_MM, 34.0, 186.0, 150.0)
        ax = L.map_axes(fig, box)
        (x0, x1), (y0, y1) = L.fit_extent(data.orps.total_bounds, box.aspect, pad=0.03)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_autoscale_on(False)
        if data.areas is not None:
            a = data.areas
            has = ~_no_data(a)
            if has.any():
                a.loc[has].plot(ax=ax, color=a.loc[has, "colour"].tolist(), edgecolor="white",
                                linewidth=0.2, zorder=2)
            if (~has).any():
                a.loc[~has].plot(ax=ax, facecolor=a.loc[~has, "colour"].fillna(L.NO_DATA).tolist(),
                                 edgecolor="#9a9a9a", linewidth=0.2, hatch="////", zorder=2)
        else:
            data.municipalities.plot(ax=ax, color="#fbfbf7", edgecolor="#d0d0d0", linewidth=0.2)
        data.orps.boundary.plot(ax=ax, color=L.OUTLINE, linewidth=1.0, zorder=4)
        if data.points is not None and len(data.points):
            pts = data.points[data.points.geometry.notna() & ~data.points.geometry.is_empty]
            pts.plot(ax=ax, color=pts["colour"].tolist(), markersize=7, edgecolor="#222222",
                     linewidth=0.3, zorder=5)
        for name, p in zip(data.orps["name"], data.orps.geometry.representative_point(), strict=True):
            ax.text(p.x, p.y, name, ha="center", va="center", fontsize=8.5,
                    fontweight="bold", color=L.INK, zorder=6, path_effects=HALO)
        L.finish_map_axes(ax)
        L.add_scale_bar(ax)
        L.add_north_arrow(ax, L.true_north_angle((x0 + x1) / 2, (y0 + y1) / 2))
        if data.notice:
            draw_notice(ax, data.notice)

        legend_box = L.Box(L.MARGIN_MM, 190.0, 88.0, 50.0)
        entries = _legend_entries(data)
        L.draw_legend(L.block_axes(fig, legend_box), data.legend_title, entries,
                      unit=data.legend_unit, columns=2 if len(entries) > 6 else 1)
        if data.points_legend and data.areas is not None:
            L.draw_legend(L.block_axes(fig, L.Box(L.MARGIN_MM, 244.0, 88.0, 30.0)), "Mapové značky",
                          [L.LegendEntry(lbl, c, "marker", edge="#333333", size=5.5)
                           for lbl, c in data.points_legend])
        toc = L.block_axes(fig, L.Box(L.MARGIN_MM + 100.0, 190.0, 86.0, 84.0))
        toc.text(0, 1, "Obsah", ha="left", va="top", fontsize=8.5, fontweight="bold", color=L.INK)
        step = 0.9 / max(len(contents), 1)
        for i, (label, page) in enumerate(contents):
            y = 0.9 - (i + 0.5) * step
            toc.text(0, y, f"ORP {label}", ha="left", va="center", fontsize=8, color=L.INK)
            toc.text(1, y, page, ha="right", va="center", fontsize=8, color=L.INK)
            toc.plot([0.55, 0.9], [y, y], linestyle=(0, (1, 2)), color="#aaaaaa", linewidth=0.6)
        L.draw_footer(fig, _footer_lines(data), page_label)
    return fig


__all__ = ["MapData", "draw_notice", "draw_orp_map", "orp_figure", "overview_figure"]
