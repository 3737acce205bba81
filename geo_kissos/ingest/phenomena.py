"""Imports of demand data: population by age (ČSÚ open data) and social-phenomena indicators.

Population CSV — the ČSÚ open-data layout of population by age in municipalities (comma,
UTF-8; e.g. the tables of population by five-year age groups and sex)::

    idhod,hodnota,stapro_kod,pohlavi_cis,pohlavi_kod,vek_cis,vek_kod,vuzemi_cis,vuzemi_kod,casref_do,pohlavi_txt,vek_txt,vuzemi_txt
    ...,951,...,,,7700,400005,43,500496,2024-12-31,,0 až 5 (více nebo rovno 0 a méně než 5),Olomouc

Used columns: ``hodnota`` (persons), ``vek_txt`` (age group; empty = all ages), ``vuzemi_cis``
(43 = municipality; rows of other territorial levels are skipped), ``vuzemi_kod``,
``casref_do`` (reference date -> year; or a ``rok`` column), ``pohlavi_kod`` (empty = both sexes;
when a municipality has only per-sex rows they are summed). Plain aliases are accepted
(``municipality_code, year, age, persons``). Age groups are read from ``vek_txt``: ``"více nebo
rovno A a méně než B"``, ``"A a více"``, ``"A až B"`` / ``"A-B"`` (B inclusive) or a single age.
They are mapped to the bands ``total, 0-17, 18-64, 65+, 80+``; a group straddling a band limit
(ČSÚ's 15–19 across 18) is split in proportion to the years it covers, and reported. The file is
national: municipalities outside the store are skipped and counted.

Indicators CSV (long form, ``;`` or ``,``)::

    kod_obce;rok;ukazatel;hodnota;jednotka;zdroj;datum_dat
    500496;2024;PNP_TOTAL;3120;persons;MPSV;2024-12-31

(``municipality_code, year, code, value, unit, source, data_date`` accepted too.) ``ukazatel``
must be a code of :data:`geo_kissos.catalogue.INDICATORS`; the unit, when given, must be the
catalogue's; percentages lie in 0–100, counts are not negative. Municipalities must be in the store.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pandas as pd

from ..catalogue import AGE_BANDS, INDICATOR_BY_CODE, PERSONS_MAX
from ..errors import InputError, Problem
from .common import ImportResult, Problems, stored_codes
from .importer import Batch, CsvImporter
from .tabular import future_date, municipality_code, parse_date, parse_int, parse_number

POPULATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("hodnota", "pocet", "obyvatel"),
    "age": ("vek_txt", "vek", "age_band"),
    "territory_level": ("vuzemi_cis", "uzemi_cis"),
    "municipality_code": ("vuzemi_kod", "uzemi_kod", "kod_obce"),
    "ref_date": ("casref_do", "obdobi"),
    "year": ("rok",),
    "sex": ("pohlavi_kod",),
}
INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality_code": ("kod_obce", "vuzemi_kod", "obec"),
    "year": ("rok",),
    "code": ("ukazatel", "kod_ukazatele"),
    "value": ("hodnota",),
    "unit": ("jednotka",),
    "source": ("zdroj",),
    "data_date": ("datum_dat", "datum"),
}
#: ČSÚ code of the municipality level in ``vuzemi_cis``.
MUNICIPALITY_LEVEL = "43"
#: Bands as [from, to) in years; None = open.
BAND_LIMITS: dict[str, tuple[int, int | None]] = {"0-17": (0, 18), "18-64": (18, 65), "65+": (65, None),
                                                  "80+": (80, None)}
#: Width assumed for an open top group ("95 a více") when it must be split.
OPEN_GROUP_WIDTH = 10

_RANGE = re.compile(r"více nebo rovno\s+(\d+)(?:\s+a\s+méně než\s+(\d+))?")
_PLUS = re.compile(r"^(\d+)\s*(?:\+|a\s+více|let\s+a\s+více|and over)")
_SPAN = re.compile(r"^(\d+)\s*(?:až|-|–)\s*(\d+)")
_SINGLE = re.compile(r"^(\d+)(?:\s*let)?$")


def parse_age_group(text: str | None) -> tuple[int, int | None] | None | str:
    """``(from, to exclusive or None)`` of an age-group label; ``None`` = all ages; a str = error."""
    if text is None or not text.strip() or text.strip().lower() in ("celkem", "total"):
        return None
    s = text.strip().lower()
    if m := _RANGE.search(s):
        return int(m.group(1)), int(m.group(2)) if m.group(2) else None
    if m := _PLUS.match(s):
        return int(m.group(1)), None
    if m := _SPAN.match(s):
        lo, hi = int(m.group(1)), int(m.group(2))
        return (lo, hi + 1) if hi >= lo else f"age group '{text}' ends before it starts"
    if m := _SINGLE.match(s):
        return int(m.group(1)), int(m.group(1)) + 1
    return f"'{text}' is not an age group (e.g. '65 až 70 (více nebo rovno 65 a méně než 70)' or '65+')"


def _overlap(group: tuple[int, int | None], band: tuple[int, int | None]) -> tuple[float, bool]:
    """Share of ``group`` inside ``band`` and whether it had to be interpolated."""
    glo, ghi = group
    blo, bhi = band
    if ghi is None:
        if bhi is None:
            if glo >= blo:
                return 1.0, False
            ghi = glo + OPEN_GROUP_WIDTH
        elif glo >= bhi:
            return 0.0, False
        else:
            ghi = glo + OPEN_GROUP_WIDTH
    top = ghi if bhi is None else min(ghi, bhi)
    inside = max(0, top - max(glo, blo))
    share = inside / (ghi - glo)
    return share, 0 < share < 1


class PopulationImport(CsvImporter):
    """``population.csv``: ČSÚ population by age, mapped to the age bands (table ``population``).

    Municipalities outside the store are skipped and counted; a warning says so, and which age
    groups were split across band limits.
    """

    kind = "population"
    file_name = "population.csv"
    table = "population"
    columns = POPULATION_COLUMNS
    required = ("persons", "municipality_code")
    refuse_header_only = False  # "no row for a municipality of the store" says more
    help = "Import population by age (ČSÚ open-data CSV) into bands total, 0-17, 18-64, 65+, 80+."

    def prepare(self) -> None:
        self.known = stored_codes(self.store, "municipality", "municipality_code", self.path, "load boundaries first")
        # (municipality, year, sex) -> band -> persons; and the totals rows for a check
        self.acc: dict[tuple[str, int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.totals: dict[tuple[str, int, str], float] = {}
        self.seen: dict[tuple[str, int, str, object], int] = {}
        self.outside: set[str] = set()
        self.split_groups: set[str] = set()
        self.max_ref: date | None = None

    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        level = row.get("territory_level")
        if level is not None and level != MUNICIPALITY_LEVEL:
            return
        loc = f"row {lineno}"
        code, err = municipality_code(row["municipality_code"])
        if err:
            probs.add(loc, "vuzemi_kod", err)
            return
        loc += f" (municipality {code})"
        if code not in self.known:
            self.outside.add(str(code))
            return
        n0 = len(probs.items)
        year: int | None = None
        if row.get("year") is not None:
            year, err = parse_int(row["year"])
            if err:
                probs.add(loc, "rok", err)
        elif row.get("ref_date") is not None:
            ref, err = parse_date(row["ref_date"])
            if err:
                probs.add(loc, "casref_do", err)
            elif future := future_date(ref):
                probs.add(loc, "casref_do", f"reference date {future}")
            else:
                assert ref is not None
                year = ref.year
                self.max_ref = ref if self.max_ref is None or ref > self.max_ref else self.max_ref
        else:
            probs.add(loc, "casref_do", "no year: the file needs 'casref_do' or 'rok'")
        persons, err = parse_number(row["persons"])
        if err:
            probs.add(loc, "hodnota", f"persons {err}")
        elif persons is not None and (persons < 0 or not float(persons).is_integer()):
            probs.add(loc, "hodnota", f"'{row['persons']}' is not a non-negative whole number of persons")
        elif persons is not None and persons > PERSONS_MAX:
            probs.add(loc, "hodnota", f"{row['persons']} persons is not plausible for one municipality "
                      f"(at most {PERSONS_MAX:,}; Praha has 1.4 million)")
        group = parse_age_group(row.get("age"))
        if isinstance(group, str):
            probs.add(loc, "vek_txt", group)
        if len(probs.items) > n0:
            return
        assert year is not None and persons is not None and not isinstance(group, str)
        sex = row.get("sex") or ""
        key = (str(code), year, sex, group)
        if key in self.seen:
            probs.add(loc, "vek_txt", f"age group repeats row {self.seen[key]} for this municipality and year")
            return
        self.seen[key] = lineno
        k3 = (str(code), year, sex)
        if group is None:
            self.totals[k3] = persons
            return
        bands = self.acc[k3]
        for band in AGE_BANDS:
            bands.setdefault(band, 0.0)
        bands["total"] += persons
        for band, limits in BAND_LIMITS.items():
            share, interpolated = _overlap(group, limits)
            if share:
                bands[band] += persons * share
            if interpolated:
                self.split_groups.add(str(row.get("age")))

    def finish(self, result: ImportResult) -> Batch:
        acc, totals = self.acc, self.totals
        # both sexes when present, else the sum of the per-sex rows
        merged: dict[tuple[str, int], dict[str, float]] = {}
        for (code, year, sex), bands in acc.items():
            if sex == "":
                merged[(code, year)] = dict(bands)
        for (code, year, sex), bands in acc.items():
            if sex != "" and (code, year, "") not in acc:
                tgt = merged.setdefault((code, year), defaultdict(float))
                for b, v in bands.items():
                    tgt[b] += v
        for (code, year, sex), total in totals.items():
            if sex == "" and (code, year) not in merged:
                merged[(code, year)] = {"total": total}
        rows = []
        mismatched = 0
        for (code, year), bands in sorted(merged.items()):
            t = totals.get((code, year, ""))
            if t is not None and abs(t - bands.get("total", t)) > 0.5:
                mismatched += 1
            for band in AGE_BANDS:
                if band in bands:
                    rows.append({"municipality_code": code, "year": year, "age_band": band,
                                 "persons": int(round(bands[band]))})
        warnings = []
        if self.outside:
            warnings.append(f"{len(self.outside)} municipality(ies) not in the store were skipped")
        if self.split_groups:
            groups = ", ".join(sorted(self.split_groups))
            warnings.append(f"age group(s) split across band limits in proportion to years: {groups}")
        if mismatched:
            warnings.append(f"{mismatched} municipality-year(s): total row differs from the sum of age groups "
                            "(the sum is stored)")
        if not rows:
            raise InputError([Problem(self.path.name, "", "vuzemi_kod", "no row for a municipality of the store")])
        result.warnings = warnings
        dd = self.data_date if self.data_date is not None else self.max_ref
        return Batch(pd.DataFrame(rows), dd, f"{len(warnings)} warning(s)" if warnings else None)


class IndicatorImport(CsvImporter):
    """``indicators.csv``: social-phenomena indicators (long form), checked against the catalogue.

    Rows are upserted by (municipality, year, code) into ``indicator_value``. ``data_date`` fills
    rows without their own date and is logged (default: the latest date in the file).
    """

    kind = "indicators"
    file_name = "indicators.csv"
    table = "indicator_value"
    columns = INDICATOR_COLUMNS
    required = ("municipality_code", "year", "code", "value")
    help = "Import social-phenomena indicators (long CSV: kod_obce;rok;ukazatel;hodnota;...)."

    def prepare(self) -> None:
        self.known = stored_codes(self.store, "municipality", "municipality_code", self.path, "load boundaries first")
        self.rows: list[dict[str, object]] = []
        self.seen: dict[tuple[str, int, str], int] = {}

    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        loc = f"row {lineno}"
        n0 = len(probs.items)
        code, err = municipality_code(row["municipality_code"])
        if err:
            probs.add(loc, "kod_obce", err)
        elif code not in self.known:
            probs.add(loc, "kod_obce", f"unknown municipality {code}: not in the store")
        year, err = parse_int(row["year"])
        if err or year is None or not 1990 <= year <= 2100:
            probs.add(loc, "rok", err or f"year {year} out of range 1990-2100")
        ind = row["code"]
        idef = INDICATOR_BY_CODE.get(ind or "")
        if idef is None:
            probs.add(loc, "ukazatel", f"unknown indicator '{ind}' (known: {', '.join(INDICATOR_BY_CODE)})")
        value, err = parse_number(row["value"])
        if err:
            probs.add(loc, "hodnota", f"value {err}")
        elif idef is not None and value is not None:
            if idef.unit == "percent" and not 0 <= value <= 100:
                probs.add(loc, "hodnota", f"{row['value']} is not a percentage (0-100)")
            elif value < 0:
                probs.add(loc, "hodnota", f"negative value {row['value']}")
            elif idef.unit != "percent" and value > PERSONS_MAX:
                probs.add(loc, "hodnota", f"{row['value']} {idef.unit} is not plausible for one municipality "
                          f"(at most {PERSONS_MAX:,})")
        unit = row.get("unit")
        if idef is not None and unit is not None and unit != idef.unit:
            probs.add(loc, "jednotka", f"unit '{unit}' differs from the catalogue's '{idef.unit}' for {ind}")
        dd = None
        if row.get("data_date") is not None:
            dd, err = parse_date(row["data_date"])
            if err:
                probs.add(loc, "datum_dat", err)
            elif future := future_date(dd):
                probs.add(loc, "datum_dat", f"data date {future}")
        if len(probs.items) > n0:
            return
        assert code is not None and year is not None and ind is not None and idef is not None
        key = (code, year, ind)
        if key in self.seen:
            probs.add(loc, "ukazatel", f"{ind} for municipality {code}, year {year} repeats row {self.seen[key]}")
            return
        self.seen[key] = lineno
        self.rows.append({"municipality_code": code, "year": year, "code": ind, "value": value, "unit": idef.unit,
                          "source": row.get("source"), "data_date": dd})

    def finish(self, result: ImportResult) -> Batch:
        df = pd.DataFrame(self.rows,
                          columns=["municipality_code", "year", "code", "value", "unit", "source", "data_date"])
        data_date = self.data_date
        if data_date is not None:
            df["data_date"] = df["data_date"].where(df["data_date"].notna(), pd.Timestamp(data_date).date())
        dates = pd.to_datetime(df["data_date"]).dropna()
        logged = data_date if data_date is not None else (dates.max() if len(dates) else None)
        return Batch(df, logged)


#: Validate a ČSÚ population-by-age CSV, map it to the age bands and store it: :meth:`PopulationImport.load`.
load_population = PopulationImport.load
#: Validate an indicator CSV (long form) against the catalogue and store it: :meth:`IndicatorImport.load`.
load_indicators = IndicatorImport.load
