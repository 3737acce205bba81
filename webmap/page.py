"""The market-map page: a Folium (Leaflet) map shell, the side panel and the app script.

Folium builds the Leaflet map; every asset is served by the app itself (Leaflet from
``xstatic-leaflet``, Leaflet.markercluster and the app's script and style from ``static/``),
so the page works without internet. Background tiles are optional: a tile layer that is off
by default (``GEO_KISSOS_TILES``; ``None`` disables it, as in the tests).
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Element, MacroElement
from flask import current_app, render_template, url_for
from jinja2 import Template

from geo_kissos.catalogue import FALLBACK_LAYER, FORMS, SERVICE_TYPES
from geo_kissos.layers import SYNTHETIC_LABEL, has_register, is_synthetic, needs_register, no_register_text, source_line

from .cache import ServedData
from .security import nonce_scripts

#: Region seat (Olomouc), used when the store holds no territory yet.
DEFAULT_CENTRE = (49.5938, 17.2509)
DEFAULT_ZOOM = 9


def _czech_date(value: Any) -> str:
    if value is None:
        return "neuvedeno"
    return f"{value.day}. {value.month}. {value.year}"




def provenance(data: ServedData) -> dict[str, Any]:
    """What the store holds, as imported: synthetic demo or not, register or not, source line."""
    def build() -> dict[str, Any]:
        store = data.store
        return {"synthetic": is_synthetic(store), "register": has_register(store),
                "source": source_line(None, store)}
    return data.cache.get(("provenance",), build)


def pick_default_layer(data: ServedData, default_layer: str | None, register: bool) -> str | None:
    """The configured default layer, unless it needs the register and none is loaded: then
    :data:`FALLBACK_LAYER` (population 65+), else the first layer that has data."""
    choropleths = [lay for lay in data.layers.values() if lay.kind == "choropleth"]
    usable = [lay for lay in choropleths if register or not needs_register(lay)]
    ids = [lay.id for lay in usable]
    if default_layer in ids:
        return default_layer
    if FALLBACK_LAYER in ids and data.years(data.layers[FALLBACK_LAYER]):
        return FALLBACK_LAYER
    with_data = [lay.id for lay in usable if data.years(lay)]
    return (with_data or ids or [lay.id for lay in choropleths] or [None])[0]


def page_config(data: ServedData, tiles: str | None, default_layer: str | None) -> dict[str, Any]:
    """What the app script needs to start (JSON-serialisable)."""
    prov = provenance(data)
    choropleths = [lay for lay in data.layers.values() if lay.kind == "choropleth"]
    points = [lay for lay in data.layers.values() if lay.kind == "points"]
    default_layer = pick_default_layer(data, default_layer, prov["register"])
    return {
        "api": url_for("api.landing").rstrip("/"),
        "layers": [{"id": lay.id, "title_cs": lay.title_cs, "title_en": lay.title_en, "level": lay.level,
                    "needsRegister": needs_register(lay)}
                   for lay in choropleths],
        "defaultLayer": default_layer,
        "register": prov["register"],
        "noRegister": "" if prov["register"] else no_register_text(),
        "synthetic": prov["synthetic"],
        "syntheticLabel": SYNTHETIC_LABEL,
        "source": prov["source"],
        "sitesLayer": points[0].id if points else None,
        "tiles": {"url": tiles, "attribution": "© přispěvatelé OpenStreetMap"} if tiles else None,
        "bounds": data.bounds(),
        "orps": [{"code": c, "name": n} for c, n in data.orps().items()],
        "types": [{"code": t.code, "name_cs": t.name_cs} for t in SERVICE_TYPES],
        "forms": [{"code": c, "name_cs": n} for c, n in FORMS.items()],
        "export": url_for("export.index").rstrip("/") if "export" in current_app.blueprints else None,
    }


def render_page(data: ServedData, tiles: str | None, default_layer: str | None = None) -> str:
    """The whole HTML page of the market map."""
    cfg = page_config(data, tiles, default_layer)
    bounds = cfg["bounds"]
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2) if bounds else DEFAULT_CENTRE
    m = folium.Map(location=centre, zoom_start=DEFAULT_ZOOM, tiles=None, control_scale=False,
                   min_zoom=6, max_zoom=18, zoom_control=False)

    def static(path: str) -> str:
        return url_for("static", filename=path)

    m.default_js = [
        ("leaflet", url_for("leaflet_asset", filename="leaflet.js")),
        ("markercluster", static("vendor/leaflet.markercluster/leaflet.markercluster.js")),
        ("gk_app", static("app.js")),
    ]
    m.default_css = [
        ("leaflet_css", url_for("leaflet_asset", filename="leaflet.css")),
        ("markercluster_css", static("vendor/leaflet.markercluster/MarkerCluster.css")),
        ("gk_css", static("app.css")),
    ]
    root = m.get_root()
    demo = f" · {SYNTHETIC_LABEL}" if cfg["synthetic"] else ""
    root.header.add_child(Element(f'<title>Mapa trhu sociálních služeb{demo} · geo-kissos</title>'
                                  f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'),
                          name="gk_title")
    panel = render_template("panel.html", data_date=_czech_date(data.data_date()), cfg=cfg)
    root.html.add_child(Element(panel), name="gk_panel")
    m.add_child(_AppInit(cfg), name="gk_init")
    return nonce_scripts(root.render())  # the CSP admits inline scripts with the request's nonce


class _AppInit(MacroElement):
    """Starts the app script once folium has created the Leaflet map."""

    _template = Template(
        "{% macro script(this, kwargs) %}GK.init({{ this._parent.get_name() }}, {{ this.cfg_json }});{% endmacro %}"
    )

    def __init__(self, cfg: dict[str, Any]):
        super().__init__()
        self._name = "GkAppInit"
        self.cfg_json = json.dumps(cfg, ensure_ascii=False).replace("</", "<\\/")
