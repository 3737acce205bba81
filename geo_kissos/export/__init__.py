"""Exports for ORP coordinators: coverage maps (PNG, PDF, offline HTML), tables (CSV, XLSX), atlas.

Modules
-------
layout
    The fixed A4 page: map frame, title, legend, scale bar, north arrow, footer; PDF/PNG writers.
data
    Store + layer id → :class:`MapData` for the whole region (classes shared by all ORPs).
maps
    Drawing one ORP page and the atlas title page.
html
    Standalone Folium map with Leaflet inlined (works from ``file://``).
tables
    Gap and coverage tables from :mod:`geo_kissos.analysis`, CSV and XLSX writers.
exporter
    :class:`Exporter`: one ORP or all of them, and the multi-page atlas.

The Flask blueprint serving them lives with the web app (:mod:`webmap.exports`): this package
does not import Flask.
"""

from .exporter import FORMATS, Exporter, ExportResult, UnknownOrpError, export_all, export_orp, parse_formats
from .html import orp_html, write_html
from .layout import DEFAULT_DPI, nice_length, true_north_angle
from .mapdata import DEFAULT_LAYER, ascii_slug, load_map_data
from .maps import MapData, orp_figure, overview_figure
from .tables import RegionTables, read_xlsx_sheet, region_tables, write_csv, write_xlsx

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_LAYER",
    "FORMATS",
    "ExportResult",
    "Exporter",
    "MapData",
    "RegionTables",
    "UnknownOrpError",
    "ascii_slug",
    "export_all",
    "export_orp",
    "load_map_data",
    "nice_length",
    "orp_figure",
    "orp_html",
    "overview_figure",
    "parse_formats",
    "read_xlsx_sheet",
    "region_tables",
    "true_north_angle",
    "write_csv",
    "write_html",
    "write_xlsx",
]
