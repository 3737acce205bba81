"""Validation of register items against the JSON Schema MPSV publishes beside ``rpss.json``.

MPSV publishes ``rpss.schema.json`` beside the register. When it lies beside the file imported,
every item of ``polozky`` is validated against the schema's item definition
(``properties.polozky.items``, resolved against the whole schema so ``$ref`` to its
``definitions``/``$defs`` work) before anything else is read from it. The register is streamed,
so items are validated one by one; the whole document is never held in memory.

Messages name the item and the field (``zarizeni[1].adresa.obec``, 1-based like the other
messages of the import) and the rule broken; they never repeat the value found (a personal field
of a malformed item must not reach a terminal or a log).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from ..errors import InputError, Problem

#: The schema's file name beside the register.
SCHEMA_NAME = "rpss.schema.json"
#: Problems reported per item at most (the first ones, by field path).
MAX_PER_ITEM = 5


def find_schema(register: Path) -> Path | None:
    """``rpss.schema.json`` beside ``register``, or None."""
    p = register.with_name(SCHEMA_NAME)
    return p if p.is_file() else None


def item_validator(path: str | Path) -> Validator:
    """A validator of one register item, from the register's schema file.

    Raises
    ------
    InputError
        The file is not JSON, not a valid JSON Schema, or has no ``properties.polozky.items``.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            schema = json.load(f)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path.name, f"line {exc.lineno}", "", f"invalid JSON: {exc.msg}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, "", "", f"not UTF-8 text: {exc.reason}")]) from None
    if not isinstance(schema, dict):
        raise InputError([Problem(path.name, "", "", "not a JSON Schema (not an object)")])
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = _path(exc.absolute_path) or "(root)"
        raise InputError([Problem(path.name, where, "", f"not a valid JSON Schema: {exc.message[:200]}")]) from None
    items = ((schema.get("properties") or {}).get("polozky") or {}).get("items")
    if not isinstance(items, dict):
        raise InputError([Problem(path.name, "", "properties.polozky.items",
                                  "the schema does not describe the items of 'polozky'")])
    sub = {k: schema[k] for k in ("$schema", "$id", "definitions", "$defs") if k in schema}
    sub.update(items)
    return cls(sub)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p + 1}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _json_type(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(v), type(v).__name__)


def _message(err: ValidationError) -> str:
    rule = err.validator
    if rule == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"is {_json_type(err.instance)}, the schema wants {want}"
    if rule in ("required", "additionalProperties", "dependentRequired", "unevaluatedProperties"):
        return err.message  # names properties only, never values
    if rule == "enum":
        return "is not one of the values the schema allows"
    if rule == "const":
        return "is not the value the schema requires"
    limit = json.dumps(err.validator_value, ensure_ascii=False)
    if len(limit) > 60:
        limit = limit[:57] + "..."
    return f"breaks the schema's rule '{rule}' ({limit})"


def item_problems(validator: Validator, item: Any, source: str, location: str) -> list[Problem]:
    """Problems of one item against the schema (empty when it conforms)."""
    errors = sorted(validator.iter_errors(item), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for err in errors[:MAX_PER_ITEM]:
        field = _path(err.absolute_path)
        out.append(Problem(source, location, field, f"{SCHEMA_NAME}: {_message(err)}"))
    return out
