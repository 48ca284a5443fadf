"""What a client receives: tool definitions and results, compacted so a model pays only for what carries meaning.

A model reads the whole `tools/list` and every result on every turn. Pydantic's schemas carry a generated
``title`` on every member, ``anyOf [X, null]`` with ``default: null`` where leaving the member out says the same,
and docstring indentation in descriptions; results are pretty-printed JSON with every null member. Here the
published forms drop all of that. The tools' own models are unchanged: arguments and results are still validated
against them; the published schema only ever accepts more than the tool does, never less, for what it receives,
and always accepts what it sends.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from mcp.types import Tool, ToolAnnotations

_NULL = {"type": "null"}
_NAME_MAPS = {"properties", "$defs", "patternProperties"}
"""Keywords whose value maps names (a member called ``title`` is not a title) to schemas."""


def without_nulls(value: Any) -> Any:
    """``value`` with every null member of every object left out (list items are kept as they are)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def result_text(structured: Any) -> str:
    """A result as the text a model reads: JSON on one line, without null members."""
    return json.dumps(structured, ensure_ascii=False, separators=(",", ":"))


_ORDINARY_TEXT = "Ordinary text: café, 日本, O'Brien & Co. (50%) – see https://example.com/a?b=c #1!"


def _says_nothing(pattern: str) -> bool:
    """Whether ``pattern`` admits any ordinary text (it only keeps control characters out): the server still
    checks it, but it tells a model nothing about what to send."""
    try:
        return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), _ORDINARY_TEXT) is not None
    except re.error:
        return False


def _nullable(schema: Any) -> bool:
    return isinstance(schema, dict) and any(branch == _NULL for branch in schema.get("anyOf", ()))


def compact_schema(schema: Any) -> Any:
    """``schema`` without generated titles and null unions: a member that may be null may instead be left out
    (it is no longer required), as `without_nulls` sends it."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    compact: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or key == "pattern" and isinstance(value, str) and _says_nothing(value):
            continue
        if key in _NAME_MAPS and isinstance(value, dict):
            compact[key] = {name: compact_schema(member) for name, member in value.items()}
        else:
            compact[key] = compact_schema(value)
    if "required" in compact:
        nullable = {name for name, member in schema.get("properties", {}).items() if _nullable(member)}
        required = [name for name in compact["required"] if name not in nullable]
        if required:
            compact["required"] = required
        else:
            del compact["required"]
    if compact.get("default", ...) is None:
        del compact["default"]  # null: leaving the member out says the same
    branches = compact.get("anyOf")
    if branches and _NULL in branches:
        branches = [branch for branch in branches if branch != _NULL]
        del compact["anyOf"]
        if len(branches) == 1:
            compact = {**branches[0], **compact}
        else:
            compact["anyOf"] = branches
    return compact


LARGE_ENUM = 12
LARGE_ENUM_CHARS = 200
"""An enum with more values than LARGE_ENUM, or whose values are longer than LARGE_ENUM_CHARS together, is published as
its first few: an invalid value is answered with them all."""


def _published_enum(schema: dict) -> dict:
    values = schema.get("enum")
    if not values or (len(values) <= LARGE_ENUM and len(", ".join(map(str, values))) <= LARGE_ENUM_CHARS):
        return schema
    listed = ", ".join(map(str, values[:2]))
    note = f"One of {len(values)} codes, e.g. {listed}; a wrong one is answered with all."
    described = f"{schema['description']} {note}" if "description" in schema else note
    return {**{key: value for key, value in schema.items() if key != "enum"}, "description": described}


def input_schema(schema: dict) -> dict:
    """A tool's input ``schema`` as published: compact, definitions used once written in place, large enums cut
    short (the tool still validates against the whole schema and names every allowed value when one is wrong)."""
    compact = compact_schema(schema)
    definitions = compact.pop("$defs", {})
    uses = json.dumps(compact) + json.dumps(definitions)
    shared = {name: body for name, body in definitions.items() if uses.count(f'"#/$defs/{name}"') > 1}

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref", "").removeprefix("#/$defs/")
        if reference in definitions and reference not in shared:
            node = {**definitions[reference], **{key: value for key, value in node.items() if key != "$ref"}}
        return _published_enum({key: rewrite(value) for key, value in node.items()})

    published_schema = rewrite(compact)
    if shared:
        published_schema["$defs"] = {name: rewrite(body) for name, body in shared.items()}
    return published_schema


def shallow_schema(schema: dict) -> dict:
    """The top level of an object ``schema``: each member's type (and enum), nested objects left open.

    An output schema is for a client to validate what it reads first; hosts do not show it to the model (their
    tool formats have no place for it), so it carries types, not prose: what a result means is said by the tool's
    description and the result itself.
    """

    def outline(member: dict) -> dict:
        kept = {key: member[key] for key in ("enum", "format") if key in member}
        if "$ref" in member or member.get("type") == "object" or "anyOf" in member or "allOf" in member:
            return {**kept, "type": "object"} if "$ref" in member or member.get("type") == "object" else kept
        if member.get("type") == "array":
            items = member.get("items", {})
            return {**kept, "type": "array", **({"items": outline(items)} if items else {})}
        return {**kept, **({"type": member["type"]} if "type" in member else {})}

    shallow = {key: schema[key] for key in ("type", "required") if key in schema}
    shallow["properties"] = {name: outline(member) for name, member in schema.get("properties", {}).items()}
    return shallow


def describe(docstring: str) -> str:
    """A tool's description from its docstring: dedented, each paragraph on one line."""
    paragraphs = inspect.cleandoc(docstring).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)


_HINT_DEFAULTS = {"read_only_hint": False, "destructive_hint": True, "idempotent_hint": False, "open_world_hint": True}
"""What MCP says a client assumes of a hint the server leaves out."""


def published_annotations(annotations: ToolAnnotations) -> ToolAnnotations:
    """``annotations`` without the hints a client assumes anyway: those equal to MCP's defaults, and the destructive
    and idempotent hints of a read-only tool, which mean something only for a tool that writes."""
    unsaid = {hint for hint, default in _HINT_DEFAULTS.items() if getattr(annotations, hint) == default}
    if annotations.read_only_hint:
        unsaid |= {"destructive_hint", "idempotent_hint"}
    return annotations.model_copy(update=dict.fromkeys(unsaid))


def published(tool: Tool) -> Tool:
    """``tool`` as `tools/list` publishes it: description dedented, input schema compact, output schema shallow.

    A full output schema (get_opportunity's was 10,800 characters, mostly enums) costs the model more than the
    results it describes; the shallow form still lets a client check each member it reads first."""
    annotations = tool.annotations and published_annotations(tool.annotations)
    read_only = tool.annotations is not None and tool.annotations.read_only_hint
    # A write's result is a status and a message to relay, the same shape for every write tool: its schema would
    # cost 500 characters six times over and tell a model nothing its text does not.
    output = read_only and tool.output_schema and shallow_schema(compact_schema(tool.output_schema))
    return tool.model_copy(
        update={
            "description": describe(tool.description or ""),
            "annotations": annotations,
            "input_schema": input_schema(tool.input_schema),
            "output_schema": output or None,
        }
    )
