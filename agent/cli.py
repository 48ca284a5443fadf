"""The `partner-agent` command: serve the MCP server and manage the local sandbox."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys

from agent.config import Settings, SettingsError, load_settings

log = logging.getLogger("partner_agent")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from server import build_server

    server = build_server(settings)
    if args.transport == "stdio":
        server.run("stdio")
        return 0
    if not _is_loopback(args.host):
        print(
            f"partner-agent: refusing to listen on {args.host}: the HTTP transport has no authentication yet, "
            "so it only binds to loopback (127.0.0.1, ::1, localhost).",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    app = server.streamable_http_app(host=args.host)
    log.info("serving MCP over streamable HTTP at http://%s:%d/mcp", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower())
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    if settings.backend != "local":
        print("partner-agent: the sandbox commands need PARTNER_AGENT_BACKEND=local.", file=sys.stderr)
        return 2
    from agent.backends.local.sandbox import LocalSandbox

    sandbox = LocalSandbox(settings.sandbox_db, settings.catalog)
    if args.sandbox_command == "reset":
        if not args.yes:
            print("partner-agent: `sandbox reset` erases every change made in the sandbox; add --yes to confirm.",
                  file=sys.stderr)
            return 2
        sandbox.reset()
        print(f"Sandbox reset: {settings.sandbox_db}")
        return 0
    partners = sandbox.list_partners()
    width = max(len(p.Profile.DisplayName) for p in partners)
    print(f"{'PARTNER ID':<23} {'DISPLAY NAME':<{width}}  SOLUTION TYPE")
    for p in partners:
        marker = "  (default)" if p.Id == settings.partner_id else ""
        print(f"{p.Id:<23} {p.Profile.DisplayName:<{width}}  {p.Profile.PrimarySolutionType}{marker}")
    print(f"\nDatabase: {settings.sandbox_db}\nAct as one with PARTNER_AGENT_PARTNER_ID=<partner id>.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partner-agent",
        description="An MCP server that helps AWS partners with Partner Central onboarding, PRM compliance and "
        "funding. Settings come from PARTNER_AGENT_* environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server", description="Run the MCP server.")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio",
                       help="stdio (default) for a local MCP client; http for streamable HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    serve.set_defaults(handler=_serve)

    sandbox = commands.add_parser("sandbox", help="inspect or reset the local sandbox",
                                  description="Inspect or reset the embedded Partner Central sandbox.")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="SUBCOMMAND")
    sandbox_commands.add_parser("list", help="list the seeded partner accounts and their ids",
                                description="List the sandbox's partner accounts and their ids.")
    reset = sandbox_commands.add_parser("reset", help="erase all changes and seed the sandbox again",
                                        description="Erase every change and seed the sandbox again.")
    reset.add_argument("--yes", action="store_true", help="confirm the reset")
    sandbox.set_defaults(handler=_sandbox)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"partner-agent: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(stream=sys.stderr, level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.handler(settings, args)


if __name__ == "__main__":
    sys.exit(main())
