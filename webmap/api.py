"""JSON API following OGC API - Features (Part 1: Core, GeoJSON): one collection per layer.

Routes (under ``/api``)
-----------------------
``/``                              landing page
``/conformance``                   conformance classes
``/collections``                   every layer of ``layers/``
``/collections/<id>``              one layer: legend, popup fields, years (``?year=``)
``/collections/<id>/items``        GeoJSON FeatureCollection (RFC 7946, WGS 84) with
                                   ``numberMatched``/``numberReturned``/``links``; parameters
                                   ``orp, year, bbox, limit, offset, zoom, f`` and, for points,
                                   ``type, form, provider``
``/collections/<id>/items/<fid>``  one feature
``/places``                        search index (ORPs and municipalities with bounding boxes)
``/boundaries/<level>``            plain municipality or ORP outlines (``?zoom=``)
``/openapi``                       the OpenAPI 3.0 document (``service-desc``, see :mod:`webmap.openapi`)

A bad parameter is a 400 with a JSON body naming it (:class:`~geo_kissos.errors.ParamError`); an
unknown collection or feature a 404 (:class:`~geo_kissos.errors.NotFound`); both answered by the
app's one error handler (:mod:`webmap.errors`).
Responses are gzip-compressed when the client accepts it. Items are answered from parts
precomputed once per data version (:mod:`webmap.index`: GeoJSON per zoom, an STRtree, every
Feature as bytes and as a deflate segment, :mod:`webmap.fastbody`), so a request with a new
bbox, zoom or ORP only selects rows and joins bytes: about a millisecond of CPU.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, Response, current_app, request, url_for

from geo_kissos.catalogue import MAP_LEVELS
from geo_kissos.errors import NotFound, ParamError
from geo_kissos.layers import SYNTHETIC_LABEL, Layer, is_synthetic, layer_left_out, layer_legend
from geo_kissos.layers.provenance import czech_date, layer_data_date, source_line

from .cache import ServedData
from .fastbody import FeatureBlocks
from .geometry import decimals_for_zoom, serve_points
from .index import LayerSnapshot, ServedIndex
from .openapi import OPENAPI_MEDIA_TYPE, openapi_document
from .params import ItemsQuery, parse_items_query, parse_year, parse_zoom_only

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
#: Bodies smaller than this are sent uncompressed.
GZIP_MIN_BYTES = 1024
#: gzip level of cached bodies (level 6 costs ~3x the time of 4 for ~5 % fewer bytes on GeoJSON).
GZIP_LEVEL = 6


def map_data() -> ServedData:
    """The app's :class:`ServedData`."""
    return current_app.extensions["geo_kissos"]


# --------------------------------------------------------------------------- responses
def _json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (no NaN)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _dumps(obj: Any) -> bytes:
    """A response document: :func:`_json` with the data it shows (``dataVersion``, ``dataDate``)."""
    if isinstance(obj, dict):  # which data this is (the request's data version, webmap.cache)
        obj = {**obj, **map_data().version_fields()}
    return _json(obj)


def send(body: bytes, status: int = 200, mimetype: str = JSON, gz: bytes | None = None) -> Response:
    """A response with ``body``, gzip-compressed when the client accepts it."""
    resp = Response(status=status, mimetype=mimetype)
    resp.vary.add("Accept-Encoding")
    if len(body) >= GZIP_MIN_BYTES and request.accept_encodings["gzip"]:
        resp.set_data(gz if gz is not None else gzip.compress(body, compresslevel=GZIP_LEVEL))
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp.set_data(body)
    if status == 200:
        resp.headers["Cache-Control"] = "no-cache"  # revalidate: the ETag answers 304 cheaply
    return resp


def _send_encoded(body: bytes, packed: bool, mimetype: str) -> Response:
    """:func:`send` of a body already encoded as the client takes it (``packed``: gzip)."""
    resp = Response(body, mimetype=mimetype)
    resp.vary.add("Accept-Encoding")
    if packed:
        resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Cache-Control"] = "no-cache"  # revalidate: the ETag answers 304 cheaply
    return resp


def _cached(key: tuple[Any, ...], build: Any, dumps: Any = None) -> tuple[bytes, bytes]:
    def make() -> tuple[bytes, bytes]:
        raw = (dumps or _dumps)(build())
        return raw, gzip.compress(raw, compresslevel=GZIP_LEVEL)
    return map_data().cache.get(key, make)


def _layer(collection_id: str) -> Layer:
    layers = map_data().layers
    if collection_id not in layers:
        raise NotFound(f"unknown collection {collection_id!r}; known: {', '.join(layers)}")
    return layers[collection_id]


def _link(href: str, rel: str, mtype: str, title: str = "") -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": mtype}
    if title:
        out["title"] = title
    return out


# --------------------------------------------------------------------------- documents
def _legend(layer: Layer, frame: Any) -> dict[str, Any]:
    return {
        "title_cs": layer.legend_title_cs, "title_en": layer.legend_title_en, "unit": layer.unit,
        "entries": [{"label": label, "colour": colour} for label, colour in layer_legend(layer, frame)],
        "leftOut": layer_left_out(frame),  # what the numbers leave out, said under the legend
    }


def _collection(layer: Layer, year: int | None = None) -> dict[str, Any]:
    data = map_data()
    frame = data.frame(layer, year)
    years = data.years(layer)
    bounds = data.bounds()
    extent: dict[str, Any] = {"spatial": {"bbox": [[bounds[0][1], bounds[0][0], bounds[1][1], bounds[1][0]]]
                                          if bounds else [], "crs": CRS84}}
    if years:
        extent["temporal"] = {"interval": [[f"{years[0]}-01-01T00:00:00Z", f"{years[-1]}-12-31T23:59:59Z"]]}
    self_url = url_for("api.collection", collection_id=layer.id, _external=True)
    source, date = data.cache.get(("source", layer.id), lambda: (
        source_line(layer, data.store), czech_date(layer_data_date(layer, data.store))))
    return {
        "id": layer.id,
        "title": layer.title_cs,
        "title_en": layer.title_en,
        "description": layer.description_cs or layer.title_cs,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": "http://www.opengis.net/def/crs/EPSG/0/5514",
        "extent": extent,
        "kind": layer.kind,
        "level": layer.level,
        "source": layer.source,
        "measure": layer.measure,
        "years": years,
        "year": frame.attrs.get("year"),
        "legend": _legend(layer, frame),
        "notice": frame.attrs.get("notice", ""),  # e.g. the register is needed and not loaded
        "leftOut": frame.attrs.get("left_out") or [],  # services without units etc. (reason, text, count, ids)
        "sourceLine": source,  # as imported (import log, manifests, the indicator's source)
        "dataDate": date,
        "popup": [{"field": p.field, "label_cs": p.label_cs, "label_en": p.label_en, "decimals": p.decimals}
                  for p in layer.popup],
        "groups": [{"id": g.id, "name_cs": g.name_cs, "name_en": g.name_en, "colour": g.colour,
                    "types": list(g.types)} for g in layer.groups],
        "links": [
            _link(self_url, "self", JSON, "this collection"),
            _link(url_for("api.items", collection_id=layer.id, _external=True), "items", GEOJSON,
                  "features (GeoJSON)"),
            _link(url_for("api.landing", _external=True), "root", JSON),
        ],
    }


def _properties(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return json.loads(plain.to_json(orient="records", force_ascii=False, double_precision=10))


def _select(layer: Layer, q: ItemsQuery) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Features matching ``q`` (all pages) with their served geometries."""
    data = map_data()
    frame = data.frame(layer, q.year)
    meta = {"year": frame.attrs.get("year"), "legend": _legend(layer, frame), "notice": frame.attrs.get("notice", "")}
    keep = np.ones(len(frame), dtype=bool)
    if q.orp is not None:
        keep &= (frame["orp_code"] == q.orp).to_numpy()
    if layer.kind == "points":
        if q.types:
            keep &= frame["type_code"].isin(q.types).to_numpy()
        if q.forms:
            codes = frame["form_codes"].astype(str).str.split(";")
            keep &= codes.map(lambda fs: bool(set(fs) & set(q.forms))).to_numpy(dtype=bool)
        if q.provider:
            keep &= (frame["provider_ico"] == q.provider).to_numpy()
        sub = frame[keep]
        geoms = serve_points(sub.geometry, q.zoom)
    else:
        sub = frame[keep]
        served = data.coverage(layer.level or "municipality").served(q.zoom)
        geoms = np.array([served.get(c) for c in sub["code"]], dtype=object)
    if q.bbox is not None and len(sub):
        hit = shapely.intersects(geoms, shapely.box(*q.bbox))
        hit = np.asarray(hit, dtype=bool) & np.array([g is not None for g in geoms])
        sub, geoms = sub[hit], geoms[hit]
    return sub, geoms, meta


def _page_links(layer: Layer, q: ItemsQuery, matched: int, returned: int) -> list[dict[str, str]]:
    args = request.args.to_dict()
    links = [
        _link(request.url, "self", GEOJSON, "this document"),
        _link(url_for("api.collection", collection_id=layer.id, _external=True), "collection", JSON),
    ]
    if q.offset + returned < matched:
        nxt = {**args, "offset": str(q.offset + q.limit), "limit": str(q.limit)}
        links.append(_link(url_for("api.items", collection_id=layer.id, _external=True, **nxt), "next", GEOJSON))
    if q.offset > 0:
        prv = {**args, "offset": str(max(q.offset - q.limit, 0)), "limit": str(q.limit)}
        links.append(_link(url_for("api.items", collection_id=layer.id, _external=True, **prv), "prev", GEOJSON))
    return links


def _snapshot(layer: Layer, year: int | None) -> LayerSnapshot:
    data = map_data()
    return data.versioned.get(("snapshot", layer.id, year),
                              lambda: LayerSnapshot(data.frame(layer, year), _properties, _json))


def _served_index(level: str, zoom: int | None) -> ServedIndex:
    data = map_data()
    return data.versioned.get(("served-index", level, zoom), lambda: ServedIndex(data.coverage(level).served(zoom)))


def _fast_page(layer: Layer, q: ItemsQuery) -> tuple[FeatureBlocks, bytes, np.ndarray, bytes]:
    """Items from the precomputed parts (see :mod:`webmap.index`): select with masks and the
    spatial index; the page's ready Features, and the head and tail around them
    (:class:`webmap.fastbody.FeatureBlocks`: no serialisation or compression of features here)."""
    snap = _snapshot(layer, q.year)
    frame = snap.frame
    keep = np.ones(len(frame), dtype=bool)
    if q.orp is not None:
        keep &= snap.column("orp_code") == q.orp
    if layer.kind == "points":
        if q.types:
            keep &= frame["type_code"].isin(q.types).to_numpy()
        if q.forms:
            keep &= snap.form_mask(q.forms)
        if q.provider:
            keep &= snap.column("provider_ico") == q.provider
        decimals = decimals_for_zoom(q.zoom)
        x, y, _ = snap.points(decimals)
        blocks = snap.blocks(("points", decimals), lambda: (snap.points(decimals)[2], np.arange(len(frame))))
        if q.bbox is not None:  # a point intersects the box when inside or on its edge (NaN: no point)
            w, s, e, n = q.bbox
            keep &= (x >= w) & (x <= e) & (y >= s) & (y <= n)
    else:
        level = layer.level or "municipality"
        index = _served_index(level, q.zoom)
        pos = snap.positions_in(index, (level, q.zoom))
        blocks = snap.blocks((level, q.zoom), lambda: (index.geojson, pos))
        if q.bbox is not None and len(frame):  # features without a polygon never intersect
            keep &= (pos >= 0) & index.hits(q.bbox)[np.maximum(pos, 0)]
    rows = np.flatnonzero(keep)
    matched = len(rows)
    page = rows[q.offset:q.offset + q.limit]
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(page),
        "timeStamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "links": _page_links(layer, q, matched, len(page)),
        "year": frame.attrs.get("year"),
        "legend": snap.legend(lambda f: _legend(layer, f)),
        "notice": frame.attrs.get("notice", ""),  # e.g. the register is needed and not loaded
    }
    return blocks, _dumps(head)[:-1] + b',"features":[', page, b"]}"


def _fast_bodies(layer: Layer, q: ItemsQuery) -> tuple[bytes, bytes]:
    """The items body of :func:`_fast_page`, uncompressed and as gzip."""
    blocks, head, page, tail = _fast_page(layer, q)
    return blocks.join(head, page, tail)


def _fast_items(layer: Layer, q: ItemsQuery) -> bytes:
    """The body of :func:`_fast_bodies` (uncompressed)."""
    blocks, head, page, tail = _fast_page(layer, q)
    return blocks.body(head, page, tail)


def _fast_encoded(layer: Layer, q: ItemsQuery, gzip_ok: bool) -> tuple[bytes, bool]:
    """The items body as the client takes it: gzip (when accepted and worth it) or plain, and
    whether it is gzip. Only that one is built: the other would double the work of a request."""
    blocks, head, page, tail = _fast_page(layer, q)
    if gzip_ok and blocks.size(head, page, tail) >= GZIP_MIN_BYTES:
        return blocks.gzip(head, page, tail), True
    return blocks.body(head, page, tail), False


def _feature_collection(layer: Layer, q: ItemsQuery) -> dict[str, Any]:
    """The straightforward items path (select, then serialise every feature): the reference the
    fast path :func:`_fast_items` is tested against."""
    sub, geoms, meta = _select(layer, q)
    matched = len(sub)
    page = slice(q.offset, q.offset + q.limit)
    rows, gpage = sub.iloc[page], geoms[page]
    features = [
        {"type": "Feature", "id": props["code"], "geometry": shapely.geometry.mapping(g) if g is not None else None,
         "properties": props}
        for props, g in zip(_properties(rows), gpage, strict=True)
    ]
    return {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "links": _page_links(layer, q, matched, len(features)),
        "year": meta["year"],
        "legend": meta["legend"],
        "notice": meta["notice"],
        "features": features,
    }


# --------------------------------------------------------------------------- routes
@bp.get("/")
def landing() -> Response:
    """Landing page of the API (says so when the store holds the synthetic demo)."""
    data = map_data()
    synthetic = data.cache.get(("synthetic",), lambda: is_synthetic(data.store))
    demo = f" ({SYNTHETIC_LABEL} / synthetic demo data)" if synthetic else ""
    return send(_dumps({
        "title": f"geo-kissos: mapa trhu sociálních služeb{demo}",
        "description": f"Layers of the social-services market map as OGC API - Features collections{demo}.",
        "synthetic": synthetic,
        "links": [
            _link(url_for("api.landing", _external=True), "self", JSON),
            _link(url_for("api.openapi", _external=True), "service-desc", OPENAPI_MEDIA_TYPE,
                  "the API definition (OpenAPI 3.0)"),
            _link(url_for("api.conformance", _external=True), "conformance", JSON),
            _link(url_for("api.collections", _external=True), "data", JSON),
        ],
    }))


@bp.get("/openapi")
def openapi() -> Response:
    """The OpenAPI 3.0 document of this API."""
    if request.args:
        raise ParamError(next(iter(request.args)), "unknown parameter; /openapi takes none")
    data = map_data()

    def build() -> dict[str, Any]:
        return openapi_document(current_app, request.url_root, list(data.layers), list(data.orps()))
    raw, gz = _cached(("openapi", request.url_root), build, _json)  # the document itself: OpenAPI keys only
    return send(raw, mimetype=OPENAPI_MEDIA_TYPE, gz=gz)


@bp.get("/conformance")
def conformance() -> Response:
    """Conformance classes."""
    return send(_dumps({"conformsTo": CONFORMANCE}))


@bp.get("/collections")
def collections() -> Response:
    """Every layer as a collection."""
    if request.args:
        raise ParamError(next(iter(request.args)), "unknown parameter; /collections takes none")
    data = map_data()
    body = {
        "collections": [_collection(layer) for layer in data.layers.values()],
        "links": [_link(url_for("api.collections", _external=True), "self", JSON)],
    }
    return send(_dumps(body))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection (layer) with its legend, popup fields and years."""
    layer = _layer(collection_id)
    year = parse_year(request.args)
    return send(_dumps(_collection(layer, year)))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """Features of a collection as a GeoJSON FeatureCollection (WGS 84)."""
    layer = _layer(collection_id)
    q = parse_items_query(request.args, layer, map_data().orps())
    gzip_ok = bool(request.accept_encodings["gzip"])
    key = ("items", request.host_url, request.script_root, layer.id, q.cache_key(), gzip_ok)  # links echo the URL
    body, packed = map_data().cache.get(key, lambda: _fast_encoded(layer, q, gzip_ok))
    return _send_encoded(body, packed, GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature."""
    layer = _layer(collection_id)
    q = parse_items_query(request.args, layer, map_data().orps())
    sub, geoms, _ = _select(layer, q)
    hit = np.flatnonzero((sub["code"] == feature_id).to_numpy())
    if not len(hit):
        raise NotFound(f"no feature {feature_id!r} in collection {layer.id!r}")
    i = int(hit[0])
    props = _properties(sub.iloc[[i]])[0]
    g = geoms[i]
    body = {"type": "Feature", "id": feature_id, "geometry": shapely.geometry.mapping(g) if g is not None else None,
            "properties": props, "links": [
                _link(request.url, "self", GEOJSON),
                _link(url_for("api.collection", collection_id=layer.id, _external=True), "collection", JSON)]}
    return send(_dumps(body), mimetype=GEOJSON)


@bp.get("/places")
def places() -> Response:
    """Search index: ORPs and municipalities with WGS 84 bounding boxes."""
    if request.args:
        raise ParamError(next(iter(request.args)), "unknown parameter; /places takes none")
    raw, gz = _cached(("places-body",), lambda: {"places": map_data().places()})
    return send(raw, gz=gz)


@bp.get("/boundaries/<level>")
def boundaries(level: str) -> Response:
    """Plain outlines of municipalities or ORPs (GeoJSON, simplified for ``zoom``)."""
    if level not in MAP_LEVELS:
        raise NotFound(f"unknown level {level!r}; use municipality or orp")
    zoom = parse_zoom_only(request.args)

    def build() -> dict[str, Any]:
        data = map_data()
        served = data.coverage(level).served(zoom)
        names = data.orps() if level == "orp" else {}
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": code, "geometry": shapely.geometry.mapping(g) if g is not None else None,
             "properties": {"code": code, "name": names.get(code, "")}}
            for code, g in served.items()]}
    raw, gz = _cached(("boundaries", level, zoom), build)
    return send(raw, mimetype=GEOJSON, gz=gz)
