"""What the person reads before approving: rendered from the exact API requests the write will send.

Every member of every call is shown, in order, nested members indented under their parent. Characters a
person cannot see (controls, zero-width and bidirectional formatting characters, unusual spaces) are written
out as ``⟨U+200B ZERO WIDTH SPACE⟩``; amounts carry their currency and dates their weekday. The only member
the person cannot read in full is an emailed verification code, shown by its length and last two digits.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

AMOUNT_MEMBERS = frozenset({"RequestedAmount", "ExpectedArr", "Amount"})
SECRET_MEMBERS = frozenset({"EmailVerificationCode"})
_VISIBLE_SPACE = {" ", "\n"}
SENT_HEADING = "Exactly what is sent when you approve:"


def visible(text: str) -> str:
    """``text`` with every character a person could not see written out (a newline stays a newline)."""
    return "".join(_shown_char(char) for char in text)


def _shown_char(char: str) -> str:
    if char in _VISIBLE_SPACE:
        return char
    category = unicodedata.category(char)
    if category[0] in "CZ" or char in "\u115f\u1160\u3164\uffa0":  # controls, format, separators, fillers
        name = unicodedata.name(char, "CONTROL" if category == "Cc" else "UNASSIGNED")
        return f"⟨U+{ord(char):04X} {name}⟩"
    return char


def money(value: Any, currency: str = "USD") -> str:
    """An amount as a person reads it: ``USD 25,000.00``."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return visible(repr(value))
    return f"{currency} {amount:,.2f}" if amount.is_finite() else f"{currency} {amount}"


def _value(member: str, value: Any, siblings: dict[str, Any]) -> str:
    if member in SECRET_MEMBERS and isinstance(value, str):
        return f"•••• ({len(value)} digits ending in {value[-2:]}; Partner Central checks it when the change is applied)"
    if member in AMOUNT_MEMBERS and isinstance(value, int | float | str) and not isinstance(value, bool):
        return money(value, str(siblings.get("CurrencyCode") or "USD"))
    if isinstance(value, str):
        if member.endswith("Date"):
            try:
                return f"{date.fromisoformat(value):%Y-%m-%d (%A %d %B %Y)}"
            except ValueError:
                pass
        return '"' + visible(value).replace("\n", "⏎\n") + '"'
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return visible(str(value))


def _members(request: dict[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for member, value in request.items():
        label = f"{indent}{visible(str(member))}:"
        if isinstance(value, dict):
            lines.append(label if value else f"{label} {{}}")
            lines.extend(_members(value, indent + "  "))
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            lines.append(label)
            for position, item in enumerate(value, 1):
                if isinstance(item, dict):
                    lines.append(f"{indent}  [{position}]")
                    lines.extend(_members(item, indent + "    "))
                else:
                    lines.append(f"{indent}  [{position}] {_value(member, item, request)}")
        elif isinstance(value, list):
            shown = ", ".join(_value(member, item, request) for item in value) if value else "(empty list)"
            lines.append(f"{label} {shown}")
        else:
            text = _value(member, value, request).replace("\n", "\n" + indent + "  ")
            lines.append(f"{label} {text}")
    return lines


def render_call(position: int, service: str, operation: str, request: dict[str, Any], token_added: bool) -> list[str]:
    """One call: its operation, then every member of its request. ``token_added``: apply adds the ClientToken."""
    lines = [f"{position}. {operation} ({service})", *_members(request, "   ")]
    if token_added:
        lines.append("   ClientToken: set when you approve, one per approval (a retry is never applied twice)")
    return lines


def render(summary: list[str], calls: list[tuple[str, str, dict[str, Any], bool]], notes: list[str]) -> str:
    """The whole preview: the summary a person reads first, every call as sent, then notes."""
    lines = [visible(line) for line in summary]
    lines += ["", SENT_HEADING]
    for position, (service, operation, request, token_added) in enumerate(calls, 1):
        lines += render_call(position, service, operation, request, token_added)
    if notes:
        lines += ["", *(visible(note) for note in notes)]
    return "\n".join(lines)
