"""Run every analysis once over one projection and write the results back (``run_all``).

The analyses always run over the whole graph, so that what is written back means the same
whatever was asked: scores count every key product of the graph. ``chain`` only narrows the
rows returned (and scores the returned bottleneck rows on that chain's key products).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kg import model
from kg.analysis.bottleneck import BottleneckRow, bottleneck_rows
from kg.analysis.capacity import CapacityRow
from kg.analysis.context import Context
from kg.analysis.depth import bom_depth
from kg.analysis.key_enterprises import KeyEnterprise, key_enterprises
from kg.analysis.keys import scope_products
from kg.analysis.projection import project
from kg.analysis.ranking import RankedNode, rank_bottlenecks
from kg.analysis.single_source import (
    DeclaredSource,
    Sourcing,
    check_level,
    declared_sources,
)
from kg.analysis.spof import SpofLink
from kg.analysis.stored import RANK_PROPS, read_stored
from kg.analysis.writeback import NODE_PROPS, PRODUCT_PROPS, Progress, Writer
from kg.connection import Graph
from kg.model import DEFAULT_REGION_LEVEL

T = TypeVar("T")


@dataclass
class AnalysisResult:
    run_id: str
    analysed_at: dt.datetime
    chain: str | None
    region_level: str | None
    sourcing: list[Sourcing]
    declared: list[DeclaredSource]
    capacity: list[CapacityRow]
    spof: list[SpofLink]
    bottlenecks: list[BottleneckRow]
    key_enterprises: list[KeyEnterprise]
    ranking: list[RankedNode] = field(default_factory=list)  # the bottleneck ranking
    seconds: dict[str, float] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        """One row per step: seconds taken and what it found or wrote."""
        found = {
            "read graph": None,
            "single source": sum(1 for s in self.sourcing if s.single_source),
            "spof": len(self.spof),
            "capacity": sum(1 for c in self.capacity if c.limited_by == "input"),
            "bottlenecks": sum(1 for b in self.bottlenecks if b.is_spof),
            "key enterprises": len(self.key_enterprises),
            "write back": sum(self.written.values()) if self.written else None,
        }
        what = {
            "read graph": "",
            "single source": "products with a sole, regional or group single source",
            "spof": "single points of failure of key products",
            "capacity": "products limited by an input",
            "bottlenecks": "nodes that are a SPOF of a key product",
            "key enterprises": "ranked enterprises over all chains",
            "write back": "rows written",
        }
        return [
            {"step": step, "seconds": round(sec, 3), "count": found.get(step), "what": what[step]}
            for step, sec in self.seconds.items()
        ]


def _timed(seconds: dict[str, float], step: str, fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    out = fn()
    seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - started
    return out


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


def run_all(
    graph: Graph,
    chain: str | None = None,
    region_level: str | None = model.DEFAULT_REGION_LEVEL,
    write: bool = True,
    progress: Progress | None = None,
    context: Context | None = None,
    on_step: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Read the graph once, run every analysis, write the results back (unless ``write`` is
    false) and return them, narrowed to ``chain`` when one is given."""
    check_level(region_level)
    started = dt.datetime.now(dt.UTC)
    run_id = f"A{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    seconds: dict[str, float] = {}

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    step("read graph")
    ctx = context or _timed(seconds, "read graph", lambda: Context(project(graph, stored=write)))
    if context is not None:
        seconds["read graph"] = ctx.proj.read_seconds
    proj = ctx.proj
    if chain is not None:
        proj.chain(chain)

    step("single source")
    sourcing = _timed(seconds, "single source", lambda: ctx.sourcing(region_level))
    declared = _timed(seconds, "single source", lambda: declared_sources(proj))

    step("spof")
    keys = ctx.keys()

    def all_links() -> list[SpofLink]:
        out: list[SpofLink] = []
        for k in keys.indices:
            out.extend(ctx.links(k))
        return out

    links = _timed(seconds, "spof", all_links)

    step("capacity")
    caps = _timed(seconds, "capacity", lambda: ctx.capacity_rows)
    depth = _timed(seconds, "capacity", lambda: bom_depth(ctx))

    step("bottlenecks")
    bottles = _timed(seconds, "bottlenecks", lambda: bottleneck_rows(ctx))
    level = region_level or DEFAULT_REGION_LEVEL
    ranking = _timed(seconds, "bottlenecks", lambda: rank_bottlenecks(ctx, None, level))

    step("key enterprises")
    ranked = _timed(seconds, "key enterprises", lambda: key_enterprises(ctx))

    result = AnalysisResult(
        run_id=run_id,
        analysed_at=started,
        chain=chain,
        region_level=region_level,
        sourcing=sourcing,
        declared=declared,
        capacity=caps,
        spof=links,
        bottlenecks=bottles,
        key_enterprises=ranked,
        ranking=ranking,
        seconds=seconds,
        warnings=list(proj.warnings),
    )
    if write:
        step("write back")
        result.written = _timed(
            seconds,
            "write back",
            lambda: write_results(graph, ctx, result, depth, progress),
        )
    if chain is not None:
        scope = set(scope_products(proj, chain))
        result.sourcing = [s for i, s in enumerate(sourcing) if i in scope]
        result.capacity = [c for i, c in enumerate(caps) if i in scope]
        chain_keys = {proj.product_ids[k] for k in ctx.keys(chain).indices}
        ids = {proj.product_ids[p] for p in scope}
        result.declared = [d for d in declared if d.product in ids]
        result.spof = [s for s in links if s.product in chain_keys]
        if not chain_keys <= {proj.product_ids[k] for k in keys.indices}:
            result.spof = []
            for k in ctx.keys(chain).indices:
                result.spof.extend(ctx.links(k))
        result.bottlenecks = bottleneck_rows(ctx, chain)
        result.ranking = rank_bottlenecks(ctx, chain, level)
        result.key_enterprises = [r for r in ranked if r.chain == chain]
    return result


def write_results(
    graph: Graph,
    ctx: Context,
    result: AnalysisResult,
    depth: list[int],
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write one run's (whole-graph) results where they differ from the stored ones (read
    with the projection, else now); returns rows written (created or changed) and removed
    per part."""
    proj, c = ctx.proj, ctx.circuit
    stored = proj.stored if proj.stored is not None else read_stored(graph)
    proj.stored = None  # used once: after this write the graph holds something else
    keys = ctx.keys()
    writer = Writer(graph, result.run_id, result.analysed_at, stored, progress)
    node_results: dict[int, BottleneckRow] = {}
    for b in result.bottlenecks:
        node_results[ctx.node_index(b.kind, b.node)] = b
    has_capacity = any(0 < ctx.capacity.ach[k] < math.inf for k in keys.indices)
    default_crit = 0.0 if has_capacity else None
    spof_count: dict[str, int] = {}
    for link in result.spof:
        spof_count[link.product] = spof_count.get(link.product, 0) + 1

    def node_values(x: int) -> list[Any]:
        b = node_results.get(x)
        if b is None:
            return [False, 0.0, default_crit, None]
        return [b.is_spof, b.bottleneck_score, _num(b.capacity_criticality), b.betweenness]

    assert NODE_PROPS == ["is_spof", "bottleneck_score", "capacity_criticality", "betweenness"]
    src, caps = result.sourcing, result.capacity
    key_set = set(keys.indices)
    ids = proj.product_ids
    columns: dict[str, list[Any]] = {
        "producers": [s.producers for s in src],
        "sourcing": [s.sourcing for s in src],
        "regional_single_source": [s.regional_single_source for s in src],
        "group_single_source": [s.group_single_source for s in src],
        "hhi": [_num(s.hhi) for s in src],
        "hhi_region": [_num(s.hhi_region) for s in src],
        "effective_sources": [_num(s.effective_sources) for s in src],
        "achievable_per_day": [_num(cap.achievable_per_day) for cap in caps],
        "limiting_input": [cap.limiting_input for cap in caps],
        "spof_count": [
            spof_count.get(ids[p], 0) if p in key_set and caps[p].available else None
            for p in range(proj.n_products)
        ],
        "available": [cap.available for cap in caps],
        "key_product": [p in key_set for p in range(proj.n_products)],
        "key_weight": [keys.weights.get(p) for p in range(proj.n_products)],
        "producers_on_record": [s.producers_on_record for s in src],
        "region_level": [result.region_level] * proj.n_products,
        "single_source_region": [s.region for s in src],
        "single_source_group": [s.group for s in src],
        "hhi_group": [_num(s.hhi_group) for s in src],
        "producer_capacity_per_day": [_num(cap.producer_capacity_per_day) for cap in caps],
        "limited_by": [cap.limited_by for cap in caps],
        "bom_depth": list(depth),
    }
    node_columns = list(zip(*(node_values(p) for p in range(proj.n_products)), strict=True)) or [
        () for _ in NODE_PROPS
    ]
    columns.update((name, list(col)) for name, col in zip(NODE_PROPS, node_columns, strict=True))
    assert list(columns) == PRODUCT_PROPS, set(columns) ^ set(PRODUCT_PROPS)
    product_rows = dict(zip(ids, map(list, zip(*columns.values(), strict=True)), strict=True))
    writer.nodes(model.PRODUCT, product_rows, PRODUCT_PROPS)
    writer.nodes(
        model.ENTERPRISE,
        {proj.enterprise_ids[e]: node_values(c.e0 + e) for e in range(proj.n_enterprises)},
        NODE_PROPS,
    )
    writer.nodes(
        model.REGION,
        {proj.region_codes[r]: node_values(c.r0 + r) for r in range(proj.n_regions)},
        NODE_PROPS,
    )

    by_kind: dict[str, dict[Any, list[Any]]] = {}
    for link in result.spof:
        by_kind.setdefault(link.kind, {})[link.node, link.product] = [list(link.path), link.reason]
    writer.spof(by_kind)

    flags: dict[Any, list[Any]] = {}
    for d in result.declared:
        if not (d.single_source or d.group_single_source) or d.product is None:
            continue
        for supplier in d.suppliers:
            flags[supplier, d.customer, d.product] = [d.single_source, d.group_single_source]
    writer.supplies(flags)

    assert RANK_PROPS[0] == "rank" and RANK_PROPS[-1] == "reasons"
    writer.key_ranks(
        {
            (r.enterprise, r.chain): [
                r.rank,
                r.bottleneck_score,
                _num(r.capacity_criticality),
                _num(r.capacity_share),
                r.listed,
                list(r.reasons),
            ]
            for r in result.key_enterprises
        }
    )
    writer.run_record(
        {
            "started_at": result.analysed_at,
            "ended_at": dt.datetime.now(dt.UTC),
            "options": json.dumps({"region_level": result.region_level}),
            "key_products": len(keys.indices),
            "spof_links": len(result.spof),
            "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
            "written": writer.counts,
        }
    )
    return dict(writer.counts)
