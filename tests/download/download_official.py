"""The official sources in their real shapes, built for the download tests.

Built here: a small synthetic register in the MPSV shape (``polozky``, nested
target groups, forms with capacities, facilities with RÚIAN address codes) with its schema and
code lists, a ČÚZK Atom feed linking a ZIP of per-municipality address-point CSVs (``;``,
cp1250, positive S-JTSK), a ČSÚ population CSV and a boundary GeoPackage (both written by the
demo generator in the official formats). Served at the paths of ``sources.toml``; tests change
what the server holds to make a source broken (truncated, schema-invalid, missing, a count jump).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geo_kissos.catalogue import SERVICE_TYPE_BY_CODE
from geo_kissos.demo.phenomena import write_population
from geo_kissos.demo.territory import make_municipalities

N_MUN, SEED = 20, 5
#: Served paths (as in geo_kissos/download/sources.toml).
RPSS = "od/soubory/rpss/rpss.json"
SCHEMA = "od/soubory/rpss/rpss.schema.json"
CODELISTS = "od/soubory/ciselniky"
FEED = "RUIAN-CSV-ADR-ST/RUIAN-CSV-ADR-ST.xml"
ZIP = "vymenny_format/csv/20260731_OB_ADR_csv.zip"
POPULATION = "opendata/obyvatelstvo-obce-vek.csv"
BOUNDARIES = "hranice/obce.gpkg"
#: The publication date the server gives every file (HTTP Last-Modified) and the feed's entry.
LAST_MODIFIED = "Mon, 03 Aug 2026 06:00:00 GMT"
FEED_UPDATED = "2026-07-31T23:00:00+02:00"
#: Municipalities whose address points the ZIP holds (two of the region, one outside it).
ADDRESS_MUNICIPALITIES = ("900001", "900002")
OUTSIDE_MUNICIPALITY = "554499"
ADDRESS_HEADER = ("Kód ADM;Kód obce;Název obce;Kód MOMC;Název MOMC;Kód obvodu Prahy;Název obvodu Prahy;"
                  "Kód části obce;Název části obce;Kód ulice;Název ulice;Typ SO;Číslo domovní;"
                  "Číslo orientační;Znak čísla orientačního;PSČ;Souřadnice Y;Souřadnice X;Platí Od")


def service_item(k: int, mun: str, adm: int | None) -> dict[str, Any]:
    """One service in the real MPSV shape (a home for the elderly, one facility)."""
    return {
        "portalId": 5000 + k, "id": 70000 + k, "identifikator": str(8_000_000 + k),
        "datumPoskytovaniOd": "2014-01-01", "datumPoskytovaniDo": None,
        "kontaktniAdresy": [],
        "druhSocialniSluzby": {"id": "DruhSocialniSluzby/13"},
        "zarizeni": [{"nazev": f"Domov Lipová {k}", "utajenaAdresa": False, "poskytujeOd": "2014-01-01",
                      "poskytujeDo": None,
                      "adresa": {"cisloDomovni": 100 + k, "cisloOrientacni": None, "dodatekAdresy": None,
                                 "kodAdresnihoMista": adm, "psc": "77900", "typCislaDomovniho": "č.p.",
                                 "kraj": {"id": "Kraj/124"}, "okres": {"id": "Okres/3805"},
                                 "obec": {"id": f"Obec/{mun}"}, "castObce": {"id": "CastObce/1"},
                                 "mestskyObvodMestskaCast": None, "mestskyObvodVPraze": None,
                                 "ulice": {"nazev": "Školní"}}}],
        "poskytovatel": {"ico": f"{99_100_000 + k:08d}", "nazev": f"Charita {k}",
                         "adresa": {"obec": {"id": f"Obec/{mun}"}}},
        "emaily": [{"email": f"domov{k}@example.cz"}], "telefony": [{"telefon": "585000000"}],
        "faxy": [], "weby": [],
        "ciloveSkupiny": [{"cilovaSkupina": {"id": "CilovaSkupinaOsoby/24"}}],
        "vekoveSkupiny": [], "doplnujiciInformaceVekoveSkupiny": None,
        "formy": [{"forma": {"id": "FormaSocialniSluzby/pob"}, "nepretrzitePoskytovani": True,
                   "casoveRozsahy": None,
                   "kapacity": [{"pocet": 30 + k, "popis": "od 1. 1. 2026",
                                 "typ": {"id": "TypKapacitySocialniSluzby/luzka"}}]}],
        "rozsirenePusobnostiVKraji": None, "doplnkoveUdaje": [],
    }


def register(n: int) -> dict[str, Any]:
    """``n`` services, alternating between the two municipalities with address points."""
    items = []
    for k in range(1, n + 1):
        mun = ADDRESS_MUNICIPALITIES[k % 2]
        items.append(service_item(k, mun, int(f"{mun[-2:]}{k:06d}")))
    return {"polozky": items}


SCHEMA_DOC = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["polozky"],
    "properties": {"polozky": {"type": "array", "items": {
        "type": "object", "required": ["identifikator", "druhSocialniSluzby", "poskytovatel", "formy"],
        "properties": {"identifikator": {"type": "string"},
                       "druhSocialniSluzby": {"type": "object", "required": ["id"]}}}}},
}


def address_csv(mun: str, point: shapely.Point, codes: list[int]) -> bytes:
    """RÚIAN address points of one municipality: ``;``, cp1250, positive S-JTSK (Y = -x, X = -y)."""
    lines = [ADDRESS_HEADER]
    for i, code in enumerate(codes):
        y, x = -point.x + i, -point.y + i
        lines.append(f"{code};{mun};Lipová;;;;;1;Lipová;1;Školní;č.p.;{100 + i};;;77900;{y:.2f};{x:.2f};"
                     "2026-01-01T00:00:00")
    return ("\r\n".join(lines) + "\r\n").encode("cp1250")


def atom_feed(zip_href: str, updated: str = FEED_UPDATED) -> str:
    """A ČÚZK-style Atom feed with one entry linking the current ZIP."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="cs">
  <title>RÚIAN – adresní místa ve formátu CSV</title>
  <id>https://atom.cuzk.gov.cz/RUIAN-CSV-ADR-ST/RUIAN-CSV-ADR-ST.xml</id>
  <updated>{updated}</updated>
  <entry>
    <title>Adresní místa – stav k 31. 7. 2026</title>
    <id>https://atom.cuzk.gov.cz/RUIAN-CSV-ADR-ST/20260731</id>
    <updated>{updated}</updated>
    <link rel="alternate" type="application/zip" href="{zip_href}"/>
  </entry>
</feed>
"""


@dataclass
class Official:
    """The server's document root and base URL, with helpers that change what it serves."""

    root: Path
    base: str
    mun: gpd.GeoDataFrame

    def put(self, rel: str, data: bytes | str) -> Path:
        """Serve ``data`` at ``rel`` (Last-Modified fixed to :data:`LAST_MODIFIED`)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        stamp = parsedate_to_datetime(LAST_MODIFIED).timestamp()
        os.utime(path, (stamp, stamp))
        return path

    def remove(self, rel: str) -> None:
        """Stop serving ``rel`` (the server then answers 404)."""
        (self.root / rel).unlink()

    def register(self, n: int) -> None:
        self.put(RPSS, json.dumps(register(n), ensure_ascii=False, indent=1))

    def addresses(self, per_municipality: int = 6, zip_rel: str = ZIP) -> None:
        """The ZIP (two municipalities of the region + one outside) and the feed linking it."""
        reps = dict(zip(self.mun["KOD_OBEC"].astype(str), self.mun.geometry.representative_point(), strict=True))
        buf = self.root / "tmp.zip"
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for mun in ADDRESS_MUNICIPALITIES:
                codes = [int(f"{mun[-2:]}{k:06d}") for k in range(0, per_municipality * 2)]
                z.writestr(f"CSV/20260731_OB_{mun}_ADR.csv", address_csv(mun, reps[mun], codes))
            z.writestr(f"CSV/20260731_OB_{OUTSIDE_MUNICIPALITY}_ADR.csv",
                       address_csv(OUTSIDE_MUNICIPALITY, shapely.Point(-560000, -1120000), [99000001]))
        self.put(zip_rel, buf.read_bytes())
        buf.unlink()
        self.put(FEED, atom_feed(f"https://vdp.cuzk.gov.cz/{zip_rel}"))


def build_official(root: Path, base: str) -> Official:
    """Every source, good."""
    mun = make_municipalities(N_MUN, SEED)
    off = Official(root, base, mun)
    off.register(10)
    off.put(SCHEMA, json.dumps(SCHEMA_DOC))
    types = {"polozky": [{"id": "DruhSocialniSluzby/13", "nazev": {"cs": SERVICE_TYPE_BY_CODE["49"].name_cs}},
                         {"id": "DruhSocialniSluzby/14", "nazev": {"cs": SERVICE_TYPE_BY_CODE["48"].name_cs}}]}
    off.put(f"{CODELISTS}/druhy-socialni-sluzby.json", json.dumps(types, ensure_ascii=False))
    groups = {"polozky": [{"id": "CilovaSkupinaOsoby/24", "nazev": {"cs": "senioři"}},
                          {"id": "CilovaSkupinaOsoby/30", "nazev": {"cs": "osoby s demencí"}}]}
    off.put(f"{CODELISTS}/cilove-skupiny-osoby.json", json.dumps(groups, ensure_ascii=False))
    forms = {"polozky": [{"id": f"FormaSocialniSluzby/{f}", "nazev": {"cs": n}}
                         for f, n in (("pob", "pobytová"), ("amb", "ambulantní"), ("ter", "terénní"))]}
    off.put(f"{CODELISTS}/formy-soc-sluzby.json", json.dumps(forms, ensure_ascii=False))
    off.addresses()
    pop = write_population(root / "pop.csv", mun, SEED)
    off.put(POPULATION, pop.read_bytes())
    pop.unlink()
    gpkg = root / "tmp.gpkg"
    mun.to_file(gpkg, layer="obce", driver="GPKG", engine="pyogrio")
    off.put(BOUNDARIES, gpkg.read_bytes())
    gpkg.unlink()
    return off
