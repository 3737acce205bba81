"""The data model: one table definition, used by both stores.

The SQLAlchemy ``MetaData`` below creates the PostGIS schema (through
:mod:`geo_kissos.store.migrations`); the GeoPackage store derives its layer columns
and dtypes from the same definitions, so both stores return identical frames.

Tables and their keys
---------------------
region, orp, municipality
    Territory; geometries are MultiPolygons in EPSG:5514. ORP and region geometries are
    dissolved from municipalities.
population
    Inhabitants per municipality, year and age band.
provider, service, service_form, capacity, site, reach, network
    The market: providers (IČO), registered services (§ type), their forms, capacity per
    form and unit, sites (points; ``location_quality`` says how a point was obtained,
    ``unlocated`` sites have no geometry), territorial reach (service × municipality),
    network membership and units per year and update.
indicator_def, indicator_value
    Social-phenomena indicators (long form).
service_type
    The § catalogue (reference table).
import_log
    One row per import: source, data date, checksum, row counts, who and when.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoalchemy2 import Geometry
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from .crs import STORE_EPSG

metadata = MetaData()


def _geom(kind: str) -> Column:
    return Column("geom", Geometry(kind, srid=STORE_EPSG, spatial_index=True), nullable=True)


Table(
    "service_type",
    metadata,
    Column("type_code", String(4), primary_key=True),
    Column("name_cs", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("forms", Text, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("target_band", String(8), nullable=False),
)
Table(
    "indicator_def",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_cs", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("unit", String(16), nullable=False),
)
Table(
    "region",
    metadata,
    Column("region_code", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    _geom("MULTIPOLYGON"),
)
Table(
    "orp",
    metadata,
    Column("orp_code", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region_code", String(8), nullable=False),
    _geom("MULTIPOLYGON"),
)
Table(
    "municipality",
    metadata,
    Column("municipality_code", String(6), primary_key=True),
    Column("name", Text, nullable=False),
    Column("orp_code", String(8), nullable=False, index=True),
    Column("orp_name", Text),
    Column("district_code", String(8)),
    Column("district_name", Text),
    Column("region_code", String(8), nullable=False),
    Column("region_name", Text),
    _geom("MULTIPOLYGON"),
)
Table(
    "population",
    metadata,
    Column("municipality_code", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("age_band", String(8), primary_key=True),
    Column("persons", Integer, nullable=False),
)
Table(
    "provider",
    metadata,
    Column("ico", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("address", Text),
)
Table(
    "service",
    metadata,
    Column("service_id", String(16), primary_key=True),
    Column("provider_ico", String(8), nullable=False, index=True),
    Column("type_code", String(4), nullable=False, index=True),
    Column("name", Text),
    Column("target_groups", Text),
    Column("contact", Text),
    Column("valid_from", Date),
    Column("valid_to", Date),
)
Table(
    "service_form",
    metadata,
    Column("service_id", String(16), primary_key=True),
    Column("form", String(16), primary_key=True),
)
Table(
    "capacity",
    metadata,
    Column("service_id", String(16), primary_key=True),
    Column("form", String(16), primary_key=True),
    Column("unit", String(16), primary_key=True),
    Column("value", Float, nullable=False),
)
Table(
    "site",
    metadata,
    Column("site_id", String(32), primary_key=True),
    Column("service_id", String(16), nullable=False, index=True),
    Column("name", Text),
    Column("address", Text),
    Column("municipality_code", String(6)),
    Column("ruian_address_code", String(12)),
    Column("location_quality", String(24), nullable=False),
    _geom("POINT"),
)
Table(
    "reach",
    metadata,
    Column("service_id", String(16), primary_key=True),
    Column("municipality_code", String(6), primary_key=True),
)
Table(
    "network",
    metadata,
    Column("service_id", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("update_date", Date, primary_key=True),
    Column("units", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("status", String(24), nullable=False),
)
Table(
    "indicator_value",
    metadata,
    Column("municipality_code", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("value", Float, nullable=False),
    Column("unit", String(16)),
    Column("source", Text),
    Column("data_date", Date),
)
Table(
    "import_log",
    metadata,
    Column("import_id", String(36), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("data_date", Date),
    Column("checksum", String(64), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_written", Integer, nullable=False),
    Column("imported_by", Text, nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("note", Text),
)


@dataclass(frozen=True)
class TableSpec:
    """What a store needs to know of a table, independent of the engine."""

    name: str
    key: tuple[str, ...]
    columns: dict[str, str]  #: column name -> pandas dtype (``geometry`` for the geometry)
    geometry_type: str | None


def _dtype(col: Column) -> str:
    t = col.type
    if isinstance(t, Geometry):
        return "geometry"
    if isinstance(t, Integer):
        return "Int64"
    if isinstance(t, Float):
        return "float64"
    if isinstance(t, DateTime):
        return "datetime64[us]"
    if isinstance(t, Date):
        return "date"
    return "string"


TABLES: dict[str, TableSpec] = {
    str(t.name): TableSpec(
        name=str(t.name),
        key=tuple(str(c.name) for c in t.primary_key.columns),
        columns={str(c.name): _dtype(c) for c in t.columns},
        geometry_type=next(
            (c.type.geometry_type for c in t.columns if isinstance(c.type, Geometry)), None
        ),
    )
    for t in metadata.sorted_tables
}

#: Tables whose rows carry personal data and never leave the store except as aggregates.
#: (The applicants' register is imported only as the aggregate indicator WAITING_RESIDENTIAL.)
PERSONAL_TABLES: frozenset[str] = frozenset()
