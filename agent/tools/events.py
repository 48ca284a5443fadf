"""A session's events: every tool call of a session, recorded once, where every call passes (`PartnerAgentServer`).

Which calls are recorded: those that name their session (``session_id``, valid and the caller's own), and those
that leave a change waiting in a new session (its row is stored anyway). A call without ``session_id`` that
leaves nothing waiting stores nothing, as before; nor do `get_session` and `list_sessions` (reading the memory
does not change it) or calls to an unknown tool.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from agent.app import AgentApp
from agent.models.benefits import BENEFIT_APPLICATION_ID_PATTERN
from agent.models.selling import OPPORTUNITY_ID_PATTERN
from agent.trust.audit import HIDDEN, redact_arguments, redact_text
from agent.trust.identity import NotAuthenticated
from agent.trust.memory import CallNotes, Outcome
from agent.trust.sessions import SessionError

logger = logging.getLogger(__name__)

NOT_RECORDED = frozenset({"get_session", "list_sessions"})
SUMMARY_CHARS = 200
ARGUMENT_CHARS = 200
_OPPORTUNITY = re.compile(OPPORTUNITY_ID_PATTERN)
_FUND_REQUEST = re.compile(BENEFIT_APPLICATION_ID_PATTERN)
_SUBJECT_KEYS = ("opportunity_id", "funding_request_id", "program", "action", "approval_id")


def about(tool: str, arguments: dict[str, Any]) -> str:
    """The call in a few words (``draft_funding_request O4000001 proof-of-concept``): what an answer or an open
    question belongs to, and the head of its event's summary."""
    named = [arguments[key] for key in _SUBJECT_KEYS if isinstance(arguments.get(key), str)]
    return " ".join([tool, *(str(n)[:64] for n in named)])


def outcome_of(result: dict[str, Any] | None) -> Outcome:
    status = (result or {}).get("status") if result is not None else "failed"
    if status in ("needs_input", "requires_approval", "applied", "rejected", "failed"):
        return status
    return "rejected" if status == "refused" else "answered"


def summary_of(tool: str, arguments: dict[str, Any], result: dict[str, Any] | None, error: str | None) -> str:
    head = about(tool, arguments)
    if error is not None:
        text = f"{head}: failed: {error}"
    elif tool == "recommend_funding":
        text = _recommended(result)
    else:
        status = result.get("status")
        if status == "needs_input":
            text = f"{head}: asked for {', '.join(q['field'] for q in result.get('questions', []))}"
        elif status == "requires_approval":
            approval = result.get("approval") or {}
            change = (approval.get("preview") or "").strip().splitlines()
            text = f"{head}: waits for the person's approval {approval.get('approval_id')}" + (
                f" ({change[0]})" if change else ""
            )
        elif status in ("applied", "rejected", "refused", "failed"):
            created = [r.get("Id") for r in result.get("results", []) if isinstance(r, dict) and r.get("Id")]
            text = (
                f"{head}: {status}"
                + (f", {', '.join(map(str, created))}" if created else "")
                + ("" if status == "applied" else f": {result.get('message', '')}")
            )
        else:
            text = f"{head}: answered" + _counted(result)
    text = redact_text(" ".join(text.split()))
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _recommended(result: dict[str, Any]) -> str:
    def named(item: dict[str, Any]) -> str:
        amount = (item.get("estimate") or {}).get("amount")
        return f"{item.get('name') or item.get('program')}" + (f" (${amount:,.0f})" if amount else "")

    picks = [named(item) for item in result.get("recommendations", [])]
    listed = (", ".join(picks[:-1]) + " and " + picks[-1]) if len(picks) > 1 else "".join(picks)
    return (
        f"recommended {listed} for {result.get('opportunity_id')}"
        if picks
        else f"no program fits {result.get('opportunity_id')} yet"
    )


def _counted(result: dict[str, Any]) -> str:
    for name, value in result.items():
        if isinstance(value, list) and name not in ("next_steps", "policies"):
            return f" ({len(value)} {name.replace('_', ' ')})"
    return ""


def subjects(arguments: dict[str, Any], result: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """The opportunities and fund requests a call touched: those it named, and those a write created."""
    found: list[str] = [v for v in arguments.values() if isinstance(v, str)]
    if result:
        found += [result[k] for k in ("opportunity_id", "funding_request_id") if isinstance(result.get(k), str)]
        found += [
            r[k]
            for r in result.get("results", [])
            if isinstance(r, dict)
            for k in ("Id", "Identifier", "OpportunityId")
            if isinstance(r.get(k), str)
        ]
    opportunities = [v for v in dict.fromkeys(found) if _OPPORTUNITY.fullmatch(v)]
    funding_requests = [v for v in dict.fromkeys(found) if _FUND_REQUEST.fullmatch(v)]
    return opportunities, funding_requests


def bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= ARGUMENT_CHARS else value[:ARGUMENT_CHARS] + f"… ({len(value):,} characters)"
    if isinstance(value, dict):
        return {k: bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [bounded(v) for v in value[:20]] + ([f"… ({len(value)} items)"] if len(value) > 20 else [])
    return value


def recorded(tool: str, arguments: dict[str, Any], result: dict[str, Any] | None) -> bool:
    """Whether the call has a session to record it in: it names one, or it left a change waiting in a new one."""
    if tool in NOT_RECORDED:
        return False
    return isinstance(arguments.get("session_id"), str) or (result or {}).get("status") == "requires_approval"


def record(
    app: AgentApp,
    tool: str,
    arguments: dict[str, Any],
    result: dict[str, Any] | None,
    error: str | None,
    notes: CallNotes,
) -> None:
    """Record the call's event in its session (see the module's docstring for which calls); never fails the call."""
    if not recorded(tool, arguments, result):
        return
    try:
        session_id = arguments.get("session_id")
        if not isinstance(session_id, str):
            session_id = result.get("session_id")
        principal = app.principal()
        session = app.sessions.open(principal, session_id)
        outcome = outcome_of(result if error is None else None)
        if outcome == "needs_input":
            notes.questions[about(tool, arguments)] = [(q["field"], q["question"]) for q in result.get("questions", [])]
        elif outcome in ("requires_approval", "applied"):
            notes.questions[about(tool, arguments)] = []  # answered: nothing is open for this call any more
        notes.answers = {
            key: {k: v for k, v in redact_arguments(given).items() if v != HIDDEN}
            for key, given in notes.answers.items()
        }
        opportunities, funding_requests = subjects(arguments, result)
        approval = (result or {}).get("approval") or {}
        app.memory.record(
            principal,
            session,
            tool=tool,
            outcome=outcome,
            summary=summary_of(tool, arguments, result, error),
            arguments=bounded(redact_arguments({k: v for k, v in arguments.items() if k != "session_id"})),
            approval_id=approval.get("approval_id")
            or (arguments.get("approval_id") if isinstance(arguments.get("approval_id"), str) else None),
            opportunities=opportunities,
            funding_requests=funding_requests,
            notes=notes,
        )
    except (SessionError, NotAuthenticated):
        return  # not a session of this caller's: nothing to record it in
    except Exception:  # noqa: BLE001 - remembering is a convenience; the call's own result stands
        logger.exception("recording the event of %s failed", tool)
