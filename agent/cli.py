"""The `partner-agent` command: serve the MCP server and manage the local sandbox."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from agent.backends.errors import PartnerCentralError
from agent.config import Settings, SettingsError, load_settings
from agent.retrieval.documents import DocumentError
from agent.retrieval.index import KnowledgeIndex
from agent.storage import DatabaseUnavailable
from agent.trust import web
from agent.trust.db import open_database
from agent.trust.permissions import check_policy_names

if TYPE_CHECKING:
    import socket

    from agent.trust.passkeys import Approver, Passkeys

log = logging.getLogger("partner_agent")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from agent.server import build_server  # noqa: PLC0415 - each command loads only what it uses

    if args.transport == "stdio":
        if args.workers != 1:
            print("partner-agent: --workers needs --transport http.", file=sys.stderr)
            return 2
        build_server(settings, start_up=True).run("stdio")
        return 0
    from agent import http  # noqa: PLC0415 - each command loads only what it uses
    from agent.trust.tokens import token_store  # noqa: PLC0415 - each command loads only what it uses

    if not any(t.active() for t in token_store(settings).list()):
        log.warning(
            "no active bearer tokens: every request will be refused. Create one with `partner-agent token create`."
        )
    if not http.is_loopback(args.host):
        log.warning(
            "listening beyond loopback on %s: use TLS in front of it (a reverse proxy) so tokens are not sent in clear.",
            args.host,
        )
    http.serve(settings, args.host, args.port, args.workers)
    return 0


def _local_sandbox(settings: Settings):
    from agent.backends.local.sandbox import LocalSandbox  # noqa: PLC0415 - each command loads only what it uses

    return LocalSandbox(settings.sandbox_db, settings.catalog)


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    if settings.backend != "local":
        print("partner-agent: the sandbox commands need PARTNER_AGENT_BACKEND=local.", file=sys.stderr)
        return 2
    sandbox = _local_sandbox(settings)
    if args.sandbox_command == "reset":
        if not args.yes:
            print(
                "partner-agent: `sandbox reset` erases every change made in the sandbox; add --yes to confirm.",
                file=sys.stderr,
            )
            return 2
        sandbox.reset()
        print(f"Sandbox reset: {settings.sandbox_db}")
        return 0
    if args.sandbox_command == "advance":
        if args.funding_request_id.startswith("O"):  # an opportunity: AWS's review of a submission
            try:
                opportunity = sandbox.advance_opportunity(args.funding_request_id, args.reject)
            except PartnerCentralError as exc:
                print(f"partner-agent: {exc}", file=sys.stderr)
                return 2
            life = opportunity.LifeCycle
            print(
                f"{opportunity.Id}: review status {life.ReviewStatus}"
                + (f" ({life.ReviewStatusReason})" if life.ReviewStatusReason else "")
            )
            return 0
        try:
            if args.reject_claim:
                sandbox.review_claim(args.funding_request_id, args.reject_claim)
            application = (
                sandbox.application(args.funding_request_id)
                if args.reject_claim
                else sandbox.advance(args.funding_request_id, args.reject)
            )
            claims = sandbox.cash_claims(args.funding_request_id)
        except PartnerCentralError as exc:
            print(f"partner-agent: {exc}", file=sys.stderr)
            return 2
        print(
            f"{application.Id}: stage {application.Stage}, status {application.Status}"
            + (f" ({application.StatusReason})" if application.StatusReason else "")
        )
        for claim in claims:
            print(
                f"  cash claim {claim.Id}: {claim.Amount:,.2f}, {claim.Status}"
                + (f" ({claim.StatusReason})" if claim.StatusReason else "")
            )
        return 0
    if args.sandbox_command == "respond":
        try:
            invitation = sandbox.respond(args.invitation_id, accept=args.answer == "accept")
        except PartnerCentralError as exc:
            print(f"partner-agent: {exc}", file=sys.stderr)
            return 2
        print(
            f"{invitation.Id}: {invitation.ConnectionType} invitation from {invitation.OtherParticipantIdentifier} "
            f"{invitation.Status}" + (f" (connection {invitation.ConnectionId})" if invitation.ConnectionId else "")
        )
        return 0
    if args.sandbox_command == "outbox":
        for message in sandbox.client(settings.partner_id).outbox():
            print(f"{message['Email']}: verification code {message['Code']} (expires {message['ExpiresAt']})")
        return 0
    partners = sandbox.list_partners()
    width = max(len(p.Profile.DisplayName) for p in partners)
    print(f"{'PARTNER ID':<23} {'DISPLAY NAME':<{width}}  SOLUTION TYPE")
    for p in partners:
        marker = "  (default)" if p.Id == settings.partner_id else ""
        print(f"{p.Id:<23} {p.Profile.DisplayName:<{width}}  {p.Profile.PrimarySolutionType}{marker}")
    print(f"\nDatabase: {settings.sandbox_db}\nAct as one with PARTNER_AGENT_PARTNER_ID=<partner id>.")
    return 0


def _known_partner(settings: Settings, partner_id: str) -> bool:
    """Whether ``partner_id`` can be acted for: with the local backend, a partner of the sandbox (else says so)."""
    if settings.backend == "local" and partner_id not in {p.Id for p in _local_sandbox(settings).list_partners()}:
        print(
            f"partner-agent: {partner_id} is not a partner of the sandbox; see `partner-agent sandbox list`.",
            file=sys.stderr,
        )
        return False
    return True


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from agent.trust.tokens import UnknownToken, token_store  # noqa: PLC0415 - each command loads only what it uses

    store = token_store(settings)
    if args.token_command == "create":
        partner_id = args.partner_id or settings.partner_id
        if not _known_partner(settings, partner_id):
            return 2
        try:
            policies = check_policy_names(args.policy or ["AWSPartnerCentralFullAccess"])
            token, record = store.create(
                args.name,
                partner_id,
                args.catalog or settings.catalog,
                policies,
                timedelta(days=args.expires_days) if args.expires_days else None,
            )
        except ValueError as exc:
            print(f"partner-agent: {exc}", file=sys.stderr)
            return 2
        print(token)
        print(
            f"Token {record.id} for {record.name} ({record.partner_id}, {record.catalog}, "
            f"{', '.join(record.policies)}). Shown once: store it now.",
            file=sys.stderr,
        )
        return 0
    if args.token_command == "revoke":
        try:
            record = store.revoke(args.token_id)
        except UnknownToken as exc:
            print(f"partner-agent: {exc}", file=sys.stderr)
            return 2
        print(f"Revoked {record.id} ({record.name}).")
        return 0
    print(f"{'ID':<9} {'NAME':<20} {'PARTNER':<23} {'CATALOG':<8} {'STATE':<8} EXPIRES   POLICIES")
    for record in store.list():
        state = "revoked" if record.revoked_at else ("active" if record.active() else "expired")
        expires = f"{record.expires_at:%Y-%m-%d}" if record.expires_at else "never"
        print(
            f"{record.id:<9} {record.name:<20} {record.partner_id:<23} {record.catalog:<8} {state:<8} {expires:<9} "
            f"{', '.join(record.policies)}"
        )
    return 0


def _approver(settings: Settings, args: argparse.Namespace) -> int:
    from agent.trust.passkeys import Passkeys  # noqa: PLC0415 - each command loads only what it uses

    passkeys = Passkeys(open_database(settings))
    if args.approver_command == "enroll":
        return _enroll(settings, passkeys, args)
    if args.approver_command == "remove":
        approver = passkeys.get(args.approver_id)
        if approver is None or not passkeys.remove(approver.approver_id):
            print(
                f"partner-agent: no approver with id {args.approver_id!r}; see `partner-agent approver list`.",
                file=sys.stderr,
            )
            return 2
        print(f"Removed {approver.approver_id} ({approver.name}) and {approver.passkeys} passkey(s).")
        return 0
    approvers = passkeys.list()
    if not approvers:
        print("No approvers. Enroll one with `partner-agent approver enroll --name NAME`.")
        return 0
    print(f"{'ID':<20} {'NAME':<20} {'PASSKEYS':<8} {'CREATED':<16} APPROVES FOR")
    for approver in approvers:
        print(
            f"{approver.approver_id:<20} {approver.name:<20} {approver.passkeys:<8} "
            f"{approver.created_at:%Y-%m-%d %H:%M} {approver.approves_for}"
        )
    return 0


def _enroll(settings: Settings, passkeys: Passkeys, args: argparse.Namespace) -> int:
    """Create the approver and its one-time link; without --url, serve the enrollment page and wait for it."""
    from agent.trust.passkeys import PasskeyError, relying_party  # noqa: PLC0415 - each command loads only what it uses

    binding = _approver_binding(settings, args)
    if binding is None:
        return 2
    sock = None
    try:
        if args.url:
            relying_party(args.url)
        else:
            sock = web.bind_loopback(
                settings.approval_port if args.port is None else args.port, fallback=args.port is None
            )
        approver, secret = passkeys.enroll(args.name, **binding)
    except (PasskeyError, ValueError, OSError) as exc:
        if sock is not None:
            sock.close()
        reason = f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror})" if isinstance(exc, OSError) else exc
        print(f"partner-agent: {reason}", file=sys.stderr)
        return 2
    minutes = round(passkeys.enrollment_ttl.total_seconds() / 60)
    if args.url:
        print(f"{args.url.rstrip('/')}/enroll#{secret}", flush=True)
        print(
            f"Open this link within {minutes} minutes on the device that will hold {approver.name}'s passkey; "
            "it works once.",
            file=sys.stderr,
        )
        return 0
    from agent.deadlines import use_deadlines  # noqa: PLC0415 - each command loads only what it uses

    use_deadlines(settings)
    return _wait_for_enrollment(passkeys, approver, secret, sock, minutes)


def _approver_binding(settings: Settings, args: argparse.Namespace) -> dict | None:
    """What the new approver approves for, as `Passkeys.enroll` keywords; None (with the reason printed) if it cannot."""
    from agent.trust.identity import Principal, local_principal  # noqa: PLC0415 - each command loads only what it uses

    if args.policy and not args.partner_id:
        print("partner-agent: --policy belongs to a delegation; add --partner-id.", file=sys.stderr)
        return None
    if args.partner_id:
        if not args.policy:
            print("partner-agent: a delegation needs at least one --policy.", file=sys.stderr)
            return None
        return (
            {"partner_id": args.partner_id, "policies": args.policy}
            if _known_partner(settings, args.partner_id)
            else None
        )
    if args.token_id is None:
        return {"principal": local_principal(settings).key}
    from agent.trust.tokens import TokenFileError, token_store  # noqa: PLC0415 - each command loads only what it uses

    try:
        record = next((r for r in token_store(settings).list() if r.id == args.token_id), None)
    except TokenFileError as exc:
        print(f"partner-agent: {exc}", file=sys.stderr)
        return None
    if record is None or not record.active():
        print(
            f"partner-agent: no active token with id {args.token_id!r}; see `partner-agent token list`.",
            file=sys.stderr,
        )
        return None
    principal = Principal(
        name=record.name,
        partner_id=record.partner_id,
        catalog=record.catalog,
        policies=tuple(record.policies),
        source="token",
        token_id=record.id,
    )
    return {"principal": principal.key}


def _wait_for_enrollment(passkeys: Passkeys, approver: Approver, secret: str, sock: socket.socket, minutes: int) -> int:
    """Serve the enrollment page on ``sock`` and print its link first on stdout; wait until the passkey is made
    (exit 0) or the link expires (exit 1). An approver left without a passkey is removed."""
    from agent.trust.enrollment import enrollment_routes  # noqa: PLC0415 - each command loads only what it uses

    port = sock.getsockname()[1]
    server = web.LoopbackServer(enrollment_routes(passkeys, web.loopback_hosts(port)), sock, "enrollment-page")
    state = "pending"
    try:
        print(f"{server.base_url}/enroll#{secret}", flush=True)
        print(
            f"Open this link in a browser on this computer within {minutes} minutes to create {approver.name}'s "
            "passkey; it works once. Waiting...",
            file=sys.stderr,
        )
        while (state := passkeys.enrollment_state(secret)) == "pending":
            time.sleep(0.25)
    except KeyboardInterrupt:
        state = passkeys.enrollment_state(secret)
    finally:
        server.stop()
    if state == "enrolled":
        print(
            f"Enrolled {approver.name} ({approver.approver_id}) with a passkey to approve for {approver.approves_for}.",
            flush=True,
        )
        return 0
    passkeys.remove(approver.approver_id)
    if state == "expired":
        print(
            "partner-agent: the enrollment link expired before a passkey was created; nothing was enrolled. "
            "Run the command again.",
            file=sys.stderr,
        )
        return 1
    print("partner-agent: enrollment cancelled; nothing was enrolled.", file=sys.stderr)
    return 130


def _index(settings: Settings, args: argparse.Namespace) -> int:
    if args.index_command == "build" and args.if_missing and (settings.knowledge_dir / "manifest.json").exists():
        return 0
    index = KnowledgeIndex(settings.knowledge_dir, settings.embedding_model, settings.chroma_url)
    if args.index_command == "status":
        status = index.status()
        print(json.dumps(status, indent=2))
        return 0 if status["state"] == "ready" else 1
    if args.index_command == "add":
        try:
            added = index.add_documents([Path(p) for p in args.paths])
        except DocumentError as exc:
            print(f"partner-agent: {exc}", file=sys.stderr)
            return 2
        print(f"Added {', '.join(added)}.", file=sys.stderr)

    bar = tqdm(total=0, unit="section", desc="embedding", file=sys.stderr, disable=None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    report = index.build(progress)
    bar.close()
    for problem in report.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(
        f"Index ready: {report.documents} documents, {report.chunks} sections ({report.added} embedded, "
        f"{report.removed} removed, {report.unchanged} unchanged{', rebuilt from scratch' if report.rebuilt_from_scratch else ''}) "
        f"in {report.seconds:.1f} s."
    )
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from agent.trust.audit import AuditLog  # noqa: PLC0415 - each command loads only what it uses

    for event in AuditLog(open_database(settings)).events():
        sys.stdout.write(event.model_dump_json() + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partner-agent",
        description="An MCP server that helps AWS partners with Partner Central onboarding, PRM compliance and "
        "funding. Settings come from PARTNER_AGENT_* environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server", description="Run the MCP server.")
    serve.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default) for a local MCP client; http for streamable HTTP",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="HTTP listen address (default 127.0.0.1; anything else needs TLS in front)"
    )
    serve.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="HTTP worker processes sharing the port and the database (default 1)",
    )
    serve.set_defaults(handler=_serve)

    sandbox = commands.add_parser(
        "sandbox",
        help="inspect or reset the local sandbox",
        description="Inspect or reset the embedded Partner Central sandbox.",
    )
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="SUBCOMMAND")
    sandbox_commands.add_parser(
        "list",
        help="list the seeded partner accounts and their ids",
        description="List the sandbox's partner accounts and their ids.",
    )
    advance = sandbox_commands.add_parser(
        "advance",
        help="play AWS's reviewer: move a fund request on, approve its cash claim, or reject either",
        description="Approve the fund request's cash claim in review if it has one; otherwise move the request to its "
        "program's next stage (AWS Review, Technical Validation, Business Approval, Finance Approval, Pre-Approved, "
        "Cash Claim, Completed). Or reject the request, or its cash claim in review, with a reason.",
    )
    advance.add_argument(
        "funding_request_id",
        help="benappl-..., or an opportunity O... submitted to AWS (Submitted -> "
        "In review -> Approved; --reject REASON rejects it)",
    )
    rejection = advance.add_mutually_exclusive_group()
    rejection.add_argument("--reject", metavar="REASON", help="reject the request with this reason instead")
    rejection.add_argument("--reject-claim", metavar="REASON", help="reject its cash claim in review with this reason")
    respond = sandbox_commands.add_parser(
        "respond",
        help="play the invited account: accept or reject a connection invitation",
        description="Answer a connection invitation as the account that received it, e.g. a subsidiary seller "
        "account that is not a partner in the sandbox.",
    )
    respond.add_argument("invitation_id", help="pacinv-...")
    respond.add_argument("answer", choices=["accept", "reject"])
    sandbox_commands.add_parser(
        "outbox",
        help="show the verification codes the sandbox 'emailed'",
        description="Show the email verification codes the sandbox sent for PARTNER_AGENT_PARTNER_ID.",
    )
    reset = sandbox_commands.add_parser(
        "reset",
        help="erase all changes and seed the sandbox again",
        description="Erase every change and seed the sandbox again.",
    )
    reset.add_argument("--yes", action="store_true", help="confirm the reset")
    sandbox.set_defaults(handler=_sandbox)

    token = commands.add_parser(
        "token",
        help="manage bearer tokens for the HTTP transport",
        description="Manage the bearer tokens the HTTP transport accepts (stored hashed).",
    )
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="SUBCOMMAND")
    create = token_commands.add_parser(
        "create",
        help="create a token and print it once",
        description="Create a bearer token; it is printed once, only its hash is kept.",
    )
    create.add_argument("--name", required=True, help="who the token is for (shown in audit events)")
    create.add_argument("--partner-id", help="partner account it acts for (default: PARTNER_AGENT_PARTNER_ID)")
    create.add_argument("--catalog", choices=["Sandbox", "AWS"], help="catalog (default: PARTNER_AGENT_CATALOG)")
    create.add_argument(
        "--policy",
        action="append",
        help="AWS managed policy; repeat for several (default: AWSPartnerCentralFullAccess)",
    )
    create.add_argument("--expires-days", type=int, help="expire after this many days (default: never)")
    token_commands.add_parser("list", help="list tokens (never their values)", description="List tokens.")
    revoke = token_commands.add_parser("revoke", help="revoke a token now", description="Revoke a token.")
    revoke.add_argument("token_id", help="the token id shown by `token list`")
    token.set_defaults(handler=_token)

    approver = commands.add_parser(
        "approver",
        help="the people whose passkey approves writes",
        description="Manage approvers: people who decide the assistant's writes on the approval page with a passkey "
        "(user verification required). Each is bound to one principal, or delegated for a partner account.",
    )
    approver_commands = approver.add_subparsers(dest="approver_command", required=True, metavar="SUBCOMMAND")
    enroll = approver_commands.add_parser(
        "enroll",
        help="create an approver and a one-time link to enroll their passkey",
        description="Create an approver and print a one-time link, valid 10 minutes, where they create a passkey. By "
        "default the approver decides the stdio user's writes (PARTNER_AGENT_USER, or the OS user). Without --url the "
        "command serves the page on localhost, prints the link first on stdout, waits until the passkey is created "
        "(exit 0) or the link expires (exit 1).",
    )
    enroll.add_argument("--name", required=True, help="the person's name (shown by their device and in listings)")
    binding = enroll.add_mutually_exclusive_group()
    binding.add_argument("--token-id", help="approve the writes of this bearer token's principal (see `token list`)")
    binding.add_argument(
        "--partner-id",
        help="delegate: approve writes in this partner account that its --policy set allows, whoever asks for them",
    )
    enroll.add_argument(
        "--policy",
        action="append",
        help="with --partner-id: an AWS managed policy whose actions the approver may approve; repeat",
    )
    where = enroll.add_mutually_exclusive_group()
    where.add_argument(
        "--url",
        help="base URL of an HTTP deployment that serves /enroll (e.g. https://agent.example.com):"
        " print the link for it and exit",
    )
    where.add_argument(
        "--port",
        type=int,
        help="loopback port for the page (default: PARTNER_AGENT_APPROVAL_PORT, or any free port if it is taken)",
    )
    approver_commands.add_parser(
        "list",
        help="list approvers, whose writes they approve, and their passkey count",
        description="List approvers (never their keys).",
    )
    remove = approver_commands.add_parser(
        "remove",
        help="remove an approver and their passkeys",
        description="Remove an approver; their passkeys stop working at once.",
    )
    remove.add_argument("approver_id", help="the approver id shown by `approver list` (apr-...)")
    approver.set_defaults(handler=_approver)

    index = commands.add_parser(
        "index",
        help="the knowledge index behind search_guidance",
        description="Build and inspect the knowledge index; add your own documents.",
    )
    index_commands = index.add_subparsers(dest="index_command", required=True, metavar="SUBCOMMAND")
    build = index_commands.add_parser(
        "build",
        help="bring the index up to date (embeds only what changed)",
        description="Index the bundled guidance and your added documents; only new "
        "or changed sections are embedded. Rebuilds a corrupt index from scratch.",
    )
    build.add_argument("--if-missing", action="store_true", help="do nothing when an index already exists")
    index_commands.add_parser(
        "status",
        help="is the index ready, stale or corrupt?",
        description="Print the index state as JSON; exit 1 unless it is ready.",
    )
    add = index_commands.add_parser(
        "add",
        help="add your own documents or folders (md, txt, html, pdf) and index them",
        description="Copy documents into the knowledge library and index them.",
    )
    add.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to add")
    index.set_defaults(handler=_index)

    audit = commands.add_parser("audit", help="the audit trail", description="Read the audit trail.")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    audit_commands.add_parser(
        "export",
        help="print every audit event as JSON lines",
        description="Print every audit event, oldest first, as JSON lines.",
    )
    audit.set_defaults(handler=_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"partner-agent: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stderr, level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    try:
        return args.handler(settings, args)
    except DatabaseUnavailable as exc:
        print(f"partner-agent: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
