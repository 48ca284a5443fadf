"""The write flow every write tool runs: prepare -> approval -> apply -> audit.

- ``prepare`` computes the exact API calls and a readable preview; it has no side effects, so re-running
  it on resume is harmless.
- ``approval`` opens the approval (idempotent per flow) and interrupts with it. On resume it checks the
  person's decision against the principal, session and the SHA-256 of the payload *as it is now*, and
  consumes the approval (single use). Nothing but an ``approved`` verdict leads to ``apply``.
- ``apply`` makes the calls, each with the approval id as ClientToken where the API takes one.
- ``audit`` records what happened: applied, rejected, refused or failed.

Flows are checkpointed in SQLite (one checkpointer per process), so a pending approval survives a restart.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel

from agent.backends import errors
from agent.backends.base import PartnerCentral
from agent.graphs.plans import WriteAction, WritePlan, shown_parameters
from agent.trust.approvals import Approval, ApprovalStore, Decision
from agent.trust.audit import AuditEvent, AuditLog, redact, user_identity
from agent.trust.identity import Principal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlowContext:
    """What the nodes need that is not state: live objects, rebuilt by whoever resumes the flow."""

    backend: PartnerCentral
    approvals: ApprovalStore
    audit: AuditLog
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
    results: list[dict[str, Any]]
    error: dict[str, Any]
    status: Literal["applied", "rejected", "refused", "failed"]


Outcome = Literal["requires_approval", "applied", "rejected", "refused", "failed"]


class FlowResult(BaseModel):
    flow_id: str
    status: Outcome
    approval: Approval | None = None
    reason: str | None = None
    results: list[dict[str, Any]] = []


class WriteFlows:
    """The compiled write graph and its checkpointer; one per process."""

    def __init__(self, checkpoint_path: Path, actions: dict[str, WriteAction]) -> None:
        self.actions = actions
        checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        self._path = checkpoint_path
        self._conn = sqlite3.connect(checkpoint_path, check_same_thread=False)
        self._conn.execute("PRAGMA secure_delete=ON")  # forgotten flows (verification codes...) are overwritten
        self.checkpointer = SqliteSaver(self._conn)
        self.graph = self._build().compile(checkpointer=self.checkpointer)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # nodes

    def _prepare(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        plan = self.actions[state["tool"]].plan(runtime.context.backend, state["parameters"])
        return {"plan": plan.model_dump()}

    def _approval(self, state: WriteState, runtime: Runtime[FlowContext]) -> Command:
        ctx = runtime.context
        principal = Principal.model_validate(state["principal"])
        plan = WritePlan.model_validate(state["plan"])
        digest = ctx.approvals.payload_digest([c.model_dump() for c in plan.calls])
        approval = ctx.approvals.open(
            flow_id=state["flow_id"], principal=principal, session_id=state["session_id"], tool=state["tool"],
            parameters=shown_parameters(state["parameters"]), preview=plan.preview, payload_sha256=digest,
        )
        answer = interrupt({"approval_id": approval.approval_id})
        verdict = ctx.approvals.decide(Decision.model_validate(answer), payload_sha256=digest)
        update = {"approval_id": approval.approval_id, "verdict": verdict.model_dump()}
        if verdict.outcome == "approved":
            return Command(goto="apply", update=update)
        return Command(goto="audit", update={**update, "status": "rejected" if verdict.outcome == "rejected" else "refused"})

    def _apply(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        action = self.actions[state["tool"]]
        results = []
        for call in WritePlan.model_validate(state["plan"]).calls:
            try:
                results.append(action.apply(runtime.context.backend, call, state["approval_id"]))
            except errors.PartnerCentralError as exc:
                return {"results": results, "status": "failed", "error": {"code": exc.code, "message": str(exc), "operation": call.operation}}
            except Exception as exc:  # a bug or an unexpected failure still ends (and is audited) as failed
                logger.exception("applying %s failed unexpectedly", call.operation)
                return {"results": results, "status": "failed", "error": {
                    "code": "InternalError", "operation": call.operation,
                    "message": f"{call.operation} failed unexpectedly ({type(exc).__name__}); what was applied before "
                               "it is listed in the results. The server log has the details."}}
        return {"results": results, "status": "applied"}

    def _audit(self, state: WriteState, runtime: Runtime[FlowContext]) -> dict[str, Any]:
        ctx = runtime.context
        principal = Principal.model_validate(state["principal"])
        status = state["status"]
        reason = state.get("verdict", {}).get("reason")
        if status in ("applied", "failed"):
            ctx.approvals.finish(state["approval_id"], status, {"results": state.get("results", []), "error": state.get("error")})
        elif status == "refused":  # the flow has ended: its approval must not look decidable any more
            ctx.approvals.refuse(state["approval_id"], reason or "refused")
        error = state.get("error") or {}
        results = state.get("results", [])
        for index, call in enumerate(WritePlan.model_validate(state["plan"]).calls):
            if index < len(results):
                decision, why = "applied", reason
            elif status == "failed" and error.get("operation") == call.operation:
                decision, why = "failed", error.get("message")
            elif status == "failed":
                decision, why = "refused", "Not attempted: an earlier call of this change failed."
            else:
                decision, why = status, reason
            ctx.audit.record(AuditEvent(
                eventSource=f"{call.service.removeprefix('partnercentral-')}.partnercentral.amazonaws.com",
                eventName=call.operation,
                awsRegion=ctx.region,
                userIdentity=user_identity(principal),
                requestParameters=redact(call.service, call.operation, call.request),
                responseElements=results[index] if index < len(results) else None,
                requestID=state["flow_id"],
                sessionId=state["session_id"],
                approvalId=state.get("approval_id"),
                decision=decision,
                reason=why,
                errorCode=error.get("code") if decision == "failed" else None,
                tool=state["tool"],
            ))
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

    def start(self, ctx: FlowContext, *, tool: str, parameters: dict[str, Any], principal: Principal, session_id: str) -> FlowResult:
        """Plan the change and pause for approval. Raises PlanError when there is nothing to approve."""
        flow_id = f"flow-{uuid.uuid4()}"
        state = {"flow_id": flow_id, "tool": tool, "parameters": parameters, "principal": principal.model_dump(),
                 "session_id": session_id}
        try:
            self.graph.invoke(state, self._config(flow_id), context=ctx)
        except Exception:
            self.forget([flow_id])
            raise
        return self.result(flow_id, ctx.approvals)

    def resume(self, ctx: FlowContext, flow_id: str, decision: Decision) -> FlowResult | None:
        """Deliver a decision to a paused flow (one at a time per flow); None if it is not waiting for one."""
        with self._lock(flow_id):
            if "approval" not in self.graph.get_state(self._config(flow_id)).next:
                return None
            self.graph.invoke(Command(resume=decision.model_dump()), self._config(flow_id), context=ctx)
            done = self.result(flow_id, ctx.approvals)
            if done.status != "requires_approval":  # ended and audited: its state (codes included) is not kept
                self.forget([flow_id])
        return done

    def principal_of(self, flow_id: str) -> Principal | None:
        values = self.graph.get_state(self._config(flow_id)).values
        return Principal.model_validate(values["principal"]) if values.get("principal") else None

    def result(self, flow_id: str, approvals: ApprovalStore) -> FlowResult:
        """Where a flow stands: paused for approval, or how it ended."""
        snapshot = self.graph.get_state(self._config(flow_id))
        values = snapshot.values
        approval_id = values.get("approval_id") or next(
            (i.value["approval_id"] for task in snapshot.tasks for i in task.interrupts), None
        )
        reason = (values.get("error") or {}).get("message") or values.get("verdict", {}).get("reason")
        return FlowResult(
            flow_id=flow_id, status=values.get("status") or "requires_approval",
            approval=approvals.get(approval_id) if approval_id else None, reason=reason,
            results=values.get("results", []),
        )

    def forget(self, flow_ids: list[str]) -> None:
        """Delete the checkpoints of flows (ended, or their session expired)."""
        for flow_id in flow_ids:
            self.checkpointer.delete_thread(flow_id)
        self._truncate_wal()

    def _truncate_wal(self) -> None:
        """Leave no copy of forgotten flows in the write-ahead log. Best effort, never blocking: another reader of
        the file (a second server on the same DATA_DIR) makes it wait for the next forget."""
        conn = sqlite3.connect(self._path, timeout=0.2)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                logger.debug("checkpoint WAL busy; truncated at a later forget")
        except sqlite3.OperationalError as exc:
            logger.debug("checkpoint WAL not truncated: %s", exc)
        finally:
            conn.close()

    def _config(self, flow_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": flow_id}}

    def _lock(self, flow_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(flow_id, threading.Lock())
