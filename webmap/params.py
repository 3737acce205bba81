"""Query parameters of the items endpoint, checked: a bad value is a 400 naming the parameter."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from geo_kissos.catalogue import FORMS, SERVICE_TYPE_BY_CODE
from geo_kissos.errors import ParamError
from geo_kissos.layers import Layer

from .geometry import MAX_ZOOM

__all__ = ["ItemsQuery", "ParamError", "parameter_docs", "parse_int", "parse_items_query", "parse_year",
           "parse_zoom_only"]

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
YEAR_MIN, YEAR_MAX = 1900, 2100
COMMON = ("limit", "offset", "bbox", "year", "orp", "zoom", "f")
POINTS_ONLY = ("type", "form", "provider")
#: Query parameters each API route takes (the OpenAPI document is built from these).
ROUTE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "api.items": COMMON + POINTS_ONLY,
    "api.item": COMMON + POINTS_ONLY,
    "api.collection": ("year", "f"),
    "api.boundaries": ("zoom",),
}


def parameter_docs() -> dict[str, dict[str, object]]:
    """OpenAPI 3.0 parameter objects of the query parameters, with the bounds the parser checks."""
    def q(name: str, schema: dict[str, object], description: str, **extra: object) -> dict[str, object]:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
                **extra}

    def csv(items: dict[str, object]) -> dict[str, object]:
        return {"type": "array", "items": items, "minItems": 1}

    return {
        "limit": q("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                   "Features per page."),
        "offset": q("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                    "Features to skip (paging; see the `next` link)."),
        "bbox": q("bbox", {"type": "array", "minItems": 4, "maxItems": 4,
                           "items": {"type": "number", "minimum": -180, "maximum": 180}},
                  "minLon,minLat,maxLon,maxLat in WGS 84 (CRS84); features that intersect it.",
                  style="form", explode=False),
        "year": q("year", {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
                  "Year of the data (default: the latest)."),
        "orp": q("orp", {"type": "string"}, "Only this ORP (code, see /api/places)."),
        "zoom": q("zoom", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                  "Map zoom: geometries simplified to about a pixel, coordinates rounded."),
        "f": q("f", {"type": "string", "enum": ["json", "geojson"]}, "Output format (JSON/GeoJSON only)."),
        "type": q("type", csv({"type": "string", "enum": list(SERVICE_TYPE_BY_CODE)}),
                  "Point collections only: service types (§ codes), comma-separated.", style="form", explode=False),
        "form": q("form", csv({"type": "string", "enum": list(FORMS)}),
                  "Point collections only: forms of service, comma-separated.", style="form", explode=False),
        "provider": q("provider", {"type": "string", "pattern": "^[0-9]{1,8}$"},
                      "Point collections only: the provider's IČO."),
    }


@dataclass(frozen=True)
class ItemsQuery:
    """The checked parameters of ``/collections/<id>/items``."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    year: int | None = None
    orp: str | None = None
    zoom: int | None = None
    types: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    provider: str | None = None

    def cache_key(self) -> tuple[object, ...]:
        """Everything that changes the response body."""
        return (self.limit, self.offset, self.bbox, self.year, self.orp, self.zoom, self.types, self.forms,
                self.provider)


def _one(args: MultiDict[str, str], name: str) -> str | None:
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParamError(name, "given more than once")
    value = values[0].strip()
    if value == "":
        raise ParamError(name, "is empty")
    return value


def _int(args: MultiDict[str, str], name: str, lo: int, hi: int) -> int | None:
    raw = _one(args, name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(name, f"{raw!r} is not an integer") from None
    if not lo <= value <= hi:
        raise ParamError(name, f"{value} is outside {lo}..{hi}")
    return value


def _bbox(args: MultiDict[str, str]) -> tuple[float, float, float, float] | None:
    raw = _one(args, "bbox")
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise ParamError("bbox", "give four numbers: minLon,minLat,maxLon,maxLat (WGS 84)")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise ParamError("bbox", f"{raw!r} holds a value that is not a number") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise ParamError("bbox", "values must be finite numbers")
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise ParamError("bbox", "longitudes must lie in -180..180 and latitudes in -90..90")
    if w > e or s > n:
        raise ParamError("bbox", "minimum is greater than maximum (order: minLon,minLat,maxLon,maxLat)")
    return (w, s, e, n)


def _list(args: MultiDict[str, str], name: str, allowed: Mapping[str, object], what: str) -> tuple[str, ...]:
    raw = _one(args, name)
    if raw is None:
        return ()
    by_lower = {str(a).lower(): a for a in allowed}  # "60A" is § 60a, "Field" is field
    items = tuple(dict.fromkeys(by_lower.get(p.strip().lower(), p.strip()) for p in raw.split(",")))
    bad = [p for p in items if p not in allowed]
    if bad:
        raise ParamError(name, f"unknown {what} {', '.join(repr(b) for b in bad)}; use {', '.join(allowed)}")
    return items


def parse_items_query(args: MultiDict[str, str], layer: Layer, orps: Mapping[str, str]) -> ItemsQuery:
    """Check the query string of an items request.

    Parameters
    ----------
    args : werkzeug.datastructures.MultiDict
        ``request.args``.
    layer : Layer
        The collection's layer (point-only parameters are refused on choropleths).
    orps : mapping
        Known ORP codes.

    Raises
    ------
    ParamError
        For an unknown parameter or a bad value.
    """
    allowed = COMMON + (POINTS_ONLY if layer.kind == "points" else ())
    for name in args:
        if name not in allowed:
            if name in POINTS_ONLY:
                raise ParamError(name, f"applies to point collections only, not to {layer.id!r}")
            raise ParamError(name, f"unknown parameter; use {', '.join(allowed)}")
    fmt = _one(args, "f")
    if fmt is not None and fmt not in ("json", "geojson"):
        raise ParamError("f", f"{fmt!r} is not offered; use json")
    orp = _one(args, "orp")
    if orp is not None and orp not in orps:
        raise ParamError("orp", f"unknown ORP code {orp!r}")
    provider = _one(args, "provider") if layer.kind == "points" else None
    if provider is not None and not (provider.isdigit() and len(provider) <= 8):
        raise ParamError("provider", f"{provider!r} is not an IČO (up to 8 digits)")
    limit = _int(args, "limit", 1, MAX_LIMIT)
    return ItemsQuery(
        limit=DEFAULT_LIMIT if limit is None else limit,
        offset=_int(args, "offset", 0, MAX_OFFSET) or 0,
        bbox=_bbox(args),
        year=_int(args, "year", YEAR_MIN, YEAR_MAX),
        orp=orp,
        zoom=_int(args, "zoom", 0, MAX_ZOOM),
        types=_list(args, "type", SERVICE_TYPE_BY_CODE, "§ type") if layer.kind == "points" else (),
        forms=_list(args, "form", FORMS, "form") if layer.kind == "points" else (),
        provider=provider.zfill(8) if provider else None,
    )


def parse_year(args: MultiDict[str, str]) -> int | None:
    """The optional ``year`` of the collection endpoint (other parameters refused)."""
    for name in args:
        if name not in ROUTE_PARAMETERS["api.collection"]:
            raise ParamError(name, "unknown parameter; use year")
    return _int(args, "year", YEAR_MIN, YEAR_MAX)


def parse_zoom_only(args: MultiDict[str, str]) -> int | None:
    """The optional ``zoom`` of the boundaries endpoint (other parameters refused)."""
    for name in args:
        if name not in ROUTE_PARAMETERS["api.boundaries"]:
            raise ParamError(name, "unknown parameter; use zoom")
    return _int(args, "zoom", 0, MAX_ZOOM)


def parse_int(args: MultiDict[str, str], name: str, lo: int, hi: int) -> int | None:
    """The optional integer parameter ``name`` in ``lo..hi`` (used by the export routes too).

    Raises
    ------
    ParamError
        When it is given twice, empty, not an integer or out of range.
    """
    return _int(args, name, lo, hi)
