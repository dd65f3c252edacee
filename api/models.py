"""Response models. Graph properties keep their names from kg/model.py, so what the API
returns reads the same as what a Cypher user sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Paged(Out, Generic[T]):
    """One page of a list. Ask again with ``offset=next_offset`` until it is null."""

    items: list[T]
    total: int = Field(description="items in the whole list")
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last")


def paged(items: Sequence[T], total: int, limit: int, offset: int) -> Paged[T]:
    nxt = offset + len(items)
    return Paged[T](
        items=list(items),
        total=total,
        limit=limit,
        offset=offset,
        next_offset=nxt if nxt < total and items else None,
    )


# ---- health -----------------------------------------------------------------------------------


class EngineInfo(Out):
    reachable: bool
    kind: Literal["local", "neo4j"] = Field(description="the local engine or a Neo4j server")
    database: str
    server: str | None = Field(default=None, description="the server's agent string")
    error: str | None = None


class Health(Out):
    status: Literal["ok", "unavailable"]
    version: str
    engine: EngineInfo


# ---- shared pieces ----------------------------------------------------------------------------


class Provenance(Out):
    source: str | None = None
    basis: str | None = None
    load_id: str | None = None
    loaded_at: dt.datetime | None = None


class NodeResults(Out):
    """Written back by the analyses (absent until they have run)."""

    is_spof: bool | None = None
    bottleneck_score: float | None = None
    capacity_criticality: float | None = None
    betweenness: float | None = None


class WarningResults(Out):
    """Written back by monitoring (absent: no warning)."""

    warning_level: str | None = Field(default=None, description="red, yellow or blue")
    warning_reason: str | None = None
    warning_as_of: dt.date | None = None


class TierStepOut(Out):
    """One SUPPLIES link on the way, supplier -> customer."""

    supplier: str
    customer: str
    product: str | None = None
    basis: str = Field(
        description="declared (or the basis it was loaded with, e.g. customs record) or "
        "inferred: the supplier produces an input of what the customer produces"
    )
    bom: Literal["input", "unknown"] | None = Field(
        default=None,
        description="input: the product goes into the product of the next link toward the "
        "enterprise asked about; unknown: that product has no bill of materials on record, so "
        "any product was taken; null on a first-tier link and in the any-link walk",
    )
    evidence: dict[str, Any] | None = Field(
        default=None,
        description="for an inferred link: the product, the bill-of-materials edge "
        "(input, output, qty_per_unit, alt_group), the supplier's capacity_per_day and unit, its "
        "capacity_share among the product's producers where every capacity is known, and how "
        "many producers there are",
    )


class TierHitOut(Out):
    tier: int = Field(description="1 for direct suppliers (or customers), 2 for theirs...")
    id: str
    name: str | None = None
    product: str | None = Field(
        default=None, description="the first of products by id (enterprises only)"
    )
    products: list[str] = Field(
        default_factory=list,
        description="every product it supplies (or buys) on the way at this tier",
    )
    basis: list[str] = Field(
        default_factory=list,
        description="how its links at this tier are known: declared, inferred, bom-unknown",
    )
    path: list[str] = Field(description="ids in the direction material flows")
    route: str | None = Field(
        default=None,
        description="the path as text with the product of every step: A -[P]-> B; "
        "inferred links A ~[P]~> B; a link taken where the BOM is unknown -[P ?]->",
    )
    links: list[TierStepOut] = Field(
        default_factory=list, description="its own links on the way at this tier"
    )
    steps: list[TierStepOut] = Field(
        default_factory=list,
        description="one explaining path, one link per step, in the direction material flows",
    )


class TierPage(Paged[TierHitOut]):
    """One page of a tier lookup, with how it was walked and notes on the answer."""

    walk: Literal["material", "any"] | None = Field(
        default=None,
        description="material: each tier supplies an input of what the tier below supplies; "
        "any: every SUPPLIES link; null for products (the bill of materials)",
    )
    inferred: bool = Field(default=False, description="whether inferred links were counted")
    notes: list[str] = Field(
        default_factory=list,
        description="what the reader needs to know: why an answer is empty, inferred links "
        "counted, links taken where a bill of materials is unknown",
    )


# ---- chains -----------------------------------------------------------------------------------


class ChainSummary(Out):
    id: str
    name: str | None = None
    description: str | None = None
    products: int = Field(description="products in the chain")


class ChainDetail(Provenance, ChainSummary):
    stages: dict[str, int] = Field(
        description="products by stage (upstream, midstream, downstream; 'unstaged' without)"
    )
    key_enterprises: int = Field(description="enterprises on the chain's key-enterprise list")


class ChainProduct(Out):
    id: str
    name: str | None = None
    category: str | None = None
    stage: str | None = None


# ---- enterprises ------------------------------------------------------------------------------


class RegionRef(Out):
    code: str
    name: str | None = None
    level: str | None = None


class ParentRef(Out):
    id: str
    name: str | None = None
    share: float | None = None


class EnterpriseCore(Out):
    id: str
    name: str | None = None
    aliases: list[str] | None = None
    region: RegionRef | None = None
    lat: float | None = None
    lon: float | None = None
    scale: str | None = None
    tags: list[str] | None = None
    parent: ParentRef | None = Field(default=None, description="the owning enterprise")
    suppliers: int = Field(
        description="direct suppliers (declared SUPPLIES into it; inferred links not counted)"
    )
    customers: int = Field(
        description="direct customers (declared SUPPLIES out of it; inferred links not counted)"
    )
    products: int = Field(description="products it produces")


class EnterpriseDetail(Provenance, WarningResults, NodeResults, EnterpriseCore):
    """An enterprise; fields are ordered: its own, analysis results, warning, provenance."""


class EnterpriseProduct(Out):
    id: str
    name: str | None = None
    category: str | None = None
    capacity_per_day: float | None = None
    output_per_day: float | None = None
    unit: str | None = None
    as_of: dt.date | None = None


# ---- products ---------------------------------------------------------------------------------


class ChainRef(Out):
    id: str
    name: str | None = None
    stage: str | None = None


class ProductResults(Out):
    """Written back by the analyses (absent until they have run)."""

    producers: int | None = Field(
        default=None, description="live producers on record (0: made by an unknown producer)"
    )
    sourcing: str | None = Field(default=None, description="sole, multiple or unknown")
    regional_single_source: bool | None = None
    group_single_source: bool | None = None
    hhi: float | None = None
    hhi_region: float | None = None
    effective_sources: float | None = None
    achievable_per_day: float | None = None
    limiting_input: str | None = None
    spof_count: int | None = None


class ProductCore(Out):
    id: str
    name: str | None = None
    hs_code: str | None = None
    unit: str | None = None
    category: str | None = None
    stage_type: str | None = None
    lead_time_days: float | None = None
    unit_cost: float | None = None
    demand_per_day: float | None = None
    chains: list[ChainRef] = Field(description="the chains it belongs to, with its stage")
    producer_count: int = Field(description="enterprises with a PRODUCES edge to it")
    inputs: int = Field(description="direct bill-of-materials inputs")
    outputs: int = Field(description="products it is a direct input to")


class ProductDetail(Provenance, WarningResults, NodeResults, ProductResults, ProductCore):
    """A product; fields are ordered: its own, analysis results, warning, provenance."""


class Producer(Out):
    id: str
    name: str | None = None
    region: str | None = None
    capacity_per_day: float | None = None
    output_per_day: float | None = None
    unit: str | None = None
    as_of: dt.date | None = None


# ---- loads ------------------------------------------------------------------------------------


class RejectOut(Out):
    file: str
    line: int = Field(description="1-based line (a CSV header is line 1), sheet row or record")
    column: str
    value: str
    reason: str


class OutputReportOut(Out):
    output: str = Field(description="'<n>:<kind>', n counting the mapping's outputs from 1")
    kind: str
    rows_in: int
    filtered: int = Field(description="rows the output's filter dropped (not rejects)")
    merged: int = Field(description="rows merged into another row of one record (not rejects)")
    rejected: int
    written: int = Field(description="records written")


class LoadReportOut(Out):
    file: str = Field(description="the uploaded file's name (' + '-joined for a mapping's inputs)")
    load_id: str = Field(description="the (:Load) record; empty for a file not loaded")
    kinds: list[str]
    status: Literal[
        "completed", "rejected", "skipped", "failed", "not loaded", "running", "interrupted"
    ]
    message: str
    rows_read: int
    rows_rejected: int
    rows_written: int
    written: dict[str, int] = Field(description="records written per label or type")
    rejects: list[RejectOut] = Field(description="problems that rejected rows, by line")
    rejects_total: int
    warnings: list[RejectOut] = Field(description="problems that did not reject the row")
    warnings_total: int
    notes: list[str]
    seconds: float
    outputs: list[OutputReportOut] = Field(
        default_factory=list, description="rows in, filtered, merged, rejected, written per output"
    )
    encodings: dict[str, str] = Field(
        default_factory=dict, description="the text encoding each file was read with"
    )


class LoadResult(Out):
    reports: list[LoadReportOut]


class LoadRecord(Out):
    id: str
    file: str | None = None
    kind: str | None = None
    mapping: str | None = None
    chain: str | None = None
    status: str | None = None
    message: str | None = None
    rows_read: int | None = None
    rows_written: int | None = None
    rows_rejected: int | None = None
    sha256: str | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
