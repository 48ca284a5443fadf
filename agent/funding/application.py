"""A benefit's application form: the fields its ``BenefitRequestSchema`` (GetBenefit) asks for, read at run time.

The schema names the fields; this module finds what each means to us by its name, title, type and format (its
role: the activity's start date, the requested amount...), so the rules that read dates and amounts work whatever a
benefit calls them, and say "unknown" where a schema has no such field instead of guessing. Answers are coerced to
the schema's types (amounts as people write them, lists from comma-separated text) and validated with jsonschema
before anyone is asked to approve them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker

from agent.models.benefits import parse_amount as api_amount

Role = Literal[
    "opportunity_id",
    "customer_name",
    "activity_name",
    "activity_description",
    "start_date",
    "end_date",
    "requested_amount",
    "expected_arr",
    "currency",
    "aws_account_id",
]

_ROLE_WORDS: dict[Role, tuple[str, ...]] = {  # checked in this order; each field takes at most one role
    "opportunity_id": (r"opportunit",),
    "aws_account_id": (r"account.?id", r"aws.?account"),
    "currency": (r"currency",),
    "start_date": (r"start", r"begin", r"from"),
    "end_date": (r"end", r"finish", r"until", r"complet"),
    "expected_arr": (r"\barr\b|arr$|^arr", r"annual.*revenue", r"recurring"),
    "requested_amount": (r"amount", r"funding", r"request", r"budget", r"cost"),
    "customer_name": (r"customer", r"company", r"end.?user", r"client"),
    "activity_description": (r"description", r"detail", r"summary", r"scope", r"objective"),
    "activity_name": (r"name", r"title"),
}
_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_QUESTION = 300


@dataclass(frozen=True)
class FormField:
    """One field of the application, as its schema describes it."""

    name: str
    title: str
    description: str
    type: str
    format: str | None
    required: bool

    @property
    def name_words(self) -> str:
        """Its name split into words ("CampaignStartDate" -> "campaign start date")."""
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", self.name).lower().replace("_", " ")

    @property
    def question(self) -> str:
        """What to ask the person for it: its title and description, briefly."""
        text = f"{self.title}: {self.description}" if self.description else self.title
        return text if len(text) <= MAX_QUESTION else text[: MAX_QUESTION - 1] + "…"


class ApplicationForm:
    """The fields a benefit's application takes, their roles, and the checks on a set of answers."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        required = set(schema.get("required") or [])
        self.fields = {
            name: FormField(
                name=name,
                title=str(spec.get("title") or name),
                description=str(spec.get("description") or ""),
                type=_type(spec),
                format=spec.get("format"),
                required=name in required,
            )
            for name, spec in (schema.get("properties") or {}).items()
            if isinstance(spec, dict)
        }
        self.roles = _roles(self.fields)

    def field(self, role: Role) -> str | None:
        """The field that plays ``role`` in this application, or None when the schema has none."""
        return self.roles.get(role)

    def value(self, details: dict[str, Any], role: Role) -> Any:
        """The value ``details`` hold for ``role``, or None (no such field, or not given)."""
        name = self.field(role)
        return details.get(name) if name else None

    def date(self, details: dict[str, Any], role: Role) -> date | None:
        """A date field's value as a date; None when unknown or not a date."""
        value = self.value(details, role)
        try:
            return date.fromisoformat(str(value)) if value is not None else None
        except ValueError:
            return None

    def amount(self, details: dict[str, Any], role: Role) -> Decimal | None:
        """An amount field's value as a Decimal; None when unknown or not a number."""
        return parse_amount(self.value(details, role))

    def accepts(self, name: str, value: Any) -> bool:
        """Whether field ``name``'s own schema takes ``value`` (a proposal that does not fit is left to the person)."""
        spec = (self.schema.get("properties") or {}).get(name)
        if not isinstance(spec, dict):
            return False
        return not any(Draft202012Validator(spec, format_checker=FormatChecker()).iter_errors(value))

    def max_length(self, name: str) -> int | None:
        spec = (self.schema.get("properties") or {}).get(name) or {}
        return spec.get("maxLength") if isinstance(spec.get("maxLength"), int) else None

    def missing(self, details: dict[str, Any]) -> list[str]:
        return [name for name, field in self.fields.items() if field.required and details.get(name) in (None, "", [])]

    def coerce(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The person's answers in the schema's types. Raises ValueError naming a field the form does not have
        (with the fields it has) or a value that cannot be read as its field's type."""
        unknown = sorted(set(answers) - set(self.fields))
        if unknown:
            names = ", ".join(unknown[:5])
            raise ValueError(
                f"{names[:200]} {'is not a field' if len(unknown) == 1 else 'are not fields'} of this "
                f"application; its fields are: {', '.join(self.fields)}."
            )
        return {name: _coerce(self.fields[name], value) for name, value in answers.items() if value not in (None, "")}

    def problems(self, details: dict[str, Any]) -> list[str]:
        """What the schema refuses in ``details``, each naming the field, briefly (the value is never echoed)."""
        validator = Draft202012Validator(self.schema, format_checker=FormatChecker())
        found = []
        for error in sorted(validator.iter_errors(details), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(part) for part in error.absolute_path) or "the application"
            found.append(f"{where}: {_reason(error)}")
        return found


def parse_amount(value: Any) -> Decimal | None:
    """An amount as people write it too (9500, "9,500.00", "$9,500"); None when it is none (see `models.benefits`)."""
    return api_amount(value.replace(",", "").replace("$", "").strip() if isinstance(value, str) else value)


def _type(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


_BY_TITLE: frozenset[Role] = frozenset({"start_date", "end_date", "requested_amount", "expected_arr"})
"""Roles a field's title may reveal when its name does not: their type or format narrows them enough (a text
field whose title mentions "customer" is not thereby the customer's name)."""


def _roles(fields: dict[str, FormField]) -> dict[Role, str]:
    """Each role to the first field that fits it by type and by the words of its name (then, for dates and amounts
    still unplaced, of its title too); a field plays one role at most."""
    roles: dict[Role, str] = {}
    passes = (
        (_ROLE_WORDS, lambda f: f.name_words),
        ({r: p for r, p in _ROLE_WORDS.items() if r in _BY_TITLE}, lambda f: f"{f.name_words} {f.title.lower()}"),
    )
    for role_words, words in passes:
        for role, patterns in role_words.items():
            if role in roles:
                continue
            for field in fields.values():
                if field.name in roles.values() or not _fits(role, field):
                    continue
                if any(re.search(pattern, words(field)) for pattern in patterns):
                    roles[role] = field.name
                    break
    return roles


def _fits(role: Role, field: FormField) -> bool:
    if role in ("start_date", "end_date"):
        return field.format == "date" or "date" in field.name_words
    if role in ("requested_amount", "expected_arr"):
        return field.type in ("number", "integer")
    return field.type == "string" and field.format != "date"


def _coerce(field: FormField, value: Any) -> Any:
    if field.type in ("number", "integer"):
        amount = parse_amount(value)
        if amount is None:
            raise ValueError(f"{field.name} must be a number (e.g. 9500 or 9,500.00)")
        return int(amount) if field.type == "integer" and amount == amount.to_integral_value() else float(amount)
    if field.type == "array":
        items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"{field.name} must be a list (or comma-separated text)")
        return [_clean(field, item) for item in items if item not in (None, "")]
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError(f"{field.name} must be true or false")
    return _clean(field, value)


def _clean(field: FormField, value: Any) -> Any:
    if isinstance(value, str) and (found := _TEXT.search(value)):
        raise ValueError(f"{field.name} contains the control character U+{ord(found.group()):04X}; remove it")
    return value


def _reason(error) -> str:
    """jsonschema's reason, without the offending value (it may be large or personal)."""
    kind = error.validator
    bound = error.validator_value
    reasons = {
        "required": lambda: error.message,  # names the property only
        "maxLength": lambda: f"must be at most {bound} characters",
        "minLength": lambda: f"must be at least {bound} characters",
        "maximum": lambda: f"must be at most {bound}",
        "minimum": lambda: f"must be at least {bound}",
        "exclusiveMinimum": lambda: f"must be more than {bound}",
        "exclusiveMaximum": lambda: f"must be less than {bound}",
        "pattern": lambda: f"must match {bound}",
        "enum": lambda: f"must be one of {', '.join(map(str, bound))}",
        "format": lambda: (
            f"must be a valid {bound} (e.g. 2027-01-31)" if bound == "date" else f"must be a valid {bound}"
        ),
        "type": lambda: f"must be of type {bound}",
        "additionalProperties": lambda: "has fields the application does not take",
        "maxItems": lambda: f"must have at most {bound} items",
        "minItems": lambda: f"must have at least {bound} items",
    }
    return reasons.get(kind, lambda: kind)()
