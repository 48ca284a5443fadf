"""The benefits a partner can apply for, found at run time: a catalog program names how to find its benefit
(ListBenefits by program, then a word of the name), and the benefit's own schema (GetBenefit) says what its
application takes. Both are cached for a few minutes per backend scope."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from agent.backends.base import PartnerCentral
from agent.funding.application import ApplicationForm
from agent.funding.catalog import Program, load_catalog
from agent.models.benefits import Benefit, BenefitSummary

TTL_SECONDS = 300.0
T = TypeVar("T")
_cache: dict[tuple, tuple[float, Any]] = {}
_lock = threading.Lock()


def _cached(key: tuple, load: Callable[[], T]) -> T:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


def benefit_of(backend: PartnerCentral, program: Program) -> BenefitSummary | None:
    """The active benefit that is ``program``'s application in this backend's catalog, or None (a row listed
    without an id cannot be applied for)."""
    if program.benefit is None:
        return None
    lookup = program.benefit
    found = _cached(
        (*backend.cache_scope(), "ListBenefits", lookup.program), lambda: backend.list_benefits(program=lookup.program)
    )
    word = (lookup.name_contains or "").lower()
    return next((b for b in found if b.Id and b.Status != "INACTIVE" and word in (b.Name or "").lower()), None)


def benefit_key(reference: str | None) -> str:
    """A benefit's id, whether ``reference`` is its id or its ARN (the API answers with either)."""
    return (reference or "").rsplit("/", 1)[-1]


def program_of(backend: PartnerCentral, benefit_id: str | None) -> Program | None:
    """The catalog's program for a benefit (by its programs and name, as GetBenefit gives them), if it knows one
    (none when the API did not say which benefit)."""
    if not benefit_id:
        return None
    found = benefit(backend, benefit_id)
    return load_catalog().of_benefit(found.Programs, found.Name)


def benefit(backend: PartnerCentral, benefit_id: str) -> Benefit:
    """GetBenefit, cached: the benefit with its BenefitRequestSchema."""
    return _cached((*backend.cache_scope(), "GetBenefit", benefit_id), lambda: backend.get_benefit(benefit_id))


def application_form(backend: PartnerCentral, benefit_id: str | None) -> ApplicationForm:
    """The form of a benefit's application, from its schema (an empty form when the benefit publishes none, or the
    API did not say which benefit)."""
    return ApplicationForm(benefit(backend, benefit_id).BenefitRequestSchema or {} if benefit_id else {})
