"""The analyses as they were before their vectorised rewrite, kept as references for the
property tests (tests/test_analysis_vectorised.py): the new code must give the same rows."""

from __future__ import annotations

import math

import numpy as np

from kg.analysis.bottleneck import BottleneckRow, betweenness, spof_scores
from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.ranking import RankedNode, RankingOptionError, _known
from kg.model import DEFAULT_REGION_LEVEL, REGION_LEVELS


def _binding(ctx: Context, chain: str | None) -> dict[int, set[int]]:
    """Product index -> the key products whose achievable output it limits (up the chain)."""
    proj = ctx.proj
    rows = {r.product: r for r in ctx.capacity_rows}
    out: dict[int, set[int]] = {}
    for k in ctx.keys(chain).indices:
        seen: set[str] = set()
        todo = [proj.product_ids[k]]
        while todo:
            row = rows.get(todo.pop())
            if row is None or row.limited_by != "input" or not row.limiting_input:
                continue
            for pid in row.limiting_input.split("|"):
                if pid not in seen:
                    seen.add(pid)
                    todo.append(pid)
                    out.setdefault(proj.product(pid), set()).add(k)
    return out


def rank_bottlenecks_reference(
    source: Source, chain: str | None = None, region_level: str = DEFAULT_REGION_LEVEL
) -> list[RankedNode]:
    """Every node with a positive score, ranked (see the module docstring)."""
    if region_level not in REGION_LEVELS:
        raise RankingOptionError(
            f"unknown region level {region_level!r}; use one of {', '.join(REGION_LEVELS)}"
        )
    ctx = ensure_context(source)
    proj, c = ctx.proj, ctx.circuit
    keys = ctx.keys(chain)
    total = keys.total_weight()
    if total <= 0:
        return []
    live = proj.live
    producers_all = {int(e) for e, ok in zip(proj.pr_ent, live, strict=True) if ok}

    # single points of failure, by circuit index
    spof_of: dict[int, set[int]] = {}
    for k in keys.indices:
        for link, x in zip(ctx.links(k), ctx.spof_nodes(k), strict=True):
            if link.kind == "region":
                r = x - c.r0
                if proj.region_level[r] != region_level or not link.hidden:
                    continue
            spof_of.setdefault(x, set()).add(k)

    # capacity bottlenecks: products, then the enterprises and regions that make them
    binding_of: dict[int, dict[int, float]] = {}  # circuit index -> key product -> share
    for p, limited in _binding(ctx, chain).items():
        binding_of[p] = dict.fromkeys(limited, 1.0)
        lines = proj.producers_of[p]
        caps = [(int(proj.pr_ent[i]), float(proj.pr_cap[i])) for i in lines if live[i]]
        known = sum(cap for _, cap in caps if not math.isnan(cap))
        for e, cap in caps:
            share = cap / known if known > 0 and not math.isnan(cap) else 1.0 / len(caps)
            entry = binding_of.setdefault(c.e0 + e, {})
            for k in limited:
                entry[k] = entry.get(k, 0.0) + share
    region_at = proj.enterprise_region_at(region_level)
    for e, at in enumerate(region_at):
        if at is None or (c.e0 + e) not in binding_of:
            continue
        entry = binding_of.setdefault(c.r0 + at, {})
        for k, share in binding_of[c.e0 + e].items():
            entry[k] = entry.get(k, 0.0) + share

    sourcing = ctx.sourcing(region_level)
    rows: dict[int, RankedNode] = {}
    for x in set(spof_of) | set(binding_of):
        kind = c.node_kind(x)
        if kind == "region":
            r = x - c.r0
            if proj.region_level[r] != region_level:
                continue
            if producers_all and producers_all <= set(proj.enterprises_in_region(r)):
                continue
        of = spof_of.get(x, set())
        binds = binding_of.get(x, {})
        concentration = 1.0
        if kind == "product":
            concentration = _known(sourcing[x].hhi) * _known(sourcing[x].hhi_region)
        spof_share = sum(keys.weights[k] for k in of) / total
        binding_share = sum(keys.weights[k] * min(s, 1.0) for k, s in binds.items()) / total
        score = spof_share * concentration + binding_share
        if score <= 0:
            continue
        rows[x] = RankedNode(
            node=c.node_id(x),
            kind=kind,
            name=c.node_name(x),
            score=score,
            spof_share=spof_share,
            concentration=concentration,
            binding_share=binding_share,
            spof_for=tuple(sorted(proj.product_ids[k] for k in of)),
            limits=tuple(sorted(proj.product_ids[k] for k in binds)),
        )
    _fold(ctx, rows, region_at)
    ranked = sorted(rows.values(), key=lambda r: (-round(r.score, 9), -r.spof_share, r.node))
    for i, row in enumerate(ranked, start=1):
        row.rank = i
    return ranked


def _fold(ctx: Context, rows: dict[int, RankedNode], region_at: list[int | None]) -> None:
    """Fold a sole-sourced product into its producer, and a region into the one enterprise
    whose failure it repeats."""
    proj, c = ctx.proj, ctx.circuit
    live = proj.live
    for x in [x for x, row in rows.items() if row.kind == "product"]:
        makers = {int(proj.pr_ent[i]) for i in proj.producers_of[x] if live[i]}
        if len(makers) != 1:
            continue
        e = c.e0 + next(iter(makers))
        row, into = rows[x], rows.get(e)
        if into is None or set(row.spof_for) - set(into.spof_for) or row.binding_share:
            continue
        into.also.append(f"sole producer of {row.node} ({row.name})")
        into.score = max(into.score, row.score)
        del rows[x]
    for x in [x for x, row in rows.items() if row.kind == "region"]:
        row = rows[x]
        if row.binding_share:
            continue
        inside = [
            c.e0 + e
            for e, r in enumerate(region_at)
            if r == x - c.r0 and c.e0 + e in rows and rows[c.e0 + e].spof_for == row.spof_for
        ]
        if len(inside) == 1:
            rows[inside[0]].also.append(f"its region {row.node} ({row.name})")
            del rows[x]


def bottleneck_rows_reference(ctx: Context, chain: str | None = None) -> list[BottleneckRow]:
    """Every node that is a SPOF of a key product or whose loss costs key-product output."""
    c = ctx.circuit
    keys = ctx.keys(chain)
    scores = spof_scores(ctx, chain)
    between = betweenness(ctx)
    losses = ctx.losses(keys)
    nodes = set(scores)
    if losses is not None:
        nodes.update(np.flatnonzero(losses > 0).tolist())
    rows: list[BottleneckRow] = []
    for x in nodes:
        score, of = scores.get(x, (0.0, []))
        rows.append(
            BottleneckRow(
                node=c.node_id(x),
                kind=c.node_kind(x),
                name=c.node_name(x),
                is_spof=bool(of),
                bottleneck_score=score,
                spof_for=tuple(sorted(c.node_id(k) for k in of)),
                capacity_criticality=None if losses is None else float(losses[x]),
                betweenness=None if between is None or x >= c.r0 else between.get(x, 0.0),
            )
        )
    rows.sort(key=lambda r: (-r.bottleneck_score, -(r.capacity_criticality or 0.0), r.node))
    return rows
