"""What a tool tells a client about itself (MCP's tool annotations), said the same way by every tool module.

A read is idempotent and never destructive; a write says whether it destroys and whether repeating it is harmless.
A tool reaches the open world when it calls something outside this server: the real Partner Central (the aws
backend), a website, someone's mailbox.
"""

from __future__ import annotations

from mcp.types import ToolAnnotations


def reading(open_world: bool) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=open_world
    )


def writing(open_world: bool, *, destructive: bool, idempotent: bool) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=False, destructive_hint=destructive, idempotent_hint=idempotent, open_world_hint=open_world
    )
