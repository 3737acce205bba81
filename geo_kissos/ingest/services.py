"""Import of the register of social-service providers (MPSV open data ``rpss.json``).

Format (MPSV open data, data.mpsv.cz/od/soubory/rpss/rpss.json; field names verified against
published descriptions and consumers of the real file)::

    {"polozky": [
      {"id": 123, "identifikator": "1234567", "portalId": ...,
       "datumPoskytovaniOd": "2012-01-01", "datumPoskytovaniDo": null,
       "druhSocialniSluzby": {"id": "DruhSocialniSluzby/13"},
       "poskytovatel": {"ico": 12345678, "nazev": "...", "adresa": {...}, "statutarniOrgany": [...],
                        "telefony": [...], "emaily": [...], "weby": [...]},
       "ciloveSkupiny": [{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}}],
       "telefony": [{"telefon": "..."}], "emaily": [{"email": "..."}], "weby": [{"web": "..."}],
       "rozsirenePusobnostiVKraji": [...], "doplnkoveUdaje": {...},
       "formy": [{"forma": {"id": "FormaSocialniSluzby/pob"},
                  "kapacity": [{"pocet": 32, "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]}],
       "zarizeni": [{"nazev": "...", "utajenaAdresa": false, "poskytujeOd": "2012-01-01", "poskytujeDo": null,
                     "adresa": {"kodAdresnihoMista": 11867906, "obec": {"id": "Obec/554499"},
                                "ulice": {"nazev": "Nemocniční"}, "cisloDomovni": 2272, "psc": "35201"}}]},
      ...]}

Assumptions, documented because the codelists are separate files:

* ``druhSocialniSluzby.id`` is a codelist reference (``DruhSocialniSluzby/N``); its number is
  not the § of the law. It is resolved with the codelist ``druhy-socialni-sluzby.json``
  (``polozky[].id`` + ``nazev.cs``), matched to the § catalogue by the Czech name. The codelist is
  taken from ``--types`` or from the same folder as the register. A § code given directly
  (``"49"``, ``"§ 49"``, ``{"kod": "49"}``) is accepted too.
* ``ciloveSkupiny[].cilovaSkupina.id`` (the real shape, one level deeper; a flat ``{"id": ...}``
  is accepted too) are references to the codelist of target groups
  (``CilovaSkupinaOsoby/N``). They are stored as Czech names, ``;``-joined, resolved with the
  codelist ``cilove-skupiny-osoby.json`` (or ``cilove-skupiny.json``) beside the register or given
  by ``--target-groups`` (see :mod:`geo_kissos.ingest.target_groups`); an id not in the codelist,
  or every id when there is no codelist, is kept as the raw reference and counted in a warning.
* Forms: ``FormaSocialniSluzby/pob|amb|ter`` -> residential, outpatient, field.
* Capacity types: ``TypKapacitySocialniSluzby/luzka|klient|kontakt|interv|hovor`` -> units
  ``beds, clients, contacts, interventions, calls``; capacity is kept per form and unit, and two
  capacities of one form and type are summed. ``pocet`` is the registered maximum.
* ``identifikator`` (the registration number of the service) is the service id (``id`` when absent).
* The register has no service name: the name stored is the first facility's ``nazev``. Names are
  stored and compared without leading or trailing spaces.
* The provider's IČO is ``poskytovatel.ico`` (a JSON number is zero-padded to 8 digits); when no
  facility has an address, the service is placed in the region by ``poskytovatel.adresa`` or
  ``kontaktniAdresy[]`` (``obec``). ``poskytovatel.nazev`` must be text.
* Contacts are the service's ``telefony/emaily/weby``, else the provider's; read from those named
  keys only (``doplnkoveUdaje`` holds links to documents and is never searched).
* Personal fields (``poskytovatel.statutarniOrgany``, the heads of facilities) are never read.
* A facility listed twice under one service (same name, address code, municipality and dates) is
  one site; a facility closed before the data date (``poskytujeDo``) or opening after it
  (``poskytujeOd``) is no site. The service's own ``datumPoskytovaniDo`` is stored and decides
  whether the service is active in a year (an ended registration keeps facilities with
  ``poskytujeDo: null``).
* ``utajenaAdresa: true`` (shelters): the facility is placed at its municipality's representative
  point (``location_quality='withheld_municipality'``) or nowhere; its street, numbers and
  address code are never stored (a warning names those given anyway).
* ``rozsirenePusobnostiVKraji`` (its exact shape is in MPSV's schema, not known here) is read as a
  list of objects holding codelist references ``Obec/N``, ``Orp/N``, ``Okres/N`` or ``Kraj/N``,
  anywhere inside them; they become the service's reach (replacing its stored reach). ``reach.csv``
  overrides it for the services it names: loaded after the register it replaces their reach, and a
  later register import leaves the reach of services named by an imported reach file (still at
  its path, unchanged) as it is.
* When ``rpss.schema.json`` lies beside the register, every item is validated against it first
  (:mod:`geo_kissos.ingest.register_schema`).

The register is national: a service is kept when one of its facilities (or, lacking any facility
address, its provider's address) lies in a municipality of the store (of ``region`` when given);
the others are counted as outside the region. Facilities get a point from the RÚIAN
address-point file when given (``location_quality='address_point'``), else the municipality's
representative point (``'municipality_centroid'``); a facility without an address is kept as a
site without geometry (``'unlocated'``).

The register is parsed as a stream of parser events (ijson): memory grows with the services of
the region, not with the size of the file, and an item nested deeper than :data:`MAX_DEPTH` is
refused as soon as the bound is passed. Every input is copied privately while hashed and the copy
is parsed (:func:`geo_kissos.ingest.common.snapshot_file`): the checksum logged is of the bytes
imported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import ijson
import pandas as pd
import shapely
from ijson.common import ObjectBuilder

from ..catalogue import SERVICE_TYPE_BY_CODE, SERVICE_TYPES, UNIT_ALIASES
from ..crs import STORE_EPSG
from ..errors import InputError, Problem
from ..store import Store
from .common import ImportResult, Problems, Snapshot, claim_import, sha256_file, snapshot_file
from .network import REACH_COLUMNS
from .register_schema import find_schema, item_problems, item_validator
from .tabular import iter_csv, municipality_code, open_binary, parse_date, parse_number, progress_bar, require_file
from .target_groups import CODELIST_NAMES as TARGET_GROUP_CODELIST_NAMES
from .target_groups import find_codelist as find_target_group_codelist
from .target_groups import read_target_group_codelist, target_group_names

KIND = "services"
CODELIST_NAME = "druhy-socialni-sluzby.json"

FORM_CODES: dict[str, str] = {
    "pob": "residential", "pobytova": "residential", "pobytová": "residential", "residential": "residential",
    "amb": "outpatient", "ambulantni": "outpatient", "ambulantní": "outpatient", "outpatient": "outpatient",
    "ter": "field", "terenni": "field", "terénní": "field", "field": "field",
}

#: RÚIAN address-point CSV columns (canonical -> header names).
ADDRESS_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Kód ADM", "Kod ADM", "kod_adm", "KOD_ADM"),
    "municipality_code": ("Kód obce", "Kod obce", "kod_obce"),
    "y": ("Souřadnice Y", "Souradnice Y", "souradnice_y"),
    "x": ("Souřadnice X", "Souradnice X", "souradnice_x"),
}

#: A withheld address (``utajenaAdresa``): the point is the municipality's representative point.
WITHHELD_QUALITY = "withheld_municipality"


def _ref(v: Any) -> str | None:
    """The text of a codelist reference: ``{"id": "X/1"}`` -> ``"X/1"``; plain values as text."""
    if v is None:
        return None
    if isinstance(v, dict):
        for k in ("id", "kod", "code"):
            if v.get(k) not in (None, ""):
                return str(v[k]).strip()
        return None
    s = str(v).strip()
    return s or None


def _norm_name(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().lower())


def read_type_codelist(path: Path) -> dict[str, str]:
    """Map codelist ids (``DruhSocialniSluzby/N``) to § codes by matching Czech names.

    Raises
    ------
    InputError
        The file is not a codelist (no ``polozky`` with ``id`` and ``nazev``).
    """
    require_file(path)
    by_name = {_norm_name(t.name_cs): t.code for t in SERVICE_TYPES}
    try:
        with open(path, encoding="utf-8-sig") as f:
            items = json.load(f)["polozky"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError([Problem(path.name, "", "polozky", f"not a codelist: {exc}")]) from None
    out: dict[str, str] = {}
    for it in items:
        ident = _ref(it.get("id"))
        name = it.get("nazev")
        name = name.get("cs") if isinstance(name, dict) else name
        if ident and name and _norm_name(str(name)) in by_name:
            out[ident] = by_name[_norm_name(str(name))]
    return out


_PARA = re.compile(r"^(?:§\s*)?(\d{2}a?)$")


def resolve_type(raw: Any, codelist: dict[str, str]) -> str | None:
    """§ code of a ``druhSocialniSluzby`` value, or None when unknown."""
    ref = _ref(raw)
    if ref is None:
        return None
    if ref in codelist:
        return codelist[ref]
    m = _PARA.match(ref.replace(" ", "") if ref.startswith("§") else ref)
    if m and m.group(1) in SERVICE_TYPE_BY_CODE:
        return m.group(1)
    return None


@dataclass
class AddressPoint:
    """A RÚIAN address point in EPSG:5514."""

    x: float
    y: float
    municipality_code: str | None


def read_address_points(
    path: Path, wanted: set[str] | None = None, collect_all: bool = False, progress: bool = False
) -> tuple[dict[str, AddressPoint], list[str]]:
    """Read RÚIAN address points (``Kód ADM; ...; Souřadnice Y; Souřadnice X``), streamed.

    RÚIAN publishes S-JTSK coordinates as positive numbers (the south/west-oriented axes of
    EPSG:5513): ``Souřadnice Y`` is the distance westwards, ``Souřadnice X`` southwards. In
    EPSG:5514 (Krovak East North) that is ``x = -Y`` and ``y = -X``. Values already negative are
    taken as EPSG:5514.

    Parameters
    ----------
    path : Path
        One CSV file, or a folder of them (RÚIAN ships one file per municipality).
    wanted : set of str, optional
        Keep only these address codes (memory stays bounded on the national file).
    """
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    points: dict[str, AddressPoint] = {}
    warnings: list[str] = []
    for f in files:
        probs = Problems(f.name, collect_all)
        for lineno, row in iter_csv(f, ADDRESS_COLUMNS, ("code", "y", "x"), progress=progress):
            code = row["code"]
            if code is None or not code.isdigit():
                probs.add(f"row {lineno}", "Kód ADM", f"'{code}' is not an address-point code")
                continue
            if wanted is not None and code not in wanted:
                continue
            y, err_y = parse_number(row["y"])
            x, err_x = parse_number(row["x"])
            if err_y or err_x:
                fld, err = ("Souřadnice Y", err_y) if err_y else ("Souřadnice X", err_x)
                probs.add(f"row {lineno} (Kód ADM={code})", fld, f"coordinate {err}")
                continue
            assert x is not None and y is not None
            ex, ey = (-y, -x) if y > 0 and x > 0 else (y, x)
            if not (-1_000_000 < ex < -400_000 and -1_300_000 < ey < -900_000):
                probs.add(f"row {lineno} (Kód ADM={code})", "Souřadnice Y",
                          f"({row['y']}, {row['x']}) is not an S-JTSK point in Czechia")
                continue
            mcode = municipality_code(row.get("municipality_code"))[0]
            points[code] = AddressPoint(ex, ey, mcode)
        probs.raise_if_any()
    return points, warnings


@dataclass
class _Facility:
    name: str | None
    address: str | None
    municipality_code: str | None
    ruian_code: str | None
    withheld: bool = False


@dataclass
class _Service:
    service_id: str
    label: str
    provider: dict[str, Any]
    type_code: str
    name: str | None
    target_groups: list[str]  #: raw codelist references (``CilovaSkupinaOsoby/N``)
    contact: str | None
    valid_from: date | None
    valid_to: date | None
    capacity: dict[tuple[str, str], float] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    facilities: list[_Facility] = field(default_factory=list)
    home_municipality: str | None = None
    reach: list[str] | None = None  #: references of ``rozsirenePusobnostiVKraji`` (None: absent)


@dataclass
class _Tally:
    """What the item parser left out or repaired, for the import's warnings."""

    duplicates: int = 0
    closed: int = 0
    not_open: int = 0
    withheld: int = 0
    withheld_full: list[str] = field(default_factory=list)  #: "item N (...), field 'zarizeni[j].adresa'"


def _text(v: Any) -> str | None:
    """A name compared and stored without leading or trailing spaces (None when empty)."""
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _address_text(a: dict[str, Any]) -> str | None:
    if not isinstance(a, dict):
        return None
    street = (a.get("ulice") or {}).get("nazev") if isinstance(a.get("ulice"), dict) else a.get("ulice")
    num = str(a.get("cisloDomovni") or "")
    if a.get("cisloOrientacni"):
        num += f"/{a['cisloOrientacni']}"
    part = f"{street} {num}".strip() if street else (f"č.p. {num}" if num else "")
    town = _ref(a.get("obec")) or ""
    psc = a.get("psc") or ""
    text = ", ".join(p for p in (part, f"{psc} {town}".strip()) if p)
    return text or None


#: Address keys finer than the municipality (a withheld address must carry none of them).
_STREET_KEYS = ("ulice", "cisloDomovni", "cisloOrientacni", "kodAdresnihoMista", "dodatekAdresy", "psc",
                "castObce")


def _contact(holder: dict[str, Any]) -> str | None:
    """Phones, e-mails and web sites from the named keys only (never mined from other fields)."""
    parts: list[str] = []
    for key, sub in (("telefony", "telefon"), ("emaily", "email"), ("weby", "web")):
        values = holder.get(key)
        if not isinstance(values, list):
            continue
        for c in values:
            if isinstance(c, dict) and isinstance(c.get(sub), str | int) and str(c[sub]).strip():
                parts.append(str(c[sub]).strip())
    return "; ".join(parts) or None


def _ico(raw: Any) -> str | None:
    """IČO as 8 digits: a JSON number (``12345``) or text is zero-padded (``"00012345"``)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    s = str(raw).strip()
    if s.isdigit() and len(s) < 8:
        s = s.zfill(8)
    return s or None


def _group_ref(g: Any) -> str | None:
    """A target-group reference: ``{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}}`` (the real
    shape) or a flat ``{"id": ...}``."""
    if isinstance(g, dict) and "cilovaSkupina" in g:
        return _ref(g["cilovaSkupina"])
    return _ref(g)


def _reach_refs(v: Any, out: list[str]) -> None:
    """Codelist references (``Obec/N``, ``Orp/N``, ``Okres/N``, ``Kraj/N``) anywhere in ``v``."""
    if isinstance(v, str) and "/" in v:
        out.append(v.strip())
    elif isinstance(v, dict):
        ident = v.get("id")
        if isinstance(ident, str) and "/" in ident:
            out.append(ident.strip())
        for k, sub in v.items():
            if k != "id" and isinstance(sub, dict | list):
                _reach_refs(sub, out)
    elif isinstance(v, list):
        for sub in v:
            _reach_refs(sub, out)


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number"}.get(type(v), type(v).__name__)


def _parse_item(
    idx: int, item: Any, codelist: dict[str, str], probs: Problems, seen: dict[str, str],
    on: date | None = None, tally: _Tally | None = None,
) -> _Service | None:
    """Validate one register item; record problems; return the parsed service or None.

    ``on`` is the data date: a facility closed before it (``poskytujeDo``) or opening after it
    (``poskytujeOd``) is no site.
    """
    tally = tally if tally is not None else _Tally()
    if not isinstance(item, dict):
        probs.add(f"item {idx}", "", "an item of 'polozky' is not an object")
        return None
    sid = _ref(item.get("identifikator")) or _ref(item.get("id"))
    label = f"item {idx}" + (f" (identifikator={sid})" if sid else "")
    n_before = len(probs.items)
    if sid is None:
        probs.add(label, "identifikator", "missing service id")
        return None
    if len(sid) > 16:
        probs.add(label, "identifikator", f"'{sid}' is longer than 16 characters")
    if sid in seen:
        probs.add(label, "identifikator", f"service id {sid} repeats {seen[sid]}")
        return None
    seen[sid] = f"item {idx}"
    type_code = resolve_type(item.get("druhSocialniSluzby"), codelist)
    if type_code is None:
        raw = item.get("druhSocialniSluzby")
        hint = "" if codelist else f" (no codelist {CODELIST_NAME} found beside the register: use --types)"
        probs.add(label, "druhSocialniSluzby", f"unknown service type {json.dumps(raw, ensure_ascii=False)}{hint}")
    prov = item.get("poskytovatel")
    ico = None
    prov_name: str | None = None
    if not isinstance(prov, dict):
        probs.add(label, "poskytovatel", "missing provider")
        prov = {}
    else:
        raw_ico = next((prov[k] for k in ("ico", "ičo", "ic") if prov.get(k) not in (None, "")), None)
        ico = _ico(raw_ico)
        if ico is None or not (ico.isdigit() and len(ico) == 8):
            probs.add(label, "poskytovatel.ico", f"'{raw_ico}' is not an 8-digit IČO")
            ico = None
        raw_name = prov.get("nazev", prov.get("nazevPoskytovatele"))
        if raw_name is not None and not isinstance(raw_name, str | int | float):
            probs.add(label, "poskytovatel.nazev", f"is {_kind(raw_name)}, expected the provider's name as text")
        else:
            prov_name = _text(raw_name)
    d_from, err = parse_date(item.get("datumPoskytovaniOd"))
    if err and err != "missing":
        probs.add(label, "datumPoskytovaniOd", err)
    d_to, err = parse_date(item.get("datumPoskytovaniDo"))
    if err and err != "missing":
        probs.add(label, "datumPoskytovaniDo", err)
    if d_from and d_to and d_to < d_from:
        probs.add(label, "datumPoskytovaniDo", f"{d_to} is before datumPoskytovaniOd {d_from}")
    capacity: dict[tuple[str, str], float] = {}
    forms: list[str] = []
    formy = item.get("formy")
    if formy is None:
        formy = []
    if not isinstance(formy, list):
        probs.add(label, "formy", f"is {_kind(formy)}, expected a list of forms")
        formy = []
    for j, fo in enumerate(formy, start=1):
        fref = _ref(fo.get("forma")) if isinstance(fo, dict) else None
        form = FORM_CODES.get((fref or "").rsplit("/", 1)[-1].lower())
        if form is None:
            probs.add(label, f"formy[{j}].forma", f"unknown form '{fref}' (expected pob, amb or ter)")
            continue
        if form not in forms:
            forms.append(form)
        kapacity = fo.get("kapacity")
        if kapacity is None:
            kapacity = []
        if not isinstance(kapacity, list):
            probs.add(label, f"formy[{j}].kapacity", f"is {_kind(kapacity)}, expected a list of capacities "
                                                     '([{"pocet": ..., "typ": {"id": ...}}])')
            continue
        for k, cap in enumerate(kapacity, start=1):
            where = f"formy[{j}].kapacity[{k}]"
            tref = _ref(cap.get("typ")) if isinstance(cap, dict) else None
            unit = UNIT_ALIASES.get((tref or "").rsplit("/", 1)[-1].lower())
            if unit is None:
                probs.add(label, f"{where}.typ", f"unknown capacity type '{tref}'")
                continue
            value, err = parse_number(cap.get("pocet"))
            if err:
                probs.add(label, f"{where}.pocet", f"capacity {err}")
                continue
            assert value is not None
            if value < 0:
                probs.add(label, f"{where}.pocet", f"negative capacity {cap.get('pocet')}")
                continue
            # two capacities of one form and type (two entries, or the form listed twice) add up
            capacity[(form, unit)] = capacity.get((form, unit), 0.0) + value
    facilities: list[_Facility] = []
    keys: set[tuple[Any, ...]] = set()
    zar = item.get("zarizeni") or []
    if not isinstance(zar, list):
        probs.add(label, "zarizeni", f"is {_kind(zar)}, expected a list of facilities")
        zar = []
    for j, z in enumerate(zar, start=1):
        if not isinstance(z, dict):
            probs.add(label, f"zarizeni[{j}]", "is not an object")
            continue
        f_from, err = parse_date(z.get("poskytujeOd"))
        if err and err != "missing":
            probs.add(label, f"zarizeni[{j}].poskytujeOd", err)
        f_to, err = parse_date(z.get("poskytujeDo"))
        if err and err != "missing":
            probs.add(label, f"zarizeni[{j}].poskytujeDo", err)
        withheld = z.get("utajenaAdresa") is True
        a = z.get("adresa")
        if a is not None and not isinstance(a, dict):
            probs.add(label, f"zarizeni[{j}].adresa", f"is {_kind(a)}, expected an object")
            a = None
        mcode = ruian = None
        if isinstance(a, dict):
            raw_obec = _ref(a.get("obec"))
            if raw_obec is not None:
                mcode, err = municipality_code(raw_obec)
                if err:
                    probs.add(label, f"zarizeni[{j}].adresa.obec", err)
            kod = a.get("kodAdresnihoMista")
            if kod not in (None, "") and not withheld:
                ruian = str(kod).strip()
                if ruian.endswith(".0"):
                    ruian = ruian[:-2]
                if not ruian.isdigit() or len(ruian) > 12:
                    probs.add(label, f"zarizeni[{j}].adresa.kodAdresnihoMista", f"'{kod}' is not an address code")
                    ruian = None
            if withheld and any(a.get(k) not in (None, "", {}) for k in _STREET_KEYS):
                tally.withheld_full.append(f"{label}, field 'zarizeni[{j}].adresa'")
        name = _text(z.get("nazev"))
        if on is not None and ((f_to is not None and f_to < on) or (f_from is not None and f_from > on)):
            if f_to is not None and f_to < on:
                tally.closed += 1
            else:
                tally.not_open += 1
            continue
        key = (name, ruian, mcode, f_from, f_to, withheld)
        if key in keys:  # the same facility listed twice under one service
            tally.duplicates += 1
            continue
        keys.add(key)
        if withheld:
            tally.withheld += 1
        address = None if withheld else (_address_text(a) if isinstance(a, dict) else None)
        facilities.append(_Facility(name, address, mcode, ruian, withheld))
    raw_groups = item.get("ciloveSkupiny")
    if raw_groups is None:
        raw_groups = []
    if not isinstance(raw_groups, list):
        probs.add(label, "ciloveSkupiny", f"is {_kind(raw_groups)}, expected a list "
                                          '([{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/N"}}])')
        raw_groups = []
    groups: list[str] = []
    for j, g in enumerate(raw_groups, start=1):
        ref = _group_ref(g)
        if ref is None:
            probs.add(label, f"ciloveSkupiny[{j}]", "no target-group reference (cilovaSkupina.id)")
        else:
            groups.append(ref)
    reach: list[str] | None = None
    if item.get("rozsirenePusobnostiVKraji") not in (None, [], {}):
        reach = []
        _reach_refs(item["rozsirenePusobnostiVKraji"], reach)
    if len(probs.items) > n_before or type_code is None or ico is None:
        return None
    home = None
    pa = prov.get("adresa") or prov.get("sidlo")
    contact_addresses = [a for a in (item.get("kontaktniAdresy") or []) if isinstance(a, dict)] \
        if isinstance(item.get("kontaktniAdresy"), list) else []
    for a in ([pa] if isinstance(pa, dict) else []) + contact_addresses:
        a = a.get("adresa", a) if isinstance(a.get("adresa"), dict) else a
        if _ref(a.get("obec")):
            home = municipality_code(_ref(a.get("obec")))[0]
            if home:
                break
    name = _text(item.get("nazev")) or _text(item.get("nazevSluzby")) or next(
        (f.name for f in facilities if f.name), None)
    return _Service(
        service_id=sid, label=label,
        provider={"ico": ico, "name": prov_name or ico,
                  "address": _address_text(pa) if isinstance(pa, dict) else None},
        type_code=type_code, name=name,
        target_groups=groups, contact=_contact(item) or _contact(prov),
        valid_from=d_from, valid_to=d_to, capacity=capacity, forms=forms, facilities=facilities,
        home_municipality=home, reach=reach,
    )


#: Deepest nesting accepted inside one register item (the real items nest about 6 levels).
MAX_DEPTH = 32
_OPEN = frozenset(("start_map", "start_array"))
_CLOSE = frozenset(("end_map", "end_array"))


def iter_register(path: Path, progress: bool = False, max_depth: int = MAX_DEPTH) -> Iterator[tuple[int, Any]]:
    """Stream ``(1-based index, item)`` of ``polozky`` in an MPSV register file.

    The file is read as a stream of parser events and each item is built from them while the
    nesting depth is counted: an item nested deeper than ``max_depth`` is refused the moment the
    bound is passed, before memory grows with it. Other top-level keys are skipped without being
    built.

    Raises
    ------
    InputError
        Invalid JSON (with the item after which it broke), no ``polozky`` array, or an item
        nested deeper than ``max_depth``.
    """
    require_file(path)
    bar = progress_bar(path, path.name, progress)
    n = 0
    found = False
    try:
        with open_binary(path, bar) as f:
            events = ijson.basic_parse(f, use_float=True)
            depth = 0
            for ev, val in events:
                if depth == 1 and ev == "map_key" and val == "polozky":
                    found = True
                    ev, val = next(events)
                    if ev != "start_array":
                        raise InputError([Problem(path.name, "", "polozky", "is not a list of services")])
                    for ev, val in events:
                        if ev == "end_array":
                            break
                        n += 1
                        if ev not in _OPEN:
                            yield n, val
                            continue
                        builder = ObjectBuilder()
                        builder.event(ev, val)
                        d = 1
                        for ev, val in events:
                            if ev in _OPEN:
                                d += 1
                                if d > max_depth:
                                    raise InputError([Problem(path.name, f"item {n}", "",
                                                              f"nesting deeper than {max_depth} levels")])
                            elif ev in _CLOSE:
                                d -= 1
                            builder.event(ev, val)
                            if d == 0:
                                break
                        yield n, builder.value
                    continue
                if ev in _OPEN:
                    depth += 1
                elif ev in _CLOSE:
                    depth -= 1
    except ijson.JSONError as exc:
        where = f"after item {n}" if n else "before the first item"
        raise InputError([Problem(path.name, where, "", f"invalid JSON: {exc}")]) from None
    finally:
        if bar is not None:
            bar.close()
    if n == 0:
        msg = "'polozky' is empty" if found else "no top-level 'polozky' array: not an MPSV register file"
        raise InputError([Problem(path.name, "", "polozky", msg)])


def _combined_checksum(parts: Iterable[str]) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class RegisterData:
    """The rows an import of the register writes (schema columns)."""

    provider: pd.DataFrame
    service: pd.DataFrame
    service_form: pd.DataFrame
    capacity: pd.DataFrame
    site: gpd.GeoDataFrame
    items_read: int
    outside: int
    warnings: list[str]
    #: Reach from ``rozsirenePusobnostiVKraji`` (service × municipality), for the services it names.
    reach: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["service_id", "municipality_code"]))


def _reach_resolver(mun: gpd.GeoDataFrame) -> dict[str, dict[str, list[str]]]:
    """Stored municipalities by the code of each territorial level a reach reference may name."""
    plain = pd.DataFrame(mun.drop(columns=mun.geometry.name)).astype(str)
    out: dict[str, dict[str, list[str]]] = {"Obec": {c: [c] for c in plain["municipality_code"]}}
    for level, col in (("Orp", "orp_code"), ("ObecSRozsirenouPusobnosti", "orp_code"), ("Okres", "district_code"),
                       ("Kraj", "region_code")):
        if col in plain:
            out[level] = plain.groupby(col)["municipality_code"].apply(sorted).to_dict()
    return out


def read_register(
    path: str | Path,
    municipalities: gpd.GeoDataFrame,
    addresses: str | Path | None = None,
    types: str | Path | None = None,
    region: str | None = None,
    collect_all: bool = False,
    progress: bool = False,
    target_groups: str | Path | None = None,
    on: date | None = None,
    schema: str | Path | None = None,
) -> RegisterData:
    """Stream, validate and locate the register; nothing is written.

    Parameters
    ----------
    path : str or Path
        ``rpss.json``.
    municipalities : geopandas.GeoDataFrame
        The stored municipalities (``municipality_code``, ``region_code``, geometry).
    addresses : str or Path, optional
        RÚIAN address-point CSV (or a folder of them).
    types : str or Path, optional
        Codelist of service types; default ``druhy-socialni-sluzby.json`` beside ``path``.
    region : str, optional
        Keep services of this region code only (default: all stored municipalities).
    collect_all : bool
        Gather every problem (``--report``) instead of stopping at the first.
    progress : bool
        Progress bars on stderr.
    target_groups : str or Path, optional
        Codelist of target groups; default ``cilove-skupiny-osoby.json`` (or
        ``cilove-skupiny.json``) beside ``path``; without one, raw references are stored.
    on : date, optional
        The data date: facilities closed before it or opening after it are no sites (default today).
    schema : str or Path, optional
        JSON Schema of the register; default ``rpss.schema.json`` beside ``path`` when it is there.
        Every item is validated against it before it is read.
    """
    path = Path(path)
    on = on or date.today()
    probs = Problems(path.name, collect_all)
    type_path = Path(types) if types else path.with_name(CODELIST_NAME)
    codelist = read_type_codelist(type_path) if (types or type_path.exists()) else {}
    tg_path = Path(target_groups) if target_groups else find_target_group_codelist(path)
    tg_codelist = read_target_group_codelist(tg_path) if tg_path is not None else {}
    schema_path = Path(schema) if schema else find_schema(path)
    validator = item_validator(schema_path) if schema_path is not None else None
    mun = municipalities
    if region is not None:
        mun = mun[mun["region_code"] == region]
        if mun.empty:
            raise InputError([Problem(path.name, "", "region", f"no stored municipality of region '{region}'")])
    in_region = set(mun["municipality_code"].astype(str))
    known = set(municipalities["municipality_code"].astype(str))
    services: list[_Service] = []
    seen: dict[str, str] = {}
    tally = _Tally()
    n_items = outside = 0
    for idx, item in iter_register(path, progress):
        n_items = idx
        if validator is not None:
            sid = _ref(item.get("identifikator")) if isinstance(item, dict) else None
            label = f"item {idx}" + (f" (identifikator={sid})" if sid else "")
            found = item_problems(validator, item, path.name, label)
            for p in found:
                probs.add(p.location, p.field, p.message)
            if found:
                continue
        svc = _parse_item(idx, item, codelist, probs, seen, on, tally)
        if svc is None:
            continue
        fac_muns = {f.municipality_code for f in svc.facilities if f.municipality_code}
        anchor = fac_muns if fac_muns else ({svc.home_municipality} if svc.home_municipality else set())
        if not anchor & in_region:
            outside += 1
            continue
        services.append(svc)
    probs.raise_if_any()
    warnings: list[str] = []
    if outside:
        warnings.append(f"{outside} service(s) outside the stored territory{f' of {region}' if region else ''} "
                        "were left out")
    if tally.duplicates:
        warnings.append(f"{tally.duplicates} facility(ies) listed twice under one service (same name, address "
                        "code and dates) counted once")
    if tally.closed or tally.not_open:
        warnings.append(f"{tally.closed} closed facility(ies) (poskytujeDo before {on}) and {tally.not_open} not yet "
                        f"open (poskytujeOd after {on}) are no sites")
    if tally.withheld_full:
        shown = "; ".join(tally.withheld_full[:3]) + ("; ..." if len(tally.withheld_full) > 3 else "")
        warnings.append(f"{path.name}: {len(tally.withheld_full)} facility(ies) with utajenaAdresa=true carry a street "
                        f"address ({shown}): street, numbers and address code not stored; placed no finer than "
                        "their municipality")
    wanted = {f.ruian_code for s in services for f in s.facilities if f.ruian_code}
    points: dict[str, AddressPoint] = {}
    if addresses is not None:
        points, w = read_address_points(Path(addresses), wanted, collect_all, progress)
        warnings += w
    reps = dict(zip(municipalities["municipality_code"].astype(str),
                    shapely.point_on_surface(municipalities.geometry.values), strict=True))
    resolve = _reach_resolver(municipalities)
    prov_rows: dict[str, dict[str, Any]] = {}
    svc_rows, form_rows, cap_rows, site_rows = [], [], [], []
    reach_pairs: set[tuple[str, str]] = set()
    unresolved_reach: dict[str, int] = {}
    missing_points = 0
    foreign = 0
    unknown_groups: dict[str, int] = {}
    for s in services:
        prov_rows[s.provider["ico"]] = s.provider
        groups, unknown = target_group_names(s.target_groups, tg_codelist)
        for ref in unknown:
            unknown_groups[ref] = unknown_groups.get(ref, 0) + 1
        svc_rows.append({"service_id": s.service_id, "provider_ico": s.provider["ico"], "type_code": s.type_code,
                         "name": s.name, "target_groups": ";".join(groups) or None, "contact": s.contact,
                         "valid_from": s.valid_from, "valid_to": s.valid_to})
        form_rows += [{"service_id": s.service_id, "form": f} for f in s.forms]
        cap_rows += [{"service_id": s.service_id, "form": f, "unit": u, "value": v} for (f, u), v in s.capacity.items()]
        for ref in s.reach or []:
            level, _, code = ref.rpartition("/")
            hit = resolve.get(level, {}).get(code)
            if hit:
                reach_pairs.update((s.service_id, m) for m in hit)
            else:
                unresolved_reach[ref] = unresolved_reach.get(ref, 0) + 1
        for k, fac in enumerate(s.facilities, start=1):
            geom, quality = None, "unlocated"
            mcode = fac.municipality_code if fac.municipality_code in known else None
            if fac.municipality_code and mcode is None:
                foreign += 1
            if fac.withheld:
                # a withheld address (shelters): never finer than the municipality, flagged as such
                if mcode is not None:
                    geom, quality = reps[mcode], WITHHELD_QUALITY
            elif fac.ruian_code and fac.ruian_code in points:
                p = points[fac.ruian_code]
                geom, quality = shapely.Point(p.x, p.y), "address_point"
            elif mcode is not None:
                if fac.ruian_code and addresses is not None:
                    missing_points += 1
                geom, quality = reps[mcode], "municipality_centroid"
            site_rows.append({"site_id": f"{s.service_id}-{k}", "service_id": s.service_id, "name": fac.name,
                              "address": None if fac.withheld else fac.address, "municipality_code": mcode,
                              "ruian_address_code": None if fac.withheld else fac.ruian_code,
                              "location_quality": quality, "geom": geom})
    if unknown_groups:
        n_refs = sum(unknown_groups.values())
        shown = ", ".join(sorted(unknown_groups)[:5]) + (", ..." if len(unknown_groups) > 5 else "")
        if tg_path is None:
            warnings.append(f"{n_refs} target-group reference(s) kept as codelist ids ({shown}): no codelist "
                            f"{' or '.join(TARGET_GROUP_CODELIST_NAMES)} beside the register (use --target-groups)")
        else:
            warnings.append(f"{n_refs} target-group reference(s) not in {tg_path.name} kept as codelist ids "
                            f"({shown})")
    if unresolved_reach:
        shown = ", ".join(sorted(unresolved_reach)[:5]) + (", ..." if len(unresolved_reach) > 5 else "")
        warnings.append(f"{sum(unresolved_reach.values())} reference(s) of rozsirenePusobnostiVKraji name no stored "
                        f"territory ({shown}): left out of the reach")
    if missing_points:
        warnings.append(f"{missing_points} facility address code(s) not found in the address-point file: "
                        "placed at the municipality's representative point")
    if foreign:
        warnings.append(f"{foreign} facility(ies) lie in municipalities outside the store (kept without municipality)")
    if tally.withheld:
        warnings.append(f"{tally.withheld} facility(ies) with a withheld address (utajenaAdresa): no street address "
                        "stored; placed at their municipality's representative point, or nowhere")
    unlocated = sum(1 for r in site_rows if r["location_quality"] == "unlocated")
    if unlocated:
        warnings.append(f"{unlocated} facility(ies) have no address: kept as unlocated sites without a point")
    site = gpd.GeoDataFrame(site_rows, geometry="geom", crs=STORE_EPSG) if site_rows else \
        gpd.GeoDataFrame({"site_id": []}, geometry=gpd.GeoSeries([], crs=STORE_EPSG), crs=STORE_EPSG)
    return RegisterData(
        provider=pd.DataFrame(list(prov_rows.values())),
        service=pd.DataFrame(svc_rows),
        service_form=pd.DataFrame(form_rows, columns=["service_id", "form"]),
        capacity=pd.DataFrame(cap_rows, columns=["service_id", "form", "unit", "value"]),
        site=site, items_read=n_items, outside=outside, warnings=warnings,
        reach=pd.DataFrame(sorted(reach_pairs), columns=["service_id", "municipality_code"]),
    )


def _overridden_reach(store: Store) -> tuple[set[str], list[str]]:
    """Services named by the reach files imported so far (their reach overrides the register's).

    A logged reach file still at its path with its logged checksum is read again for its service
    ids; the names of logged files gone or changed are returned too (their override is lost).
    """
    log = store.read("import_log", {"kind": "reach"})
    ids: set[str] = set()
    gone: list[str] = []
    for src, checksum in zip(log["source"].astype(str), log["checksum"].astype(str), strict=True):
        p = Path(src)
        if not p.is_file() or sha256_file(p) != checksum:
            gone.append(p.name)
            continue
        ids.update(row["service_id"] for _, row in iter_csv(p, REACH_COLUMNS, ("service_id",)) if row["service_id"])
    return ids, gone


def load_services(
    store: Store,
    path: str | Path,
    addresses: str | Path | None = None,
    types: str | Path | None = None,
    region: str | None = None,
    data_date: date | pd.Timestamp | None = None,
    collect_all: bool = False,
    progress: bool = False,
    target_groups: str | Path | None = None,
) -> ImportResult:
    """Validate the register and store it in one transaction (see the module docstring).

    Providers and services are upserted by key; the forms, capacities and sites of every
    imported service are replaced whole (a form dropped from the register disappears). The
    checksum logged combines the register, the address-point file and the codelists (service
    types, target groups), so the same inputs are skipped the second time. ``target_groups``
    names the codelist of target groups (default: beside the register; see :func:`read_register`).

    Returns
    -------
    ImportResult
        Rows written per table and warnings (services outside the region, unlocated facilities,
        target groups kept as codelist ids).

    Raises
    ------
    InputError
        Every problem names the file, the item (index and ``identifikator``) and the field.
    """
    path = Path(path)
    require_file(path)
    type_path = Path(types) if types else path.with_name(CODELIST_NAME)
    tg_path = Path(target_groups) if target_groups else find_target_group_codelist(path)
    schema_path = find_schema(path)
    snaps: list[Snapshot] = []

    def snap(p: Path) -> Snapshot:
        snaps.append(snapshot_file(p))
        return snaps[-1]

    try:
        # every input is copied privately while hashed, and the copies are parsed: the checksum
        # logged is of the bytes imported, whatever happens to the files meanwhile
        reg = snap(path)
        parts = [reg.checksum]
        addr = snap(Path(addresses)) if addresses is not None else None
        if addr is not None:
            parts.append(addr.checksum)
        types_snap = snap(type_path) if (types or type_path.exists()) else None
        if types_snap is not None:
            parts.append(types_snap.checksum)
        tg_snap = snap(tg_path) if tg_path is not None else None
        if tg_snap is not None:
            parts.append("target_groups=" + tg_snap.checksum)
        schema_snap = snap(schema_path) if schema_path is not None else None
        if schema_snap is not None:
            parts.append("schema=" + schema_snap.checksum)
        if region:
            parts.append(f"region={region}")
        on = pd.Timestamp(data_date).date() if data_date is not None else None
        if on is not None:
            parts.append(f"on={on}")
        checksum = parts[0] if len(parts) == 1 else _combined_checksum(parts)
        result = ImportResult(KIND, path.name, checksum)
        if store.already_imported(KIND, checksum):
            result.skipped = True
            return result
        mun = store.read("municipality")
        if mun.empty:
            raise InputError([Problem(path.name, "", "", "the store has no municipalities: load boundaries first")])
        data = read_register(reg.path, mun, addr.path if addr else None, types_snap.path if types_snap else None,
                             region, collect_all, progress, tg_snap.path if tg_snap else None, on,
                             schema_snap.path if schema_snap else None)
    finally:
        for s in snaps:
            s.close()
    result.warnings = data.warnings
    ids = data.service["service_id"].tolist() if len(data.service) else []
    reach = data.reach
    if len(reach):
        kept, gone = _overridden_reach(store)
        n_kept = reach.loc[reach["service_id"].isin(kept), "service_id"].nunique()
        reach = reach[~reach["service_id"].isin(kept)]
        if n_kept:
            result.warnings.append(f"{n_kept} service(s) keep the reach of an imported reach file (it overrides "
                                   "rozsirenePusobnostiVKraji)")
        if gone:
            names = ", ".join(sorted(set(gone)))
            result.warnings.append(f"reach file(s) {names} imported earlier are gone or changed: "
                                   "rozsirenePusobnostiVKraji replaces their override (import the reach file again)")
    with store.transaction() as w:
        if not claim_import(w, result):
            return result
        result.counts["provider"] = w.upsert("provider", data.provider) if len(data.provider) else 0
        result.counts["service"] = w.upsert("service", data.service) if ids else 0
        for table in ("service_form", "capacity", "site"):
            if ids:
                w.delete(table, {"service_id": ids})
            frame = getattr(data, table)
            result.counts[table] = w.upsert(table, frame) if len(frame) else 0
        # rozsirenePusobnostiVKraji is the reach of the services that carry it (reach.csv, loaded
        # after the register, overrides it for the services it names)
        reach_ids = sorted(set(reach["service_id"]))
        if reach_ids:
            result.counts["reach"] = w.replace("reach", reach, {"service_id": reach_ids})
        note = f"{data.outside} outside region; " if data.outside else ""
        note += f"{len(data.warnings)} warning(s)" if data.warnings else ""
        w.log_import(KIND, str(path), checksum, data.items_read, result.counts["service"],
                     on, note or None)
    return result
