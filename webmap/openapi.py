"""The OpenAPI 3.0 document of the API, generated from the Flask routes and :mod:`webmap.params`.

:func:`openapi_document` walks the app's URL map (every rule of the ``api`` blueprint, through
apispec's Flask plugin, which turns ``<collection_id>`` into ``{collection_id}``), takes each
operation's summary from the view's docstring and its query parameters from
:data:`webmap.params.ROUTE_PARAMETERS` / :func:`webmap.params.parameter_docs` (the bounds the
parser enforces). Collection ids and ORP codes are enumerated from the data served. The document
is served at ``/api/openapi`` and linked from the landing page as ``service-desc``.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from geo_kissos.catalogue import MAP_LEVELS

from .params import ROUTE_PARAMETERS, parameter_docs

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"
JSON = "application/json"
#: Media type of each route's 200 response (default JSON).
_MEDIA = {"api.items": GEOJSON, "api.item": GEOJSON, "api.boundaries": GEOJSON, "api.openapi": OPENAPI_MEDIA_TYPE}

_EXCEPTION = {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "string"}, "description": {"type": "string"},
                             "parameter": {"type": "string"}}}
_LINK = {"type": "object", "required": ["href", "rel"],
         "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                        "title": {"type": "string"}}}
_FEATURE_COLLECTION = {
    "type": "object", "required": ["type", "features"],
    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                   "numberMatched": {"type": "integer", "minimum": 0},
                   "numberReturned": {"type": "integer", "minimum": 0},
                   "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                   "features": {"type": "array", "items": {"type": "object"}}}}


def _summary(view: Any) -> str:
    doc = (view.__doc__ or "").strip()
    return doc.split("\n", 1)[0].strip() or view.__name__


def _path_parameters(rule_args: set[str], collections: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in sorted(rule_args):
        schema: dict[str, Any] = {"type": "string"}
        if name == "collection_id":
            schema["enum"] = collections
        elif name == "level":
            schema["enum"] = list(MAP_LEVELS)
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def openapi_document(app: Flask, server_url: str, collections: list[str], orps: list[str]) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document of ``app``'s API.

    Parameters
    ----------
    app : flask.Flask
    server_url : str
        The API's root URL as the client sees it (``request.url_root``).
    collections : list of str
        Collection ids (enumerated for ``{collection_id}``).
    orps : list of str
        ORP codes (enumerated for ``orp``).
    """
    spec = APISpec(
        title="geo-kissos: mapa trhu sociálních služeb",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={"description": "OGC API - Features (Part 1: Core, GeoJSON) of the social-services market map: "
                             "one collection per map layer, WGS 84 (CRS84) coordinates."},
        servers=[{"url": server_url.rstrip("/") or "/"}],
    )
    spec.components.schema("Exception", _EXCEPTION)
    spec.components.schema("Link", _LINK)
    spec.components.schema("FeatureCollection", _FEATURE_COLLECTION)
    docs = parameter_docs()
    if orps:
        docs["orp"]["schema"] = {"type": "string", "enum": orps}
    error = {"content": {JSON: {"schema": {"$ref": "#/components/schemas/Exception"}}}}
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")), key=lambda r: r.rule)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        media = _MEDIA.get(rule.endpoint, JSON)
        schema: dict[str, Any] = {"type": "object"}
        if rule.endpoint == "api.items":
            schema = {"$ref": "#/components/schemas/FeatureCollection"}
        params = _path_parameters(set(rule.arguments), collections)
        params += [docs[name] for name in ROUTE_PARAMETERS.get(rule.endpoint, ())]
        responses: dict[str, Any] = {"200": {"description": "OK", "content": {media: {"schema": schema}}}}
        if ROUTE_PARAMETERS.get(rule.endpoint) or rule.arguments:
            responses["400"] = {"description": "A bad parameter (named in the body)", **error}
        if rule.arguments:
            responses["404"] = {"description": "Unknown collection, feature or level", **error}
        responses["500"] = {"description": "Internal error (a generic text: the details are in the server log)",
                            **error}
        operation = {"summary": _summary(view), "operationId": rule.endpoint.removeprefix("api."),
                     "parameters": params, "responses": responses}
        spec.path(view=view, app=app, operations={"get": operation})
    return spec.to_dict()
