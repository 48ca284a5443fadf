"""The base class of every error whose message is meant for the model (and the person reading along).

It imports nothing from `agent`, so any module can subclass it without an import cycle. Whatever a tool raises
that is one becomes the error the model sees in one place (`agent.tools.errors.for_the_model`, applied by the
server to every tool call); anything else a tool raises is reported as a failure on our side. Errors for whoever
runs the server (settings, token file, database, documents added from the command line) and for the person alone
(passkeys) are not AgentErrors.
"""

from __future__ import annotations


class AgentError(Exception):
    """An expected failure: the message says what went wrong, ``next_step`` what to do about it (empty when the
    message says so already). A subclass sets ``next_step`` for all its errors; one error may pass its own."""

    next_step: str = ""

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        super().__init__(message)
        if next_step is not None:
            self.next_step = next_step
