"""Several workers, one truth: servers sharing one database (SQLite files on one machine, or PostgreSQL), as a team
runs them behind a load balancer. A change asked for on one is approved on another and applied exactly once, even
when the worker applying it is killed (kill -9) in the middle: a surviving worker finishes it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agent.app import AgentApp
from agent.backends.local.sandbox import LocalSandbox
from agent.config import Settings
from tests.conftest import PRM_READY, REPO
from tests.servers import HttpServer, create_token, server_env

CRASH_SERVER = str(REPO / "tests" / "crash_server.py")


class Worker(HttpServer):
    """A server process of the deployment (tests/crash_server.py: the real server, its sends logged)."""

    def __init__(self, settings: Settings, extra: dict[str, str]) -> None:
        super().__init__(settings.data_dir, agent_settings=settings, settings=extra)

    def start(self) -> Worker:
        env = {**server_env(self.data_dir, self.agent_settings), **self.settings}
        self.process = subprocess.Popen(
            [sys.executable, CRASH_SERVER, "--transport", "http", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                httpx.get(f"{self.url}/approvals/x", timeout=0.5)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("worker did not start in 60 s")


def visibility(settings: Settings) -> str:
    return LocalSandbox(settings.sandbox_db).client(PRM_READY).get_profile_visibility().Visibility


async def test_asked_on_one_worker_approved_on_another_killed_mid_apply_applied_once(
    settings: Settings, guidance_index: Path
) -> None:
    sends = settings.data_dir.parent / "sends.log"
    common = {
        "PARTNER_AGENT_TOOL_APPROVALS": "true",
        "SEND_LOG": str(sends),
        "PARTNER_AGENT_RECOVERY_INTERVAL_SECONDS": "1",
    }
    token = create_token(settings.data_dir, "dana", "--partner-id", PRM_READY, settings=settings)
    first = Worker(settings, common).start()
    second = Worker(settings, {**common, "SLOW_MS": "1500"}).start()  # each step of its write takes 1.5 s
    try:
        http, mcp = first.client(token)
        async with http, mcp:
            asked = (await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        assert asked["status"] == "requires_approval", asked
        approval_id, session_id = asked["approval"]["approval_id"], asked["session_id"]

        async def decide_on_second() -> None:
            http, mcp = second.client(token)
            async with http, mcp:
                await mcp.call_tool(
                    "decide_approval", {"approval_id": approval_id, "approve": True, "session_id": session_id}
                )

        deciding = asyncio.create_task(decide_on_second())
        deadline = time.monotonic() + 30
        while not (sends.exists() and sends.read_text()):  # the second worker sent the change...
            assert time.monotonic() < deadline and not deciding.done(), "the second worker never sent the change"
            await asyncio.sleep(0.05)
        second.process.send_signal(signal.SIGKILL)  # ...and dies before it is audited
        second.process.wait(timeout=10)
        with pytest.raises(BaseException):  # noqa: B017, PT011 - its client loses the connection, however it says it
            await deciding
        app = AgentApp(settings)
        assert app.approvals.get(approval_id).status == "approved"  # decided, not yet closed with its audit events

        http, mcp = first.client(token)
        async with http, mcp:  # the surviving worker finishes it within its recovery interval
            for _ in range(100):
                status = (
                    await mcp.call_tool("get_approval", {"approval_id": approval_id, "session_id": session_id})
                ).structured_content
                if status["status"] != "approved":
                    break
                await asyncio.sleep(0.2)
        assert status["status"] == "applied", status
    finally:
        first.stop()
        second.stop()
    assert sends.read_text().split() == ["PutProfileVisibility"]  # sent once, found in place afterwards
    assert visibility(settings) == "PRIVATE"
    trail = [(e.eventName, e.decision, e.decidedBy.channel) for e in app.audit.events() if e.approvalId == approval_id]
    assert trail == [("DecideApproval", "approved", "tool"), ("PutProfileVisibility", "applied", "tool")]
    assert app.gate.checkpoints.flows() == []


async def test_one_approval_sent_to_two_workers_at_once_is_applied_by_one(
    settings: Settings, guidance_index: Path
) -> None:
    sends = settings.data_dir.parent / "sends.log"
    common = {"PARTNER_AGENT_TOOL_APPROVALS": "true", "SEND_LOG": str(sends), "SLOW_MS": "500"}
    token = create_token(settings.data_dir, "dana", "--partner-id", PRM_READY, settings=settings)
    workers = [Worker(settings, common).start(), Worker(settings, common).start()]
    try:
        http, mcp = workers[0].client(token)
        async with http, mcp:
            asked = (await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})).structured_content
        decision = {"approval_id": asked["approval"]["approval_id"], "approve": True, "session_id": asked["session_id"]}

        async def decide_on(worker: Worker) -> dict:
            http, mcp = worker.client(token)
            async with http, mcp:
                return (await mcp.call_tool("decide_approval", decision)).structured_content

        outcomes = sorted(await asyncio.gather(*(decide_on(worker) for worker in workers)), key=lambda o: o["status"])
    finally:
        for worker in workers:
            worker.stop()
    assert [o["status"] for o in outcomes] == ["applied", "refused"], outcomes
    assert "nothing was written" in outcomes[1]["message"]
    assert sends.read_text().split() == ["PutProfileVisibility"]
    trail = [
        (e.eventName, e.decision) for e in AgentApp(settings).audit.events() if e.approvalId == decision["approval_id"]
    ]
    assert ("PutProfileVisibility", "applied") in trail and trail.count(("DecideApproval", "approved")) == 1


def test_one_serve_runs_several_workers_and_replaces_one_that_dies(settings: Settings, guidance_index: Path) -> None:
    token = create_token(settings.data_dir, "dana", "--partner-id", PRM_READY, settings=settings)
    server = HttpServer(settings.data_dir, agent_settings=settings, arguments=("--workers", "2")).start()
    try:
        workers = _children(server.process.pid)
        assert len(workers) == 2, workers
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        headers = {
            "Authorization": f"Bearer {token}",
            "MCP-Protocol-Version": "2026-07-28",
            "Accept": "application/json, text/event-stream",
        }
        subprocess.run(["kill", "-9", str(workers[0])], check=True)
        deadline = time.monotonic() + 60
        while (
            (replaced := _children(server.process.pid)).count(workers[0]) or len(replaced) < 2
        ) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(replaced) == 2 and workers[0] not in replaced
        answers = [httpx.post(f"{server.url}/mcp", json=call, headers=headers, timeout=30) for _ in range(6)]
        assert {answer.status_code for answer in answers} != {401} and all(a.status_code < 500 for a in answers)
    finally:
        server.stop()


async def test_legacy_clients_without_sticky_routing_in_stateless_mode(
    settings: Settings, guidance_index: Path
) -> None:
    """PARTNER_AGENT_STATELESS_HTTP: a 2025-11-25 client holds no MCP session, so each request (a new connection
    each time, as through a load balancer) may land on any worker; writes still wait for the person."""
    token = create_token(settings.data_dir, "dana", "--partner-id", PRM_READY, settings=settings)
    server = HttpServer(
        settings.data_dir,
        agent_settings=settings,
        arguments=("--workers", "2"),
        settings={"PARTNER_AGENT_STATELESS_HTTP": "true"},
    ).start()
    try:
        for _ in range(4):
            http, mcp = server.client(token, mode="legacy")
            async with http, mcp:
                profile = await mcp.call_tool("get_partner_profile", {})
                asked = await mcp.call_tool("update_profile", {"visibility": "PRIVATE"})
            assert profile.structured_content["partner_id"] == PRM_READY
            assert asked.structured_content["status"] == "requires_approval"
            assert "/approvals/" in asked.structured_content["approval"]["approve_url"]
    finally:
        server.stop()
    assert visibility(settings) == "PUBLIC"  # nothing was written without a decision


def _children(pid: int) -> list[int]:
    """The worker processes under ``serve`` (scripts/serve execs partner-agent, whose children they are)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [
        int(child) for child in found if "resource_tracker" not in _cmdline(int(child)) and _state(int(child)) != "Z"
    ]


def _state(pid: int) -> str:
    """A process's state letter (Z: a zombie, dead and not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
