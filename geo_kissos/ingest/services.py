"""Import of the register of social-service providers (MPSV open data ``rpss.json``).

Format (MPSV open data, data.mpsv.cz/od/soubory/rpss/rpss.json; field names verified against
published descriptions and consumers of the real file)::

    {"polozky": [
      {"id": 123, "identifikator": "1234567", "portalId": ...,
       "datumPoskytovaniOd": "2012-01-01", "datumPoskytovaniDo": null,
       "druhSocialniSluzby": {"id": "DruhSocialniSluzby/13"},
       "poskytovatel": {"ico": "12345678", "nazev": "...", "adresa": {...}},
       "ciloveSkupiny": [{"id": "CilovaSkupinaOsoby/24"}],
       "formy": [{"forma": {"id": "FormaSocialniSluzby/pob"},
                  "kapacity": [{"pocet": 32, "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]}],
       "zarizeni": [{"nazev": "...", "utajenaAdresa": false,
                     "adresa": {"kodAdresnihoMista": 11867906, "obec": {"id": "Obec/554499"},
                                "ulice": {"nazev": "Nemocniční"}, "cisloDomovni": 2272, "psc": "35201"}}]},
      ...]}

Assumptions, documented because the codelists are separate files:

* ``druhSocialniSluzby.id`` is a codelist reference (``DruhSocialniSluzby/N``); its number is
  not the § of the law. It is resolved with the codelist ``druhy-socialni-sluzby.json``
  (``polozky[].id`` + ``nazev.cs``), matched to the § catalogue by the Czech name. The codelist is
  taken from ``--types`` or from the same folder as the register. A § code given directly
  (``"49"``, ``"§ 49"``, ``{"kod": "49"}``) is accepted too.
* ``ciloveSkupiny[].id`` are references to the codelist of target groups
  (``CilovaSkupinaOsoby/N``). They are stored as Czech names, ``;``-joined, resolved with the
  codelist ``cilove-skupiny-osoby.json`` (or ``cilove-skupiny.json``) beside the register or given
  by ``--target-groups`` (see :mod:`geo_kissos.ingest.target_groups`); an id not in the codelist,
  or every id when there is no codelist, is kept as the raw reference and counted in a warning.
* Forms: ``FormaSocialniSluzby/pob|amb|ter`` -> residential, outpatient, field.
* Capacity types: ``TypKapacitySocialniSluzby/luzka|klient|kontakt|interv|hovor`` -> units
  ``beds, clients, contacts, interventions, calls``; capacity is kept per form and unit.
* ``identifikator`` (the registration number of the service) is the service id (``id`` when absent).
* The register has no service name: the name stored is the first facility's ``nazev``.
* The provider's IČO is ``poskytovatel.ico``; when no facility has an address, the service is
  placed in the region by ``poskytovatel.adresa`` or ``kontaktniAdresy[]`` (``obec``).

The register is national: a service is kept when one of its facilities (or, lacking any facility
address, its provider's address) lies in a municipality of the store (of ``region`` when given);
the others are counted as outside the region. Facilities get a point from the RÚIAN
address-point file when given (``location_quality='address_point'``), else the municipality's
representative point (``'municipality_centroid'``); a facility without an address is kept as a
site without geometry (``'unlocated'``).

The register is parsed as a stream (ijson): memory grows with the services of the region, not
with the size of the file.
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

from ..catalogue import SERVICE_TYPE_BY_CODE, SERVICE_TYPES
from ..crs import STORE_EPSG
from ..errors import InputError, Problem
from ..store import Store
from .common import ImportResult, Problems, sha256_file
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
CAPACITY_UNITS: dict[str, str] = {
    "luzka": "beds", "lůžka": "beds", "beds": "beds",
    "klient": "clients", "klienti": "clients", "clients": "clients",
    "kontakt": "contacts", "contacts": "contacts",
    "interv": "interventions", "interventions": "interventions",
    "hovor": "calls", "calls": "calls",
    "fte": "fte", "uvazky": "fte", "hours": "hours", "hodiny": "hours",
}

#: RÚIAN address-point CSV columns (canonical -> header names).
ADDRESS_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Kód ADM", "Kod ADM", "kod_adm", "KOD_ADM"),
    "municipality_code": ("Kód obce", "Kod obce", "kod_obce"),
    "y": ("Souřadnice Y", "Souradnice Y", "souradnice_y"),
    "x": ("Souřadnice X", "Souradnice X", "souradnice_x"),
}

LOCATION_QUALITIES = ("address_point", "municipality_centroid", "unlocated")


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


def _contact(item: dict[str, Any]) -> str | None:
    parts: list[str] = []
    for key, sub in (("telefony", "telefon"), ("emaily", "email"), ("weby", "web")):
        for c in item.get(key) or []:
            if isinstance(c, dict) and c.get(sub):
                parts.append(str(c[sub]))
    return "; ".join(parts) or None


def _parse_item(
    idx: int, item: Any, codelist: dict[str, str], probs: Problems, seen: dict[str, str]
) -> _Service | None:
    """Validate one register item; record problems; return the parsed service or None."""
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
    if not isinstance(prov, dict):
        probs.add(label, "poskytovatel", "missing provider")
        prov = {}
    else:
        raw_ico = next((prov[k] for k in ("ico", "ičo", "ic") if prov.get(k) not in (None, "")), None)
        ico = str(raw_ico).strip() if raw_ico not in (None, "") else None
        if ico is not None and ico.isdigit() and len(ico) < 8:
            ico = ico.zfill(8)
        if ico is None or not (ico.isdigit() and len(ico) == 8):
            probs.add(label, "poskytovatel.ico", f"'{raw_ico}' is not an 8-digit IČO")
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
        probs.add(label, "formy", "is not a list")
        formy = []
    for j, fo in enumerate(formy, start=1):
        fref = _ref(fo.get("forma")) if isinstance(fo, dict) else None
        form = FORM_CODES.get((fref or "").rsplit("/", 1)[-1].lower())
        if form is None:
            probs.add(label, f"formy[{j}].forma", f"unknown form '{fref}' (expected pob, amb or ter)")
            continue
        if form not in forms:
            forms.append(form)
        for k, cap in enumerate(fo.get("kapacity") or [], start=1):
            where = f"formy[{j}].kapacity[{k}]"
            tref = _ref(cap.get("typ")) if isinstance(cap, dict) else None
            unit = CAPACITY_UNITS.get((tref or "").rsplit("/", 1)[-1].lower())
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
            capacity[(form, unit)] = capacity.get((form, unit), 0.0) + value
    facilities: list[_Facility] = []
    zar = item.get("zarizeni") or []
    if not isinstance(zar, list):
        probs.add(label, "zarizeni", "is not a list")
        zar = []
    for j, z in enumerate(zar, start=1):
        if not isinstance(z, dict):
            probs.add(label, f"zarizeni[{j}]", "is not an object")
            continue
        a = z.get("adresa")
        mcode = ruian = None
        if isinstance(a, dict):
            raw_obec = _ref(a.get("obec"))
            if raw_obec is not None:
                mcode, err = municipality_code(raw_obec)
                if err:
                    probs.add(label, f"zarizeni[{j}].adresa.obec", err)
            kod = a.get("kodAdresnihoMista")
            if kod not in (None, ""):
                ruian = str(kod).strip()
                if ruian.endswith(".0"):
                    ruian = ruian[:-2]
                if not ruian.isdigit() or len(ruian) > 12:
                    probs.add(label, f"zarizeni[{j}].adresa.kodAdresnihoMista", f"'{kod}' is not an address code")
                    ruian = None
        facilities.append(_Facility(z.get("nazev"), _address_text(a) if isinstance(a, dict) else None, mcode, ruian))
    if len(probs.items) > n_before or type_code is None or ico is None:
        return None
    home = None
    pa = prov.get("adresa") or prov.get("sidlo")
    contact_addresses = [a for a in (item.get("kontaktniAdresy") or []) if isinstance(a, dict)]
    for a in ([pa] if isinstance(pa, dict) else []) + contact_addresses:
        a = a.get("adresa", a) if isinstance(a.get("adresa"), dict) else a
        if _ref(a.get("obec")):
            home = municipality_code(_ref(a.get("obec")))[0]
            if home:
                break
    name = item.get("nazev") or item.get("nazevSluzby") or next(
        (f.name for f in facilities if f.name), None)
    groups = [g for g in (_ref(g) for g in item.get("ciloveSkupiny") or []) if g]
    return _Service(
        service_id=sid, label=label,
        provider={"ico": ico, "name": prov.get("nazev") or prov.get("nazevPoskytovatele") or ico,
                  "address": _address_text(pa) if isinstance(pa, dict) else None},
        type_code=type_code, name=name,
        target_groups=groups, contact=_contact(item),
        valid_from=d_from, valid_to=d_to, capacity=capacity, forms=forms, facilities=facilities,
        home_municipality=home,
    )


def iter_register(path: Path, progress: bool = False) -> Iterator[tuple[int, Any]]:
    """Stream ``(1-based index, item)`` of ``polozky`` in an MPSV register file.

    Raises
    ------
    InputError
        Invalid JSON (with the byte position) or no ``polozky`` array.
    """
    require_file(path)
    bar = progress_bar(path, path.name, progress)
    n = 0
    try:
        with open_binary(path, bar) as f:
            for n, item in enumerate(ijson.items(f, "polozky.item", use_float=True), start=1):
                yield n, item
    except ijson.JSONError as exc:
        where = f"after item {n}" if n else "before the first item"
        raise InputError([Problem(path.name, where, "", f"invalid JSON: {exc}")]) from None
    finally:
        if bar is not None:
            bar.close()
    if n == 0:
        with open(path, "rb") as f:
            has_key = any(prefix == "polozky" for prefix, _, _ in ijson.parse(f))
        msg = "'polozky' is empty" if has_key else "no top-level 'polozky' array: not an MPSV register file"
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


def read_register(
    path: str | Path,
    municipalities: gpd.GeoDataFrame,
    addresses: str | Path | None = None,
    types: str | Path | None = None,
    region: str | None = None,
    collect_all: bool = False,
    progress: bool = False,
    target_groups: str | Path | None = None,
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
    """
    path = Path(path)
    probs = Problems(path.name, collect_all)
    type_path = Path(types) if types else path.with_name(CODELIST_NAME)
    codelist = read_type_codelist(type_path) if (types or type_path.exists()) else {}
    tg_path = Path(target_groups) if target_groups else find_target_group_codelist(path)
    tg_codelist = read_target_group_codelist(tg_path) if tg_path is not None else {}
    mun = municipalities
    if region is not None:
        mun = mun[mun["region_code"] == region]
        if mun.empty:
            raise InputError([Problem(path.name, "", "region", f"no stored municipality of region '{region}'")])
    in_region = set(mun["municipality_code"].astype(str))
    known = set(municipalities["municipality_code"].astype(str))
    services: list[_Service] = []
    seen: dict[str, str] = {}
    n_items = outside = 0
    for idx, item in iter_register(path, progress):
        n_items = idx
        svc = _parse_item(idx, item, codelist, probs, seen)
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
    wanted = {f.ruian_code for s in services for f in s.facilities if f.ruian_code}
    points: dict[str, AddressPoint] = {}
    if addresses is not None:
        points, w = read_address_points(Path(addresses), wanted, collect_all, progress)
        warnings += w
    reps = dict(zip(municipalities["municipality_code"].astype(str),
                    shapely.point_on_surface(municipalities.geometry.values), strict=True))
    prov_rows: dict[str, dict[str, Any]] = {}
    svc_rows, form_rows, cap_rows, site_rows = [], [], [], []
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
        for k, fac in enumerate(s.facilities, start=1):
            geom, quality = None, "unlocated"
            mcode = fac.municipality_code if fac.municipality_code in known else None
            if fac.municipality_code and mcode is None:
                foreign += 1
            if fac.ruian_code and fac.ruian_code in points:
                p = points[fac.ruian_code]
                geom, quality = shapely.Point(p.x, p.y), "address_point"
            elif mcode is not None:
                if fac.ruian_code and addresses is not None:
                    missing_points += 1
                geom, quality = reps[mcode], "municipality_centroid"
            site_rows.append({"site_id": f"{s.service_id}-{k}", "service_id": s.service_id, "name": fac.name,
                              "address": fac.address, "municipality_code": mcode,
                              "ruian_address_code": fac.ruian_code, "location_quality": quality, "geom": geom})
    if unknown_groups:
        n_refs = sum(unknown_groups.values())
        shown = ", ".join(sorted(unknown_groups)[:5]) + (", ..." if len(unknown_groups) > 5 else "")
        if tg_path is None:
            warnings.append(f"{n_refs} target-group reference(s) kept as codelist ids ({shown}): no codelist "
                            f"{' or '.join(TARGET_GROUP_CODELIST_NAMES)} beside the register (use --target-groups)")
        else:
            warnings.append(f"{n_refs} target-group reference(s) not in {tg_path.name} kept as codelist ids "
                            f"({shown})")
    if missing_points:
        warnings.append(f"{missing_points} facility address code(s) not found in the address-point file: "
                        "placed at the municipality's representative point")
    if foreign:
        warnings.append(f"{foreign} facility(ies) lie in municipalities outside the store (kept without municipality)")
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
    )


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
    parts = [sha256_file(path)]
    type_path = Path(types) if types else path.with_name(CODELIST_NAME)
    if addresses is not None:
        ap = Path(addresses)
        require_file(ap)
        files = sorted(ap.glob("*.csv")) if ap.is_dir() else [ap]
        parts += [sha256_file(f) for f in files]
    if type_path.exists():
        parts.append(sha256_file(type_path))
    tg_path = Path(target_groups) if target_groups else find_target_group_codelist(path)
    if tg_path is not None:
        require_file(tg_path)
        parts.append("target_groups=" + sha256_file(tg_path))
    if region:
        parts.append(f"region={region}")
    checksum = parts[0] if len(parts) == 1 else _combined_checksum(parts)
    result = ImportResult(KIND, path.name, checksum)
    if store.already_imported(KIND, checksum):
        result.skipped = True
        return result
    mun = store.read("municipality")
    if mun.empty:
        raise InputError([Problem(path.name, "", "", "the store has no municipalities: load boundaries first")])
    data = read_register(path, mun, addresses, types, region, collect_all, progress, tg_path)
    result.warnings = data.warnings
    ids = data.service["service_id"].tolist() if len(data.service) else []
    with store.transaction() as w:
        result.counts["provider"] = w.upsert("provider", data.provider) if len(data.provider) else 0
        result.counts["service"] = w.upsert("service", data.service) if ids else 0
        for table in ("service_form", "capacity", "site"):
            if ids:
                w.delete(table, {"service_id": ids})
            frame = getattr(data, table)
            result.counts[table] = w.upsert(table, frame) if len(frame) else 0
        note = f"{data.outside} outside region; " if data.outside else ""
        note += f"{len(data.warnings)} warning(s)" if data.warnings else ""
        w.log_import(KIND, str(path), checksum, data.items_read, result.counts["service"],
                     pd.Timestamp(data_date).date() if data_date is not None else None, note or None)
    return result
