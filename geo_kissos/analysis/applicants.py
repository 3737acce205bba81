"""Demand from the applicants' register: unique applicants, de-duplicated across homes.

One person on the lists of three homes is one applicant. A person is a pseudonym with its key id
(:mod:`geo_kissos.collect.pseudonym`; pseudonyms of different keys are never merged); their
residence is the municipality of their latest application (one residence per person, so the
municipalities of an ORP add up to the ORP and the ORPs plus the residents from outside of the
region add up to the region). Only *waiting* applications count as demand.

Per year (:func:`aggregate`, from the home lists whose data date falls in that year) and per
territory of residence × § type (and ``"*"`` = any residential type, a person counted once):

``applicants``
    unique waiting applicants;
``urgent``
    of them with at least one urgent application;
``applications``, ``applications_per_applicant``
    waiting applications (a person on three lists: three);
``median_wait_days``
    median of each applicant's longest wait (the list's data date − the date of application).

:func:`store_aggregate` writes the cells to ``applicant_demand`` and the indicator
``WAITING_RESIDENTIAL`` (unique applicants of any residential type per municipality of the
region, zeros included) to ``indicator_value``, with its source and data date (CLI:
``geo-kissos applicants aggregate --year``). Every output path publishes them through
:func:`published_demand` (:mod:`geo_kissos.analysis.disclosure`): counts below 5 as ``"<5"``,
their complements hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..accounts import audit
from . import disclosure as dc
from .errors import AnalysisError

__all__ = ["INDICATOR", "ALL_TYPES", "Aggregates", "aggregate", "store_aggregate", "demand_cells",
           "published_demand", "free_places", "waiting_column", "waiting_layer_mask"]

INDICATOR = "WAITING_RESIDENTIAL"
ALL_TYPES = "*"
ENTRY, LIST = "applicant_entry", "applicant_list"
_CELL_COLS = ["level", "code", "type_code", "parent_level", "parent_code", "applicants", "urgent",
              "applications", "median_wait_days"]


@dataclass
class Aggregates:
    """The demand cells of one year and what they were computed from."""

    year: int
    cells: pd.DataFrame  #: columns of ``applicant_demand`` without year / data date
    free: pd.DataFrame  #: free places per home (service) and its ORP
    data_date: date | None
    lists: int  #: home lists used
    key_ids: list[str] = field(default_factory=list)  #: pseudonym keys in use (rotation: > 1)
    case_rows: int = 0  #: applications identified only within their provider

    @property
    def source(self) -> str:
        """The source line written with the indicator."""
        return (f"Evidence žadatelů KISSoS: {self.lists} seznamů domovů, unikátní žadatelé "
                f"(data k {self.data_date.isoformat() if self.data_date else '?'})")


def _lists_of_year(reader: audit.Reader, year: int) -> pd.DataFrame:
    lists = audit.current(reader, LIST)
    if lists.empty:
        return lists
    d = pd.to_datetime(lists["data_date"])
    return lists.loc[d.dt.year == int(year)].reset_index(drop=True)


def aggregate(reader: audit.Reader, year: int) -> Aggregates:
    """The de-duplicated demand of ``year`` from the stored lists (whole region, all cells).

    Raises
    ------
    AnalysisError
        No home list with a data date in ``year`` is loaded.
    """
    lists = _lists_of_year(reader, year)
    if lists.empty:
        raise AnalysisError(f"no applicants' list with a data date in {year} is loaded "
                            "(providers upload them: geo-kissos applicants upload / the web page)")
    entries = audit.current(reader, ENTRY, {"service_id": sorted(lists["service_id"].astype(str))})
    munis = reader.read("municipality")
    region = str(munis["region_code"].iloc[0]) if len(munis) else ""
    orp_of = dict(zip(munis["municipality_code"].astype(str), munis["orp_code"].astype(str), strict=True))
    as_of = dict(zip(lists["service_id"].astype(str), pd.to_datetime(lists["data_date"]), strict=True))
    w = entries.loc[entries["status"] == "waiting"].copy()
    key_ids = sorted(set(entries["key_id"].astype(str))) if len(entries) else []
    case_rows = int((entries["id_kind"] == "case").sum()) if len(entries) else 0
    cells = _cells(w, as_of, orp_of, region)
    data_date = pd.to_datetime(lists["data_date"]).max().date()
    return Aggregates(int(year), cells, free_places(reader, lists), data_date, len(lists), key_ids, case_rows)


def _cells(w: pd.DataFrame, as_of: dict[str, pd.Timestamp], orp_of: dict[str, str],
           region: str) -> pd.DataFrame:
    if w.empty:
        return pd.DataFrame(columns=_CELL_COLS)
    w = w.assign(person=w["key_id"].astype(str) + ":" + w["pseudonym"].astype(str),
                 applied=pd.to_datetime(w["applied_on"]))
    w["wait"] = (w["service_id"].astype(str).map(as_of) - w["applied"]).dt.days.clip(lower=0)
    # one residence per person: the municipality of the latest application
    latest = w.sort_values(["applied", "entry_id"]).groupby("person").tail(1)
    home = latest.set_index("person")["municipality_code"]
    w["residence"] = w["person"].map(home).fillna("").astype(str)
    w["res_orp"] = w["residence"].map(orp_of)
    per = []
    for tcode, part in [(ALL_TYPES, w)] + list(w.groupby("type_code")):
        p = part.groupby("person").agg(urgent=("urgent", "max"), wait=("wait", "max"),
                                       applications=("entry_id", "size"),
                                       residence=("residence", "first"), orp=("res_orp", "first"))
        p["type_code"] = str(tcode)
        per.append(p.reset_index())
    people = pd.concat(per, ignore_index=True)
    inside = people["orp"].notna()

    def agg(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return df.groupby(keys, dropna=False).agg(
            applicants=("person", "size"), urgent=("urgent", "sum"), applications=("applications", "sum"),
            median_wait_days=("wait", "median")).reset_index()

    m = agg(people[inside], ["type_code", "residence", "orp"]).rename(columns={"residence": "code"})
    m = m.assign(level="municipality", parent_level="orp", parent_code=m.pop("orp"))
    out = agg(people[~inside].assign(residence=""), ["type_code", "residence"]).rename(columns={"residence": "code"})
    out = out.assign(level="outside", parent_level="region", parent_code=region)
    o = agg(people[inside], ["type_code", "orp"]).rename(columns={"orp": "code"})
    o = o.assign(level="orp", parent_level="region", parent_code=region)
    r = agg(people.assign(region=region), ["type_code", "region"]).rename(columns={"region": "code"})
    r = r.assign(level="region", parent_level=None, parent_code=None)
    cells = pd.concat([m, out, o, r], ignore_index=True)[_CELL_COLS]
    for c in ("applicants", "urgent", "applications"):
        cells[c] = cells[c].astype(int)
    return cells


def free_places(reader: audit.Reader, lists: pd.DataFrame | None = None) -> pd.DataFrame:
    """Free places per home as its provider reported them, with the home's ORP (first site)."""
    lists = audit.current(reader, LIST) if lists is None else lists
    cols = ["service_id", "ico", "type_code", "name", "orp_code", "free_places", "data_date"]
    if lists.empty:
        return pd.DataFrame(columns=cols)
    svc = reader.read("service", {"service_id": sorted(lists["service_id"].astype(str))})
    site = reader.read("site", {"service_id": sorted(lists["service_id"].astype(str))})
    munis = reader.read("municipality")
    orp_of = dict(zip(munis["municipality_code"].astype(str), munis["orp_code"].astype(str), strict=True))
    first = (site.sort_values("site_id").groupby("service_id")["municipality_code"].first()
             if len(site) else pd.Series(dtype=object))
    out = lists.merge(svc[["service_id", "name"]], on="service_id", how="left")
    out["orp_code"] = out["service_id"].map(first).map(orp_of)
    return out[cols].reset_index(drop=True)


def store_aggregate(store, year: int) -> Aggregates:
    """Compute :func:`aggregate` and write ``applicant_demand`` and ``WAITING_RESIDENTIAL``
    (replacing that year's), logging the import (source and data date)."""
    agg = aggregate(store, year)
    munis = store.read("municipality")
    star = agg.cells[(agg.cells["type_code"] == ALL_TYPES) & (agg.cells["level"] == "municipality")]
    counts = star.set_index("code")["applicants"]
    ind = pd.DataFrame({
        "municipality_code": munis["municipality_code"].astype(str),
        "year": int(year), "code": INDICATOR,
        "value": munis["municipality_code"].astype(str).map(counts).fillna(0).astype(float),
        "unit": "persons", "source": agg.source, "data_date": pd.Timestamp(agg.data_date),
    })
    demand = agg.cells.assign(year=int(year), data_date=pd.Timestamp(agg.data_date))
    with store.transaction() as w:
        w.replace("applicant_demand", demand, {"year": int(year)})
        w.replace("indicator_value", ind, {"code": INDICATOR, "year": int(year)})
        w.log_import("applicants", agg.source, f"applicants-{year}-{agg.data_date}", int(len(agg.cells)),
                     int(len(ind) + len(demand)), data_date=agg.data_date,
                     note=f"keys {','.join(agg.key_ids)}; provider-scoped applications {agg.case_rows}")
    return agg


def demand_cells(reader: audit.Reader, year: int) -> pd.DataFrame:
    """The stored (unprotected) demand cells of ``year``; empty when none were aggregated."""
    df = reader.read("applicant_demand", {"year": int(year)})
    return df.reset_index(drop=True)


def published_demand(cells: pd.DataFrame) -> pd.DataFrame:
    """The demand cells as they may leave the store: disclosure-controlled.

    Adds ``applicants_mask`` / ``urgent_mask`` (0 shown, 1 "<5", 2 "skryto") and replaces the
    counts and measures by their published cells (object dtype: int, ``"<5"``, ``"skryto"``);
    ``applications_per_applicant`` and ``median_wait_days`` are hidden with their applicants
    (and a median of fewer than 5 persons always).
    """
    c = cells.copy().reset_index(drop=True)
    if c.empty:
        for col in ("applicants_mask", "urgent_mask", "applications_per_applicant"):
            c[col] = pd.Series(dtype=object)
        return c
    tree = dict(key=["level", "code"], parent=["parent_level", "parent_code"], group=["type_code"])
    am = dc.protect(c, "applicants", **tree)
    um = dc.protect(c, "urgent", **tree, initial=dc.complement(c["urgent"], c["applicants"], am))
    c["applicants_mask"], c["urgent_mask"] = am, um
    ok = (am == dc.NONE) & (pd.to_numeric(c["applicants"]) >= dc.THRESHOLD)
    per = np.divide(c["applications"].to_numpy(float), c["applicants"].to_numpy(float),
                    out=np.full(len(c), np.nan), where=c["applicants"].to_numpy(float) > 0)
    c["applications_per_applicant"] = pd.Series(per).round(2).where(ok, np.nan)
    c["median_wait_days"] = pd.to_numeric(c["median_wait_days"]).where(ok, np.nan)
    c["applications"] = dc.published(c["applications"], am.where(am == dc.NONE, dc.SECONDARY))
    c["applicants"] = dc.published(c["applicants"], am)
    c["urgent"] = dc.published(c["urgent"], um)
    return c


def waiting_column(gaps: pd.DataFrame, cells: pd.DataFrame | None) -> pd.DataFrame:
    """The gap table with ``waiting_applicants`` (published unique applicants per ORP × type).

    NA where no list of the type is loaded (never 0 for "not known"); ``"<5"`` / ``"skryto"``
    where disclosure control hides the count.
    """
    out = gaps.copy()
    out["waiting_applicants"] = pd.Series([pd.NA] * len(out), index=out.index, dtype=object)
    if cells is None or cells.empty or out.empty:
        return out
    pub = published_demand(cells)
    orp = pub[pub["level"] == "orp"].set_index(["code", "type_code"])["applicants"]
    types = set(pub["type_code"].astype(str)) - {ALL_TYPES}
    vals = []
    for code, tc in zip(out["code"].astype(str), out["type_code"].astype(str), strict=True):
        if tc not in types:
            vals.append(pd.NA)
        else:
            vals.append(orp.get((code, tc), 0))
    out["waiting_applicants"] = pd.Series(vals, index=out.index, dtype=object)
    return out


def waiting_layer_mask(reader: audit.Reader, year: int, level: str) -> pd.Series:
    """Codes (municipality or ORP) whose WAITING_RESIDENTIAL must be hidden on a map -> label.

    Uses the very masks of :func:`published_demand` (any residential type), so the map hides
    what the tables hide and no output can be subtracted from another.
    """
    cells = demand_cells(reader, year)
    if cells.empty:
        return pd.Series(dtype=object)
    pub = published_demand(cells)
    sel = pub[(pub["type_code"] == ALL_TYPES) & (pub["level"] == level) & (pub["applicants_mask"] != dc.NONE)]
    return pd.Series(sel["applicants"].to_numpy(), index=sel["code"].astype(str).to_numpy(), dtype=object)


def protect_layer_frame(frame: pd.DataFrame, reader: audit.Reader, year: int | None, level: str) -> pd.DataFrame:
    """Disclosure control of a WAITING_RESIDENTIAL map frame (``code``, ``orp_code``, ``value``,
    ``label``): the hidden cells get ``value`` NaN and the label ``"<5"`` / ``"skryto"``.

    With the register's aggregates of the year, their masks (:func:`waiting_layer_mask`); for an
    imported aggregate, the same rules on the frame itself (municipalities within their ORP,
    ORPs within the region).
    """
    out = frame.copy()
    masks = waiting_layer_mask(reader, year, level) if year is not None else pd.Series(dtype=object)
    if masks.empty:
        counts = out["indicator"] if "indicator" in out.columns else out["value"]
        cells = pd.DataFrame({"code": out["code"].astype(str), "applicants": counts,
                              "parent": (out["orp_code"].astype(str) if level == "municipality" else "R")})
        m = dc.protect(cells.assign(level=level, plevel="up"), "applicants", key=["level", "code"],
                       parent=["plevel", "parent"])
        masks = pd.Series([dc.SMALL if v == dc.PRIMARY else dc.HIDDEN for v in m[m != dc.NONE]],
                          index=cells.loc[m != dc.NONE, "code"].to_numpy(), dtype=object)
    hide = out["code"].astype(str).isin(masks.index)
    out.loc[hide, "value"] = np.nan
    out.loc[hide, "label"] = out.loc[hide, "code"].astype(str).map(masks)
    for col in ("indicator",):
        if col in out.columns:
            out.loc[hide, col] = np.nan
    return out


def with_waiting(reader: audit.Reader, year: int, gaps: pd.DataFrame) -> pd.DataFrame:
    """The gap table of ``year`` with the register's ``waiting_applicants`` (:func:`waiting_column`)
    beside the target population; NA everywhere when no lists of that year were aggregated."""
    cells = demand_cells(reader, year)
    out = waiting_column(gaps, cells if len(cells) else None)
    if "target_population" in out.columns:
        col = out.pop("waiting_applicants")
        out.insert(out.columns.get_loc("target_population") + 1, "waiting_applicants", col)
    return out
