"""Run every analysis once over one projection and write the results back (``run_all``).

The analyses always run over the whole graph, so that what is written back means the same
whatever was asked: scores count every key product of the graph. ``chain`` only narrows the
rows returned (and scores the returned bottleneck rows on that chain's key products).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import time
import uuid
from collections.abc import Callable, Iterator
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
from kg.analysis.result_rows import NodeRows, flag_rows, product_rows, rank_rows, spof_rows
from kg.analysis.single_source import (
    DeclaredSource,
    Sourcing,
    check_level,
    declared_sources,
)
from kg.analysis.spof import SpofLink
from kg.analysis.stored import read_stored
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
    write_seconds: dict[str, float] = field(default_factory=dict)  # per part, lanes overlap
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


def run_all(
    graph: Graph,
    chain: str | None = None,
    region_level: str | None = model.DEFAULT_REGION_LEVEL,
    write: bool = True,
    progress: Progress | None = None,
    context: Context | None = None,
    on_step: Callable[[str], None] | None = None,
    verify: bool = False,
) -> AnalysisResult:
    """Read the graph once, run every analysis, write the results back (unless ``write`` is
    false) and return them, narrowed to ``chain`` when one is given.

    The write-back overlaps the analyses: the SUPPLIES flags are written on a background
    connection as soon as the single-source step is done and the SPOF_FOR relationships as
    soon as the SPOF step is, while the later steps run; the node results and key ranks
    follow at the end, once the SPOF_FOR are in (a new SPOF_FOR touches its end nodes). On
    Neo4j the flags and SPOF_FOR share one connection (a new relationship locks its nodes'
    relationship chains, and the two parts deadlocked); on the local engine the flags have
    one of their own and go on beside the SPOF_FOR and node writes (``Writer.flags_lane``).
    The "write back" step's seconds are what is left to wait for after the last analysis.

    What is stored is compared by digest (kg/analysis/digest.py); with ``verify`` every
    stored value is read and hashed instead, so results edited by hand are repaired too."""
    check_level(region_level)
    started = dt.datetime.now(dt.UTC)
    run_id = f"A{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    seconds: dict[str, float] = {}

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    step("read graph")
    ctx = context or _timed(
        seconds, "read graph", lambda: Context(project(graph, stored=write, verify=verify))
    )
    if context is not None:
        seconds["read graph"] = ctx.proj.read_seconds
    proj = ctx.proj
    if chain is not None:
        proj.chain(chain)
    writer: Writer | None = None
    if write:
        stored = proj.stored if proj.stored is not None else read_stored(graph, verify)
        proj.stored = None  # used once: after this run the graph holds something else
        writer = Writer(graph, run_id, started, stored, progress)
    try:
        with _collector_paused():
            result, depth = _analyse(ctx, seconds, region_level, step, writer)
            result.run_id, result.analysed_at, result.chain = run_id, started, chain
            if writer is not None:
                step("write back")
                result.written = _timed(
                    seconds, "write back", lambda: _finish(writer, ctx, result, depth)
                )
    finally:
        if writer is not None:
            _close_quietly(writer)
    if chain is not None:
        _narrow(ctx, result, chain, region_level)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the analyses run: they build millions
    of small objects (rows, tuples, lists) and hold the projection's, so each automatic
    collection walks them all again; at 1M relationships that was a quarter of the
    analyses' CPU (28.3 s against 21.2 s). The analyses make few reference cycles; what they
    leave is collected once the collector runs again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _analyse(
    ctx: Context,
    seconds: dict[str, float],
    region_level: str | None,
    step: Callable[[str], None],
    writer: Writer | None,
) -> tuple[AnalysisResult, list[int]]:
    """Every analysis in turn; each part of the write-back goes to ``writer``'s background
    lanes as soon as its analysis is done."""
    proj = ctx.proj
    step("single source")
    sourcing = _timed(seconds, "single source", lambda: ctx.sourcing(region_level))
    declared = _timed(seconds, "single source", lambda: declared_sources(proj))
    if writer is not None:
        with writer.lane(writer.flags_lane):
            writer.supplies(flag_rows(declared))

    step("spof")
    keys = ctx.keys()

    def all_links() -> list[SpofLink]:
        out: list[SpofLink] = []
        for k in keys.indices:
            out.extend(ctx.links(k))
        return out

    links = _timed(seconds, "spof", all_links)
    if writer is not None:
        with writer.lane("relationships"):
            writer.spof(spof_rows(links))

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
        run_id="",
        analysed_at=dt.datetime.now(dt.UTC),
        chain=None,
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
    return result, depth


def _finish(
    writer: Writer, ctx: Context, result: AnalysisResult, depth: list[int]
) -> dict[str, int]:
    """Write the node results and key ranks, wait for the lanes, record the run; returns
    rows written (created or changed) and removed per part."""
    nodes = NodeRows(ctx, result.bottlenecks)
    products = product_rows(
        ctx, nodes, result.sourcing, result.capacity, result.spof, depth, result.region_level
    )
    enterprises, regions = nodes.enterprises(), nodes.regions()
    # node properties wait for the relationship lane: a new SPOF_FOR touches its end nodes
    writer.wait("relationships")
    writer.nodes(model.PRODUCT, products, PRODUCT_PROPS)
    writer.nodes(model.ENTERPRISE, enterprises, NODE_PROPS)
    writer.nodes(model.REGION, regions, NODE_PROPS)
    writer.key_ranks(rank_rows(result.key_enterprises))
    writer.close()
    writer.run_record(
        {
            "started_at": result.analysed_at,
            "ended_at": dt.datetime.now(dt.UTC),
            "options": json.dumps({"region_level": result.region_level}),
            "key_products": len(ctx.keys().indices),
            "spof_links": len(result.spof),
            "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
            "written": writer.counts,
        }
    )
    result.write_seconds = dict(writer.seconds)
    return dict(writer.counts)


def _close_quietly(writer: Writer) -> None:
    """After a failure elsewhere: let the lanes finish what they started (their own failure
    would only hide the first one)."""
    with contextlib.suppress(Exception):
        writer.close()


def _narrow(ctx: Context, result: AnalysisResult, chain: str, region_level: str | None) -> None:
    """Keep the rows of ``chain`` (the whole-graph results were written back)."""
    proj = ctx.proj
    keys = ctx.keys()
    level = region_level or DEFAULT_REGION_LEVEL
    sourcing, caps, declared, links = (
        result.sourcing,
        result.capacity,
        result.declared,
        result.spof,
    )
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
    result.key_enterprises = [r for r in result.key_enterprises if r.chain == chain]
