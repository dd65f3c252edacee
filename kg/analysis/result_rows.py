"""The rows one run writes back, per part, as the Writer takes them (kg/analysis/writeback.py).

Each function turns one analysis' results into ``identity -> [values...]`` in the order of
the part's properties (kg/analysis/stored.py), so the write-back can compare them with what
is stored. The parts are built as soon as their analysis is done: SUPPLIES flags after the
single-source step, SPOF_FOR after the SPOF step, node results and key ranks at the end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from kg.analysis.bottleneck import BottleneckRow
from kg.analysis.capacity import CapacityRow
from kg.analysis.context import Context
from kg.analysis.key_enterprises import KeyEnterprise
from kg.analysis.single_source import DeclaredSource, Sourcing
from kg.analysis.spof import SpofLink
from kg.analysis.stored import NODE_PROPS, PRODUCT_PROPS, RANK_PROPS

Key = Any
Rows = dict[Key, list[Any]]


def num(x: float | None) -> float | None:
    """A float as stored: None for NaN and infinities."""
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


def spof_rows(links: Sequence[SpofLink]) -> dict[str, Rows]:
    """Per failing-node kind: (node, product) -> [path, reason]."""
    by_kind: dict[str, Rows] = {}
    for link in links:
        by_kind.setdefault(link.kind, {})[link.node, link.product] = [list(link.path), link.reason]
    return by_kind


def flag_rows(declared: Sequence[DeclaredSource]) -> Rows:
    """(supplier, customer, product) -> [single_source, group_single_source] of every
    declared single source."""
    flags: Rows = {}
    for d in declared:
        if not (d.single_source or d.group_single_source) or d.product is None:
            continue
        for supplier in d.suppliers:
            flags[supplier, d.customer, d.product] = [d.single_source, d.group_single_source]
    return flags


class NodeRows:
    """NODE_PROPS of every product, enterprise and region from the bottleneck rows."""

    def __init__(self, ctx: Context, bottlenecks: Sequence[BottleneckRow]) -> None:
        self.ctx = ctx
        self.by_node: dict[int, BottleneckRow] = {
            ctx.node_index(b.kind, b.node): b for b in bottlenecks
        }
        keys = ctx.keys()
        has_capacity = any(0 < ctx.capacity.ach[k] < math.inf for k in keys.indices)
        self.default_crit = 0.0 if has_capacity else None

    def values(self, x: int) -> list[Any]:
        assert NODE_PROPS == ["is_spof", "bottleneck_score", "capacity_criticality", "betweenness"]
        b = self.by_node.get(x)
        if b is None:
            return [False, 0.0, self.default_crit, None]
        return [b.is_spof, b.bottleneck_score, num(b.capacity_criticality), b.betweenness]

    def enterprises(self) -> Rows:
        proj, e0 = self.ctx.proj, self.ctx.circuit.e0
        return {proj.enterprise_ids[e]: self.values(e0 + e) for e in range(proj.n_enterprises)}

    def regions(self) -> Rows:
        proj, r0 = self.ctx.proj, self.ctx.circuit.r0
        return {proj.region_codes[r]: self.values(r0 + r) for r in range(proj.n_regions)}


def product_rows(
    ctx: Context,
    nodes: NodeRows,
    sourcing: Sequence[Sourcing],
    caps: Sequence[CapacityRow],
    links: Sequence[SpofLink],
    depth: Sequence[int],
    region_level: str | None,
) -> Rows:
    """Product id -> PRODUCT_PROPS, built column by column."""
    proj = ctx.proj
    keys = ctx.keys()
    key_set = set(keys.indices)
    ids = proj.product_ids
    spof_count: dict[str, int] = {}
    for link in links:
        spof_count[link.product] = spof_count.get(link.product, 0) + 1
    src = sourcing
    columns: dict[str, list[Any]] = {
        "producers": [s.producers for s in src],
        "sourcing": [s.sourcing for s in src],
        "regional_single_source": [s.regional_single_source for s in src],
        "group_single_source": [s.group_single_source for s in src],
        "hhi": [num(s.hhi) for s in src],
        "hhi_region": [num(s.hhi_region) for s in src],
        "effective_sources": [num(s.effective_sources) for s in src],
        "achievable_per_day": [num(cap.achievable_per_day) for cap in caps],
        "limiting_input": [cap.limiting_input for cap in caps],
        "spof_count": [
            spof_count.get(ids[p], 0) if p in key_set and caps[p].available else None
            for p in range(proj.n_products)
        ],
        "available": [cap.available for cap in caps],
        "key_product": [p in key_set for p in range(proj.n_products)],
        "key_weight": [keys.weights.get(p) for p in range(proj.n_products)],
        "producers_on_record": [s.producers_on_record for s in src],
        "region_level": [region_level] * proj.n_products,
        "single_source_region": [s.region for s in src],
        "single_source_group": [s.group for s in src],
        "hhi_group": [num(s.hhi_group) for s in src],
        "producer_capacity_per_day": [num(cap.producer_capacity_per_day) for cap in caps],
        "limited_by": [cap.limited_by for cap in caps],
        "bom_depth": list(depth),
    }
    node_columns = list(zip(*(nodes.values(p) for p in range(proj.n_products)), strict=True)) or [
        () for _ in NODE_PROPS
    ]
    columns.update((name, list(col)) for name, col in zip(NODE_PROPS, node_columns, strict=True))
    assert list(columns) == PRODUCT_PROPS, set(columns) ^ set(PRODUCT_PROPS)
    return dict(zip(ids, map(list, zip(*columns.values(), strict=True)), strict=True))


def rank_rows(ranked: Sequence[KeyEnterprise]) -> Rows:
    """(enterprise, chain) -> RANK_PROPS."""
    assert RANK_PROPS[0] == "rank" and RANK_PROPS[-1] == "reasons"
    return {
        (r.enterprise, r.chain): [
            r.rank,
            r.bottleneck_score,
            num(r.capacity_criticality),
            num(r.capacity_share),
            r.listed,
            list(r.reasons),
        ]
        for r in ranked
    }
