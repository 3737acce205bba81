"""SYNTHETIC applicants' lists of residential homes (the KISSoS "Evidence žadatelů" upload).

Every person here is invented: the birth numbers have a valid format (date, women's +50 month,
the modulo-11 check for those born from 1954) but are drawn at random, and the names are
"Syntetický žadatel N". Nothing here describes a real person. The files are what a home's
software exports: CSV as Czech Excel saves it (``;``, cp1250) with a name column that the upload
ignores. One person is on the lists of one to three homes (the region de-duplicates them);
one home (the last) identifies its applicants by case number and date of birth instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

__all__ = ["SyntheticPerson", "synthetic_people", "birth_number", "synthetic_lists", "list_csv"]

HEADER = ["Jméno a příjmení", "Rodné číslo", "Kód obce", "Datum podání", "Naléhavost", "Stav",
          "Poznámka"]
CASE_HEADER = ["Číslo spisu", "Jméno a příjmení", "Datum narození", "Obec bydliště", "Datum žádosti",
               "Urgentní", "Stav žádosti"]
_STATUS = (("čeká", 0.84), ("přijat", 0.08), ("zrušena", 0.05), ("zemřel", 0.03))


@dataclass(frozen=True)
class SyntheticPerson:
    """One invented applicant."""

    number: int
    birth: date
    female: bool
    birth_number: str  #: digits, without slash
    municipality_code: str


def birth_number(birth: date, female: bool, serial: int) -> str:
    """A valid-format (fake) birth number: 9 digits before 1954, else 10 with the mod-11 check."""
    mm = birth.month + (50 if female else 0)
    head = f"{birth.year % 100:02d}{mm:02d}{birth.day:02d}"
    if birth.year < 1954:
        return head + f"{serial % 1000:03d}"
    body = head + f"{serial % 1000:03d}"
    check = int(body) % 11
    return body + ("0" if check == 10 else str(check))


def synthetic_people(municipalities: pd.DataFrame, n: int, seed: int = 13,
                     outside_share: float = 0.02) -> list[SyntheticPerson]:
    """``n`` invented applicants living in ``municipalities`` (``municipality_code``, optional
    ``weight``); ``outside_share`` of them live outside of the region (code ``999999``)."""
    rng = np.random.default_rng(seed)
    codes = municipalities["municipality_code"].astype(str).to_numpy()
    w = (municipalities["weight"].to_numpy(float) if "weight" in municipalities
         else np.ones(len(codes)))
    w = w / w.sum()
    people, used = [], set()
    for i in range(n):
        while True:
            birth = date(1925, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 38)))
            female = bool(rng.random() < 0.65)
            rc = birth_number(birth, female, int(rng.integers(0, 1000)))
            if rc not in used:
                used.add(rc)
                break
        code = "999999" if rng.random() < outside_share else str(rng.choice(codes, p=w))
        people.append(SyntheticPerson(i + 1, birth, female, rc, code))
    return people


def synthetic_lists(people: list[SyntheticPerson], services: list[str], data_date: date,
                    seed: int = 13, case_number_home: bool = True) -> dict[str, pd.DataFrame]:
    """The homes' lists: service id -> frame in the export's columns (CSV: :func:`list_csv`).

    Each person applies to 1 (60 %), 2 (25 %) or 3 (15 %) homes, within the last three years.
    """
    rng = np.random.default_rng(seed + 1)
    rows: dict[str, list[list[str]]] = {s: [] for s in services}
    labels, probs = zip(*_STATUS, strict=True)
    case_home = services[-1] if case_number_home and len(services) > 1 else None
    for p in people:
        k = int(rng.choice([1, 2, 3], p=[0.6, 0.25, 0.15]))
        homes = rng.choice(len(services), size=min(k, len(services)), replace=False)
        for h in homes:
            sid = services[int(h)]
            applied = data_date - timedelta(days=int(rng.integers(0, 3 * 365)))
            urgent = "ano" if rng.random() < 0.2 else "ne"
            status = str(rng.choice(labels, p=probs))
            name = f"Syntetický žadatel {p.number}"
            if sid == case_home:
                rows[sid].append([f"SP-{p.number:05d}", name, f"{p.birth.day}.{p.birth.month}.{p.birth.year}",
                                  p.municipality_code, f"{applied.day}.{applied.month}.{applied.year}",
                                  "1" if urgent == "ano" else "0", status])
            else:
                rc = p.birth_number
                shown = f"{rc[:6]}/{rc[6:]}" if p.number % 2 else rc
                rows[sid].append([name, shown, p.municipality_code, f"{applied.day}.{applied.month}.{applied.year}",
                                  urgent, status, "SYNTETICKÁ DATA"])
    return {s: pd.DataFrame(r, columns=CASE_HEADER if s == case_home else HEADER) for s, r in rows.items()}


def list_csv(frame: pd.DataFrame) -> bytes:
    """A list as Czech Excel's "CSV (oddělený středníkem)": ``;``, cp1250, CRLF."""
    return frame.to_csv(sep=";", index=False, lineterminator="\r\n").encode("cp1250")
