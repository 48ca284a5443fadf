"""What the person reads before approving: rendered from the exact API requests the write will send.

Every member of every call is shown, in order, nested members indented under their parent, each on one line.
Characters a person cannot see (controls, format and bidirectional characters, variation selectors, fillers,
unusual spaces: every default-ignorable code point and every separator) are written out as
``⟨U+200B ZERO WIDTH SPACE⟩``; a line break inside a value is ``⏎``, so no value can draw lines of its own (a fake
"what is sent" block). Amounts carry their currency and are shown exactly, dates their weekday. The only member the
person cannot read in full is an emailed verification code, shown by its length and last two digits.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

AMOUNT_MEMBERS = frozenset({"RequestedAmount", "ExpectedArr", "Amount"})
SECRET_MEMBERS = frozenset({"EmailVerificationCode"})
SENT_HEADING = "Exactly what is sent when you approve:"
LINE_BREAK = "⏎"

_IGNORABLE = (  # Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), and blank-looking symbols
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK
)


def visible(text: str) -> str:
    """``text`` on one line with every character a person could not see written out; a line break is ``⏎``."""
    return "".join(_shown_char(char) for char in text.replace("\r\n", "\n"))


def _shown_char(char: str) -> str:
    if char == "\n":
        return LINE_BREAK
    code = ord(char)
    if char == " " or (unicodedata.category(char)[0] not in "CZ" and not any(a <= code <= b for a, b in _IGNORABLE)):
        return char
    name = unicodedata.name(char, "CONTROL" if unicodedata.category(char) == "Cc" else "UNNAMED")
    return f"⟨U+{code:04X} {name}⟩"


def money(value: Any, currency: str = "USD") -> str:
    """An amount as a person reads it, exactly: ``USD 25,000.00``, ``USD 1,201.1999`` (never rounded)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return visible(repr(value))
    if not amount.is_finite():
        return f"{currency} {amount}"
    return f"{currency} {amount:,.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{currency} {amount:,f}"


def _value(member: str, value: Any, siblings: dict[str, Any]) -> str:
    if member in SECRET_MEMBERS and isinstance(value, str):
        return (
            f"•••• ({len(value)} digits ending in {value[-2:]}; Partner Central checks it when the change is applied)"
        )
    if member in AMOUNT_MEMBERS and isinstance(value, int | float | str) and not isinstance(value, bool):
        return money(value, str(siblings.get("CurrencyCode") or "USD"))
    if isinstance(value, str):
        if member.endswith("Date"):
            try:
                return f"{date.fromisoformat(value):%Y-%m-%d (%A %d %B %Y)}"
            except ValueError:
                pass
        return f'"{visible(value)}"'
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
            lines.append(f"{label} {_value(member, value, request)}")
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
