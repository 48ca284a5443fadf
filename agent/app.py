"""The running agent: settings, backends and the trust layer (sessions, approvals, audit, write flows).

One `AgentApp` per server process. Nothing is opened until first use, so the server starts fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from agent.backends.base import PartnerCentral
from agent.config import Settings
from agent.graphs.checkpoints import PostgresCheckpoints, SqliteCheckpoints
from agent.retrieval.index import KnowledgeIndex
from agent.storage import utcnow
from agent.trust.approvals import ApprovalStore, DatabaseSecret, FileSecret
from agent.trust.audit import AuditLog
from agent.trust.db import open_database
from agent.trust.identity import Principal, current_principal, local_principal
from agent.trust.memory import MemoryStore
from agent.trust.permissions import authorize, missing_actions
from agent.trust.sessions import Session, SessionStore
from agent.trust.tokens import token_store

USE_SESSION = "partnercentral:UseSession"
TIDY_INTERVAL = timedelta(seconds=1)


@dataclass(frozen=True)
class ToolCall:
    """Everything a tool needs once the caller is known, allowed and in a session."""

    principal: Principal
    session: Session
    backend: PartnerCentral


class AgentApp:
    def __init__(
        self, settings: Settings, *, require_token: bool = False, approval_base_url: str | None = None
    ) -> None:
        self.settings = settings
        self.require_token = require_token
        self.approval_base_url = approval_base_url
        """Where the HTTP transport serves approval pages; None under stdio, where `page_server` starts on demand."""
        self._tidied_at: datetime | None = None

    # backends

    @cached_property
    def sandbox(self):  # -> LocalSandbox, imported lazily
        from agent.backends.local.sandbox import LocalSandbox  # noqa: PLC0415 - only the backend in use is loaded

        return LocalSandbox(self.settings.sandbox_db, self.settings.catalog)

    @property
    def reaches_aws(self) -> bool:
        """Whether the backend is the real Partner Central: a tool calling it then reaches the world outside."""
        return self.settings.backend == "aws"

    def partner_central(self, principal: Principal) -> PartnerCentral:
        """The backend client acting for ``principal``'s partner account and catalog."""
        if self.settings.backend == "local":
            return self.sandbox.client(principal.partner_id)
        from agent.backends.aws import AwsPartnerCentral  # noqa: PLC0415 - only the backend in use is loaded

        return AwsPartnerCentral(
            partner_id=principal.partner_id, catalog=principal.catalog, region=self.settings.aws_region
        )

    # knowledge

    @cached_property
    def knowledge(self):
        return KnowledgeIndex(self.settings.knowledge_dir, self.settings.embedding_model, self.settings.chroma_url)

    def warm_up_knowledge(self, delay: float = 1.5) -> None:
        """Load the embedding models and the index in the background, so the first search is fast.

        It starts ``delay`` seconds after launch: the models' imports hold the interpreter for seconds, and
        the client's handshake and tools/list should be answered first. A search before then just waits.
        """
        timer = threading.Timer(delay, lambda: self.knowledge.warm_up())
        timer.daemon = True
        timer.start()

    # trust layer

    @cached_property
    def db(self):
        """The agent database: DATA_DIR/agent.db, or PostgreSQL with PARTNER_AGENT_DATABASE_URL."""
        return open_database(self.settings)

    @cached_property
    def tokens(self):
        """The bearer tokens the HTTP transport accepts: DATA_DIR/tokens.json, or the PostgreSQL database's."""
        return token_store(self.settings, self.db if self.settings.database_url else None)

    @cached_property
    def sessions(self):
        return SessionStore(self.db, timedelta(hours=self.settings.session_ttl_hours), self.approvals.sign)

    @cached_property
    def memory(self):
        """What happened in each session: its events, answers and open questions."""
        return MemoryStore(self.db, self.settings.session_max_events)

    @cached_property
    def audit(self):
        return AuditLog(self.db)

    @cached_property
    def approvals(self):
        # Workers on several machines share the database, not DATA_DIR: the secret is the database's then.
        secret = (
            DatabaseSecret(self.db) if self.settings.database_url else FileSecret(self.settings.data_dir / "secret.key")
        )
        return ApprovalStore(
            self.db, self.audit, secret, timedelta(minutes=self.settings.approval_ttl_minutes), self.settings.aws_region
        )

    @cached_property
    def passkeys(self):
        from agent.trust.passkeys import Passkeys  # noqa: PLC0415 - WebAuthn loads when a change first waits, not at start-up

        return Passkeys(self.db)

    @cached_property
    def gate(self):
        from agent.graphs.actions import WRITE_ACTIONS  # noqa: PLC0415 - LangGraph loads with the first write
        from agent.graphs.gate import WriteGate  # noqa: PLC0415 - LangGraph loads with the first write

        checkpoints = (
            PostgresCheckpoints(self.db)
            if self.settings.database_url
            else SqliteCheckpoints(self.settings.data_dir / "checkpoints.db")
        )
        return WriteGate(
            self.approvals,
            self.sessions,
            WRITE_ACTIONS,
            self.partner_central,
            self.requester_problem,
            checkpoints,
            self.settings.aws_region,
            self.settings.max_pending_approvals,
        )

    def requester_problem(self, principal: Principal, actions: list[str]) -> str | None:
        """Why a change ``principal`` asked for may no longer be approved: its bearer token was revoked or has
        expired, or its policies (as they are now) no longer grant ``actions``. None when it still may."""
        if principal.source == "token":
            record = self.tokens.get(principal.token_id)
            if record is None or not record.active():
                return "the bearer token that asked for it was revoked or has expired"
            policies = record.policies
        else:
            current = local_principal(self.settings)
            policies = current.policies if principal.key == current.key else principal.policies
        missing = missing_actions(policies, actions, principal.catalog)
        return f"the requester's policies no longer grant {', '.join(missing)}" if missing else None

    def recover(self) -> None:
        """Before serving: finish the writes a crash interrupted, and (under stdio) serve the approval page again
        when approvals wait, on the port their links name."""
        self.gate.recover()
        if self.approval_base_url is None and self.approvals.has_pending():
            self.page_server.ensure_started()

    def sweep_recoveries(self, interval: float) -> None:
        """Every ``interval`` seconds, in the background, finish the writes of workers that died (`WriteGate.recover`)."""

        def sweep() -> None:
            while True:
                time.sleep(interval)
                try:
                    self.gate.recover()
                except Exception:  # noqa: BLE001 - a failed sweep (database down...) is retried at the next
                    logging.getLogger(__name__).exception("recovery sweep failed; retried in %.0f s", interval)

        threading.Thread(target=sweep, daemon=True, name="recovery-sweep").start()

    def principal(self) -> Principal:
        return current_principal(self.settings, require_token=self.require_token)

    def authorize(self, tool: str, actions: Iterable[str], principal: Principal) -> None:
        """Raise `PermissionDenied` unless ``principal``'s policies grant ``actions`` (and session use)."""
        authorize(principal.policies, [*actions, USE_SESSION], principal.catalog, tool)

    def begin(self, tool: str, actions: Iterable[str], session_id: str | None) -> ToolCall:
        """Identify the caller, check its permissions for ``actions``, and open its session.

        Raises `PermissionDenied` or `SessionError`; `agent.tools.errors.for_the_model` words them for the model.
        """
        principal = self.principal()
        self.authorize(tool, actions, principal)
        self.tidy_up()
        session = self.sessions.open(principal, session_id)
        return ToolCall(principal=principal, session=session, backend=self.partner_central(principal))

    def tidy_up(self) -> None:
        """Remove expired sessions and close approvals whose time ran out, at most once per `TIDY_INTERVAL` (on
        the clock of the stored times) per process. Between two runs nothing is at risk: a session and an
        approval are each checked against their own expiry whenever they are used."""
        now = utcnow()
        if self._tidied_at is not None and now - self._tidied_at < TIDY_INTERVAL:
            return
        self._tidied_at = now
        self.sessions.purge_expired(now)
        self.gate.expire_due()

    def remembered_answers(self, session_id: str | None, about: str) -> dict:
        """The answers the person gave in session ``session_id`` to the questions of ``about`` (a draft), to use again
        instead of asking again. Raises `SessionError` for a session that is not the caller's."""
        if session_id is None:
            return {}
        principal = self.principal()
        self.sessions.open(principal, session_id)
        return self.memory.answers(principal, session_id, about)

    @cached_property
    def page_server(self):
        from agent.trust.page import PageServer  # noqa: PLC0415 - the approval page's web server starts only when needed

        return PageServer(self, self.settings.approval_port, self.settings.data_dir / "approval-page.port")

    def approve_url(self, approval_id: str) -> str:
        """The approval page link of ``approval_id`` (under stdio this starts the loopback page listener). Its key is
        in the fragment, which browsers never send, so no server or proxy log ever holds it."""
        base = self.approval_base_url or self.page_server.ensure_started()
        return f"{base}/approvals/{approval_id}#{self.approvals.page_key(approval_id)}"
