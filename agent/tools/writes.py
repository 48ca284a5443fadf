"""MCP glue for every write tool: plan the change, ask the person in the client's form when it can show one,
otherwise hand out the approval page, and report the outcome. The write gate (`agent.graphs.gate`) does the rest.

The person is asked in the first channel that works:

1. MCP form elicitation: the client shows the exact change and an approve checkbox. The question's text
   carries the change's fingerprint, so an answer only counts for the change it was given for.
2. The approval page: a link the person opens in a browser, where deciding needs their passkey.
3. ``decide_approval``, only when the server enables it for hosts that confirm every tool call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import (
    AcceptedElicitation,
    CancelledElicitation,
    Context,
    DeclinedElicitation,
    Elicit,
    Resolve,
)
from pydantic import BaseModel, Field

from agent.app import AgentApp, ToolCall
from agent.graphs.gate import Planned, Question, Status, WriteOutcome
from agent.graphs.plans import WriteAction
from agent.trust.approvals import Approval
from agent.trust.audit import DecidedBy


class ApprovalForm(BaseModel):
    """The form the person sees."""

    approve: bool = Field(title="Approve this change", description="Tick to apply exactly the change described above.")


class NoElicitation(BaseModel):
    """What the ask resolver answers when the client cannot show forms: use another channel."""


class ApprovalRequest(BaseModel):
    """A change waiting for the person's decision (modelled on the AWS agent's tool approval request)."""

    approval_id: str
    tool: str
    parameters: dict[str, Any] = Field(description="The tool's parameters, secrets hidden.")
    preview: str = Field(description="The exact change, as the person sees it.")
    expires_at: datetime
    approve_url: str = Field(description="Page where the person reviews the change and decides with their passkey.")


class WriteResult(BaseModel):
    status: Status
    session_id: str
    message: str = Field(description="What happened and what to tell the person.")
    approval: ApprovalRequest | None = None
    questions: list[Question] = Field(default_factory=list, description="With needs_input: what to ask the person.")
    results: list[dict[str, Any]] = Field(default_factory=list)


def plan_change(app: AgentApp, action: WriteAction, parameters: BaseModel, session_id: str | None) -> Planned:
    """Check the caller may make this change, then plan it (no side effects: resolvers re-run)."""
    principal = app.principal()
    app.authorize(action.tool, action.iam_actions(parameters), principal)
    if session_id is not None:
        app.sessions.open(principal, session_id)
    return app.gate.plan(principal, action, parameters)


def begin(app: AgentApp, action: WriteAction, change: Planned, session_id: str | None) -> ToolCall:
    """`AgentApp.begin` for a write tool: the IAM actions are those of the planned change."""
    return app.begin(action.tool, action.iam_actions(action.parameters.model_validate(change.parameters)), session_id)


def ask_person(change: Planned, ctx: Context) -> Elicit[ApprovalForm] | NoElicitation:
    """Ask through the client's form when it can show one (and there is a change to show)."""
    capabilities = ctx.client_capabilities
    if change.plan is None or capabilities is None or capabilities.elicitation is None:
        return NoElicitation()
    return Elicit(f"{change.plan.preview}\n\nApply exactly this change? (change {change.digest[:12]})", ApprovalForm)


def asking(planned: Any) -> Any:
    """The resolver that asks the person about the change the ``planned`` resolver prepared (see ask_person)."""

    def ask(change: Planned, ctx: Context) -> Elicit[ApprovalForm] | NoElicitation:
        return ask_person(change, ctx)

    ask.__annotations__ = {"change": Annotated[Planned, Resolve(planned)], "ctx": Context, "return": Any}
    return ask


def run_change(app: AgentApp, call: ToolCall, action: WriteAction, change: Planned, answer: Any) -> WriteResult:
    """Start the write flow and deliver the person's form answer, or hand out the approval page."""
    session_id = call.session.session_id
    if change.plan is None:
        return needs_input(action.tool, change, session_id)
    approval = app.gate.start(call.principal, session_id, action, change)
    if isinstance(answer, AcceptedElicitation) and isinstance(answer.data, NoElicitation):
        return pending(app, approval, session_id)
    approved = isinstance(answer, AcceptedElicitation) and answer.data.approve
    reason = {DeclinedElicitation: "declined in the client", CancelledElicitation: "cancelled in the client"}.get(
        type(answer), None if approved else "not approved in the client form"
    )
    decided_by = DecidedBy(
        name=call.principal.name,
        id=call.principal.key,
        channel="form",
        verification="answered the MCP client's form in the session that asked",
    )
    done = app.gate.decide(
        approval.approval_id,
        approved,
        decided_by,
        principal=call.principal.key,
        session_id=session_id,
        digest=change.digest,
        reason=reason,
    )
    return result(app, done, session_id)


def needs_input(tool: str, change: Planned, session_id: str) -> WriteResult:
    if change.answers_parameter:
        how = (
            f"and the person's answers in `{change.answers_parameter}` (field name -> answer), e.g. "
            f'{{"{change.questions[0].field}": ...}}'
        )
    else:
        how = "plus these parameters: " + ", ".join(q.field for q in change.questions)
    return WriteResult(
        status="needs_input",
        session_id=session_id,
        questions=change.questions,
        message=f"Nothing was changed. Ask the person these questions, then call {tool} again with the "
        f"same arguments and session_id, {how}.",
    )


def pending(app: AgentApp, approval: Approval, session_id: str) -> WriteResult:
    from agent.trust.passkeys import enroll_hint  # noqa: PLC0415 - WebAuthn loads when a change first waits, not at start-up

    url = app.approve_url(approval.approval_id)
    message = (
        f"Nothing has been written yet. Show the person the preview and the link {url}: they review the change there "
        f"and approve or decline it with their passkey before {approval.expires_at:%H:%M} UTC. Then call get_approval "
        f"with approval_id {approval.approval_id} to see the outcome. You cannot decide for them."
    )
    approvers = app.passkeys.approvers_for(approval.principal, approval.partner_id, approval.catalog, approval.actions)
    if not any(approver.passkeys for approver in approvers):
        message += " " + enroll_hint(approval.requester.name)
    if app.settings.tool_approvals:
        message += " If your host asks the person to confirm each tool call, decide_approval records their answer."
    return WriteResult(
        status="requires_approval",
        session_id=session_id,
        message=message,
        approval=ApprovalRequest(
            approval_id=approval.approval_id,
            tool=approval.tool,
            parameters=approval.parameters,
            preview=approval.preview,
            expires_at=approval.expires_at,
            approve_url=url,
        ),
    )


def result(app: AgentApp, done: WriteOutcome, session_id: str) -> WriteResult:
    """A decision's outcome as a tool result (a change still waiting carries its approval request)."""
    if done.status == "requires_approval" and done.approval is not None:
        return pending(app, done.approval, session_id)
    return WriteResult(status=done.status, session_id=session_id, message=done.message, results=done.results)
