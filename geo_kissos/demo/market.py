"""Synthetic services market in the official formats: MPSV register, RÚIAN address points, reach, network.

Writes, for the synthetic territory of :mod:`geo_kissos.demo.territory`:

``rpss.json``
    The register of social-service providers in the layout of MPSV open data (top-level
    ``polozky``; each item a service with ``identifikator``, ``druhSocialniSluzby``
    (``{"id": "DruhSocialniSluzby/N"}``), ``poskytovatel``, ``formy[].kapacity[]``,
    ``zarizeni[].adresa.kodAdresnihoMista``, ``datumPoskytovaniOd/Do``).
``druhy-socialni-sluzby.json``
    The codelist of service types (``polozky[].id`` and ``nazev.cs``). The numbering here is
    synthetic (catalogue order); imports match the codelist to the § catalogue by name.
``cilove-skupiny-osoby.json``
    The codelist of target groups (``CilovaSkupinaOsoby/N``, same shape); the register's
    ``ciloveSkupiny`` refer to it, one to three groups per service chosen by service type. The
    numbering is synthetic except ``/24`` senioři.
``adresni-mista.csv``
    RÚIAN address points (``Kód ADM;...;Souřadnice Y;Souřadnice X;Platí Od``; cp1250; ``;``;
    positive S-JTSK values) for most facilities plus other addresses of the municipalities.
``reach.csv``
    Territorial reach: ``identifikator;kod_obce;kod_orp`` (one of the two codes per row).
``network.csv``
    The regional network: ``identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace``,
    two years with two updates each (31 March, 31 July).

About 750 services of all 33 types: homes for the elderly (§49) with beds in the larger towns,
field services with a reach over their ORP or neighbouring municipalities, a few facilities
without an address (hidden addresses of shelters and intervention centres) or without an
address-point code. Seeded: the same call writes the same files.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..catalogue import SERVICE_TYPES, ServiceType
from .phenomena import YEARS, municipality_population
from .territory import ORPS

#: How many services of each type the demo region gets.
TYPE_COUNTS: dict[str, int] = {
    "37": 28, "39": 24, "40": 66, "41": 6, "42": 5, "43": 18, "44": 28, "45": 6, "46": 24, "47": 6,
    "48": 24, "49": 44, "50": 34, "51": 24, "52": 14, "54": 8, "55": 4, "56": 4, "57": 14, "58": 5,
    "59": 6, "60": 8, "60a": 3, "61": 9, "62": 24, "63": 9, "64": 6, "65": 44, "66": 28, "67": 14,
    "68": 3, "69": 24, "70": 34,
}

FORM_IDS: dict[str, str] = {"residential": "pob", "outpatient": "amb", "field": "ter"}
#: Types whose facility addresses are usually withheld (``utajenaAdresa``).
HIDDEN_ADDRESS_TYPES = frozenset({"57", "60a", "58"})
RUIAN_HEADER = [
    "Kód ADM", "Kód obce", "Název obce", "Název MOMC", "Název MOP", "Kód části obce", "Název části obce",
    "Název ulice", "Typ SO", "Číslo domovní", "Číslo orientační", "Znak čísla orientačního", "PSČ",
    "Souřadnice Y", "Souřadnice X", "Platí Od",
]
#: Codelist of target groups (id number, Czech name); numbering synthetic except 24 (senioři).
TARGET_GROUPS: tuple[tuple[int, str], ...] = (
    (1, "osoby s tělesným postižením"),
    (2, "osoby s mentálním postižením"),
    (3, "osoby se zdravotním postižením"),
    (4, "osoby s kombinovaným postižením"),
    (5, "osoby se zrakovým postižením"),
    (6, "osoby se sluchovým postižením"),
    (7, "osoby s chronickým duševním onemocněním"),
    (8, "osoby s chronickým onemocněním"),
    (10, "rodiny s dítětem/dětmi"),
    (11, "děti a mládež ve věku od 6 do 26 let ohrožené společensky nežádoucími jevy"),
    (12, "osoby bez přístřeší"),
    (13, "osoby v krizi"),
    (14, "oběti domácího násilí"),
    (15, "osoby ohrožené závislostí nebo závislé na návykových látkách"),
    (16, "osoby žijící v sociálně vyloučených lokalitách"),
    (17, "osoby, které vedou rizikový způsob života nebo jsou tímto způsobem života ohroženy"),
    (18, "děti předškolního věku s postižením nebo ohroženým vývojem"),
    (24, "senioři"),
    (26, "pečující osoby"),
    (30, "osoby žijící s demencí"),
)
#: Target groups (ids of :data:`TARGET_GROUPS`) of the services of each type, main group first.
TYPE_TARGET_GROUPS: dict[str, tuple[int, ...]] = {
    "37": (13, 3, 24), "39": (3, 1, 24), "40": (24, 3, 8), "41": (24, 3), "42": (5, 6),
    "43": (2, 7), "44": (24, 4, 26), "45": (3, 24), "46": (24, 30, 2), "47": (2, 4),
    "48": (2, 4, 1), "49": (24,), "50": (30, 24, 7), "51": (2, 7, 4), "52": (24, 8),
    "54": (18, 10), "55": (13,), "56": (6,), "57": (12, 10, 14), "58": (11,), "59": (15,),
    "60": (13, 14), "60a": (14,), "61": (12,), "62": (11,), "63": (12,), "64": (15, 7),
    "65": (10, 16), "66": (24, 3), "67": (2, 7), "68": (15,), "69": (15, 17, 16), "70": (7, 3, 5),
}
_STREETS = ("Nádražní", "Školní", "Zahradní", "Komenského", "Palackého", "Husova", "Lipová", "Polní",
            "Sadová", "Havlíčkova", "Tyršova", "Masarykova", "Družstevní", "Luční", "Krátká")
#: Synthetic persons of the register's personal fields (statutory bodies, facility heads): the import
#: must never store them (tests grep the store for these surnames).
PERSON_SURNAMES = ("Statutárová", "Jednatelský", "Ředitelová", "Vedoucký", "Předsedová")
PERSON_NAMES = ("Zdeňka", "Bohumil", "Radoslava", "Kvido")
#: Dates of the demo's closed and not-yet-open facilities (fixed: the demo is deterministic).
CLOSED_ON, OPENS_ON = date(2019, 12, 31), date(2040, 1, 1)
_PROVIDER_FORMS = ("Charita {t}", "Sociální služby města {t}", "Centrum sociálních služeb {t}, z.ú.",
                   "Diakonie ČCE – středisko {t}", "Domov {t}, příspěvková organizace",
                   "Spolek Naděje {t}, z.s.", "Podané ruce {t}, o.p.s.", "Pečovatelská služba {t}")


def _ico(rng: np.random.Generator, used: set[str]) -> str:
    """A synthetic 8-digit IČO starting with 99 (valid mod-11 check digit)."""
    while True:
        body = "99" + "".join(str(d) for d in rng.integers(0, 10, 5))
        s = sum(int(c) * w for c, w in zip(body, range(8, 1, -1), strict=True))
        check = (11 - s % 11) % 10
        ico = body + str(check)
        if ico not in used:
            used.add(ico)
            return ico


def _random_point(rng: np.random.Generator, poly: shapely.Geometry) -> shapely.Point:
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(poly, x, y):
            return shapely.Point(x, y)
    return poly.representative_point()


class _Addresses:
    """Synthetic RÚIAN address points: code, municipality, street, numbers, S-JTSK point."""

    def __init__(self, rng: np.random.Generator, mun: gpd.GeoDataFrame):
        self.rng = rng
        self.mun = mun.set_index("KOD_OBEC")
        self.rows: list[dict[str, Any]] = []
        self._next = 10_000_000 + int(rng.integers(0, 1_000_000))

    def new(self, code: str, listed: bool = True, rng: np.random.Generator | None = None) -> dict[str, Any]:
        rng = rng if rng is not None else self.rng
        m = self.mun.loc[code]
        self._next += int(rng.integers(1, 40))
        pt = _random_point(rng, m.geometry)
        rec = {
            "kod": self._next, "obec": code, "obec_nazev": m["NAZ_OBEC"],
            "ulice": _STREETS[int(rng.integers(len(_STREETS)))] if rng.random() < 0.7 else None,
            "cislo": int(rng.integers(1, 1500)), "psc": f"7{int(rng.integers(8700, 9999)):04d}",
            "x": pt.x, "y": pt.y, "listed": listed,
        }
        self.rows.append(rec)
        return rec

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="cp1250", newline="") as f:
            w = csv.writer(f, delimiter=";")
            w.writerow(RUIAN_HEADER)
            for r in sorted((r for r in self.rows if r["listed"]), key=lambda r: r["kod"]):
                # RÚIAN publishes positive S-JTSK values: Y = -x, X = -y of EPSG:5514.
                w.writerow([r["kod"], r["obec"], r["obec_nazev"], "", "", "", r["obec_nazev"], r["ulice"] or "",
                            "č.p.", r["cislo"], "", "", r["psc"], f"{-r['x']:.2f}", f"{-r['y']:.2f}",
                            "2011-07-01T00:00:00"])
        return path


def _address_json(a: dict[str, Any], with_code: bool = True) -> dict[str, Any]:
    return {
        "cisloDomovni": a["cislo"], "cisloOrientacni": None, "dodatekAdresy": None,
        "kodAdresnihoMista": a["kod"] if with_code else None, "psc": a["psc"],
        "typCislaDomovniho": {"id": "TypStavebnihoObjektu/1"},
        "kraj": {"id": "Kraj/124"}, "obec": {"id": f"Obec/{a['obec']}"},
        "ulice": {"nazev": a["ulice"]} if a["ulice"] else None,
    }


def _address_text(a: dict[str, Any]) -> str:
    street = f"{a['ulice']} {a['cislo']}" if a["ulice"] else f"č.p. {a['cislo']}"
    return f"{street}, {a['psc']} {a['obec_nazev']}"


def _person(rng: np.random.Generator, role: str = "vedoucí zařízení") -> dict[str, Any]:
    """A synthetic person of a personal field (never to be stored by the import)."""
    return {"titulPred": "Mgr.", "jmeno": PERSON_NAMES[int(rng.integers(len(PERSON_NAMES)))],
            "prijmeni": PERSON_SURNAMES[int(rng.integers(len(PERSON_SURNAMES)))], "titulZa": None, "funkce": role}


def _add_traps(rng: np.random.Generator, zarizeni: list[dict[str, Any]], formy: list[dict[str, Any]],
               addresses: _Addresses, town: str, start: date) -> None:
    """The traps of the real register, added without changing what the import counts.

    A facility listed twice (the copy's name with a trailing space), a closed facility and one not
    yet open (no sites), a capacity split into two entries of the same type (summed on import).
    """
    first = zarizeni[0]
    r = rng.random()
    if first["adresa"] is not None and not first["utajenaAdresa"] and r < 0.08:
        zarizeni.append({**first, "nazev": first["nazev"] + " "})
    elif r < 0.11 and start < CLOSED_ON:
        a = addresses.new(town, rng=rng)
        zarizeni.append({"nazev": f"{first['nazev']} – původní budova", "adresa": _address_json(a),
                         "utajenaAdresa": False, "poskytujeOd": start.isoformat(),
                         "poskytujeDo": CLOSED_ON.isoformat()})
    elif r < 0.13:
        a = addresses.new(town, rng=rng)
        zarizeni.append({"nazev": f"{first['nazev']} – nová budova", "adresa": _address_json(a),
                         "utajenaAdresa": False, "poskytujeOd": OPENS_ON.isoformat(), "poskytujeDo": None})
    caps = formy[0]["kapacity"]
    if rng.random() < 0.08 and caps[0]["pocet"] >= 2:
        n = caps[0]["pocet"]
        part = n // 3 or 1
        caps[0] = {**caps[0], "pocet": n - part}
        caps.append({**caps[0], "pocet": part, "popis": "Navýšení kapacity."})


def _target_groups(type_code: str, ident: int) -> tuple[int, ...]:
    """Target groups of a service: the type's main group, plus others for two services in three.

    Derived from the service number, not drawn, so the other random draws stay as they were.
    """
    groups = TYPE_TARGET_GROUPS[type_code]
    return groups if ident % 3 else groups[:1]


def _pick_forms(rng: np.random.Generator, t: ServiceType) -> list[str]:
    if len(t.forms) == 1:
        return list(t.forms)
    k = 1 if rng.random() < 0.55 else min(2, len(t.forms))
    idx = sorted(rng.choice(len(t.forms), size=k, replace=False))
    return [t.forms[i] for i in idx]


def _capacities(rng: np.random.Generator, t: ServiceType, form: str, town_pop: int) -> list[dict[str, Any]]:
    if form == "residential":
        base = {"49": (30, 160), "50": (20, 110), "48": (15, 90), "52": (5, 30), "57": (10, 40)}.get(t.code, (6, 30))
        n = int(rng.integers(*base)) + (20 if town_pop > 20_000 and t.code in ("49", "50") else 0)
        return [{"pocet": n, "popis": f"Maximální kapacita {n} lůžek.",
                 "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]
    if t.code == "55":
        return [{"pocet": int(rng.integers(4, 12)), "popis": None, "typ": {"id": "TypKapacitySocialniSluzby/hovor"}}]
    if t.code in ("59", "61", "62", "69") and form != "field" and rng.random() < 0.5:
        return [{"pocet": int(rng.integers(10, 60)), "popis": None,
                 "typ": {"id": "TypKapacitySocialniSluzby/kontakt"}}]
    if t.code in ("60", "60a") and rng.random() < 0.6:
        return [{"pocet": int(rng.integers(3, 15)), "popis": None,
                 "typ": {"id": "TypKapacitySocialniSluzby/interv"}}]
    return [{"pocet": int(rng.integers(3, 40)), "popis": None, "typ": {"id": "TypKapacitySocialniSluzby/klient"}}]


def make_market(mun: gpd.GeoDataFrame, seed: int = 71, scale: float = 1.25) -> dict[str, Any]:
    """Generate the register items, address points, reach and network rows (in memory).

    Parameters
    ----------
    mun : geopandas.GeoDataFrame
        Municipalities from :func:`geo_kissos.demo.territory.make_municipalities`.
    seed : int
        Seed of the generator.
    scale : float
        Multiplies :data:`TYPE_COUNTS` (1.25 gives about 750 services).

    Returns
    -------
    dict
        ``items`` (register items), ``addresses`` (:class:`_Addresses`), ``reach`` (rows),
        ``network`` (rows), ``codelist`` (codelist items of service types), ``target_groups``
        (codelist items of target groups).
    """
    rng = np.random.default_rng(seed + 10)
    trap = np.random.default_rng(seed + 20)  # the real register's traps: draws apart, totals as before
    mun = mun.reset_index(drop=True)
    codes = mun["KOD_OBEC"].astype(str).to_numpy()
    pop = municipality_population(mun, seed).reindex(codes).to_numpy()
    orp_of = dict(zip(codes, mun["KOD_ORP"].astype(str), strict=True))
    seat_of_orp = {o[0]: codes[i] for i, o in enumerate(ORPS) if i < len(codes)}
    cent = np.column_stack([mun.geometry.centroid.x, mun.geometry.centroid.y])
    addresses = _Addresses(rng, mun)
    # some other addresses in every municipality (the address-point file lists all, not only ours)
    for c in codes:
        for _ in range(int(rng.integers(1, 4))):
            addresses.new(c)

    weight_town = pop.astype(float) ** 1.35
    weight_town /= weight_town.sum()
    used_ico: set[str] = set()
    providers: list[dict[str, Any]] = []

    def provider_in(town: str) -> dict[str, Any]:
        same = [p for p in providers if p["town"] == town]
        if same and rng.random() < 0.45:
            return same[int(rng.integers(len(same)))]
        i = int(np.flatnonzero(codes == town)[0])
        a = addresses.new(town)
        p = {"ico": _ico(rng, used_ico), "town": town,
             "nazev": _PROVIDER_FORMS[int(rng.integers(len(_PROVIDER_FORMS)))].format(t=mun.loc[i, "NAZ_OBEC"]),
             "adresa": a}
        providers.append(p)
        return p

    codelist = [{"id": f"DruhSocialniSluzby/{k + 1}", "nazev": {"cs": t.name_cs}} for k, t in enumerate(SERVICE_TYPES)]
    type_id = {t.code: f"DruhSocialniSluzby/{k + 1}" for k, t in enumerate(SERVICE_TYPES)}
    items: list[dict[str, Any]] = []
    reach: list[tuple[str, str | None, str | None]] = []
    network: list[tuple[str, int, float, str, str, str]] = []
    ident = 1_000_000 + int(rng.integers(0, 100_000))
    for t in SERVICE_TYPES:
        for _ in range(round(TYPE_COUNTS[t.code] * scale)):
            ident += int(rng.integers(1, 900))
            forms = _pick_forms(rng, t)
            if "residential" in forms or t.code in ("45", "46", "67"):
                town = str(rng.choice(codes, p=weight_town))
            else:  # field and counselling services sit mostly in ORP seats
                town = seat_of_orp[orp_of[str(rng.choice(codes, p=weight_town))]] if rng.random() < 0.7 \
                    else str(rng.choice(codes, p=weight_town))
            i = int(np.flatnonzero(codes == town)[0])
            prov = provider_in(town)
            start = date(2007, 1, 1) + timedelta(days=int(rng.integers(0, 16 * 365)))
            ended = rng.random() < 0.03
            end = start + timedelta(days=int(rng.integers(400, 3000))) if ended else None
            formy = [{"forma": {"id": f"FormaSocialniSluzby/{FORM_IDS[f]}"},
                      "nepretrzitePoskytovani": f == "residential", "casoveRozsahy": None,
                      "kapacity": _capacities(rng, t, f, int(pop[i]))} for f in forms]
            # facilities: residential/outpatient places; field-only services have an office
            n_fac = 2 if (rng.random() < 0.12 and forms != ["field"]) else 1
            zarizeni = []
            for k in range(n_fac):
                fac_town = town if k == 0 else str(rng.choice(codes, p=weight_town))
                hidden = t.code in HIDDEN_ADDRESS_TYPES and rng.random() < 0.5
                if hidden or rng.random() < 0.02:
                    # a withheld address (shelters): the register gives the address anyway (or only the
                    # municipality); a facility without any address otherwise
                    adresa: dict[str, Any] | None = None
                    if hidden:
                        a = addresses.new(fac_town, rng=trap)
                        adresa = _address_json(a) if trap.random() < 0.7 else {"obec": {"id": f"Obec/{fac_town}"}}
                    zarizeni.append({"nazev": f"{t.name_cs.capitalize()} – zařízení {k + 1}", "adresa": adresa,
                                     "utajenaAdresa": hidden, "poskytujeOd": start.isoformat(), "poskytujeDo": None})
                    continue
                r = rng.random()
                a = addresses.new(fac_town, listed=r >= 0.04)  # ~4 % codes absent from the RÚIAN extract
                with_code = rng.random() >= 0.04  # ~4 % addresses lack kodAdresnihoMista
                zarizeni.append({"nazev": f"{t.name_cs.capitalize()} {a['obec_nazev']}",
                                 "adresa": _address_json(a, with_code), "utajenaAdresa": False,
                                 "poskytujeOd": start.isoformat(), "poskytujeDo": None,
                                 "vedouciZarizeni": _person(trap)})
            _add_traps(trap, zarizeni, formy, addresses, town, start)
            kap_total = sum(c["pocet"] for fo in formy for c in fo["kapacity"])
            own_contacts = trap.random() >= 0.1  # else the provider's contacts are the service's
            phone = f"58{int(rng.integers(1_000_000, 9_999_999))}"
            items.append({
                "id": ident * 7, "portalId": ident * 3, "identifikator": str(ident),
                "datumPoskytovaniOd": start.isoformat(), "datumPoskytovaniDo": end.isoformat() if end else None,
                "druhSocialniSluzby": {"id": type_id[t.code]},
                "poskytovatel": {"ico": int(prov["ico"]), "nazev": prov["nazev"],  # IČO a number, as published
                                 "adresa": _address_json(prov["adresa"]),
                                 "statutarniOrgany": [_person(trap, "ředitel")],
                                 "telefony": [{"telefon": f"58{prov['ico'][-7:]}"}],
                                 "emaily": [{"email": f"podatelna{prov['ico']}@example.cz"}], "weby": []},
                "ciloveSkupiny": [{"cilovaSkupina": {"id": f"CilovaSkupinaOsoby/{g}"}}
                                  for g in _target_groups(t.code, ident)],
                "formy": formy,
                "zarizeni": zarizeni,
                "telefony": [{"telefon": phone, "poznamka": None}] if own_contacts else [],
                "emaily": [{"email": f"info{ident}@example.cz", "poznamka": None}] if own_contacts else [],
                "weby": [],
                "rozsirenePusobnostiVKraji": None,
                "doplnkoveUdaje": {"prilohy": [{"nazev": "Výroční zpráva",
                                                "url": f"https://dokumenty.example/{ident}/vyrocni-zprava.pdf"}]},
            })
            sid = str(ident)
            no_address = any(z["adresa"] is None or z["utajenaAdresa"] for z in zarizeni)
            if "field" in forms or no_address or (forms != ["residential"] and rng.random() < 0.3):
                n_reach = len(reach)
                if rng.random() < 0.6:
                    reach.append((sid, None, orp_of[town]))
                else:
                    d = np.hypot(cent[:, 0] - cent[i, 0], cent[:, 1] - cent[i, 1])
                    for j in np.flatnonzero(d < rng.uniform(6_000, 15_000)):
                        reach.append((sid, str(codes[j]), None))
                if trap.random() < 0.5:  # the register states the same reach (reach.csv overrides it)
                    items[-1]["rozsirenePusobnostiVKraji"] = [
                        {"orp": {"id": f"Orp/{o}"}} if o else {"obec": {"id": f"Obec/{m_}"}}
                        for _, m_, o in reach[n_reach:]]
            if ended or rng.random() < 0.12:
                continue  # not in the regional network
            unit = t.unit
            base = float(sum(c["pocet"] for fo in formy if fo["forma"]["id"].endswith("pob") for c in fo["kapacity"]))
            if unit == "fte" or base == 0:
                unit, base = "fte", round(max(0.5, kap_total / rng.uniform(6, 14)), 1)
            first_year = YEARS[0] if rng.random() < 0.9 else YEARS[1]
            for year in YEARS:
                if year < first_year:
                    continue
                units = base
                for upd, month in ((f"{year}-03-31", 3), (f"{year}-07-31", 7)):
                    status = "new" if (year == first_year and first_year != YEARS[0] and month == 3) else "included"
                    if month == 7 and rng.random() < 0.2:
                        units = round(units * rng.uniform(0.9, 1.15), 1 if unit == "fte" else 0)
                        status = "changed"
                    network.append((sid, year, units, unit, status, upd))
    target_groups = [{"id": f"CilovaSkupinaOsoby/{k}", "nazev": {"cs": name}} for k, name in TARGET_GROUPS]
    return {"items": items, "addresses": addresses, "reach": reach, "network": network, "codelist": codelist,
            "target_groups": target_groups}


def write_market(directory: str | Path, mun: gpd.GeoDataFrame, seed: int = 71) -> dict[str, Path]:
    """Write the market files into ``directory``; return kind -> path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    m = make_market(mun, seed)
    out = {
        "services": directory / "rpss.json",
        "service_types": directory / "druhy-socialni-sluzby.json",
        "target_groups": directory / "cilove-skupiny-osoby.json",
        "addresses": directory / "adresni-mista.csv",
        "reach": directory / "reach.csv",
        "network": directory / "network.csv",
    }
    with open(out["services"], "w", encoding="utf-8") as f:
        json.dump({"polozky": m["items"]}, f, ensure_ascii=False, indent=1)
    with open(out["service_types"], "w", encoding="utf-8") as f:
        json.dump({"polozky": m["codelist"]}, f, ensure_ascii=False, indent=1)
    with open(out["target_groups"], "w", encoding="utf-8") as f:
        json.dump({"polozky": m["target_groups"]}, f, ensure_ascii=False, indent=1)
    m["addresses"].write(out["addresses"])
    with open(out["reach"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["identifikator", "kod_obce", "kod_orp"])
        w.writerows((s, m_ or "", o or "") for s, m_, o in m["reach"])
    with open(out["network"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["identifikator", "rok", "jednotky", "typ_jednotky", "stav", "datum_aktualizace"])
        w.writerows(m["network"])
    return out


def market_summary(directory: str | Path) -> pd.DataFrame:
    """Count of demo services per type in ``rpss.json`` (a quick look for humans)."""
    with open(Path(directory) / "rpss.json", encoding="utf-8") as f:
        items = json.load(f)["polozky"]
    return pd.Series([i["druhSocialniSluzby"]["id"] for i in items]).value_counts().rename("services").to_frame()
