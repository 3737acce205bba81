"""Imports of the territorial reach of services and of the regional network of services.

Reach CSV (``;`` or ``,``; UTF-8 or cp1250)::

    identifikator;kod_obce;kod_orp
    1234567;;7107          <- an ORP code: every stored municipality of that ORP
    1234568;500496;        <- one municipality

(English headers ``service_id, municipality_code, orp_code`` are accepted too.) Exactly one of
the two codes per row. The reach of every service named in the file is replaced whole.

Network CSV (the region's network of services, updated twice a year)::

    identifikator;rok;jednotky;typ_jednotky;stav;datum_aktualizace
    1234567;2025;12.5;fte;included;2025-03-31

(``service_id, year, units, unit, status, update_date`` accepted too.) ``unit`` is a catalogue
unit (``beds``, ``fte``, ...); ``status`` one of :data:`NETWORK_STATUSES`. The key includes the
update date, so every update is kept as history; importing an update again overwrites its rows.

Both refer to services already in the store (import the register first) and to stored
municipalities/ORPs: an unknown id or code is an error naming file, row and field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..catalogue import UNIT_MAX, UNITS
from ..store import Store
from .common import ImportResult, Problems, begin_import, claim_import, stored_codes
from .tabular import (
    check_data_date,
    future_date,
    iter_csv,
    municipality_code,
    no_rows,
    parse_date,
    parse_int,
    parse_number,
    require_file,
)

REACH_COLUMNS: dict[str, tuple[str, ...]] = {
    "service_id": ("identifikator", "id_sluzby", "sluzba"),
    "municipality_code": ("kod_obce", "obec", "kod_obec"),
    "orp_code": ("kod_orp", "orp"),
}
NETWORK_COLUMNS: dict[str, tuple[str, ...]] = {
    "service_id": ("identifikator", "id_sluzby", "sluzba"),
    "year": ("rok",),
    "units": ("jednotky", "pocet_jednotek"),
    "unit": ("typ_jednotky", "jednotka"),
    "status": ("stav",),
    "update_date": ("datum_aktualizace", "aktualizace"),
}
#: Czech names of the units (as the region's network table writes them).
_UNIT_CS = {"lůžka": "beds", "lůžko": "beds", "luzka": "beds", "luzko": "beds", "úvazky": "fte",
            "úvazek": "fte", "uvazky": "fte", "uvazek": "fte", "klienti": "clients", "hodiny": "hours"}
#: Status of a service in the network at an update.
NETWORK_STATUSES: tuple[str, ...] = ("included", "new", "changed", "removed")
#: Czech spellings accepted for the statuses.
_STATUS_CS = {"zařazena": "included", "zarazena": "included", "nová": "new", "nova": "new",
              "změna": "changed", "zmena": "changed", "vyřazena": "removed", "vyrazena": "removed"}


def load_reach(
    store: Store,
    path: str | Path,
    data_date: date | pd.Timestamp | None = None,
    collect_all: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Validate a reach CSV and store it (table ``reach``) in one transaction.

    An ORP code expands to all stored municipalities of that ORP. The reach of each service
    in the file is replaced by the file's rows.
    """
    path = Path(path)
    require_file(path)
    check_data_date(data_date, path.name)
    result = begin_import(store, "reach", path)
    if result.skipped:
        return result
    services = stored_codes(store, "service", "service_id", path, "import the register first")
    mun = store.read("municipality")
    known_mun = set(mun["municipality_code"].astype(str))
    by_orp = mun.groupby("orp_code")["municipality_code"].apply(lambda s: sorted(s.astype(str))).to_dict()
    probs = Problems(path.name, collect_all)
    pairs: set[tuple[str, str]] = set()
    rows_read = 0
    for lineno, row in iter_csv(result.parsed, REACH_COLUMNS, ("service_id", "municipality_code", "orp_code"),
                                progress=progress):
        rows_read += 1
        loc = f"row {lineno}"
        sid, mraw, oraw = row["service_id"], row["municipality_code"], row["orp_code"]
        if sid is None:
            probs.add(loc, "service_id", "missing service id")
            continue
        loc += f" (service {sid})"
        if sid not in services:
            probs.add(loc, "service_id", f"unknown service {sid}: not in the stored register")
            continue
        if (mraw is None) == (oraw is None):
            probs.add(loc, "municipality_code", "give exactly one of municipality code and ORP code")
            continue
        if mraw is not None:
            code, err = municipality_code(mraw)
            if err:
                probs.add(loc, "municipality_code", err)
            elif code not in known_mun:
                probs.add(loc, "municipality_code", f"unknown municipality {code}: not in the store")
            else:
                pairs.add((sid, code))
        else:
            assert oraw is not None
            if oraw not in by_orp:
                probs.add(loc, "orp_code", f"unknown ORP {oraw}: no stored municipality belongs to it")
            else:
                pairs.update((sid, m) for m in by_orp[oraw])
    if rows_read == 0:
        raise no_rows(path.name)
    probs.raise_if_any()
    df = pd.DataFrame(sorted(pairs), columns=["service_id", "municipality_code"])
    with store.transaction() as w:
        if not claim_import(w, result):
            return result
        ids = sorted(df["service_id"].unique().tolist())
        if ids:
            w.delete("reach", {"service_id": ids})
        result.counts["reach"] = w.upsert("reach", df) if len(df) else 0
        w.log_import("reach", str(path), result.checksum, rows_read, len(df),
                     pd.Timestamp(data_date).date() if data_date is not None else None,
                     f"{len(ids)} service(s)")
    return result


def load_network(
    store: Store,
    path: str | Path,
    data_date: date | pd.Timestamp | None = None,
    collect_all: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Validate a network CSV and store it (table ``network``) in one transaction.

    Rows are upserted by (service, year, update date): earlier updates stay as history. The data
    date logged defaults to the latest update date of the file.
    """
    path = Path(path)
    require_file(path)
    check_data_date(data_date, path.name)
    result = begin_import(store, "network", path)
    if result.skipped:
        return result
    services = stored_codes(store, "service", "service_id", path, "import the register first")
    probs = Problems(path.name, collect_all)
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, int, date], int] = {}
    rows_read = 0
    for lineno, row in iter_csv(result.parsed, NETWORK_COLUMNS, tuple(NETWORK_COLUMNS), progress=progress):
        rows_read += 1
        loc = f"row {lineno}"
        sid = row["service_id"]
        if sid is None:
            probs.add(loc, "service_id", "missing service id")
            continue
        loc += f" (service {sid})"
        n0 = len(probs.items)
        if sid not in services:
            probs.add(loc, "service_id", f"unknown service {sid}: not in the stored register")
        year, err = parse_int(row["year"])
        if err or year is None or not 2000 <= year <= 2100:
            probs.add(loc, "year", err or f"year {year} out of range 2000-2100")
        units, err = parse_number(row["units"])
        if err:
            probs.add(loc, "units", f"units {err}")
        elif units is not None and units < 0:
            probs.add(loc, "units", f"negative units {row['units']}")
        unit = (row["unit"] or "").strip().lower()
        unit = _UNIT_CS.get(unit, unit)
        if unit not in UNITS:
            probs.add(loc, "unit", f"unknown unit '{row['unit']}' (expected one of {', '.join(UNITS)})")
        elif units is not None and units > UNIT_MAX[unit]:
            probs.add(loc, "units", f"{row['units']} {unit} is not plausible for one service "
                      f"(at most {UNIT_MAX[unit]:,.0f})")
        status = (row["status"] or "").lower()
        status = _STATUS_CS.get(status, status)
        if status not in NETWORK_STATUSES:
            probs.add(loc, "status", f"unknown status '{row['status']}' (expected {', '.join(NETWORK_STATUSES)})")
        upd, err = parse_date(row["update_date"])
        if err:
            probs.add(loc, "update_date", err)
        elif future := future_date(upd):
            probs.add(loc, "update_date", f"update date {future}")
        elif year is not None and upd is not None and not (year - 1 <= upd.year <= year):
            probs.add(loc, "update_date", f"update {upd} does not belong to network year {year}")
        if len(probs.items) > n0:
            continue
        assert year is not None and upd is not None
        key = (sid, year, upd)
        if key in seen:
            probs.add(loc, "service_id", f"service {sid}, year {year}, update {upd} repeats row {seen[key]}")
            continue
        seen[key] = lineno
        rows.append({"service_id": sid, "year": year, "update_date": upd, "units": units, "unit": unit,
                     "status": status})
    if rows_read == 0:
        raise no_rows(path.name)
    probs.raise_if_any()
    df = pd.DataFrame(rows, columns=["service_id", "year", "update_date", "units", "unit", "status"])
    if data_date is None and len(df):
        data_date = max(df["update_date"])
    with store.transaction() as w:
        if not claim_import(w, result):
            return result
        result.counts["network"] = w.upsert("network", df) if len(df) else 0
        w.log_import("network", str(path), result.checksum, rows_read, len(df),
                     pd.Timestamp(data_date).date() if data_date is not None else None)
    return result
