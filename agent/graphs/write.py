"""The write flow every write tool runs: prepare -> approval -> apply -> audit.

- ``prepare`` plans the exact API calls from the current state; no side effects.
- ``approval`` opens the approval (idempotent per flow) and interrupts with it. On resume it records the person's
  decision, checked against the principal, session and the digest of the payload *as it is now*, atomically with
  the decision's audit event. Nothing but an ``approved`` verdict leads to ``apply``.
- ``apply`` sends each call exactly as planned, with a ClientToken derived from the approval where the API takes
  one, so sending it again after a crash applies it once.
- ``audit`` closes the approval with the outcome and writes one audit event per call, in one transaction.

Every step is safe to run again: a flow interrupted at any instant (kill -9) is continued from its checkpoint by
`continue_decided` at start-up, and ends applied once with its audit events, or not applied and recorded so.
Checkpoints are in SQLite or PostgreSQL (`agent.graphs.checkpoints`; one checkpointer per process) and are
written before the next step runs.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.checkpoints import PostgresCheckpoints, SqliteCheckpoints
from agent.graphs.plans import WriteAction, WritePlan, apply_call, sent_request
from agent.trust.approvals import Approval, ApprovalStore, Decision, event_id
from agent.trust.audit import AuditEvent, DecidedBy, redact, user_identity
from agent.trust.identity import Principal

logger = logging.getLogger(__name__)
SECRET_PARAMETERS = frozenset({"email_verification_code"})


def shown_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Tool parameters as approvals show them: unset ones left out, secrets (verification codes) hidden."""
    return {k: ("***" if k in SECRET_PARAMETERS else v) for k, v in parameters.items() if v is not None}


def event_source(service: str) -> str:
    """CloudTrail's eventSource for a botocore service name: ``benefits.partnercentral.amazonaws.com``."""
    if service.startswith("partnercentral-"):
        return f"{service.removeprefix('partnercentral-')}.partnercentral.amazonaws.com"
    return f"{service}.amazonaws.com"


@dataclass(frozen=True)
class FlowContext:
    """What the nodes need that is not state: live objects, rebuilt by whoever resumes the flow."""

    backend: PartnerCentral
    approvals: ApprovalStore
    region: str


class WriteState(TypedDict, total=False):
    flow_id: str
    tool: str
    parameters: dict[str, Any]
    principal: dict[str, Any]
    session_id: str
    plan: dict[str, Any]
    approval_id: str
    verdict: dict[str, Any]
    decided_by: dict[str, Any]
    results: list[dict[str, Any]]
    error: dict[str, Any]
    status: Literal["applied", "rejected", "refused", "failed"]


Outcome = Literal["requires_approval", "applied", "rejected", "refused", "failed"]


class FlowResult(BaseModel):
    flow_id: str
    status: Outcome
    approval: Approval | None = None
    reason: str | None = None
    next_step: str = ""
    """When Partner Central refused the change: what to do about it (`agent.errors.AgentError.next_step`)."""
    results: list[dict[str, Any]] = []


class WriteFlows:
    """The compiled write graph and its checkpointer; one per process."""

    def __init__(self, checkpoints: SqliteCheckpoints | PostgresCheckpoints, actions: dict[str, WriteAction]) -> None:
        self.actions = actions
        self.checkpoints = checkpoints
        self.checkpointer = checkpoints.saver()
        self.graph = self._build().compile(checkpointer=self.checkpointer)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # nodes

    def _action(self, state: WriteState) -> tuple[WriteAction, BaseModel]:
        action = self.actions[state["tool"]]
        return action, action.parameters.model_validate(state["parameters"])

    def _prepare(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        action, parameters = self._action(state)
        return {"plan": action.plan(runtime.context.backend, parameters).model_dump()}

    def _approval(self, state: WriteState, runtime: Runtime[FlowContext]) -> Command:
        approvals = runtime.context.approvals
        action, parameters = self._action(state)
        plan = WritePlan.model_validate(state["plan"])
        digest = approvals.payload_digest([c.model_dump() for c in plan.calls])
        approval = approvals.open(
            flow_id=state["flow_id"],
            principal=Principal.model_validate(state["principal"]),
            session_id=state["session_id"],
            tool=state["tool"],
            actions=action.iam_actions(parameters),
            parameters=shown_parameters(state["parameters"]),
            preview=plan.preview,
            payload_sha256=digest,
        )
        decision = Decision.model_validate(interrupt({"approval_id": approval.approval_id}))
        verdict = approvals.decide(decision, payload_sha256=digest)
        update = {
            "approval_id": approval.approval_id,
            "verdict": verdict.model_dump(),
            "decided_by": decision.decided_by.model_dump(),
        }
        if verdict.outcome == "approved":
            return Command(goto="apply", update=update)
        return Command(
            goto="audit", update={**update, "status": "rejected" if verdict.outcome == "rejected" else "refused"}
        )

    def _apply(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        action, _ = self._action(state)
        results = []
        for index, call in enumerate(WritePlan.model_validate(state["plan"]).calls):
            try:
                results.append(apply_call(action, runtime.context.backend, call, state["approval_id"], index))
            except errors.PartnerCentralError as exc:
                return {
                    "results": results,
                    "status": "failed",
                    "error": {
                        "code": exc.code,
                        "message": str(exc),
                        "next_step": exc.next_step,
                        "operation": call.operation,
                    },
                }
            except Exception as exc:  # a bug or an unexpected failure still ends (and is audited) as failed
                logger.exception("applying %s failed unexpectedly", call.operation)
                return {
                    "results": results,
                    "status": "failed",
                    "error": {
                        "code": "InternalError",
                        "operation": call.operation,
                        "message": f"{call.operation} failed unexpectedly ({type(exc).__name__}); what was applied before "
                        "it is listed in the results. The server log has the details.",
                    },
                }
        return {"results": results, "status": "applied"}

    def _audit(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        ctx = runtime.context
        principal = Principal.model_validate(state["principal"])
        status = state["status"]
        reason = (state.get("error") or {}).get("message") or state.get("verdict", {}).get("reason")
        error = state.get("error") or {}
        results = state.get("results", [])
        decided_by = DecidedBy.model_validate(state["decided_by"]) if state.get("decided_by") else None
        events = []
        for index, call in enumerate(WritePlan.model_validate(state["plan"]).calls):
            if index < len(results):
                decision, why = "applied", state.get("verdict", {}).get("reason")
            elif status == "failed" and error.get("operation") == call.operation:
                decision, why = "failed", error.get("message")
            elif status == "failed":
                decision, why = "refused", "Not attempted: an earlier call of this change failed."
            else:
                decision, why = status, reason
            events.append(
                AuditEvent(
                    eventID=event_id(state["approval_id"], f"call:{index}"),
                    eventSource=event_source(call.service),
                    eventName=call.operation,
                    awsRegion=ctx.region,
                    userIdentity=user_identity(principal),
                    requestParameters=redact(
                        call.service, call.operation, sent_request(call, state["approval_id"], index)
                    ),
                    responseElements=results[index] if index < len(results) else None,
                    requestID=state["flow_id"],
                    sessionId=state["session_id"],
                    approvalId=state["approval_id"],
                    decision=decision,
                    reason=why,
                    errorCode=error.get("code") if decision == "failed" else None,
                    decidedBy=decided_by,
                    tool=state["tool"],
                )
            )
        ctx.approvals.close(
            state["approval_id"],
            status,
            reason,
            {"results": results, "error": state.get("error")} if status in ("applied", "failed") else None,
            events,
        )
        return {}

    def _build(self) -> StateGraph:
        graph = StateGraph(WriteState, context_schema=FlowContext)
        graph.add_node("prepare", self._prepare)
        graph.add_node("approval", self._approval, destinations=("apply", "audit"))
        graph.add_node("apply", self._apply)
        graph.add_node("audit", self._audit)
        graph.add_edge(START, "prepare")
        graph.add_edge("prepare", "approval")
        graph.add_edge("apply", "audit")
        graph.add_edge("audit", END)
        return graph

    # running flows

    def start(
        self, ctx: FlowContext, *, tool: str, parameters: dict[str, Any], principal: Principal, session_id: str
    ) -> FlowResult:
        """Plan the change and pause for approval. Raises PlanError when there is nothing to approve."""
        flow_id = f"flow-{uuid.uuid4()}"
        state = {
            "flow_id": flow_id,
            "tool": tool,
            "parameters": parameters,
            "principal": principal.model_dump(),
            "session_id": session_id,
        }
        try:
            self.graph.invoke(state, self._config(flow_id), context=ctx, durability="sync")
        except Exception:
            self.forget([flow_id])
            raise
        return self.result(flow_id, ctx.approvals)

    def resume(self, ctx: FlowContext, flow_id: str, decision: Decision) -> FlowResult | None:
        """Deliver a decision to a paused flow (one thread at a time per flow: `ApprovalStore.claim` keeps other
        processes out); None if it is not waiting for one."""
        with self._lock(flow_id):
            if "approval" not in self.graph.get_state(self._config(flow_id)).next:
                return None
            return self._run(ctx, flow_id, Command(resume=decision.model_dump()))

    def continue_decided(self, ctx: FlowContext, approval: Approval, decision: Decision) -> FlowResult | None:
        """Carry a decided flow that a crash interrupted to its end; None when its checkpoint is gone.

        It runs again from the approval step with the decision the approval recorded, whatever step the crash
        stopped in (a checkpoint written in the instant of a crash may not say which step is next): every step
        from there on is safe to repeat (the decision is recorded once, calls replay by ClientToken or are found
        in place, audit events have fixed ids)."""
        config = self._config(approval.flow_id)
        with self._lock(approval.flow_id):
            snapshot = self.graph.get_state(config)
            if not snapshot.values.get("plan"):
                return None
            if "approval" not in snapshot.next:
                self.graph.update_state(config, None, as_node="prepare")
                self.graph.invoke(None, config, context=ctx, durability="sync")  # up to the approval's interrupt
            return self._run(ctx, approval.flow_id, Command(resume=decision.model_dump()))

    def _run(self, ctx: FlowContext, flow_id: str, command: Command | None) -> FlowResult:
        self.graph.invoke(command, self._config(flow_id), context=ctx, durability="sync")
        done = self.result(flow_id, ctx.approvals)
        if done.status != "requires_approval":  # ended and audited: its state (codes included) is not kept
            self.forget([flow_id])
        return done

    def result(self, flow_id: str, approvals: ApprovalStore) -> FlowResult:
        """Where a flow stands: paused for approval, or how it ended."""
        snapshot = self.graph.get_state(self._config(flow_id))
        values = snapshot.values
        approval_id = values.get("approval_id") or next(
            (i.value["approval_id"] for task in snapshot.tasks for i in task.interrupts), None
        )
        reason = (values.get("error") or {}).get("message") or values.get("verdict", {}).get("reason")
        return FlowResult(
            flow_id=flow_id,
            status=values.get("status") or "requires_approval",
            approval=approvals.get(approval_id) if approval_id else None,
            reason=reason,
            next_step=(values.get("error") or {}).get("next_step", ""),
            results=values.get("results", []),
        )

    def forget(self, flow_ids: list[str]) -> None:
        """Delete the checkpoints of flows (ended, or their approval closed)."""
        for flow_id in flow_ids:
            self.checkpointer.delete_thread(flow_id)
        self.checkpoints.after_forget()

    def _config(self, flow_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": flow_id}}

    def _lock(self, flow_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(flow_id, threading.Lock())
