"""What a write tool plans and how it applies it: plain data, no LangGraph (cheap to import at start-up)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agent.backends.base import PartnerCentral

SECRET_PARAMETERS = frozenset({"email_verification_code"})


def shown_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Tool parameters as approvals show them: unset ones left out, secrets (verification codes) hidden."""
    return {k: ("***" if k in SECRET_PARAMETERS else v) for k, v in parameters.items() if v is not None}


class ApiCall(BaseModel):
    """One Partner Central API call, exactly as it will be sent, and what must still hold when it is sent."""

    service: str
    operation: str
    request: dict[str, Any]
    expects: dict[str, Any] | None = None
    """State the person saw when approving (e.g. the profile a full replacement is based on). Applying re-reads
    it and fails closed when it changed, so an approval never overwrites something it did not show."""


def call_token(client_token: str, call: ApiCall) -> str:
    """A ClientToken for one call of an approved change: stable across retries, distinct per call."""
    import hashlib
    import json

    payload = json.dumps([client_token, call.operation, call.request], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:40]


class WritePlan(BaseModel):
    """What a write tool intends to do, for the person to approve."""

    calls: list[ApiCall]
    preview: str


class PlanError(Exception):
    """The requested change cannot be planned (nothing to change, a missing input...); say what to do."""


class MissingInput(PlanError):
    """The change needs answers only the person has: ``questions`` maps each field to what to ask."""

    def __init__(self, questions: dict[str, str]) -> None:
        super().__init__("Missing: " + ", ".join(questions))
        self.questions = questions


@dataclass(frozen=True)
class WriteAction:
    """A write tool's domain logic: plan from the current state, then apply one planned call."""

    tool: str
    plan: Callable[[PartnerCentral, dict[str, Any]], WritePlan]
    apply: Callable[[PartnerCentral, ApiCall, str], dict[str, Any]]
