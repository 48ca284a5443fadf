"""Who is calling: the principal every tool acts for."""

from __future__ import annotations

import getpass
from typing import Literal

from mcp.server.auth.middleware.auth_context import get_access_token
from pydantic import BaseModel, ConfigDict

from agent.config import Settings
from agent.errors import AgentError


class Principal(BaseModel):
    """A person or client: which partner account and catalog it acts in, with which managed policies."""

    model_config = ConfigDict(frozen=True)

    name: str
    partner_id: str
    catalog: str
    policies: tuple[str, ...]
    source: Literal["local", "token"]
    token_id: str | None = None

    @property
    def key(self) -> str:
        """A stable identifier for binding sessions, approvals and audit events."""
        return f"token:{self.token_id}" if self.source == "token" else f"local:{self.name}"


class NotAuthenticated(AgentError):
    """An HTTP request reached a tool without a verified bearer token (never expected; fail closed)."""


def local_principal(settings: Settings) -> Principal:
    """The person running the server over stdio: configured partner, catalog and policies."""
    return Principal(
        name=settings.user or getpass.getuser(),
        partner_id=settings.partner_id,
        catalog=settings.catalog,
        policies=tuple(settings.policies),
        source="local",
    )


def current_principal(settings: Settings, *, require_token: bool) -> Principal:
    """The principal of the request being served: its bearer token's, or the local user's under stdio."""
    token = get_access_token()
    if token is None:
        if require_token:
            raise NotAuthenticated("Not authenticated: connect with a bearer token (partner-agent token create).")
        return local_principal(settings)
    claims = token.claims or {}
    return Principal(
        name=token.subject or token.client_id,
        partner_id=claims["partner_id"],
        catalog=claims["catalog"],
        policies=tuple(claims["policies"]),
        source="token",
        token_id=token.client_id,
    )
