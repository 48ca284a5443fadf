"""What a write plans and how it is applied: plain data, no LangGraph (cheap to import at start-up).

A `WriteAction` is one write tool's domain logic: its typed parameters, the operations it may call (its IAM
actions are derived from them), how it plans the exact API calls from the current state, and how a call's
response reads as a result. Applying is the same for every action (`apply_call`): the request goes to the
backend exactly as planned, with a ClientToken derived from the approval where the API takes one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from agent.backends.base import PartnerCentral
from agent.backends.operations import CONSOLE_ACTIONS
from agent.errors import AgentError
from agent.graphs import preview
from agent.trust.permissions import PARTNER_CENTRAL_SERVICES


def iam_action(service: str, operation: str) -> str:
    """The IAM action an operation needs: ``partnercentral:<Operation>`` for the Partner Central services, else the
    service's signing name as botocore knows it (``iam``, ``aws-marketplace`` for marketplace-catalog, ``ce``). The
    console actions (delete a draft, claim cash, attach a file) change a fund request: IAM knows them as updates."""
    if operation in CONSOLE_ACTIONS:
        return "partnercentral:UpdateBenefitApplication"
    if service in PARTNER_CENTRAL_SERVICES:
        return f"partnercentral:{operation}"
    return f"{_signing_name(service)}:{operation}"


@cache
def _signing_name(service: str) -> str:
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

    return botocore.session.get_session().get_service_model(service).signing_name


@cache
def takes_client_token(service: str, operation: str) -> bool:
    """Whether the operation's request has a ClientToken (botocore's model says; the sandbox's console actions
    take one too, so a retried claim or delete is never applied twice)."""
    if operation in CONSOLE_ACTIONS:
        return "ClientToken" in CONSOLE_ACTIONS[operation].members
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

    model = botocore.session.get_session().get_service_model(service)
    return operation in model.operation_names and "ClientToken" in model.operation_model(operation).input_shape.members


class ApiCall(BaseModel):
    """One API call, exactly as it will be sent, and what must still hold when it is sent."""

    service: str
    operation: str
    request: dict[str, Any]
    expects: dict[str, Any] | None = None
    """State the person saw when approving (e.g. the profile a full replacement is based on). Applying re-reads
    it and fails closed when it changed, so an approval never overwrites something it did not show."""

    @property
    def token_added(self) -> bool:
        """Whether applying adds a ClientToken (the operation takes one and the plan did not set it)."""
        return takes_client_token(self.service, self.operation) and "ClientToken" not in self.request


def sent_request(call: ApiCall, approval_id: str, index: int) -> dict[str, Any]:
    """The request as sent: the planned one, plus a ClientToken that is the same on every retry of this call and
    differs from every other call's: a hash of the approval id, the call's position in its plan (``index``) and the
    whole call, so two calls of one approval never share a token, even identical ones. Its 40 hex digits fit every
    operation's token pattern."""
    if not call.token_added:
        return call.request
    canonical = json.dumps(
        [approval_id, index, call.service, call.operation, call.request], sort_keys=True, default=str
    )
    return {**call.request, "ClientToken": hashlib.sha256(canonical.encode()).hexdigest()[:40]}


class WritePlan(BaseModel):
    """What a write intends to do: the calls, and the summary and notes a person reads around them."""

    calls: list[ApiCall]
    summary: list[str]
    notes: list[str] = []

    @property
    def preview(self) -> str:
        return preview.render(
            self.summary, [(c.service, c.operation, c.request, c.token_added) for c in self.calls], self.notes
        )


class PlanError(AgentError):
    """The requested change cannot be planned (nothing to change, a rule it breaks...); say what to do."""


class MissingInput(PlanError):
    """The change needs answers only the person has: ``questions`` maps each to what to ask.

    ``parameter`` is the tool parameter that carries the answers (e.g. ``answers``), or None when each question
    is a tool parameter of its own."""

    def __init__(self, questions: dict[str, str], parameter: str | None = None) -> None:
        super().__init__("Missing: " + ", ".join(questions))
        self.questions = questions
        self.parameter = parameter


Outcome = Callable[[PartnerCentral, ApiCall, dict[str, Any]], dict[str, Any]]


def response_as_is(backend: PartnerCentral, call: ApiCall, response: dict[str, Any]) -> dict[str, Any]:
    return response


@dataclass(frozen=True)
class WriteAction:
    """One write tool's domain logic.

    - ``parameters``: the typed parameters the flow plans from (and stores).
    - ``operations``: every (service, operation) a plan may call for these parameters, reads included; the IAM
      actions the tool needs are derived from them.
    - ``plan``: the exact calls and the summary, from the current state; no side effects (it re-runs).
    - ``check``: run just before a call is sent; raises when what the person saw no longer holds.
    - ``settled``: for a call without ClientToken, the result when its effect is already in place (a retry after
      a crash), else None.
    - ``outcome``: the result a person reads, from the call's response (may follow an asynchronous task).
    """

    tool: str
    parameters: type[BaseModel]
    operations: Callable[[Any], list[tuple[str, str]]]
    plan: Callable[[PartnerCentral, Any], WritePlan]
    check: Callable[[PartnerCentral, ApiCall], None] | None = None
    settled: Callable[[PartnerCentral, ApiCall], dict[str, Any] | None] | None = None
    outcome: Outcome = response_as_is

    def iam_actions(self, parameters: BaseModel) -> list[str]:
        return sorted({iam_action(service, operation) for service, operation in self.operations(parameters)})


def apply_call(
    action: WriteAction, backend: PartnerCentral, call: ApiCall, approval_id: str, index: int = 0
) -> dict[str, Any]:
    """Send one planned call exactly as planned; safe to repeat after a crash (ClientToken, or ``settled``). ``index``
    is the call's position in its plan (a plan of one call needs none)."""
    if action.check is not None:
        action.check(backend, call)
    if not takes_client_token(call.service, call.operation) and action.settled is not None:
        done = action.settled(backend, call)
        if done is not None:
            return done
    response = backend.send(call.service, call.operation, sent_request(call, approval_id, index))
    return action.outcome(backend, call, response)
