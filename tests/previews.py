"""Reading a preview back: which members of which calls it shows, with their text, to compare with what was sent."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from agent.graphs.preview import AMOUNT_MEMBERS, SECRET_MEMBERS, SENT_HEADING, visible

CALL = re.compile(r"^(\d+)\. (\w+) \(([\w-]+)\)$")
MEMBER = re.compile(r"^(?P<indent> +)(?P<key>[^\s:\[][^:]*):(?: (?P<value>.*))?$")
ITEM = re.compile(r"^(?P<indent> +)\[(?P<position>\d+)\](?: (?P<value>.*))?$")


def shown_calls(preview: str) -> list[tuple[str, dict[str, str]]]:
    """[(operation, {member path: shown text})] of the "what is sent" part of a preview, which must be there
    exactly once. Paths look like ``TaskDetails.Headquarters.CountryCode`` or ``FileDetails[1].FileURI``."""
    lines = preview.split("\n")
    assert lines.count(SENT_HEADING) == 1, "the preview must have exactly one 'what is sent' part"
    body = lines[lines.index(SENT_HEADING) + 1 :]
    calls: list[tuple[str, dict[str, str]]] = []
    stack: list[tuple[int, str]] = []  # (indent, path) of the open containers
    for line in body:
        if not line.strip():
            break
        if match := CALL.match(line):
            calls.append((match.group(2), {}))
            stack = []
            continue
        match = MEMBER.match(line) or ITEM.match(line)
        assert match, f"unreadable preview line: {line!r}"
        indent = len(match.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        name = match.group("key") if "key" in match.groupdict() else f"[{match.group('position')}]"
        path = f"{parent}.{name}" if parent and not name.startswith("[") else f"{parent}{name}"
        if match.group("value") is None:
            stack.append((indent, path))
        else:
            calls[-1][1][path] = match.group("value")
    return calls


def sent_members(request: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{member path: value} of a request, lists of scalars kept whole, in the preview's path syntax."""
    members: dict[str, Any] = {}
    for key, value in request.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value:
            members.update(sent_members(value, path))
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            for position, item in enumerate(value, 1):
                members.update(sent_members(item, f"{path}[{position}]"))
        else:
            members[path] = value
    return members


def shows(text: str, member: str, value: Any) -> bool:
    """Whether ``text`` (a preview's shown value) is a faithful rendering of the sent ``value``."""
    name = member.rsplit(".", 1)[-1]
    if name in SECRET_MEMBERS:
        return text.startswith("••••") and f"ending in {value[-2:]}" in text
    if name in AMOUNT_MEMBERS:  # the shown number, read back, is the sent one exactly
        currency, _, number = text.partition(" ")
        return len(currency) == 3 and Decimal(number.replace(",", "")) == Decimal(str(value))
    if isinstance(value, str):
        return text == f'"{visible(value)}"' or (name.endswith("Date") and text.startswith(f"{value} ("))
    if isinstance(value, list):
        return text == (", ".join(f'"{visible(v)}"' if isinstance(v, str) else str(v) for v in value) or "(empty list)")
    if isinstance(value, bool):
        return text == str(value).lower()
    return text == str(value)


def assert_preview_is_what_was_sent(preview: str, sent: list[tuple[str, dict[str, Any]]]) -> None:
    """Every member of every call sent is shown with its value, in order, and nothing else is shown as sent."""
    shown = shown_calls(preview)
    assert [operation for operation, _ in shown] == [operation for operation, _ in sent], (shown, sent)
    for (operation, shown_members), (_, request) in zip(shown, sent, strict=True):
        members = sent_members(request)
        assert set(shown_members) == set(members), f"{operation}: shown {sorted(shown_members)}, sent {sorted(members)}"
        for member, value in members.items():
            if member == "ClientToken" and shown_members[member].startswith("set when you approve"):
                continue  # derived from the approval when it is applied; the preview says so
            assert shows(shown_members[member], member, value), (
                f"{operation} {member}: shown {shown_members[member]!r}, sent {value!r}"
            )
