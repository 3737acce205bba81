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
app_user, user_role
    Accounts of the web app (:mod:`geo_kissos.accounts.users`): a user and its roles, one row
    per (role, scope): ``provider`` × IČO, ``orp_coordinator`` × ORP code, ``region_planner``
    and ``admin`` × ``*`` (the whole region).
audit_log
    One row per change made through the write path (:mod:`geo_kissos.accounts.audit`): who,
    when, which record, the record's version and its values before → after as JSON.
municipality_note
    The ORP coordinator's notes on its municipalities (community plan, social work, the office to
    call): the first audited record type of the partners' modules.
applicant_entry, applicant_list, applicant_demand
    The applicants' register (:mod:`geo_kissos.collect.applicants`): providers' waiting lists
    with keyed pseudonyms instead of identifiers, one list (free places, data date) per home,
    and the de-duplicated demand per year × territory of residence × § type.

Audited tables
--------------
A table written by partners through the web is declared with :func:`audited_table`: its own
columns plus the bookkeeping columns ``rec_version`` (1, 2, ... per record), ``rec_deleted``
(1 = deleted: a deletion is a recorded state, the row stays), ``rec_changed_at`` (UTC) and
``rec_changed_by`` (user id). Only the write path sets them; every version of a record is in
``audit_log``, so nothing is overwritten without its history.
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


#: Bookkeeping columns of an audited table, set only by :mod:`geo_kissos.accounts.audit`.
AUDIT_COLUMNS: tuple[str, ...] = ("rec_version", "rec_deleted", "rec_changed_at", "rec_changed_by")


def audited_table(name: str, *columns: Column) -> Table:
    """Declare a table written through the audited write path.

    Parameters
    ----------
    name : str
        Table name (also the GeoPackage layer name).
    *columns : Column
        The table's own columns; the primary key columns identify a record.

    Returns
    -------
    sqlalchemy.Table
        The table in :data:`metadata`, with :data:`AUDIT_COLUMNS` appended.
    """
    return Table(
        name,
        metadata,
        *columns,
        Column("rec_version", Integer, nullable=False),
        Column("rec_deleted", Integer, nullable=False),
        Column("rec_changed_at", DateTime, nullable=False),
        Column("rec_changed_by", String(36), nullable=False),
        info={"audited": True},
    )


# -- accounts and the audit trail ------------------------------------------------------------
audited_table(
    "app_user",
    Column("user_id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("display_name", Text),
    Column("password_hash", Text),  #: argon2id; NULL for accounts of the identity provider
    Column("active", Integer, nullable=False),
    Column("auth_source", String(16), nullable=False),  #: "local" or "oidc"
    Column("oidc_subject", Text),
    Column("session_nonce", String(32), nullable=False),  #: renewed to end every session
)
audited_table(
    "user_role",
    Column("user_id", String(36), primary_key=True),
    Column("role", String(24), primary_key=True),
    Column("scope", String(16), primary_key=True),  #: IČO, ORP code or "*"
)
Table(
    "audit_log",
    metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("at", DateTime, nullable=False),  #: UTC
    Column("actor_id", String(36), nullable=False, index=True),
    Column("actor_name", Text, nullable=False),
    Column("actor_roles", Text, nullable=False),  #: "role:scope" list at the time, as text
    Column("table_name", String(64), nullable=False, index=True),
    Column("record_key", Text, nullable=False, index=True),  #: canonical JSON of the key
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  #: create, update, delete, restore
    Column("before", Text),  #: JSON of the record's values, NULL for a create
    Column("after", Text),  #: JSON of the record's values, NULL for a delete
    Column("note", Text),
)
audited_table(
    "municipality_note",
    Column("note_id", String(36), primary_key=True),
    Column("municipality_code", String(6), nullable=False, index=True),
    Column("orp_code", String(8), nullable=False, index=True),  #: derived by the server
    Column("topic", String(24), nullable=False),
    Column("text", Text, nullable=False),
)

# -- municipalities' reported needs (KISSoS "Obce – potřebnost") ------------------------------
audited_table(
    "reported_need",
    Column("need_id", String(36), primary_key=True),
    Column("period", String(9), nullable=False, index=True),  #: planning period "2027-2029"
    Column("orp_code", String(8), nullable=False, index=True),  #: derived from the municipality
    Column("municipality_code", String(6), index=True),  #: NULL: the whole ORP
    Column("type_code", String(8)),  #: § type; NULL when the need is of a target group
    Column("target_group", String(64)),  #: target-group code, when not a § type
    Column("level", String(8), nullable=False),  #: none, low, medium, high
    Column("units_requested", Float),  #: in the type's planning unit, when known
    Column("justification", Text),
    Column("source", String(16), nullable=False),  #: community_plan, survey, social_work, other
)

# -- applicants' register (KISSoS "Evidence žadatelů"; geo_kissos.collect.applicants) --------
audited_table(
    "applicant_entry",
    Column("entry_id", String(36), primary_key=True),  #: random id, kept across re-uploads
    Column("ico", String(8), nullable=False, index=True),  #: the provider (upload partition)
    Column("service_id", String(16), nullable=False, index=True),  #: the home (upload partition)
    Column("type_code", String(4), nullable=False),  #: § of the service, derived by the server
    Column("pseudonym", String(64), nullable=False, index=True),  #: HMAC-SHA256, never the id
    Column("key_id", String(12), nullable=False),  #: which region key made the pseudonym
    Column("id_kind", String(4), nullable=False),  #: rc (birth number) or case (provider-scoped)
    Column("municipality_code", String(6)),  #: residence; NULL when not given
    Column("orp_code", String(8)),  #: derived; NULL for a residence outside the region
    Column("applied_on", Date, nullable=False),
    Column("urgent", Integer, nullable=False),  #: 1 = urgent (naléhavá)
    Column("status", String(12), nullable=False),  #: waiting, admitted, withdrawn, died
    Column("closed_on", Date),  #: when the application left the waiting state
)
audited_table(
    "applicant_list",
    Column("service_id", String(16), primary_key=True),  #: one list per home (service)
    Column("ico", String(8), nullable=False, index=True),
    Column("type_code", String(4), nullable=False),
    Column("free_places", Integer),  #: free places the provider reported with the list
    Column("data_date", Date, nullable=False),  #: the date the list was exported
    Column("rows", Integer, nullable=False),
    Column("source", Text),  #: the uploaded file's name
)
Table(
    "applicant_demand",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("level", String(12), primary_key=True),  #: municipality, outside, orp, region
    Column("code", String(8), primary_key=True),  #: municipality / ORP / region code ("" outside)
    Column("type_code", String(4), primary_key=True),  #: § type, or "*" = all residential types
    Column("parent_level", String(12)),  #: the cell this one adds up into (NULL for the region)
    Column("parent_code", String(8)),
    Column("applicants", Integer, nullable=False),  #: unique waiting applicants (de-duplicated)
    Column("urgent", Integer, nullable=False),  #: of which with an urgent application
    Column("applications", Integer, nullable=False),  #: waiting applications
    Column("median_wait_days", Float),  #: median of the applicants' longest waits (days)
    Column("data_date", Date),
)

# -- network applications and decisions (KISSoS "Plánování") --------------------------------
audited_table(
    "network_application",
    Column("application_id", String(36), primary_key=True),
    Column("round_id", String(16), nullable=False, index=True),  #: planning round, e.g. "2027"
    Column("kind", String(8), nullable=False),  #: new (a new service) or change (of units)
    Column("provider_ico", String(8), nullable=False, index=True),
    Column("service_id", String(16)),  #: change: the service in the network; new: set on approval
    Column("type_code", String(8), nullable=False),
    Column("name", Text),
    Column("forms", Text),  #: ";"-separated forms
    Column("target_group", String(64)),
    Column("municipality_code", String(6)),  #: the site's municipality (derived from x/y)
    Column("x", Float),  #: site, EPSG:5514 metres
    Column("y", Float),
    Column("reach", Text),  #: ";"-separated municipality codes (field services)
    Column("orp_code", String(8), index=True),  #: derived by the server (checked: never empty)
    Column("units", Float, nullable=False),  #: requested: new service's units / new total
    Column("unit", String(16)),  #: the type's planning unit (server; empty only when refused)
    Column("justification", Text),
    Column("filed_at", DateTime, nullable=False),  #: UTC, set by the server
    Column("late", Integer, nullable=False),  #: 1 = filed after the round's deadline
)
audited_table(
    "application_opinion",
    Column("application_id", String(36), primary_key=True),
    Column("orp_code", String(8), nullable=False, index=True),  #: the application's ORP
    Column("opinion", String(8), nullable=False),  #: positive, negative, neutral
    Column("text", Text),
)
audited_table(
    "application_score",
    Column("application_id", String(36), primary_key=True),
    Column("criterion", String(32), primary_key=True),
    Column("score", Float, nullable=False),
    Column("note", Text),
)
audited_table(
    "application_decision",
    Column("application_id", String(36), primary_key=True),
    Column("stage", String(16), primary_key=True),  #: recommendation (working group), decision
    Column("outcome", String(8), nullable=False),  #: approved, rejected
    Column("units", Float),  #: units recommended / approved
    Column("text", Text),
)
audited_table(
    "plan_target",
    Column("target_id", String(36), primary_key=True),
    Column("plan_period", String(9), nullable=False),  #: e.g. "2024-2026"
    Column("measure", Text, nullable=False),  #: the plan's wording
    Column("target_group", String(64)),
    Column("type_code", String(8)),
    Column("orp_code", String(8)),  #: NULL: the whole region
    Column("units", Float, nullable=False),  #: places/units to add over the period
    Column("unit", String(16)),
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

#: Tables written only through the audited write path (:mod:`geo_kissos.accounts.audit`).
AUDITED_TABLES: frozenset[str] = frozenset(
    str(t.name) for t in metadata.sorted_tables if t.info.get("audited")
)
