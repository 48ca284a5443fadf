"""What a principal's AWS managed policies let it do, checked before a tool runs.

Each tool declares the IAM actions it needs ("partnercentral:GetOpportunity",
"partnercentral:UseSession", ...). A principal carries AWS managed policy names. This
module decides, from knowledge/access/managed-policies.json, which of the needed actions
those policies do not grant in the principal's catalog, and names the narrowest managed
policy that would grant them.

The JSON models each policy's grants as fnmatch patterns over action names. The getting
started guide documents what each policy is for but not its full permission list, so most
patterns are inferred from that purpose; the file records, per policy, where in the guide
it comes from and how confident the model is. Allow statements only: no denies, resource
ARNs or conditions other than the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from agent.errors import AgentError
from agent.resources import knowledge

POLICIES_FILE = knowledge("access", "managed-policies.json")

CATALOGS = ("AWS", "Sandbox")

# botocore service names whose operations IAM authorizes under the one prefix "partnercentral:".
PARTNER_CENTRAL_SERVICES = (
    "partnercentral-account",
    "partnercentral-selling",
    "partnercentral-benefits",
    "partnercentral-channel",
    "partnercentral-revenue-measurement",
)


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy as this server models it.

    `grants` are fnmatch patterns over IAM action names, matched case-insensitively as IAM
    does. `catalogs` is None when the policy applies in every catalog, otherwise the only
    catalogs it applies in. `rank` orders policies from narrowest (smallest) to broadest. A
    `service_role` policy is for a role Partner Central itself assumes, never suggested to people.
    """

    name: str
    description: str
    grants: tuple[str, ...]
    catalogs: frozenset[str] | None
    rank: int
    service_role: bool

    def grants_action(self, action: str, catalog: str) -> bool:
        """Whether this policy allows `action` in `catalog`."""
        if self.catalogs is not None and catalog not in self.catalogs:
            return False
        return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in self.grants)


@cache
def _document() -> dict[str, Any]:
    """The parsed policies file, read once per process."""
    return json.loads(POLICIES_FILE.read_text(encoding="utf-8"))


@cache
def load_policies() -> dict[str, ManagedPolicy]:
    """Every modelled managed policy by name, read once; treat the result as read-only."""
    return {
        entry["name"]: ManagedPolicy(
            name=entry["name"],
            description=entry["description"],
            grants=tuple(entry["grants"]),
            catalogs=None if entry["catalogs"] is None else frozenset(entry["catalogs"]),
            rank=entry["least_privilege_rank"],
            service_role=entry["service_role"],
        )
        for entry in _document()["policies"]
    }


@cache
def known_actions() -> frozenset[str]:
    """Every real action name: the Partner Central API operations plus the guide's own.

    The API operations come from botocore's service models, each under "partnercentral:";
    the rest (UseSession, GetPartnerDashboard, account management, AWS Marketplace and IAM
    actions the guide names) from the file's "agent_actions". botocore is imported here, not
    at module level, because importing it is slow and most callers never need this list.
    """
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

    session = botocore.session.get_session()
    api = {
        f"partnercentral:{operation}"
        for service in PARTNER_CENTRAL_SERVICES
        for operation in session.get_service_model(service).operation_names
    }
    return frozenset(api | {entry["action"] for entry in _document()["agent_actions"]})


def check_policy_names(names: Iterable[str]) -> list[str]:
    """Return `names` as a list, unchanged, or raise ValueError naming the unknown ones."""
    names = list(names)
    policies = load_policies()
    unknown = [name for name in names if name not in policies]
    if unknown:
        raise ValueError(
            f"Unknown AWS managed policy name(s): {', '.join(unknown)}. Valid names: {', '.join(sorted(policies))}."
        )
    return names


def missing_actions(policies: Sequence[str], actions: Iterable[str], catalog: str) -> list[str]:
    """The actions, sorted and deduplicated, that none of `policies` grants in `catalog`.

    Raises ValueError for an unknown policy name or catalog.
    """
    if catalog not in CATALOGS:
        raise ValueError(f"Unknown catalog {catalog!r}; expected one of {', '.join(CATALOGS)}.")
    held = [load_policies()[name] for name in check_policy_names(policies)]
    return sorted({action for action in actions if not any(p.grants_action(action, catalog) for p in held)})


def _policies_to_attach(actions: Sequence[str], catalog: str) -> tuple[list[str], list[str]]:
    """Managed policies that together grant `actions` in `catalog`, and the actions none grants.

    Greedy: repeatedly take the policy granting most of what is still missing, the narrower
    (lower rank) on a tie. When one policy grants everything, that is the narrowest such policy.
    Service-role policies are left out: they are not for people.
    """
    remaining = set(actions)
    chosen: list[str] = []
    candidates = sorted((p for p in load_policies().values() if not p.service_role), key=lambda p: p.rank)
    while remaining:
        best = max(candidates, key=lambda p: sum(p.grants_action(a, catalog) for a in remaining))
        covered = {action for action in remaining if best.grants_action(action, catalog)}
        if not covered:
            break
        chosen.append(best.name)
        remaining -= covered
    return chosen, sorted(remaining)


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class PermissionDenied(AgentError):
    """A tool needs actions the principal's managed policies do not grant in its catalog.

    `missing` lists those actions; `suggested_policy` is the narrowest single managed policy
    that grants all of them, or None when no single policy does (the message then says which
    policies do together, and which actions no Partner Central managed policy grants).
    """

    def __init__(self, *, tool: str, policies: Sequence[str], missing: list[str], catalog: str) -> None:
        self.missing = missing
        to_attach, ungranted = _policies_to_attach(missing, catalog)
        self.suggested_policy = to_attach[0] if len(to_attach) == 1 and not ungranted else None
        message = (
            f"Access denied: {tool} needs {_join(missing)}, which your policies "
            f"({', '.join(policies) or 'none attached'}) do not grant in the {catalog} catalog."
        )
        if self.suggested_policy:
            it = "it" if len(missing) == 1 else "them"
            message += (
                f" The AWS managed policy {self.suggested_policy} grants {it}; ask your administrator to attach it."
            )
        elif to_attach and not ungranted:
            message += (
                f" No single AWS managed policy grants them all; together {_join(to_attach)} do; "
                "ask your administrator to attach them."
            )
        elif to_attach:
            granted = [action for action in missing if action not in ungranted]
            policy, grant, it = ("policy", "grants", "it") if len(to_attach) == 1 else ("policies", "grant", "them")
            message += (
                f" The AWS managed {policy} {_join(to_attach)} {grant} {_join(granted)}; "
                f"ask your administrator to attach {it}."
            )
        if ungranted:
            message += (
                f" None of the Partner Central managed policies grants {_join(ungranted)}; "
                "ask your administrator for another policy that does, such as a customer managed policy."
            )
        super().__init__(message)


def authorize(policies: Sequence[str], actions: Iterable[str], catalog: str, tool: str) -> None:
    """Return if `policies` grant every one of `actions` in `catalog`; otherwise raise PermissionDenied."""
    missing = missing_actions(policies, actions, catalog)
    if missing:
        raise PermissionDenied(tool=tool, policies=policies, missing=missing, catalog=catalog)
