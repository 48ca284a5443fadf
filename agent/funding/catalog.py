"""The funding program catalog: versioned data in ``knowledge/funding/programs.json``, validated on load.

Every number in it carries its source and a confidence: the AWS guide states the rules of the fund
request lifecycle but no amounts, so estimates rest partly on public third-party material and are
presented as estimates, never as promises.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.errors import AgentError
from agent.models.selling import LifeCycleStage, OpportunityTypeName
from agent.resources import knowledge

CATALOG = knowledge("funding", "programs.json")
PartnerPath = Literal["Services", "Software", "Hardware", "Training", "Distribution"]


class Eligibility(BaseModel):
    partner_paths: list[PartnerPath] | None = None
    min_stage: LifeCycleStage | None = None
    max_stage: LifeCycleStage | None = None
    min_arr_usd: float | None = None
    max_arr_usd: float | None = None
    use_cases: list[str] | None = None
    apn_programs: list[str] | None = None
    opportunity_types: list[OpportunityTypeName] | None = None
    requires_prm_ready: bool = False
    requires_mdf_wallet: bool = False
    requires_marketplace_listing: bool = False
    notes: str | None = None


class Estimate(BaseModel):
    kind: Literal["percent_of_arr", "wallet_balance", "fixed_cap", "none"]
    percent: float | None = None
    min_usd: float | None = None
    cap_usd: float | None = None


class Source(BaseModel):
    title: str
    url: str | None = None
    kind: Literal["aws-guide", "aws-public", "third-party", "project-default"]
    note: str | None = None


class SourcedNumber(BaseModel):
    path: str
    value: float
    source_index: int
    confidence: Literal["high", "medium", "low"]


class BenefitLookup(BaseModel):
    """How to find the program's benefit at run time (ListBenefits): its program, and a word of its name when the
    program has several benefits (MAP's phases). No benefit id is kept: ids differ between catalogs."""

    program: str
    name_contains: str | None = None


class Program(BaseModel):
    id: str
    name: str
    benefit: BenefitLookup | None = Field(default=None, description="Absent: no application through the benefits API.")
    category: str
    description: str
    fulfillment_types: list[Literal["CASH", "CREDITS", "ACCESS"]]
    eligibility: Eligibility
    estimate: Estimate
    repeatable: bool = Field(default=False, description="Whether one opportunity may have several requests of it.")
    required_attachments: list[str] = Field(
        default_factory=list, description="Business uses of the files a request must carry before it is submitted."
    )
    sources: list[Source]
    numbers: list[SourcedNumber] = Field(default_factory=list)


class UnknownProgram(AgentError):
    """A program id the catalog does not have; the message lists the ones it has."""


class Catalog(BaseModel):
    version: str
    disclaimer: str
    programs: list[Program]

    def get(self, program_id: str) -> Program:
        for program in self.programs:
            if program.id == program_id:
                return program
        raise UnknownProgram(
            f"Unknown program {program_id[:64]!r}; programs are: {', '.join(p.id for p in self.programs)}."
        )

    def of_benefit(self, programs: list[str], name: str | None) -> Program | None:
        """The catalog's program for a benefit with these ``Programs`` and ``name``, if it knows one."""
        return next(
            (
                p
                for p in self.programs
                if p.benefit
                and p.benefit.program in programs
                and (p.benefit.name_contains is None or p.benefit.name_contains.lower() in (name or "").lower())
            ),
            None,
        )


@cache
def load_catalog(path: Path = CATALOG) -> Catalog:
    return Catalog.model_validate_json(path.read_text(encoding="utf-8"))
