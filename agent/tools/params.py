"""Parameter types shared by tools: ids with a JSON-schema pattern and an error message that explains it."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

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
    OPPORTUNITY_ID_PATTERN, "O4000001", "opportunity id",
    "Opportunity id: the letter O followed by digits, as returned by list_opportunities.",
)

SessionIdParam = Annotated[
    str | None,
    Field(
        description="Continue a session: the session_id of an earlier result.",
        max_length=64,
    ),
]
