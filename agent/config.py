"""Settings, read from the environment (prefix ``PARTNER_AGENT_``) and validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agent.models.account import PARTNER_ID_PATTERN
from agent.trust.permissions import check_policy_names

ENV_PREFIX = "PARTNER_AGENT_"

DEFAULT_PARTNER_ID = "partner-altocloud0004"
"""The seeded PRM-ready ISV: the sandbox partner with the most to explore."""

Toolset = Literal["account", "onboarding", "prm", "seller", "opportunities", "funding", "guidance"]
"""Groups of tools an operator can expose (`agent.tools.TOOLSETS` lists each one's tools)."""


class Settings(BaseSettings):
    """Every setting of the server. Each field is ``PARTNER_AGENT_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("partner-agent", appauthor=False)),
        description="Folder for the sandbox database, sessions, approvals, audit and the knowledge index.",
    )
    backend: Literal["local", "aws"] = Field(
        default="local",
        description="`local`: the embedded SQLite sandbox. `aws`: the real Partner Central APIs through boto3.",
    )
    catalog: Literal["Sandbox", "AWS"] = Field(
        default="Sandbox",
        description="Partner Central catalog to act in. `Sandbox` is safe for testing; `AWS` is production.",
    )
    partner_id: str = Field(
        default=DEFAULT_PARTNER_ID,
        pattern=PARTNER_ID_PATTERN,
        description="Partner account the stdio principal acts for (`partner-` and 13 letters or digits).",
    )
    aws_region: str = Field(
        default="us-east-1",
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        description="AWS region of the Partner Central endpoints (aws backend only).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level; logs always go to stderr."
    )
    user: str | None = Field(
        default=None, max_length=64, description="Name of the stdio user in audit events (default: the OS user)."
    )
    policies: Annotated[list[str], NoDecode] = Field(
        default=["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"],
        description="Comma-separated AWS managed policies of the stdio user.",
    )
    session_ttl_hours: float = Field(
        default=48, gt=0, le=24 * 30, description="Sessions expire this long after creation."
    )
    session_max_events: int = Field(
        default=200,
        ge=10,
        le=10_000,
        description="Events kept per session; past it the oldest are summarised (counted by tool and outcome).",
    )
    approval_ttl_minutes: float = Field(
        default=15, gt=0, le=24 * 60, description="Pending approvals expire after this."
    )
    max_pending_approvals: int = Field(
        default=25,
        ge=1,
        le=1000,
        description="How many changes one principal may have waiting for a decision.",
    )
    tool_approvals: bool = Field(
        default=False,
        description="Register the decide_approval tool. Only for hosts that ask the person before every tool call.",
    )
    toolsets: Annotated[list[Toolset], NoDecode] = Field(
        default=list(Toolset.__args__),
        description="Comma-separated groups of tools to expose (default: all): account, onboarding, prm, seller, "
        "opportunities, funding, guidance. The session and approval tools are always there.",
    )
    approval_port: int = Field(
        default=8766,
        ge=0,
        le=65535,
        description="Loopback port of the approval page under stdio (0: any free port).",
    )
    index_dir: Path | None = Field(default=None, description="Knowledge index folder (default: DATA_DIR/knowledge).")
    embedding_model: str | None = Field(
        default=None,
        description="`auto` (default: all-MiniLM-L6-v2 for English questions, USE multilingual v3 for the others), "
        "`use-multilingual`, or a local sentence-transformers model folder.",
    )
    chroma_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(:\d+)?/?$",
        description="A Chroma server (`chroma run`) to hold the vectors instead of the embedded store.",
    )
    website_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host names scan_company_website may fetch even though they resolve to private, "
        "loopback or link-local addresses (e.g. an intranet site). Empty: only public addresses.",
    )
    attachments_dir: Path | None = Field(
        default=None,
        description="A folder whose files people may attach to fund requests by path (stdio users); "
        "without it, files come only from the client.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="A PostgreSQL database (`postgresql://user:password@host:5432/name`) for sessions, approvals, "
        "approvers, audit, tokens and flow checkpoints, shared by several workers; migrated at start. Default: SQLite "
        "files in DATA_DIR (one machine).",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Connections each worker keeps to PostgreSQL, at most.",
    )
    http_header_timeout: float = Field(
        default=10,
        gt=0,
        le=300,
        description="Seconds an HTTP client has to send a request's headers (a connection that sends none is closed).",
    )
    http_body_timeout: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="Seconds an HTTP client has to send a request's body once its headers arrived.",
    )
    mcp_sessions_per_token: int = Field(
        default=20,
        ge=1,
        le=10000,
        description="Open MCP sessions (2025-11-25 clients) one bearer token may hold per worker; one more is refused "
        "with 429 until one ends or idles out.",
    )
    mcp_session_idle_minutes: float = Field(
        default=10,
        gt=0,
        le=24 * 60,
        description="An MCP session with no request for this long is closed.",
    )
    mcp_max_sessions: int = Field(
        default=2000,
        ge=1,
        le=100000,
        description="Open MCP sessions per worker, all tokens together.",
    )
    recovery_interval_seconds: float = Field(
        default=30,
        ge=1,
        le=3600,
        description="How often each HTTP worker finishes writes that a worker which died (kill -9, a lost machine) "
        "left between the person's decision and its audit event.",
    )
    stateless_http: bool = Field(
        default=False,
        description="Serve 2025-11-25 clients without MCP sessions, so any worker can answer any request behind a "
        "load balancer without sticky routing (those clients then approve on the page, not in a form).",
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(:\d+)?$",
        description="Base URL people reach the HTTP server at, for approval links (default: http://HOST:PORT).",
    )

    @field_validator("policies", mode="before")
    @classmethod
    def _split_policies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]

        return check_policy_names(value) if isinstance(value, list) else value

    @field_validator("toolsets", mode="before")
    @classmethod
    def _split_toolsets(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip().lower() for name in value.split(",") if name.strip()]
        return value

    @field_validator("website_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            value = [host.strip().lower().rstrip(".") for host in value.split(",") if host.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _local_backend_is_sandbox_only(self) -> "Settings":
        if self.backend == "local" and self.catalog != "Sandbox":
            raise ValueError(
                "PARTNER_AGENT_CATALOG=AWS needs PARTNER_AGENT_BACKEND=aws; the local sandbox only has the Sandbox catalog"
            )
        return self

    @property
    def knowledge_dir(self) -> Path:
        """Where the knowledge index and the user's added documents live."""
        return self.index_dir or self.data_dir / "knowledge"

    @property
    def sandbox_db(self) -> Path:
        """The local backend's SQLite database."""
        return self.data_dir / "sandbox.db"


SECRET_SETTINGS = frozenset({"database_url"})
"""Settings whose value is never echoed in an error (a database URL holds a password)."""


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each bad setting and why."""


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, raising `SettingsError` that names every bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            f"{ENV_PREFIX}{'_'.join(str(p) for p in err['loc'] if isinstance(p, str)).upper()}: {err['msg']}"
            + ("" if err["loc"][0] in SECRET_SETTINGS else f" (got {err['input']!r})")
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(problems)) from None
