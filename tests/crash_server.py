"""`partner-agent serve` (stdio) that can die at a chosen instant of a write, for crash tests and benchmarks/crash.py.

    python tests/crash_server.py            # environment as for partner-agent serve, plus:

- ``CRASH_AT=<point>``: kill -9 itself at that point of the first write that reaches it. Points, in the order a
  write passes them: ``before-decision`` (the decision is about to be recorded), ``decided`` (recorded and
  audited, nothing sent), ``sent`` (the backend applied a call, nothing audited), ``closed`` (the approval is closed
  with its audit events, the flow's checkpoint not yet forgotten).
- ``SLOW_MS=<n>``: sleep n ms at each of those points instead (the write takes longer, nothing else changes), so
  a kill from outside at a random time lands anywhere in the approve-to-audit window.
- ``SEND_LOG=<file>``: append the operation of every call the sandbox applies to that file (to count them across
  a crash and a restart).

Only the timing of the real code is touched: each point wraps the real function and calls it unchanged.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.backends.local.sandbox import LocalPartnerCentral  # noqa: E402
from agent.cli import main  # noqa: E402
from agent.trust.approvals import ApprovalStore  # noqa: E402

CRASH_AT = os.environ.get("CRASH_AT", "")
SLOW = float(os.environ.get("SLOW_MS", "0")) / 1000
SEND_LOG = os.environ.get("SEND_LOG")


def point(name: str) -> None:
    if name == CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)
    if SLOW:
        time.sleep(SLOW)


def around(cls: type, method: str, before: str | None, after: str | None) -> None:
    original = getattr(cls, method)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        if before:
            point(before)
        result = original(*args, **kwargs)
        if after:
            point(after)
        return result

    setattr(cls, method, wrapped)


def logged_send(self, service: str, operation: str, request: dict):
    response = sent(self, service, operation, request)
    if SEND_LOG:
        with open(SEND_LOG, "a") as log:
            log.write(operation + "\n")
    return response


sent = LocalPartnerCentral.send
LocalPartnerCentral.send = logged_send
around(ApprovalStore, "decide", "before-decision", "decided")
around(LocalPartnerCentral, "send", None, "sent")
around(ApprovalStore, "close", None, "closed")

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))  # stdio by default; --transport http ... as for partner-agent serve
