"""Shared fixtures: a fresh sandbox database per test, the real server, real MCP clients."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

from agent.backends.local.sandbox import LocalSandbox
from agent.backends.local.seed import example_details
from agent.config import Settings

pytest_plugins = ("tests.browser", "tests.postgres")  # headless Chromium; a throw-away PostgreSQL server

ON_BOTH_STORAGES = {
    "tests.test_trust_flows",
    "tests.test_sessions",
    "tests.test_crash_recovery",
    "tests.test_write_validation",
    "tests.test_permissions_mcp",
    "tests.test_http_trust",
    "tests.test_passkeys",
    "tests.test_tokens",
    "tests.test_workers",
    "tests.test_session_memory",
}
"""Test modules whose `settings` run against both storages: SQLite files, and a PostgreSQL database."""

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

PRM_READY = "partner-altocloud0004"
ISV = "partner-cirrus0000003"
SERVICES = "partner-stratus000002"
NEWCOMER = "partner-nimbus0000001"


def poc_request(box: LocalSandbox, *, start: date, end: date, amount: int = 10000, stage: str = "Created") -> str:
    """A POC request of the PRM-ready partner for ``start``-``end``, moved by AWS's reviewer (the sandbox) to
    ``stage``."""
    backend = box.client(PRM_READY)
    created = backend.create_benefit_application(
        client_token=f"poc-{start}-{end}-{amount}-{stage}",
        benefit_id="ben-pocfunding0001",
        name="Pilot",
        description="A pilot",
        fulfillment_types=["CASH"],
        associated_resources=[],
        details=example_details(
            "ben-pocfunding0001", StartDate=start.isoformat(), EndDate=end.isoformat(), RequestedAmount=amount
        ),
    )
    if stage != "Created":
        backend.submit_benefit_application(created.Id)
        while box.application(created.Id).Stage != stage:
            box.advance(created.Id)
    return created.Id


def mdf_draft(box: LocalSandbox) -> str:
    """A fund request of the PRM-ready partner waiting to be submitted (an MDF webinar)."""
    created = box.client(PRM_READY).create_benefit_application(
        client_token="mdf-draft",
        benefit_id="ben-mdfcampaign001",
        name="Webinar",
        description="A webinar series",
        fulfillment_types=["CASH"],
        details=example_details("ben-mdfcampaign001"),
    )
    return created.Id


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under CI a skipped test fails: nothing the suite promises may silently not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true":
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run everything: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's settings or data folder."""
    for name in list(os.environ):
        if name.startswith("PARTNER_AGENT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PARTNER_AGENT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def guidance_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled guidance, indexed once for the whole test run (the real model, the real stores).

    Servers that tests start as subprocesses use it too (``tests.servers.server_env``), so request this
    fixture before starting one: `scripts/serve` would otherwise index the guidance in their data folder.
    """
    from agent.retrieval.index import KnowledgeIndex
    from tests import servers

    index_dir = tmp_path_factory.mktemp("guidance-index")
    KnowledgeIndex(index_dir).build()
    servers.GUIDANCE_INDEX = str(index_dir)
    return index_dir


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in ON_BOTH_STORAGES and "storage" in metafunc.fixturenames:
        metafunc.parametrize("storage", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def storage(request: pytest.FixtureRequest) -> str | None:
    """The agent database of this test: None for the SQLite default, or a fresh PostgreSQL database's URL."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(data_dir: Path, storage: str | None) -> Settings:
    return Settings(data_dir=data_dir, database_url=storage)


@pytest.fixture
def guidance_settings(settings: Settings, guidance_index: Path) -> Settings:
    """Settings whose knowledge index is the prebuilt guidance index."""
    return settings.model_copy(update={"index_dir": guidance_index})


@pytest.fixture
def sandbox(settings: Settings) -> LocalSandbox:
    sandbox = LocalSandbox(settings.sandbox_db)
    sandbox.ensure_ready()
    return sandbox


@pytest.fixture(params=["auto", "legacy"], ids=["2026", "legacy"])
def protocol_mode(request: pytest.FixtureRequest) -> str:
    """Both MCP protocol generations: 2026-07-28 (`auto` negotiates it) and 2025-11-25 (`legacy`)."""
    return request.param
