"""The write gate: plans a change, starts its flow, delivers decisions from any channel, and says how it ended.

It knows nothing of MCP or HTTP. The MCP tools (the client form, ``decide_approval``) and the approval page (a
passkey) each prove who decided in their own way and hand the decision here as a `DecidedBy`; the gate checks the
decision is bound to the approval it is for and lets the flow apply it once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.backends.base import PartnerCentral
from agent.graphs.checkpoints import PostgresCheckpoints, SqliteCheckpoints
from agent.graphs.plans import MissingInput, PlanError, WriteAction, WritePlan
from agent.storage import utcnow
from agent.trust.approvals import Approval, ApprovalStore, Decision, binding_problem
from agent.trust.audit import DecidedBy
from agent.trust.identity import Principal
from agent.trust.sessions import SessionStore

logger = logging.getLogger(__name__)

Status = Literal["needs_input", "requires_approval", "applied", "rejected", "refused", "failed"]


class Question(BaseModel):
    field: str
    question: str


class Planned(BaseModel):
    """A change as planned when the person is asked, with its digest; or the questions that must come first."""

    parameters: dict[str, Any] = Field(description="What was planned from: the flow plans from exactly these.")
    plan: WritePlan | None
    digest: str | None
    questions: list[Question] = Field(default_factory=list)
    answers_parameter: str | None = Field(default=None, description="The tool parameter that carries the answers.")


class WriteOutcome(BaseModel):
    """Where a change stands, in words for the person and the model."""

    status: Status
    message: str
    approval: Approval | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)


class WriteGate:
    def __init__(
        self,
        approvals: ApprovalStore,
        sessions: SessionStore,
        actions: dict[str, WriteAction],
        backend_for: Callable[[Principal], PartnerCentral],
        requester_problem: Callable[[Principal, list[str]], str | None],
        checkpoints: SqliteCheckpoints | PostgresCheckpoints,
        region: str,
        max_pending: int,
    ) -> None:
        self.approvals = approvals
        self.sessions = sessions
        self.actions = actions
        self.backend_for = backend_for
        self.requester_problem = requester_problem
        """Why a change its requester asked for may no longer be approved (a revoked token...), or None."""
        self.checkpoints = checkpoints
        self.region = region
        self.max_pending = max_pending

    @cached_property
    def flows(self):  # -> WriteFlows; LangGraph is loaded on first need, not at start-up
        from agent.graphs.write import WriteFlows  # noqa: PLC0415 - LangGraph loads with the first write

        return WriteFlows(self.checkpoints, self.actions)

    def _context(self, principal: Principal):
        from agent.graphs.write import FlowContext  # noqa: PLC0415 - LangGraph loads with the first write

        return FlowContext(backend=self.backend_for(principal), approvals=self.approvals, region=self.region)

    def plan(self, principal: Principal, action: WriteAction, parameters: BaseModel) -> Planned:
        """The exact calls the change would make, or the questions that must be answered first. No side effects."""
        stored = parameters.model_dump(mode="json")
        try:
            plan = action.plan(self.backend_for(principal), parameters)
        except MissingInput as missing:
            questions = [Question(field=field, question=text) for field, text in missing.questions.items()]
            return Planned(
                parameters=stored, plan=None, digest=None, questions=questions, answers_parameter=missing.parameter
            )
        return Planned(
            parameters=stored, plan=plan, digest=self.approvals.payload_digest([c.model_dump() for c in plan.calls])
        )

    def start(self, principal: Principal, session_id: str, action: WriteAction, planned: Planned) -> Approval:
        """Start the change's flow, paused for the person's decision. Raises PlanError when the change cannot
        wait for one (too many already wait, or the state changed so that nothing is left to do). The very same
        change already waiting in this session (asked again, say after the conversation was resumed) is that
        approval, not a second one."""
        waiting = next(
            (
                a
                for a in self.approvals.pending_in(principal.key, session_id)
                if a.tool == action.tool and a.payload_sha256 == planned.digest
            ),
            None,
        )
        if waiting is not None:
            return waiting
        if self.approvals.pending_count(principal.key) >= self.max_pending:
            raise PlanError(
                f"{self.max_pending} changes already wait for the person's decision; decide those (or let "
                "them expire) before asking for more."
            )
        self.sessions.keep(principal, session_id)  # the session now holds something: it is purged when it ends
        flow = self.flows.start(
            self._context(principal),
            tool=action.tool,
            parameters=planned.parameters,
            principal=principal,
            session_id=session_id,
        )
        return flow.approval

    def decide(
        self,
        approval_id: str,
        approve: bool,
        decided_by: DecidedBy,
        *,
        principal: str,
        session_id: str | None,
        digest: str | None = None,
        reason: str | None = None,
    ) -> WriteOutcome:
        """Deliver a decision to the paused flow it belongs to, and report how the change ended.

        ``principal`` is whom the approval must belong to and ``session_id`` its session (None for a passkey
        decision on the page). ``digest`` is the payload the person saw, when the channel knows it (the client
        form); otherwise the approval's own. A decision that does not fit never reaches the flow, so it cannot
        spoil the real person's pending approval; it is audited as refused.
        """
        self.expire_due()
        approval = self.approvals.get(approval_id)
        decision = Decision(
            decision_id=f"dec-{uuid.uuid4().hex}",
            approval_id=approval_id,
            approve=approve,
            decided_by=decided_by,
            principal=principal,
            session_id=session_id,
            payload_sha256=digest or (approval.payload_sha256 if approval else ""),
            reason=reason or (None if approve else f"declined on the {decided_by.channel}"),
        )
        problem = binding_problem(approval, principal, session_id, utcnow())
        if problem is None and approve:
            requester = self.requester_problem(approval.requester, approval.actions)
            problem = f"It can no longer be approved: {requester}." if requester else None
        if problem is None and not self.approvals.claim(approval_id):
            problem = (
                "Another server process is deciding or applying this change right now; get_approval shows how it ends."
            )
        done = None
        if problem is None:
            try:
                done = self.flows.resume(self._context(approval.requester), approval.flow_id, decision)
            finally:
                self.approvals.release(approval_id)
            if done is None:
                problem = f"This approval was already used ({approval.status}); approvals are single use. Ask for the change again."
        if problem:
            if approval is not None:
                self.approvals.audit_refused_decision(approval, decision, problem)
            return WriteOutcome(status="refused", message=f"Refused, nothing was written: {problem}")
        return outcome(done.status, done.approval, done.reason, done.results, done.next_step)

    def refuse(self, approval: Approval, approve: bool, reason: str) -> None:
        """Audit a decision attempt that proved no one (a passkey check that failed). The approval stays pending,
        until too many such attempts close it (its paused flow then goes)."""
        decided_by = DecidedBy(name="(not verified)", id="(not verified)", channel="page", verification=reason)
        decision = Decision(
            decision_id=f"dec-{uuid.uuid4().hex}",
            approval_id=approval.approval_id,
            approve=approve,
            decided_by=decided_by,
            principal=approval.principal,
            session_id=None,
            payload_sha256=approval.payload_sha256,
        )
        if self.approvals.failed_check(approval, decision, reason):
            self.flows.forget([approval.flow_id])

    def recover(self) -> int:
        """At start-up and then periodically: carry every decided flow a crash interrupted to its end (applied once
        and audited, or recorded as not applied), unless another live process runs it; drop the checkpoints of
        ended flows, and of flows that never opened an approval (interrupted while planning) once they are
        `ABANDONED_AFTER` old, since another worker may be starting one right now. Returns how many were continued.
        Costs one query of each database when there is nothing to do (LangGraph is not loaded then)."""
        decided = self.approvals.decided_open()
        open_flows, closed_flows = self.approvals.flows()
        abandoned = utcnow() - ABANDONED_AFTER
        stale = [
            flow
            for flow, newest in self.checkpoints.flows_with_times().items()
            if flow in closed_flows or (flow not in open_flows and newest < abandoned)
        ]
        continued = 0
        for approval in decided:
            if not self.approvals.claim(approval.approval_id):
                continue
            try:
                self._continue(approval)
                continued += 1
            except Exception:
                logger.exception(
                    "continuing the flow of %s failed; it is retried at the next start", approval.approval_id
                )
            finally:
                self.approvals.release(approval.approval_id)
        if stale:
            self.flows.forget(stale)
        return continued

    def _continue(self, approval: Approval) -> None:
        if utcnow() - approval.decided_at > RECOVERY_WINDOW:
            self.approvals.close(
                approval.approval_id,
                "failed",
                unknown_outcome(
                    f"the server stopped before finishing it and did not run again within {RECOVERY_WINDOW.days * 24} "
                    "hours of the decision"
                ),
                None,
                [],
            )
        elif (
            self.flows.continue_decided(self._context(approval.requester), approval, approval.recorded_decision())
            is None
        ):
            self.approvals.close(
                approval.approval_id,
                "failed",
                unknown_outcome("the flow's saved state was lost before it ended (its checkpoint file was removed?)"),
                None,
                [],
            )

    def expire_due(self) -> None:
        """Close approvals nobody decided in time (each audited as expired) and drop their paused flows."""
        expired = self.approvals.expire_due()
        if expired:
            self.flows.forget([approval.flow_id for approval in expired])


ABANDONED_AFTER = timedelta(minutes=10)
"""A flow with a checkpoint and no approval this old was interrupted before asking: nothing will continue it."""
RECOVERY_WINDOW = timedelta(hours=24)
"""How long after its decision an interrupted write is still carried to its end at start-up."""


def unknown_outcome(why: str) -> str:
    return (
        f"This change was approved, but {why}, so this server cannot tell whether it was applied: check it in "
        "Partner Central before asking for it again."
    )


def outcome(
    status: str, approval: Approval | None, reason: str | None, results: list, next_step: str = ""
) -> WriteOutcome:
    """A flow's state (`FlowResult.status`) in words for the person and the model; a change Partner Central
    refused ends with what to do about it (``next_step``)."""
    still_running = any(isinstance(r, dict) and r.get("Status") == "IN_PROGRESS" for r in results)
    messages = {
        "requires_approval": "Nothing has been written yet.",
        "applied": "The change was applied."
        if not still_running
        else "The change was approved and started; AWS is still processing it (the results say where to follow it).",
        "rejected": f"The person did not approve the change ({reason}); nothing was written.",
        "refused": f"The change was refused and nothing was written: {reason}",
        "failed": f"Partner Central rejected the change: {reason} {next_step}".rstrip(),
    }
    return WriteOutcome(status=status, approval=approval, message=messages[status], results=results)
