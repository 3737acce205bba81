"""The query parameters of the items endpoint (``webmap/params.py``), every rule and its message.

Pure functions on a ``MultiDict``: fast enough for the mutation run (``bench/bench_mutation.py
params``). The messages are compared whole: they are what a 400 response tells the caller.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from geo_kissos import layers as gl
from webmap.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ItemsQuery,
    ParamError,
    parse_items_query,
    parse_year,
    parse_zoom_only,
)

POINTS = gl.get_layer("sites")
CHORO = gl.get_layer("population-65-share")
ORPS = {"7101": "Hranice", "7110": "Šternberk"}
ALL = "limit, offset, bbox, year, orp, zoom, f"


def q(layer: gl.Layer = POINTS, **args: str | list[str]) -> ItemsQuery:
    return parse_items_query(MultiDict(args), layer, ORPS)


def fails(param: str, message: str, layer: gl.Layer = POINTS, **args: str | list[str]) -> None:
    with pytest.raises(ParamError) as info:
        q(layer, **args)
    assert info.value.param == param
    assert info.value.message == message
    assert str(info.value) == f"parameter '{param}': {message}"


def test_defaults() -> None:
    assert q() == ItemsQuery() == ItemsQuery(limit=DEFAULT_LIMIT, offset=0)
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (1000, 10_000)
    assert q(CHORO) == ItemsQuery()


def test_limit_offset_year_zoom_ranges() -> None:
    assert q(limit="1").limit == 1 and q(limit=" 10000 ").limit == 10_000
    fails("limit", "0 is outside 1..10000", limit="0")
    fails("limit", "10001 is outside 1..10000", limit="10001")
    fails("limit", "'abc' is not an integer", limit="abc")
    fails("limit", "'1.5' is not an integer", limit="1.5")
    assert q(offset="0").offset == 0 and q(offset="10000000").offset == 10_000_000
    fails("offset", "-1 is outside 0..10000000", offset="-1")
    fails("offset", "10000001 is outside 0..10000000", offset="10000001")
    assert q(year="1900").year == 1900 and q(year="2100").year == 2100
    fails("year", "1899 is outside 1900..2100", year="1899")
    fails("year", "2101 is outside 1900..2100", year="2101")
    assert q(zoom="0").zoom == 0 and q(zoom="22").zoom == 22
    fails("zoom", "23 is outside 0..22", zoom="23")
    fails("zoom", "-1 is outside 0..22", zoom="-1")


def test_a_parameter_given_twice_or_empty() -> None:
    fails("limit", "given more than once", limit=["1", "2"])
    fails("year", "is empty", year=" ")


def test_bbox() -> None:
    assert q(bbox="17,49.5,17.35,49.65").bbox == (17.0, 49.5, 17.35, 49.65)
    assert q(bbox="-180,-90,180,90").bbox == (-180.0, -90.0, 180.0, 90.0)  # the whole world
    assert q(bbox="17,49,17,49").bbox == (17.0, 49.0, 17.0, 49.0)  # a point is a box
    four = "give four numbers: minLon,minLat,maxLon,maxLat (WGS 84)"
    fails("bbox", four, bbox="1,2,3")
    fails("bbox", four, bbox="1,2,3,4,5")
    fails("bbox", "'a,b,c,d' holds a value that is not a number", bbox="a,b,c,d")
    for bad in ("nan,1,2,3", "1,nan,2,3", "1,2,inf,3", "1,2,3,-inf"):
        fails("bbox", "values must be finite numbers", bbox=bad)
    ranges = "longitudes must lie in -180..180 and latitudes in -90..90"
    for bad in ("-181,0,1,1", "0,0,181,1", "0,-91,1,0", "0,0,1,91", "200,0,201,1"):
        fails("bbox", ranges, bbox=bad)
    # each bound on its own edge is inside; just past it is out of range (not "inverted")
    for edge in ("180,0,180,1", "-180,0,-180,1", "0,90,1,90", "0,-90,1,-90"):
        assert q(bbox=edge).bbox is not None
    for bad in ("180.5,0,180,1", "-180,0,-180.5,1", "0,90.5,1,90", "0,-90,1,-90.5"):
        fails("bbox", ranges, bbox=bad)
    order = "minimum is greater than maximum (order: minLon,minLat,maxLon,maxLat)"
    fails("bbox", order, bbox="17,50,16,49")  # both inverted
    fails("bbox", order, bbox="16,50,17,49")  # only the latitudes
    fails("bbox", order, bbox="17,49,16,50")  # only the longitudes


def test_orp_and_format() -> None:
    assert q(orp="7110").orp == "7110"
    fails("orp", "unknown ORP code '9999'", orp="9999")
    assert q(f="json") == q(f="geojson") == q()
    fails("f", "'xml' is not offered; use json", f="xml")


def test_unknown_and_point_only_parameters() -> None:
    fails("colour", f"unknown parameter; use {ALL}, type, form, provider", colour="red")
    fails("colour", f"unknown parameter; use {ALL}", CHORO, colour="red")
    for name in ("type", "form", "provider"):
        fails(name, "applies to point collections only, not to 'population-65-share'", CHORO, **{name: "49"})


def test_types_forms_and_provider_of_points() -> None:
    got = q(type="49, 60A,49", form="Field,residential", provider="1234567")
    assert got.types == ("49", "60a") and got.forms == ("field", "residential")
    assert got.provider == "01234567"
    assert q(provider="12345678").provider == "12345678"
    types = ", ".join(gl_type_codes())
    fails("type", f"unknown § type '99'; use {types}", type="99")
    fails("type", f"unknown § type 'x', 'y'; use {types}", type="49,x,y")
    fails("form", "unknown form 'boat'; use residential, outpatient, field", form="boat")
    fails("provider", "'123456789' is not an IČO (up to 8 digits)", provider="123456789")
    fails("provider", "'12a' is not an IČO (up to 8 digits)", provider="12a")


def gl_type_codes() -> list[str]:
    from geo_kissos.catalogue import SERVICE_TYPE_BY_CODE

    return list(SERVICE_TYPE_BY_CODE)


def test_cache_key_changes_with_every_parameter() -> None:
    base = q()
    variants = [q(limit="5"), q(offset="5"), q(bbox="17,49,18,50"), q(year="2024"), q(orp="7110"),
                q(zoom="9"), q(type="49"), q(form="field"), q(provider="1")]
    keys = {v.cache_key() for v in variants}
    assert len(keys) == len(variants) and base.cache_key() not in keys
    assert base.cache_key() == ItemsQuery().cache_key()


def test_year_and_zoom_only_endpoints() -> None:
    assert parse_year(MultiDict()) is None
    assert parse_year(MultiDict({"year": "2025", "f": "json"})) == 2025
    with pytest.raises(ParamError) as info:
        parse_year(MultiDict({"limit": "5"}))
    assert (info.value.param, info.value.message) == ("limit", "unknown parameter; use year")
    with pytest.raises(ParamError, match=r"^parameter 'year': 1800 is outside 1900\.\.2100$"):
        parse_year(MultiDict({"year": "1800"}))
    assert parse_zoom_only(MultiDict()) is None
    assert parse_zoom_only(MultiDict({"zoom": "5"})) == 5 and parse_zoom_only(MultiDict({"zoom": "0"})) == 0
    with pytest.raises(ParamError) as info:
        parse_zoom_only(MultiDict({"year": "2025"}))
    assert (info.value.param, info.value.message) == ("year", "unknown parameter; use zoom")
