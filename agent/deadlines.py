"""Deadlines for a request's headers and body, on every HTTP listener of this process (the MCP endpoint and the
approval and enrollment pages): a client that sends no request headers within PARTNER_AGENT_HTTP_HEADER_TIMEOUT,
or no complete body within PARTNER_AGENT_HTTP_BODY_TIMEOUT after them, is answered 408 and disconnected."""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from agent.config import Settings

log = logging.getLogger("partner_agent")

_deadlines = {"header": 10.0, "body": 30.0}


def use_deadlines(settings: Settings) -> None:
    """Give this process's listeners the deadlines of ``settings`` (PARTNER_AGENT_HTTP_HEADER_TIMEOUT, ..._BODY_...)."""
    _deadlines.update(header=settings.http_header_timeout, body=settings.http_body_timeout)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (its fastest) with a deadline for a request's headers and one for its body."""

    _deadline: asyncio.TimerHandle | None = None
    _part = ""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("header")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm("header")  # the next request on a kept-alive connection has begun

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm("body")  # the headers are in: now the body has its own time

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()  # the whole request is in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()  # uvicorn's keep-alive timeout guards the idle time until the next request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, part: str) -> None:
        self._disarm()
        self._part = part
        self._deadline = self.loop.call_later(_deadlines[part], self._expired, part)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._part = None, ""

    def _expired(self, part: str) -> None:
        self._deadline, self._part = None, ""
        if not self.transport.is_closing():
            log.info("closing a connection that sent no complete request %s in %.0f s", part, _deadlines[part])
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            self.transport.close()
