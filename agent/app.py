"""The running agent: settings plus the backend the tools talk to, created once per process."""

from __future__ import annotations

from functools import cached_property

from agent.backends.base import PartnerCentral
from agent.config import Settings


class AgentApp:
    """What every tool shares. Nothing is opened until first use, so the server starts fast."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def sandbox(self):  # -> LocalSandbox, imported lazily to keep start-up light
        from agent.backends.local.sandbox import LocalSandbox

        return LocalSandbox(self.settings.sandbox_db, self.settings.catalog)

    def partner_central(self, partner_id: str | None = None) -> PartnerCentral:
        """The backend client acting for ``partner_id`` (default: the configured partner)."""
        partner_id = partner_id or self.settings.partner_id
        if self.settings.backend == "local":
            return self.sandbox.client(partner_id)
        from agent.backends.aws import AwsPartnerCentral

        return AwsPartnerCentral(partner_id=partner_id, catalog=self.settings.catalog, region=self.settings.aws_region)
