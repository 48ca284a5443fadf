"""Throughput and latency under concurrent MCP clients over streamable HTTP, against a trivial MCP server.

    .venv/bin/python benchmarks/load.py [--clients 10 50 100] [--workers 1 2] [--seconds 20]
                                        [--database postgresql://...] [--index-dir DIR]

Each level runs N concurrent MCP clients (the SDK's `Client`, 2026-07-28 protocol, each with its own HTTP
connection and the bearer token) that call tools back to back for ``--seconds``, in two mixes:

- read: the plain read tools in turn (profile, onboarding status, PRM check, opportunities, one opportunity,
  funding programs, account connections);
- search: the same cycle with search_guidance as its eighth call (questions cycled from a fixed list).

The targets, in the same run and on the same machine: a trivial `MCPServer` with the same tool names, bearer
auth and constant answers (what the SDK and uvicorn cost by themselves), then `partner-agent serve --transport
http --workers N` for each N (SQLite in a temporary folder, or ``--database``). Every target is warmed up first
(each worker loads the embedding model once), and every client calls each tool once before the window opens
(the SDK client compiles a tool's output schema on its first result). Prints calls/s, the ratio to the trivial
server, p50/p95/p99 per tool, errors, the server's resident memory (all its processes, the highest sample) and
the CPU per call of the server and of the clients, and saves benchmarks/results/load.json (load-postgresql.json
with ``--database``). The load generator runs on the same cores as the server: the figures are for the whole
machine, and are noisier when other work runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PARTNER = "partner-altocloud0004"
READ_CALLS: list[tuple[str, dict]] = [
    ("get_partner_profile", {}),
    ("get_onboarding_status", {}),
    ("check_prm_compliance", {}),
    ("list_opportunities", {}),
    ("get_opportunity", {"opportunity_id": "O4000001"}),
    ("list_funding_programs", {}),
    ("list_account_connections", {}),
]
QUESTIONS = [
    "How do I recall a fund request?",
    "What does the aws-apn-id tag do?",
    "How do I link my AWS account?",
    "Which IAM policy lets a user submit fund requests?",
    "How long does business verification take?",
    "What is MAP funding for?",
    "How do I become a Marketplace seller?",
    "What is PRM compliance?",
]
TRIVIAL_TOKEN = "trivial-benchmark-token"


# the trivial server


def trivial_server(port: int) -> None:
    """An MCPServer with the agent's tool names and constant answers, behind the same bearer-token check."""
    import uvicorn
    from mcp.server import MCPServer
    from mcp.server.auth.provider import AccessToken, TokenVerifier
    from mcp.server.auth.settings import AuthSettings

    class FixedToken(TokenVerifier):
        async def verify_token(self, token: str) -> AccessToken | None:
            if token != TRIVIAL_TOKEN:
                return None
            return AccessToken(token=token, client_id="bench", scopes=["partner-agent"], subject="bench")

    base = f"http://127.0.0.1:{port}"
    server = MCPServer(
        name="trivial",
        token_verifier=FixedToken(),
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            required_scopes=["partner-agent"],
            validate_token_resource=False,
        ),
    )

    def constant(name: str):
        def tool(opportunity_id: str | None = None, query: str | None = None, k: int = 5) -> dict:
            return {"tool": name, "ok": True}

        tool.__name__ = name
        return tool

    for name in [name for name, _ in READ_CALLS] + ["search_guidance"]:
        server.tool(name=name)(constant(name))
    uvicorn.run(server.streamable_http_app(), host="127.0.0.1", port=port, log_level="warning")


# targets


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Target:
    def __init__(self, label: str, command: list[str], env: dict[str, str], token: str) -> None:
        self.label, self.command, self.env, self.token = label, command, env, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.process: subprocess.Popen | None = None

    def start(self) -> Target:
        self.process = subprocess.Popen(
            [*self.command, str(self.port)], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.label} exited at start ({self.process.returncode})")
            try:
                httpx.get(self.url, timeout=0.5)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit(f"{self.label} did not start in 120 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def processes(self) -> list[int]:
        """The server and every process under it."""
        found, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            found.append(pid)
            try:
                pending += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                continue
        return found

    def rss_mb(self) -> float:
        """Resident memory of the server, all its processes together."""
        total = 0
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            except (OSError, StopIteration):
                continue
        return round(total / 1024, 1)

    def cpu_seconds(self) -> float:
        """CPU time the server's processes have used so far (user and system)."""
        ticks = 0
        for pid in self.processes():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])
            except (OSError, IndexError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")


# the load


async def run_level(target: Target, clients: int, seconds: float, mix: str) -> dict:
    calls = READ_CALLS if mix == "read" else [*READ_CALLS, ("search_guidance", None)]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    ready = asyncio.Event()
    connected = 0
    rss: list[float] = []
    window: dict[str, float] = {}

    async def client(number: int) -> None:
        nonlocal connected
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {target.token}"}, timeout=60, verify=False)
        async with http, Client(streamable_http_client(target.url, http_client=http)) as mcp:
            for name, arguments in calls:  # outside the window: the SDK client compiles each output schema once
                await mcp.call_tool(name, arguments or {"query": QUESTIONS[0]})
            connected += 1
            if connected == clients:
                ready.set()
            await ready.wait()
            step = number  # clients start at different places in the cycle
            while time.perf_counter() < window["end"]:
                name, arguments = calls[step % len(calls)]
                if arguments is None:
                    arguments = {"query": QUESTIONS[(step // len(calls)) % len(QUESTIONS)], "k": 5}
                step += 1
                start = time.perf_counter()
                try:
                    result = await mcp.call_tool(name, arguments)
                    failed = result.is_error
                except Exception:  # noqa: BLE001 - every failure, whatever its kind, is one error
                    failed = True
                done = time.perf_counter()
                if done <= window["end"]:
                    (errors.__setitem__(name, errors[name] + 1) if failed else samples[name].append(done - start))

    async def sample_memory() -> None:
        await ready.wait()
        while time.perf_counter() < window["end"]:
            rss.append(target.rss_mb())
            await asyncio.sleep(0.5)

    async def open_window() -> None:
        await ready.wait()
        window["cpu"] = target.cpu_seconds()
        window["client_cpu"] = time.process_time()
        window["start"] = time.perf_counter()
        window["end"] = window["start"] + seconds
        await asyncio.sleep(seconds)
        window["cpu"] = target.cpu_seconds() - window["cpu"]
        window["client_cpu"] = time.process_time() - window["client_cpu"]

    window["end"] = float("inf")
    opener = asyncio.create_task(open_window())
    await asyncio.gather(opener, sample_memory(), *(client(n) for n in range(clients)))
    total = sum(len(v) for v in samples.values())
    return {
        "calls_per_s": round(total / seconds, 1),
        "calls": total,
        "errors": sum(errors.values()),
        "rss_mb": max(rss, default=target.rss_mb()),
        "server_cpu_ms_per_call": round(window["cpu"] * 1000 / total, 2) if total else None,
        "client_cpu_ms_per_call": round(window["client_cpu"] * 1000 / total, 2) if total else None,
        "ms": {name: percentiles(values) for name, values in sorted(samples.items())},
        "read_ms": percentiles([v for name, values in samples.items() if name != "search_guidance" for v in values]),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50": round(statistics.median(ordered) * 1000, 1), "p95": at(0.95), "p99": at(0.99)}


async def warm_up(target: Target) -> None:
    """Every worker loads its models and index (in the background from its start): rounds of concurrent calls of
    every tool until search_guidance stops getting faster."""
    best = float("inf")
    for _ in range(12):
        p50 = (await run_level(target, 20, 5, "search"))["ms"].get("search_guidance", {}).get("p50", best)
        if p50 > best * 0.8:
            return
        best = min(best, p50)


# main


def agent_env(data_dir: str, index_dir: str, database: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", data_dir),
        "PARTNER_AGENT_DATA_DIR": data_dir,
        "PARTNER_AGENT_INDEX_DIR": index_dir,
        "PARTNER_AGENT_LOG_LEVEL": "WARNING",
        # every client of the benchmark is one token: let it hold a session per client
        "PARTNER_AGENT_MCP_SESSIONS_PER_TOKEN": "1000",
    }
    return env | ({"PARTNER_AGENT_DATABASE_URL": database} if database else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--mixes", nargs="+", default=["read", "search"], choices=["read", "search"])
    parser.add_argument("--database", help="a PostgreSQL URL for the agent's state (default: SQLite files)")
    parser.add_argument("--index-dir", help="a built knowledge index to reuse (default: built once, here)")
    parser.add_argument("--serve-trivial", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_trivial:
        trivial_server(args.serve_trivial)
        return

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as scratch:
        index_dir = args.index_dir or str(Path(scratch) / "index")
        if not args.index_dir:
            print("building the knowledge index once...", flush=True)
            subprocess.run(
                [str(bin_dir / "partner-agent"), "index", "build"],
                check=True,
                stdout=subprocess.DEVNULL,
                env=agent_env(scratch, index_dir, args.database),
            )
        results: dict[str, dict] = {}
        targets = [("trivial", [sys.executable, __file__, "--serve-trivial"], dict(os.environ), TRIVIAL_TOKEN, None)]
        for workers in args.workers:
            data_dir = str(Path(scratch) / f"data-{workers}")
            env = agent_env(data_dir, index_dir, args.database)
            token = subprocess.run(
                [
                    str(bin_dir / "partner-agent"),
                    "token",
                    "create",
                    "--name",
                    f"bench-{workers}",
                    "--partner-id",
                    PARTNER,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            command = [
                str(bin_dir / "partner-agent"),
                "serve",
                "--transport",
                "http",
                "--workers",
                str(workers),
                "--port",
            ]
            targets.append((f"agent, {workers} worker{'s' * (workers > 1)}", command, env, token, workers))
        for label, command, env, token, _ in targets:
            target = Target(label, command, env, token).start()
            try:
                asyncio.run(warm_up(target))
                for mix in args.mixes:
                    for clients in args.clients:
                        figures = asyncio.run(run_level(target, clients, args.seconds, mix))
                        trivial = results.get(f"trivial/{mix}/{clients}")
                        if trivial:
                            figures["ratio_to_trivial"] = round(figures["calls_per_s"] / trivial["calls_per_s"], 2)
                        results[f"{label}/{mix}/{clients}"] = {
                            "target": label,
                            "mix": mix,
                            "clients": clients,
                            **figures,
                        }
                        report(label, mix, clients, figures)
            finally:
                target.stop()
    out = REPO / "benchmarks" / "results" / ("load-postgresql.json" if args.database else "load.json")
    out.write_text(
        json.dumps(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "cpus": os.cpu_count(),
                "seconds_per_level": args.seconds,
                "storage": "postgresql" if args.database else "sqlite",
                "results": list(results.values()),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"saved {out.relative_to(REPO)}")


def report(label: str, mix: str, clients: int, figures: dict) -> None:
    ratio = f", {figures['ratio_to_trivial']:.2f} of trivial" if "ratio_to_trivial" in figures else ""
    read = figures["read_ms"]
    line = (
        f"{label:<18} {mix:<6} {clients:>3} clients: {figures['calls_per_s']:>7.1f} calls/s{ratio}; "
        f"read p50/p95/p99 {read.get('p50')}/{read.get('p95')}/{read.get('p99')} ms"
    )
    search = figures["ms"].get("search_guidance")
    if search:
        line += f"; search_guidance {search['p50']}/{search['p95']}/{search['p99']} ms"
    print(
        f"{line}; {figures['errors']} errors; RSS {figures['rss_mb']} MB; server CPU "
        f"{figures['server_cpu_ms_per_call']} ms/call, clients' CPU {figures['client_cpu_ms_per_call']} ms/call",
        flush=True,
    )
    for name, ms in figures["ms"].items():
        print(f"    {name:<26} p50 {ms['p50']:>7} p95 {ms['p95']:>7} p99 {ms['p99']:>7} ms")


if __name__ == "__main__":
    main()
