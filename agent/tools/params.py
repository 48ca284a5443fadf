"""Parameter types shared by tools (ids with a JSON-schema pattern and an error message that explains it, `detail`,
paging) and the helpers that make a summary: long free text shortened, saying how to get it whole."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from agent.models.selling import OPPORTUNITY_ID_PATTERN
from agent.tools.errors import excerpt


def identifier(pattern: str, example: str, what: str, description: str):
    """A string id type: the model sees the pattern and an example; a bad id gets a plain explanation."""

    def check(value: str) -> str:
        if not re.fullmatch(pattern.strip("^$"), value):
            raise ValueError(f"{excerpt(value)} is not a valid {what}; {what}s look like {example!r}.")
        return value

    return Annotated[
        str,
        AfterValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]}),
        Field(description=description),
    ]


OpportunityIdParam = identifier(
    OPPORTUNITY_ID_PATTERN,
    "O4000001",
    "opportunity id",
    "Opportunity id (list_opportunities).",
)

SessionIdParam = Annotated[
    str | None,
    Field(max_length=64),
    WithJsonSchema({"type": "string", "description": "From an earlier result."}),
]
"""Every tool has it, so its published form is the shortest that says where it comes from (the length is checked)."""

Detail = Literal["summary", "full"]
DetailParam = Annotated[Detail, Field()]
"""Undescribed: each tool's description says what its full form adds, and the enum says the rest."""
OffsetParam = Annotated[int, Field(description="next_offset of the previous page.", ge=0)]

SUMMARY_TEXT_CHARS = 300
"""How much of a long free text (a description, a business problem...) a summary shows."""


def shorten(text: str | None, limit: int = SUMMARY_TEXT_CHARS) -> str | None:
    """``text`` cut to about ``limit`` characters at a word, saying how much is left and how to get it whole (a text
    only a little longer is left whole: the note would cost more than it saves)."""
    if text is None or len(text) <= limit + 60:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return f"{cut}… ({len(text) - len(cut)} more characters; detail='full')"


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of ``text`` (at most about ``limit`` characters), for one-line lists."""
    end = text.find(". ")
    sentence = text if end < 0 else text[: end + 1]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


def shorten_all(value: Any, limit: int = SUMMARY_TEXT_CHARS) -> Any:
    """``value`` (a model, dict, list or string) with every string longer than ``limit`` shortened; models are
    copied, never changed, and not validated again (a shortened text is data to read, not to send back)."""
    if isinstance(value, str):
        return shorten(value, limit)
    if isinstance(value, BaseModel):
        update = {name: shorten_all(getattr(value, name), limit) for name in type(value).model_fields}
        changed = {name: new for name, new in update.items() if new is not getattr(value, name)}
        return value.model_copy(update=changed) if changed else value
    if isinstance(value, dict):
        items = {key: shorten_all(item, limit) for key, item in value.items()}
        return items if any(items[k] is not value[k] for k in value) else value
    if isinstance(value, list):
        items = [shorten_all(item, limit) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value
