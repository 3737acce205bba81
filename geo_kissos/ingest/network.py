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

import pandas as pd

from ..catalogue import UNIT_MAX, UNITS, unit_code
from ..store import Writer
from .common import ImportResult, Problems, stored_codes
from .importer import Batch, CsvImporter
from .tabular import future_date, municipality_code, parse_date, parse_int, parse_number

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

#: Status of a service in the network at an update.
NETWORK_STATUSES: tuple[str, ...] = ("included", "new", "changed", "removed")
#: Czech spellings accepted for the statuses.
_STATUS_CS = {"zařazena": "included", "zarazena": "included", "nová": "new", "nova": "new",
              "změna": "changed", "zmena": "changed", "vyřazena": "removed", "vyrazena": "removed"}


class ReachImport(CsvImporter):
    """``reach.csv``: the municipalities each service serves (table ``reach``).

    An ORP code expands to all stored municipalities of that ORP. The reach of each service in the
    file is replaced whole by the file's rows.
    """

    kind = "reach"
    file_name = "reach.csv"
    table = "reach"
    columns = REACH_COLUMNS
    required = ("service_id", "municipality_code", "orp_code")
    needs_register = True
    help = "Import territorial reach (identifikator;kod_obce;kod_orp); an ORP expands to its municipalities."

    def prepare(self) -> None:
        self.services = stored_codes(self.store, "service", "service_id", self.path, "import the register first")
        mun = self.store.read("municipality")
        self.known_mun = set(mun["municipality_code"].astype(str))
        self.by_orp = mun.groupby("orp_code")["municipality_code"].apply(lambda s: sorted(s.astype(str))).to_dict()
        self.pairs: set[tuple[str, str]] = set()

    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        loc = f"row {lineno}"
        sid, mraw, oraw = row["service_id"], row["municipality_code"], row["orp_code"]
        if sid is None:
            probs.add(loc, "service_id", "missing service id")
            return
        loc += f" (service {sid})"
        if sid not in self.services:
            probs.add(loc, "service_id", f"unknown service {sid}: not in the stored register")
            return
        if (mraw is None) == (oraw is None):
            probs.add(loc, "municipality_code", "give exactly one of municipality code and ORP code")
            return
        if mraw is not None:
            code, err = municipality_code(mraw)
            if err:
                probs.add(loc, "municipality_code", err)
            elif code not in self.known_mun:
                probs.add(loc, "municipality_code", f"unknown municipality {code}: not in the store")
            else:
                assert code is not None
                self.pairs.add((sid, code))
        else:
            assert oraw is not None
            if oraw not in self.by_orp:
                probs.add(loc, "orp_code", f"unknown ORP {oraw}: no stored municipality belongs to it")
            else:
                self.pairs.update((sid, m) for m in self.by_orp[oraw])

    def finish(self, result: ImportResult) -> Batch:
        df = pd.DataFrame(sorted(self.pairs), columns=["service_id", "municipality_code"])
        self.ids = sorted(df["service_id"].unique().tolist())
        return Batch(df, self.data_date, f"{len(self.ids)} service(s)")

    def write(self, writer: Writer, batch: Batch) -> int:
        """The reach of each service in the file is replaced whole by the file's rows."""
        return writer.replace("reach", batch.frame, {"service_id": self.ids}) if self.ids else 0


class NetworkImport(CsvImporter):
    """``network.csv``: units of the services in the region's network, per year and update (table ``network``).

    Rows are upserted by (service, year, update date): earlier updates stay as history. The data
    date logged defaults to the latest update date of the file.
    """

    kind = "network"
    file_name = "network.csv"
    table = "network"
    columns = NETWORK_COLUMNS
    required = tuple(NETWORK_COLUMNS)
    needs_register = True
    help = "Import the network of services (units per year and update; updates kept as history)."

    def prepare(self) -> None:
        self.services = stored_codes(self.store, "service", "service_id", self.path, "import the register first")
        self.rows: list[dict[str, object]] = []
        self.seen: dict[tuple[str, int, date], int] = {}

    def check_row(self, lineno: int, row: dict[str, str | None], probs: Problems) -> None:
        loc = f"row {lineno}"
        sid = row["service_id"]
        if sid is None:
            probs.add(loc, "service_id", "missing service id")
            return
        loc += f" (service {sid})"
        n0 = len(probs.items)
        if sid not in self.services:
            probs.add(loc, "service_id", f"unknown service {sid}: not in the stored register")
        year, err = parse_int(row["year"])
        if err or year is None or not 2000 <= year <= 2100:
            probs.add(loc, "year", err or f"year {year} out of range 2000-2100")
        units, err = parse_number(row["units"])
        if err:
            probs.add(loc, "units", f"units {err}")
        elif units is not None and units < 0:
            probs.add(loc, "units", f"negative units {row['units']}")
        unit = unit_code(row["unit"])
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
            return
        assert year is not None and upd is not None
        key = (sid, year, upd)
        if key in self.seen:
            probs.add(loc, "service_id", f"service {sid}, year {year}, update {upd} repeats row {self.seen[key]}")
            return
        self.seen[key] = lineno
        self.rows.append({"service_id": sid, "year": year, "update_date": upd, "units": units, "unit": unit,
                          "status": status})

    def finish(self, result: ImportResult) -> Batch:
        df = pd.DataFrame(self.rows, columns=["service_id", "year", "update_date", "units", "unit", "status"])
        logged = self.data_date
        if logged is None and len(df):
            logged = max(df["update_date"])
        return Batch(df, logged)


#: Validate a reach CSV and store it (table ``reach``) in one transaction: :meth:`ReachImport.load`.
load_reach = ReachImport.load
#: Validate a network CSV and store it (table ``network``) in one transaction: :meth:`NetworkImport.load`.
load_network = NetworkImport.load
