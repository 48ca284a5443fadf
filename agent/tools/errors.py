"""Turning errors into messages the model (and the person) can act on."""

from __future__ import annotations

from pydantic import ValidationError

from agent.errors import AgentError


def for_the_model(error: AgentError) -> str:
    """What the model reads for an expected failure: what went wrong, then what to do next. The one translation
    (`agent.server.PartnerAgentServer.call_tool` applies it to whatever a tool or its resolvers raise); anything
    else a tool raises is a failure on our side."""
    return bounded(f"{error} {error.next_step}".strip())


ERROR_LIMIT = 1000
"""The most characters an error gives the model: enough to say what is wrong and what to send instead."""


def excerpt(value: object, limit: int = 40) -> str:
    """``value`` quoted for an error, cut to its first ``limit`` characters (what was sent may be large or secret)."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def bounded(message: str) -> str:
    """``message`` within `ERROR_LIMIT` characters."""
    return message if len(message) <= ERROR_LIMIT else message[: ERROR_LIMIT - 1] + "…"


def validation_problems(error: ValidationError) -> str:
    """``error`` in one line, field by field, without echoing the input (it may be large or secret)."""
    return "; ".join(
        f"{'.'.join(map(str, problem['loc'])) or 'value'}: {problem['msg']}"
        for problem in error.errors(include_input=False, include_url=False)
    )
