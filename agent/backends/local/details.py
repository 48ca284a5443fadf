"""A fund request's ``BenefitApplicationDetails`` against its benefit's ``BenefitRequestSchema`` (a JSON Schema,
draft 2020-12), as the sandbox checks them: jsonschema validation, and the JSONPath ``FieldPath`` of
AmendBenefitApplication (``$.EndDate``, ``$.Audience.Region``)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

_FIELD_PATH = re.compile(r"\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def problems(schema: dict[str, Any], details: dict[str, Any]) -> list[ValidationError]:
    """Where ``details`` break ``schema`` (formats such as ``date`` checked too), in document order."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(validator.iter_errors(details), key=lambda e: [str(p) for p in e.absolute_path])


def field_path(path: str) -> list[str] | None:
    """The member names a JSONPath such as ``$.Audience.Region`` walks, or None when it is not one."""
    match = _FIELD_PATH.fullmatch(path)
    return match[1].split(".")[1:] if match else None


def member(schema: dict[str, Any], names: Sequence[str]) -> dict[str, Any] | None:
    """The schema of the member ``names`` walk to, or None when the schema has no such member."""
    for name in names:
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not isinstance(properties.get(name), dict):
            return None
        schema = properties[name]
    return schema


def typed(value: str, schema: dict[str, Any]) -> Any:
    """An amendment's ``NewValue`` (always a string in the API) as the member's JSON type: kept as text for a
    string member, read as JSON for a number, boolean, array or object (left as text when it is not JSON, or is
    NaN or Infinity, for validation to report)."""
    types = schema.get("type", [])
    if "string" in (types if isinstance(types, list) else [types]):
        return value
    try:
        return json.loads(value, parse_constant=_not_json)
    except ValueError:
        return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def amended(details: dict[str, Any], names: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``details`` with the member ``names`` walk to set to ``value`` (missing objects created)."""
    result = copy.deepcopy(details)
    target = result
    for name in names[:-1]:
        if not isinstance(target.get(name), dict):
            target[name] = {}
        target = target[name]
    target[names[-1]] = value
    return result


def json_path(error: ValidationError) -> str:
    """Where a validation error is, as a JSONPath (``$`` for the whole document)."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
