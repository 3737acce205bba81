"""Target groups of social services: the MPSV codelist ``CilovaSkupinaOsoby``.

The register (``rpss.json``) lists a service's target groups as codelist references,
``"ciloveSkupiny": [{"id": "CilovaSkupinaOsoby/24"}, ...]``. Their names come from the MPSV
open-data codelist published beside the register's other codelists
(``data.mpsv.cz/od/soubory/ciselniky/cilove-skupiny-osoby.json``; the same codelist is served by
the MPSV codelist API as ``ciselniky/CilovaSkupinaOsoby/polozky``).

Assumptions, documented because the published codelist file could not be inspected here:

* The file has the shape of the service-type codelist the import already reads
  (``druhy-socialni-sluzby.json``)::

      {"polozky": [{"id": "CilovaSkupinaOsoby/24", "nazev": {"cs": "senioři", ...}}, ...]}

  ``nazev`` may also be a plain string. An ``id`` without the ``CilovaSkupinaOsoby/`` prefix
  (``"24"`` or ``24``) is taken as that number of the codelist.
* The file is looked for beside the register as ``cilove-skupiny-osoby.json`` (the open-data
  name) or ``cilove-skupiny.json``; ``--target-groups FILE`` names it explicitly.

A target group whose id is not in the codelist (or every group, when there is no codelist) is
kept as its raw reference and counted in a warning of the import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from .tabular import require_file

PREFIX = "CilovaSkupinaOsoby/"
#: Names looked for beside the register, in this order (the first is the MPSV open-data name).
CODELIST_NAMES: tuple[str, ...] = ("cilove-skupiny-osoby.json", "cilove-skupiny.json")


def _key(ident: Any) -> str | None:
    """Canonical reference of a codelist id: ``24``, ``"24"`` -> ``"CilovaSkupinaOsoby/24"``."""
    if ident is None or isinstance(ident, bool | dict | list):
        return None
    if isinstance(ident, float) and ident.is_integer():
        ident = int(ident)
    s = str(ident).strip()
    if not s:
        return None
    return s if "/" in s else PREFIX + s


def find_codelist(register: Path) -> Path | None:
    """The target-group codelist beside ``register``, or None when there is none."""
    for name in CODELIST_NAMES:
        p = register.with_name(name)
        if p.exists():
            return p
    return None


def read_target_group_codelist(path: str | Path) -> dict[str, str]:
    """Map target-group references (``CilovaSkupinaOsoby/N``) to Czech names.

    Raises
    ------
    InputError
        Invalid JSON, no ``polozky`` list, or an item without ``id`` or ``nazev.cs`` (every
        problem names the file, the item and the field).
    """
    path = Path(path)
    require_file(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path.name, f"line {exc.lineno}", "", f"invalid JSON: {exc.msg}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, "", "", f"not UTF-8 text: {exc.reason}")]) from None
    items = data.get("polozky") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError([Problem(path.name, "", "polozky",
                                  "no non-empty top-level 'polozky' list: not a codelist of target groups")])
    problems: list[Problem] = []
    out: dict[str, str] = {}
    for i, it in enumerate(items, start=1):
        where = f"item {i}"
        if not isinstance(it, dict):
            problems.append(Problem(path.name, where, "polozky", "an item is not an object"))
            continue
        key = _key(it.get("id"))
        if key is None:
            problems.append(Problem(path.name, where, "id", f"missing codelist id ({json.dumps(it.get('id'))})"))
            continue
        where += f" (id={key})"
        name = it.get("nazev")
        name = name.get("cs") if isinstance(name, dict) else name
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(path.name, where, "nazev.cs", "missing Czech name"))
            continue
        name = " ".join(name.replace(";", ",").split())  # ';' separates groups in the store
        if key in out and out[key] != name:
            problems.append(Problem(path.name, where, "id", f"repeats with another name ('{out[key]}')"))
            continue
        out[key] = name
    if problems:
        raise InputError(problems)
    return out


def target_group_names(refs: Iterable[str], codelist: dict[str, str]) -> tuple[list[str], list[str]]:
    """Names of the references (raw reference when unknown, duplicates dropped) and the unknown refs."""
    names: list[str] = []
    unknown: list[str] = []
    for ref in refs:
        name = codelist.get(_key(ref) or ref)
        if name is None:
            unknown.append(ref)
            name = ref
        if name not in names:
            names.append(name)
    return names, unknown
