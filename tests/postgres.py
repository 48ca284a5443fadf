"""A throw-away PostgreSQL server for the tests: Debian's `postgresql` package (scripts/test installs it), a
temporary data folder, a free loopback port, started once per test run and removed after it. As root it runs as
the unprivileged `postgres` user (PostgreSQL refuses root). Each test gets a database of its own.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port

SERVER_USER = "postgres"


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: PARTNER_AGENT_POSTGRES_BIN, Debian's newest version, or the PATH's."""
    if os.environ.get("PARTNER_AGENT_POSTGRES_BIN"):
        return Path(os.environ["PARTNER_AGENT_POSTGRES_BIN"])
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class PostgresServer:
    def __init__(self, folder: Path, port: int, bin_dir: Path) -> None:
        self.folder = folder
        self.port = port
        self.bin = bin_dir
        self.admin_url = f"postgresql://agent@127.0.0.1:{port}/postgres"
        self._names = itertools.count(1)

    def _run(self, *command: str) -> None:
        as_user = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        data = self.folder / "data"
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "agent",
            "--auth=trust",
            "--no-sync",
            "--locale=C.UTF-8",
            "-E",
            "UTF8",
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return f"postgresql://agent@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run."""
    bin_dir = postgres_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip(
            "PostgreSQL is not installed: run scripts/test (it installs Debian's postgresql), or point "
            "PARTNER_AGENT_POSTGRES_BIN at the folder of initdb and pg_ctl."
        )
    folder = Path(tempfile.mkdtemp(prefix="partner-agent-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    server = PostgresServer(folder, free_port(), bin_dir)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database of this test's own."""
    return postgres_server.new_database()
