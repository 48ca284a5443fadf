"""What every write tool shares: plan, ask the person, run the approval-gated flow, report the outcome.

The person is asked in the first channel that works:

1. MCP form elicitation: the client shows the exact change and an approve checkbox. The question's text
   carries the change's fingerprint, so an answer only counts for the change it was given for.
2. The approval page: a link the person opens in a browser (served by the HTTP transport, or under
   stdio by a loopback-only listener).
3. ``decide_approval``, only when the server enables it for hosts that confirm every tool call.

Whatever the channel, the write flow checks the decision and applies the change once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from mcp.server.mcpserver import Context, Elicit
from mcp.server.mcpserver import AcceptedElicitation, CancelledElicitation, DeclinedElicitation
from pydantic import BaseModel, Field

from agent.app import AgentApp, ToolCall
from agent.graphs.plans import MissingInput, WriteAction, WritePlan
from agent.storage import utcnow
from agent.trust.approvals import Approval, Decision, binding_problem

class ApprovalForm(BaseModel):
    """The form the person sees."""

    approve: bool = Field(title="Approve this change", description="Tick to apply exactly the change described above.")


class NoElicitation(BaseModel):
    """What the ask resolver answers when the client cannot show forms: use another channel."""


class Question(BaseModel):
    field: str
    question: str


class PlannedChange(BaseModel):
    """The change as planned when the person is asked, with its fingerprint; or what is missing to plan it."""

    parameters: dict[str, Any] = Field(description="What was planned from: the flow plans from exactly these.")
    plan: WritePlan | None
    digest: str | None
    questions: list[Question] = Field(default_factory=list)


class ApprovalRequest(BaseModel):
    """A change waiting for the person's decision (modelled on the AWS agent's tool approval request)."""

    approval_id: str
    tool: str
    parameters: dict[str, Any] = Field(description="The tool's parameters, secrets hidden.")
    preview: str = Field(description="The exact change, as the person sees it.")
    expires_at: datetime
    approve_url: str | None = Field(description="Page where the person reviews and approves or declines.")


class WriteResult(BaseModel):
    status: Literal["needs_input", "requires_approval", "applied", "rejected", "refused", "failed"]
    session_id: str
    message: str = Field(description="What happened and what to tell the person.")
    approval: ApprovalRequest | None = None
    questions: list[Question] = Field(default_factory=list, description="With needs_input: what to ask the person.")
    results: list[dict[str, Any]] = Field(default_factory=list)


def plan_change(app: AgentApp, action: WriteAction, actions: list[str], parameters: dict[str, Any], session_id: str | None) -> PlannedChange:
    """Check the caller may make this change, then plan it (no side effects: resolvers re-run)."""
    principal = app.principal()
    app.authorize(action.tool, actions, principal)
    if session_id is not None:
        app.sessions.open(principal, session_id)
    try:
        plan = action.plan(app.partner_central(principal), parameters)
    except MissingInput as missing:
        questions = [Question(field=field, question=text) for field, text in missing.questions.items()]
        return PlannedChange(parameters=parameters, plan=None, digest=None, questions=questions)
    digest = app.approvals.payload_digest([c.model_dump() for c in plan.calls])
    return PlannedChange(parameters=parameters, plan=plan, digest=digest)


def ask_person(change: PlannedChange, ctx: Context) -> Elicit[ApprovalForm] | NoElicitation:
    """Ask through the client's form when it can show one (and there is a change to show)."""
    capabilities = ctx.client_capabilities
    if change.plan is None or capabilities is None or capabilities.elicitation is None:
        return NoElicitation()
    return Elicit(f"{change.plan.preview}\n\nApply exactly this change? (change {change.digest[:12]})", ApprovalForm)


def asking(planned: Any) -> Any:
    """The resolver that asks the person about the change the ``planned`` resolver prepared (see ask_person)."""
    from typing import Annotated

    from mcp.server.mcpserver import Resolve

    def ask(change: PlannedChange, ctx: Context) -> Elicit[ApprovalForm] | NoElicitation:
        return ask_person(change, ctx)

    ask.__annotations__ = {"change": Annotated[PlannedChange, Resolve(planned)], "ctx": Context, "return": Any}
    return ask


def run_change(app: AgentApp, call: ToolCall, action: WriteAction, change: PlannedChange, answer: Any) -> WriteResult:
    """Start the write flow and deliver the person's form answer, or hand out the other channels."""
    if change.plan is None:
        return WriteResult(
            status="needs_input", session_id=call.session.session_id, questions=change.questions,
            message="Nothing was created. Ask the person these questions, then call the tool again with the same "
                    "arguments, session_id, and their answers in `answers` (field name -> answer).",
        )
    ctx = app.flow_context(call.principal)
    flow = app.flows.start(ctx, tool=action.tool, parameters=change.parameters, principal=call.principal,
                           session_id=call.session.session_id)
    approval = flow.approval
    if isinstance(answer, AcceptedElicitation) and isinstance(answer.data, NoElicitation):
        return pending(app, approval, call.session.session_id)
    approved = isinstance(answer, AcceptedElicitation) and answer.data.approve
    reason = {DeclinedElicitation: "declined in the client", CancelledElicitation: "cancelled in the client"}.get(
        type(answer), None if approved else "not approved in the client form"
    )
    decision = Decision(
        approval_id=approval.approval_id, approve=approved, channel="elicitation", principal=call.principal.key,
        session_id=call.session.session_id, payload_sha256=change.digest, reason=reason,
    )
    done = app.flows.resume(ctx, flow.flow_id, decision)
    return outcome(app, done.status, done.approval, call.session.session_id, done.reason, done.results)


def pending(app: AgentApp, approval: Approval, session_id: str) -> WriteResult:
    url = app.approve_url(approval.approval_id)
    message = (
        "Nothing has been written yet. Show the person the preview and ask them to approve or decline it at "
        f"{url} before {approval.expires_at:%H:%M} UTC; then call get_approval with approval_id "
        f"{approval.approval_id} to see the outcome."
    )
    if app.settings.tool_approvals:
        message += " If your host asks the person to confirm each tool call, decide_approval records their answer."
    return WriteResult(
        status="requires_approval", session_id=session_id, message=message,
        approval=ApprovalRequest(
            approval_id=approval.approval_id, tool=approval.tool, parameters=approval.parameters,
            preview=approval.preview, expires_at=approval.expires_at, approve_url=url,
        ),
    )


def outcome(app: AgentApp, status: str, approval: Approval | None, session_id: str, reason: str | None, results: list) -> WriteResult:
    if status == "requires_approval" and approval is not None:
        return pending(app, approval, session_id)
    still_running = any(isinstance(r, dict) and r.get("Status") == "IN_PROGRESS" for r in results)
    messages = {
        "applied": "The change was applied." if not still_running else
                   "The change was approved and started; AWS is still processing it (the results say where to "
                   "follow it).",
        "rejected": f"The person did not approve the change ({reason}); nothing was written.",
        "refused": f"The change was refused and nothing was written: {reason}",
        "failed": f"Partner Central rejected the change: {reason}",
    }
    return WriteResult(status=status, session_id=session_id, message=messages[status], results=results)


def deliver_decision(app: AgentApp, approval_id: str, approve: bool, channel: str, decider, session_id: str) -> WriteResult:
    """Hand a page or tool decision to the paused flow it belongs to.

    A decision that is not the asking principal's, or comes from another session, never reaches the flow
    (so it cannot spoil the real person's pending approval); it is audited as refused and reported.
    """
    from agent.trust.audit import AuditEvent, user_identity

    app.expire_approvals()
    approval = app.approvals.get(approval_id)
    problem = binding_problem(approval, decider.key, session_id, utcnow())
    done = None
    if problem is None:
        decision = Decision(
            approval_id=approval_id, approve=approve, channel=channel, principal=decider.key, session_id=session_id,
            payload_sha256=approval.payload_sha256, reason=None if approve else f"declined on the {channel}",
        )
        done = app.flows.resume(app.flow_context(decider), approval.flow_id, decision)  # decider is the owner, checked
        if done is None:
            problem = f"This approval was already used ({approval.status}); approvals are single use. Ask for the change again."
    if problem:
        app.audit.record(AuditEvent(
            eventSource="partner-agent", eventName="DecideApproval", awsRegion=app.settings.aws_region,
            userIdentity=user_identity(decider), requestParameters={"approval_id": approval_id, "approve": approve, "channel": channel},
            requestID=approval_id, sessionId=session_id, approvalId=approval_id, decision="refused", reason=problem,
            tool=approval.tool if approval else "decide_approval",
        ))
        return WriteResult(status="refused", session_id=session_id, message=f"Refused, nothing was written: {problem}")
    return outcome(app, done.status, done.approval, session_id, done.reason, done.results)
