"""Planning rounds and scoring criteria of network applications (a small TOML file).

The default file is ``geo_kissos/collect/planning.toml``; ``GEO_KISSOS_PLANNING`` names another
one, and :func:`use_settings` sets them for a process (tests, an operator's script). A round::

    [rounds.2027]
    label = "Aktualizace sítě 2027 (síť na rok 2028)"
    network_year = 2028          # approved applications enter the network of this year
    deadline_new = 2027-03-31    # new services
    deadline_change = 2027-07-31 # changes of units
    data_year = 2025             # optional: data the effects are computed on

A criterion (``[[criteria]]``): ``code``, ``label``, ``weight`` and ``max`` (scores are 0..max);
the weighted total of an application is ``sum(weight * score)``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import get_config
from ..errors import InputError, Problem

__all__ = ["KINDS", "Criterion", "Round", "Settings", "load_settings", "settings", "use_settings"]

#: Application kind -> Czech label.
KINDS: dict[str, str] = {"new": "nová služba", "change": "změna počtu jednotek"}
DEFAULT_FILE = Path(__file__).with_name("planning.toml")


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion."""

    code: str
    label: str
    weight: float
    max: float


@dataclass(frozen=True)
class Round:
    """One planning round: deadlines per kind and the network year it feeds."""

    round_id: str
    label: str
    network_year: int
    deadlines: dict[str, date]  #: kind -> last day to file on time
    data_year: int | None = None

    def is_late(self, kind: str, filed_at: datetime | date) -> bool:
        """True when an application of ``kind`` filed at ``filed_at`` (UTC) misses its deadline."""
        day = filed_at.date() if isinstance(filed_at, datetime) else filed_at
        return day > self.deadlines[kind]


@dataclass(frozen=True)
class Settings:
    """Rounds and criteria."""

    rounds: dict[str, Round]
    criteria: tuple[Criterion, ...]
    source: str = ""

    @property
    def max_total(self) -> float:
        """Largest weighted total."""
        return float(sum(c.weight * c.max for c in self.criteria))

    def criterion(self, code: str) -> Criterion | None:
        """The criterion ``code`` (None when there is none)."""
        return next((c for c in self.criteria if c.code == code), None)


def _date(v: Any, src: str, where: str, field: str) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        raise InputError([Problem(src, where, field, f"datum {v!r} není ve tvaru RRRR-MM-DD")]) from None


def parse_settings(data: dict[str, Any], source: str = "planning.toml") -> Settings:
    """Settings from the parsed TOML; :class:`InputError` names the round/criterion and field."""
    problems: list[Problem] = []
    rounds: dict[str, Round] = {}
    for rid, r in (data.get("rounds") or {}).items():
        where = f"[rounds.{rid}]"
        try:
            deadlines = {k: _date(r[f"deadline_{k}"], source, where, f"deadline_{k}") for k in KINDS}
            rounds[str(rid)] = Round(str(rid), str(r.get("label") or rid), int(r["network_year"]),
                                     deadlines, int(r["data_year"]) if r.get("data_year") else None)
        except KeyError as exc:
            problems.append(Problem(source, where, str(exc.args[0]), "povinný údaj chybí"))
        except InputError as exc:
            problems.extend(exc.problems)
    crits: list[Criterion] = []
    for i, c in enumerate(data.get("criteria") or [], start=1):
        where = f"[[criteria]] č. {i}"
        try:
            crit = Criterion(str(c["code"]), str(c.get("label") or c["code"]), float(c["weight"]),
                             float(c.get("max", 5)))
        except KeyError as exc:
            problems.append(Problem(source, where, str(exc.args[0]), "povinný údaj chybí"))
            continue
        if crit.weight < 0 or crit.max <= 0:
            problems.append(Problem(source, where, "weight", "váha musí být ≥ 0 a max > 0"))
        if any(o.code == crit.code for o in crits):
            problems.append(Problem(source, where, "code", f"kritérium {crit.code!r} je uvedeno dvakrát"))
        crits.append(crit)
    if not crits:
        problems.append(Problem(source, "[[criteria]]", "criteria", "chybí kritéria hodnocení"))
    if problems:
        raise InputError(problems)
    return Settings(rounds, tuple(crits), source)


def load_settings(path: str | Path | None = None) -> Settings:
    """Read a planning TOML (default: ``GEO_KISSOS_PLANNING`` or the packaged file)."""
    p = Path(path or get_config().planning or DEFAULT_FILE)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(p), "", "", f"neplatný TOML: {exc}")]) from None
    return parse_settings(data, str(p))


_CURRENT: Settings | None = None


def settings() -> Settings:
    """The settings in use (read once)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = load_settings()
    return _CURRENT


def use_settings(value: Settings | str | Path | None) -> Settings:
    """Use ``value`` (Settings or a TOML path; None: read the default again) from now on."""
    global _CURRENT
    _CURRENT = value if isinstance(value, Settings) else load_settings(value)
    return _CURRENT
