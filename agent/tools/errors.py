"""Turning errors into messages the model (and the person) can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from agent.backends import errors
from agent.funding.attachments import AttachmentError
from agent.graphs.plans import PlanError
from agent.trust.identity import NotAuthenticated
from agent.trust.permissions import PermissionDenied
from agent.trust.sessions import SessionError

_NEXT_STEP = {
    errors.ResourceNotFoundException: "Check the id; list the resources first to see the ids this partner account can use.",
    errors.ValidationException: "Correct the listed fields and call the tool again.",
    errors.ConflictException: "Read the resource again to see its current state, then decide whether to retry.",
    errors.AccessDeniedException: "Ask your Partner Central administrator for access, or act for another partner account.",
    errors.ThrottlingException: "Wait a few seconds and try again.",
    errors.ServiceQuotaExceededException: "A Partner Central quota was reached; wait or remove unused items first.",
    errors.InternalServerException: "Partner Central had an internal error; try again shortly.",
    errors.UnsupportedOperationException: "Tell the person where to check this themselves.",
}


@contextmanager
def tool_errors() -> Iterator[None]:
    """Re-raise expected failures as ToolErrors: what went wrong, then what to do next."""
    try:
        yield
    except errors.PartnerCentralError as exc:
        raise ToolError(f"{exc} {_NEXT_STEP.get(type(exc), '')}".strip()) from None
    except (PermissionDenied, SessionError, PlanError, AttachmentError) as exc:
        raise ToolError(str(exc)) from None
    except NotAuthenticated:
        raise ToolError("Not authenticated: connect with a bearer token (partner-agent token create).") from None


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
    return "; ".join(f"{'.'.join(map(str, problem['loc'])) or 'value'}: {problem['msg']}"
                     for problem in error.errors(include_input=False, include_url=False))
