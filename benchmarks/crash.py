"""kill -9 anywhere between "approve" and the audit event: is every write applied once, with its audit event?

    .venv/bin/python benchmarks/crash.py [--trials 70] [--slow-ms 40]

Each trial starts the stdio server on a fresh sandbox (tests/crash_server.py: the real server, with ``--slow-ms`` of
sleep at each step of a write so the window is wide enough to hit anywhere), asks for a change (cycling through
creates with a ClientToken: a connection invitation, a fund request draft, a co-sell opportunity, and accepting an
AWS referral (a task that makes the opportunity); and writes without one: a visibility put, a fund request
submission, an opportunity update), decides it with decide_approval, and sends SIGKILL at a
uniformly random instant between sending the decision and a little after the approval is closed with its audit
events (that span is measured first, without kills). Then it reads the databases as the crash left them (where the
kill landed), restarts the plain server (its start-up finishes interrupted writes), and classifies:

- applied once: written exactly once, one audit event for it, the approval says applied;
- not applied, recorded: nothing written and the approval says so (pending, to decide again, or ended);
- lost: the approval says approved or applied but nothing was written;
- doubled: written twice;
- unaudited: written without its audit event;
- misrecorded: written but the approval says failed or refused.

Prints the counts (targets: 0 lost, 0 doubled, 0 unaudited, 0 misrecorded) and saves benchmarks/results/crash.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from agent.backends.base import OpportunityQuery  # noqa: E402
from agent.backends.local.sandbox import LocalSandbox  # noqa: E402
from agent.retrieval.index import KnowledgeIndex  # noqa: E402
from tests.conftest import ISV, PRM_READY, mdf_draft  # noqa: E402
from tests.test_crash_recovery import INVITATION, SUBSIDIARY, new_opportunity  # noqa: E402

CRASH_SERVER = str(REPO / "tests" / "crash_server.py")
CLI = str(Path(sys.executable).parent / "partner-agent")
NEW_CUSTOMER, REFERRED_CUSTOMER = "Blue Yonder Airlines", "Adatum Bank"  # the opportunities these trials make
NEXT_STEPS = "Demo the forecasting model"

KINDS = {
    "invitation": (ISV, "manage_account_connections", INVITATION),
    "visibility": (PRM_READY, "update_profile", {"visibility": "PRIVATE"}),
    "submit": (PRM_READY, "manage_funding_request", {"action": "submit"}),
    "draft": (
        PRM_READY,
        "draft_funding_request",
        {
            "opportunity_id": "O4000001",
            "program": "proof-of-concept",
            "answers": {"SuccessCriteria": "Answers 90% of clause questions correctly"},
        },
    ),
    "opportunity": (PRM_READY, "manage_opportunity", new_opportunity()),
    "referral": (PRM_READY, "respond_to_referral", {"invitation_id": "engi-alto000000001", "action": "accept"}),
    "next steps": (
        PRM_READY,
        "manage_opportunity",
        {"action": "update", "opportunity_id": "O4000004", "fields": {"next_steps": NEXT_STEPS}},
    ),
}


def environment(data_dir: Path, partner: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PARTNER_AGENT_DATA_DIR": str(data_dir),
        "PARTNER_AGENT_PARTNER_ID": partner,
        "PARTNER_AGENT_TOOL_APPROVALS": "true",
        "PARTNER_AGENT_APPROVAL_PORT": "0",
        "PARTNER_AGENT_INDEX_DIR": str(data_dir.parent / "guidance-index"),  # built once, by measure
    }


def written(kind: str, data_dir: Path, target: str | None) -> int:
    """How many times the trial's change is in the sandbox (0, 1, or 2 for a doubled create)."""
    backend = LocalSandbox(data_dir / "sandbox.db").client(KINDS[kind][0])
    if kind == "invitation":
        return sum(1 for i in backend.list_connection_invitations() if i.OtherParticipantIdentifier == SUBSIDIARY)
    if kind == "visibility":
        return int(backend.get_profile_visibility().Visibility == "PRIVATE")
    if kind == "draft":
        return sum(
            1
            for a in backend.list_benefit_applications()
            if a.BenefitId == "ben-pocfunding0001" and a.Status == "PENDING_SUBMISSION"
        )
    if kind in ("opportunity", "referral"):
        company = NEW_CUSTOMER if kind == "opportunity" else REFERRED_CUSTOMER
        query = OpportunityQuery(CustomerCompanyName=[company], MaxResults=100)
        return len(backend.list_opportunities(query).OpportunitySummaries)
    if kind == "next steps":
        return int(backend.get_opportunity("O4000004").LifeCycle.NextSteps == NEXT_STEPS)
    return int(backend.get_benefit_application(target).Status == "IN_REVIEW")


def record(data_dir: Path, approval_id: str) -> tuple[str, int]:
    """The approval's status and how many applied write events the audit trail has for it."""
    conn = sqlite3.connect(data_dir / "agent.db")
    try:
        status = conn.execute("SELECT status FROM approvals WHERE id=?", (approval_id,)).fetchone()
        bodies = [
            json.loads(row[0])
            for row in conn.execute("SELECT body FROM audit_events WHERE approval_id=?", (approval_id,))
        ]
    finally:
        conn.close()
    applied = sum(1 for b in bodies if b["decision"] == "applied" and b["eventName"] != "DecideApproval")
    return (status[0] if status else "missing"), applied


def classify(count: int, status: str, audited: int) -> str:
    if count > 1:
        return "doubled"
    if count == 1 and audited != 1:
        return "unaudited"
    if count == 1 and status != "applied":
        return "misrecorded"
    if count == 1:
        return "applied once"
    return "lost" if status in ("approved", "applied") else "not applied, recorded"


async def trial(
    data_dir: Path, kind: str, target: str | None, slow_ms: int, kill_after: float | None
) -> tuple[dict, float]:
    """Ask for the change and decide it in one server process (warm: LangGraph loaded by the asking), sending
    SIGKILL ``kill_after`` seconds after decide_approval was sent (None: let it end, and return how long after
    sending the approval was closed with its audit events: the window a kill must hit)."""
    partner, tool, arguments = KINDS[kind]
    if target:
        arguments = {**arguments, "funding_request_id": target}
    params = StdioServerParameters(
        command=sys.executable, args=[CRASH_SERVER], env={**environment(data_dir, partner), "SLOW_MS": str(slow_ms)}
    )
    asked: dict = {}
    started = time.perf_counter()
    try:
        async with Client(params, mode="legacy") as client:
            asked = (await client.call_tool(tool, arguments)).structured_content
            assert asked["status"] == "requires_approval", asked
            decision = {
                "approval_id": asked["approval"]["approval_id"],
                "approve": True,
                "session_id": asked["session_id"],
            }
            started = time.perf_counter()
            async with anyio.create_task_group() as group:
                if kill_after is not None:
                    group.start_soon(kill_later, kill_after)
                await client.call_tool("decide_approval", decision)
                group.cancel_scope.cancel()
    except Exception:  # the server died under the call: that is the trial
        if not asked:
            raise
    return asked, closed_after(data_dir, asked["approval"]["approval_id"], started) if kill_after is None else 0.0


def closed_after(data_dir: Path, approval_id: str, started: float) -> float:
    """Seconds from ``started`` (perf_counter) to the approval's closed_at (wall clock, read back from agent.db)."""
    from datetime import datetime

    conn = sqlite3.connect(data_dir / "agent.db")
    try:
        closed = conn.execute("SELECT closed_at FROM approvals WHERE id=?", (approval_id,)).fetchone()[0]
    finally:
        conn.close()
    return datetime.fromisoformat(closed).timestamp() - (time.time() - (time.perf_counter() - started))


async def kill_later(delay: float) -> None:
    await anyio.sleep(delay)
    for pid in server_pids():
        os.kill(pid, signal.SIGKILL)


def server_pids() -> list[int]:
    """The crash server processes (children of this benchmark)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                status = (entry / "status").read_text()
            except OSError:
                continue
            parent = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
            if any(part.endswith(b"crash_server.py") for part in cmdline) and parent == os.getpid():
                pids.append(int(entry.name))
    return pids


async def restart(data_dir: Path, kind: str) -> None:
    """The plain server: its start-up finishes what the crash interrupted."""
    params = StdioServerParameters(command=CLI, args=["serve"], env=environment(data_dir, KINDS[kind][0]))
    async with Client(params, mode="legacy") as client:
        await client.call_tool("get_session", {})


def fresh(root: Path, index: int, kind: str) -> tuple[Path, str | None]:
    """A data folder with a new sandbox, and the fund request a submit trial submits."""
    data_dir = root / f"trial-{index}"
    box = LocalSandbox(data_dir / "sandbox.db")
    box.ensure_ready()
    return data_dir, mdf_draft(box) if kind == "submit" else None


async def measure(trials: int, slow_ms: int, root: Path) -> dict:
    KnowledgeIndex(root / "guidance-index").build()  # not once per restart
    durations = []
    for index, kind in enumerate(KINDS):  # from sending the decision to the audited close, without kills
        data_dir, target = fresh(root, 1000 + index, kind)
        durations.append((await trial(data_dir, kind, target, slow_ms, None))[1])
    window = statistics.median(durations)
    outcomes: Counter[str] = Counter()
    landed: Counter[str] = Counter()
    rows = []
    for index in range(trials):
        kind = list(KINDS)[index % len(KINDS)]
        data_dir, target = fresh(root, index, kind)
        delay = random.uniform(0, window * 1.1)
        asked, _ = await trial(data_dir, kind, target, slow_ms, delay)
        approval_id = asked["approval"]["approval_id"]
        at_crash = record(data_dir, approval_id)
        landed[f"{at_crash[0]}, {'written' if written(kind, data_dir, target) else 'not written'}"] += 1
        await restart(data_dir, kind)
        status, audited = record(data_dir, approval_id)
        verdict = classify(written(kind, data_dir, target), status, audited)
        outcomes[verdict] += 1
        rows.append(
            {
                "kind": kind,
                "kill_after_ms": round(delay * 1000, 1),
                "at_crash": at_crash[0],
                "after_restart": status,
                "verdict": verdict,
            }
        )
        print(
            f"  {index + 1:3}/{trials} {kind:<11} kill after {delay * 1000:6.1f} ms: {at_crash[0]:<8} -> {status:<8} {verdict}",
            flush=True,
        )
    return {"window_ms": round(window * 1000, 1), "outcomes": dict(outcomes), "landed": dict(landed), "trials": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=70)
    parser.add_argument("--slow-ms", type=int, default=40, help="sleep at each step of a write (widens the window)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    random.seed(args.seed)
    with tempfile.TemporaryDirectory() as root:
        figures = anyio.run(measure, args.trials, args.slow_ms, Path(root))
    print(
        f"\n{args.trials} trials, kills uniform over 0-{figures['window_ms'] * 1.1:.0f} ms after decide_approval was sent "
        f"(the approval was closed {figures['window_ms']:.0f} ms after it, median without kills)"
    )
    print("where the kills landed (approval status, sandbox) at the crash:")
    for where, count in sorted(figures["landed"].items()):
        print(f"  {where:<32} {count}")
    print("after the restart:")
    for verdict in ("applied once", "not applied, recorded", "lost", "doubled", "unaudited", "misrecorded"):
        print(f"  {verdict:<24} {figures['outcomes'].get(verdict, 0)}")
    out = REPO / "benchmarks" / "results" / "crash.json"
    out.write_text(
        json.dumps(
            {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "slow_ms": args.slow_ms, **figures},
            indent=2,
        )
        + "\n"
    )
    print(f"saved {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
