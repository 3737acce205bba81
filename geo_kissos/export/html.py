"""Standalone interactive HTML map of one ORP (Folium), working offline from ``file://``.

Leaflet's JavaScript and CSS (with its images as data URIs) are *inlined* into the file, no
base map tiles are used and no other library is loaded, so the page makes no network request at
all. The page shows the same content as the printed map: the ORP's municipalities coloured by the
shared classes, the rest of the region greyed, ORP outlines, service sites, title, legend, data
date and source. Element ids are numbered in order, so the same input gives the same bytes.

Names are text: Folium's tooltips and Leaflet's layer list insert what they are given as HTML,
so every property shown in a tooltip, every tooltip alias and every layer name is HTML-escaped
here (an ORP called ``<img src=x onerror=...>`` is shown as those characters, nothing runs).
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd

from ..crs import SERVE_EPSG
from . import layout as L
from .maps import MapData

#: Simplification tolerance (metres, EPSG:5514) for polygons written into the HTML.
SIMPLIFY_M = 15.0

_ASSET_JS = "/*GK_LEAFLET_JS*/"
_ASSET_CSS = "/*GK_LEAFLET_CSS*/"


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the ``xstatic-leaflet`` package, CSS images as data URIs."""
    import xstatic.pkg.leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        img = base / m.group(1)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return js, css


def _text(value: object) -> str:
    """``value`` as HTML text (tooltips and the layer list insert their strings as HTML)."""
    return html.escape(str(value), quote=True)


def _tooltip(fields: list[str], aliases: list[str]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields, aliases=[_text(a) for a in aliases])


def _geojson(gdf: gpd.GeoDataFrame, columns: list[str], simplify: float = 0.0) -> dict:
    """The columns as GeoJSON properties, every value an HTML-escaped string (or null)."""
    g = gdf[[*columns, gdf.geometry.name]].copy()
    if simplify:
        g[g.geometry.name] = g.geometry.simplify(simplify, preserve_topology=True)
    g = g.to_crs(SERVE_EPSG)
    for c in columns:
        g[c] = g[c].astype(object).where(g[c].notna(), None).map(lambda v: v if v is None else _text(v))
    return json.loads(g.to_json(drop_id=True))


def _legend_html(data: MapData, orp_name: str) -> str:
    rows = "".join(
        f'<div class="gk-row"><span class="gk-sw" style="background:{html.escape(c)}"></span>'
        f"{html.escape(lbl)}</div>" for lbl, c in data.legend
    )
    rows += "".join(
        f'<div class="gk-row"><span class="gk-dot" style="background:{html.escape(c)}"></span>'
        f"{html.escape(lbl)}</div>" for lbl, c in data.points_legend
    )
    rows += (f'<div class="gk-row"><span class="gk-line"></span>hranice ORP {html.escape(orp_name)}</div>'
             f'<div class="gk-row"><span class="gk-sw" style="background:{L.NEIGHBOUR_FILL}"></span>'
             "území mimo ORP</div>")
    unit = f'<div class="gk-unit">{html.escape(data.legend_unit)}</div>' if data.legend_unit else ""
    return (f'<div class="gk-box gk-legend" id="gk-legend"><b>{html.escape(data.legend_title)}</b>'
            f"{unit}{rows}</div>")


_STYLE = """
.gk-box{position:absolute;z-index:1000;background:rgba(255,255,255,.92);padding:8px 10px;
 font:12px/1.35 'DejaVu Sans',Arial,sans-serif;color:#222;border:1px solid #999;border-radius:3px}
.gk-title{top:10px;left:54px;right:10px;max-width:720px}
.gk-title h1{font-size:16px;margin:0 0 2px 0}.gk-title div{color:#555}
.gk-legend{bottom:48px;right:10px;max-width:380px}
.gk-foot{bottom:4px;left:110px;right:60px;font-size:10px;padding:2px 6px;color:#555}
.gk-unit{color:#666;margin-bottom:4px}.gk-row{margin:2px 0;padding-left:30px;text-indent:-30px}
.gk-sw{display:inline-block;width:18px;height:12px;margin-right:6px;border:1px solid #999;vertical-align:middle}
.gk-dot{display:inline-block;width:10px;height:10px;margin:0 10px 0 4px;border-radius:50%;
 border:1px solid #333;vertical-align:middle}
.gk-line{display:inline-block;width:18px;margin-right:6px;border-top:3px solid #111;vertical-align:middle}
"""


def orp_html(data: MapData, orp_code: str) -> str:
    """The standalone HTML page of one ORP (see the module documentation).

    Parameters
    ----------
    data : MapData
        Region-wide layer data (shared classes).
    orp_code : str

    Returns
    -------
    str
        A complete HTML document with Leaflet inlined.
    """
    name = data.orp_name(orp_code)
    munis = data.municipalities
    inside = munis["orp_code"] == orp_code
    orp = data.orps[data.orps["orp_code"] == orp_code]
    minx, miny, maxx, maxy = orp.to_crs(SERVE_EPSG).total_bounds

    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None,
                   control_scale=True, prefer_canvas=False)
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{_ASSET_CSS}</style>"), name="gk_leaflet_css")
    root.header.add_child(folium.Element(f"<script>{_ASSET_JS}</script>"), name="gk_leaflet_js")
    root.header.add_child(folium.Element(f"<style>{_STYLE}</style>"), name="gk_style")
    root.header.add_child(folium.Element(f"<title>ORP {html.escape(name)}: {html.escape(data.title)}"
                                         "</title>"), name="gk_title")

    folium.GeoJson(
        _geojson(munis.loc[~inside], ["name", "orp_name"], SIMPLIFY_M),
        name="území mimo ORP",
        style_function=lambda f: {"fillColor": L.NEIGHBOUR_FILL, "color": "#ffffff", "weight": 0.6,
                                  "fillOpacity": 1.0},
        tooltip=_tooltip(["name", "orp_name"], aliases=["obec", "ORP"]),
    ).add_to(m)
    if data.areas is not None:
        areas = data.areas[data.areas["orp_code"] == orp_code].copy()
        areas["colour"] = areas["colour"].fillna(L.NO_DATA)
        areas["label"] = areas["label"].fillna("bez údajů") if "label" in areas else "bez údajů"
        folium.GeoJson(
            _geojson(areas, ["name", "colour", "label"], SIMPLIFY_M),
            name=_text(data.title),
            style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#ffffff",
                                      "weight": 0.8, "fillOpacity": 0.9},
            highlight_function=lambda f: {"weight": 2.5, "color": "#333333"},
            tooltip=_tooltip(["name", "label"], aliases=["obec", data.legend_title]),
        ).add_to(m)
    else:  # points layer: the ORP's municipalities as a light base
        folium.GeoJson(
            _geojson(munis.loc[inside], ["name"], SIMPLIFY_M),
            name="obce ORP",
            style_function=lambda f: {"fillColor": "#fbfbf7", "color": "#c8c8c8", "weight": 0.6,
                                      "fillOpacity": 1.0},
            tooltip=_tooltip(["name"], aliases=["obec"]),
        ).add_to(m)
    folium.GeoJson(
        _geojson(data.orps, ["name"], SIMPLIFY_M),
        name="hranice ORP",
        style_function=lambda f: {"fill": False, "color": "#8a8a8a", "weight": 1.2},
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        _geojson(orp, ["name"]),
        name=f"hranice ORP {_text(name)}",
        style_function=lambda f: {"fill": False, "color": L.OUTLINE, "weight": 3},
        interactive=False,
    ).add_to(m)
    if data.points is not None and len(data.points):
        pts = data.points[data.points.geometry.notna() & ~data.points.geometry.is_empty].copy()
        shown = {"name": "místo", "label": "druh", "provider_name": "poskytovatel", "capacity": "kapacita"}
        cols = [c for c in shown if c in pts.columns]
        folium.GeoJson(
            _geojson(pts, [*cols, "colour"]),
            name="místa poskytování",
            marker=folium.CircleMarker(radius=5, weight=1, color="#222222", fill=True, fill_opacity=0.95),
            style_function=lambda f: {"fillColor": f["properties"].get("colour") or "#1f78b4",
                                      "fill": True, "fillOpacity": 0.95},
            tooltip=_tooltip(cols, aliases=[shown[c] for c in cols]) if cols else None,
        ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])

    date = f"Data k {data.data_date}" if data.data_date else ""
    foot = " · ".join(p for p in (date, f"Zdroj: {data.source}" if data.source else "",
                                  "geo-kissos") if p)
    root.html.add_child(folium.Element(
        f'<div class="gk-box gk-title" id="gk-title"><h1>ORP {html.escape(name)}: '
        f"{html.escape(data.title)}</h1><div>{html.escape(data.subtitle)}</div></div>"
        f"{_legend_html(data, name)}"
        f'<div class="gk-box gk-foot" id="gk-foot">{html.escape(foot)}</div>'))
    page = root.render()
    # metric scale only (Leaflet adds miles by default), clear of the source line
    page = page.replace("L.control.scale().addTo(", "L.control.scale({imperial: false}).addTo(", 1)
    page = _number_ids(page)
    js, css = leaflet_assets()
    return page.replace(_ASSET_CSS, css).replace(_ASSET_JS, js)


def _number_ids(page: str) -> str:
    """Replace Folium's random 32-hex element ids by ``0000…01``, ``0000…02``… in order."""
    seen: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        return seen.setdefault(m.group(0), f"{len(seen) + 1:032x}")

    return re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", repl, page)


def write_html(data: MapData, orp_code: str, path: str | Path) -> Path:
    """Write :func:`orp_html` to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(orp_html(data, orp_code), encoding="utf-8")
    return path


__all__ = ["leaflet_assets", "orp_html", "write_html"]
