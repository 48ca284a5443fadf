"""The aws backend with every client under botocore's Stubber, answered call by call as the calls come.

botocore checks each request against the operation's input shape, and the Stubber checks each answer against its
output shape, so what passes here is what the real API would accept and could send. An answer comes from a function
of (service, operation, request): responses generated from the output shape (`generated`: the API-required members
only, or every member), or the local sandbox's state (`tests.sandbox_answers`). Every call is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import boto3
from botocore import xform_name
from botocore.client import BaseClient
from botocore.stub import Stubber

from agent.backends.aws import AwsPartnerCentral

MOMENT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class ApiError(Exception):
    """An error answer: the exception's code (its shape's name) and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


Answer = Callable[[str, str, dict[str, Any]], dict[str, Any]]
"""(service, operation, request) -> the response body; raises ApiError to answer with an error."""


def _example_text(pattern: str, length: int = 1) -> str | None:
    """A string matching ``pattern``, unbounded repeats taken ``length`` times; None when Python's re cannot read the
    pattern (e.g. IAM's \\p{L}) or the string made does not match it."""
    from re import _constants as c
    from re import _parser as parser

    def member(ch: str, items) -> bool:
        for op, value in items:
            if (op is c.LITERAL and ch == chr(value)) or (op is c.RANGE and value[0] <= ord(ch) <= value[1]):
                return True
            if op is c.CATEGORY and re.fullmatch(
                {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_SPACE: r"\s"}.get(value, r"\w"), ch
            ):
                return True
        return False

    def pick(items) -> str:
        negated = items[0][0] is c.NEGATE
        candidates = "aA0-_." + "".join(
            chr(v if op is c.LITERAL else v[0]) for op, v in items if op in (c.LITERAL, c.RANGE)
        )
        return next(ch for ch in candidates if member(ch, items[negated:]) != negated)

    def text(parsed) -> str:
        out = []
        for op, value in parsed:
            if op is c.LITERAL:
                out.append(chr(value))
            elif op in (c.ANY, c.NOT_LITERAL):
                out.append("a")
            elif op is c.IN:
                out.append(pick(value))
            elif op is c.BRANCH:
                out.append(text(value[1][0]))
            elif op is c.SUBPATTERN:
                out.append(text(value[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                low, high, item = value
                out.append(text(item) * max(low, min(high, length)))
        return "".join(out)

    try:
        found = text(parser.parse(pattern))
    except (re.error, StopIteration):
        return None
    return found if re.fullmatch(pattern, found) else None


def _is_timestamp(pattern: str) -> bool:
    """Whether ``pattern`` reads as a date-time: it takes the moment's ISO text and not as many letters."""
    moment = MOMENT.isoformat()
    try:
        return bool(re.fullmatch(pattern, moment)) and not re.fullmatch(pattern, "a" * len(moment))
    except re.error:  # a pattern Python's re cannot read (IAM's \p{L})
        return False


def _example_string(shape, *, full: bool) -> str:
    if shape.enum:
        return shape.enum[-1 if full else 0]
    shortest = max(shape.metadata.get("min", 1), 1)
    pattern = shape.metadata.get("pattern")
    if pattern and _is_timestamp(pattern):
        return MOMENT.isoformat()  # a timestamp as text (Cost Explorer's ZonedDateTime): the moment, not year 0000
    if pattern:
        for length in (1, shortest):
            found = _example_text(shape.metadata["pattern"], length)
            if found is not None and len(found) >= shortest:
                return found
    return "a" * shortest


def example(shape, *, full: bool) -> Any:
    """A value of ``shape``: with every member (``full``) or only the required ones, one element per list."""
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("document"):
        return {"type": "object"}
    if kind == "structure":
        members = shape.members
        if shape.metadata.get("union"):  # exactly one branch: the last one in full answers, the first in sparse
            name = list(members)[-1 if full else 0]
            return {name: example(members[name], full=full)}
        wanted = members if full else shape.required_members
        return {name: example(members[name], full=full) for name in wanted}
    if kind == "list":
        return [example(shape.member, full=full) for _ in range(max(shape.metadata.get("min", 1), 1))]
    if kind == "map":
        return {example(shape.key, full=full): example(shape.value, full=full)}
    if kind == "string":
        return _example_string(shape, full=full)
    if kind == "timestamp":
        return MOMENT
    if kind in ("integer", "long"):
        return max(shape.metadata.get("min", 1), 1)
    return {"boolean": True, "double": 1.5, "float": 1.5, "blob": b"a"}[kind]


def generated(*, full: bool) -> Answer:
    """Answers generated from each operation's output shape: every member (``full``), or only the required ones
    (sparse), except that the rows of a list answer are there, each with only its required members. A full list
    page says there is a next one, unless it answers a request for a next page."""

    def answer(service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        from botocore.session import get_session

        shape = get_session().get_service_model(service).operation_model(operation).output_shape
        if shape is None:
            return {}
        body = example(shape, full=full)
        rows = {
            name: [example(member.member, full=False)]
            for name, member in shape.members.items()
            if member.type_name == "list" and name not in body
        }
        if "NextToken" in request:
            body.pop("NextToken", None)
        return {**body, **rows}

    return answer


def _too_short(value: Any, shape) -> bool:
    return shape.type_name == "list" and isinstance(value, list) and len(value) < shape.metadata.get("min", 0)


def conform(value: Any, shape) -> Any:
    """``value`` as a member of ``shape``: members the shape lacks dropped, and those our models hold as None or as an
    empty list the shape does not allow (the API leaves them out), then required members it lacks generated."""
    kind = shape.type_name
    if kind == "structure" and not shape.metadata.get("document") and isinstance(value, dict):
        kept = {
            name: conform(item, shape.members[name])
            for name, item in value.items()
            if name in shape.members and item is not None and not _too_short(item, shape.members[name])
        }
        missing = [] if shape.metadata.get("union") else [n for n in shape.required_members if n not in kept]
        return {**kept, **{name: example(shape.members[name], full=False) for name in missing}}
    if kind == "list" and isinstance(value, list):
        return [conform(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: conform(item, shape.value) for key, item in value.items()}
    if kind == "string" and not isinstance(value, str):
        return str(value)
    return value


def clients_of(backend: AwsPartnerCentral) -> dict[str, BaseClient]:
    """Every botocore client the backend has (its cached properties that are clients), by property name."""
    found = {}
    for name, attribute in vars(type(backend)).items():
        if isinstance(attribute, cached_property):
            value = getattr(backend, name)
            if isinstance(value, BaseClient):
                found[name] = value
    return found


class StubbedAws:
    """Answers every call of ``backend``'s clients with ``answer``, through a Stubber per client."""

    def __init__(self, backend: AwsPartnerCentral, answer: Answer) -> None:
        self.backend, self.answer = backend, answer
        self.calls: list[tuple[str, str]] = []
        """(service, operation) of every call made, in order."""
        self.stubbers = []
        for client in clients_of(backend).values():
            stubber = Stubber(client)
            client.meta.events.register_first("before-parameter-build.*.*", self._queue_answer(client, stubber))
            self.stubbers.append(stubber)

    def _queue_answer(self, client: BaseClient, stubber: Stubber):
        service = client.meta.service_model.service_name

        def queue(params: dict[str, Any], model, **_: Any) -> None:
            self.calls.append((service, model.name))
            method = xform_name(model.name)
            try:
                body = self.answer(service, model.name, params)
            except ApiError as error:
                stubber.add_client_error(method, error.code, error.message, error.status)
                return
            stubber.add_response(method, conform(body, model.output_shape) if model.output_shape else {})

        return queue

    @contextmanager
    def active(self) -> Iterator[StubbedAws]:
        for stubber in self.stubbers:
            stubber.activate()
        try:
            yield self
        finally:
            for stubber in self.stubbers:
                stubber.deactivate()


def offline_backend(monkeypatch, partner_id: str) -> AwsPartnerCentral:
    """The aws backend for ``partner_id`` in the Sandbox catalog, with dummy credentials: only Stubber answers it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return AwsPartnerCentral(partner_id, "Sandbox", "us-east-1", session=boto3.session.Session(region_name="us-east-1"))


@contextmanager
def stubbers(backend: AwsPartnerCentral, *clients: str) -> Iterator[dict[str, Stubber]]:
    """A Stubber on each named client of ``backend``; on leaving, every queued answer must have been asked for."""
    stubs = {name: Stubber(getattr(backend, name)) for name in clients}
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()
