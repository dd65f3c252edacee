"""The bottleneck ranking: one list, most pressing first, of what the key products hang on.

Every share below is of the total key-product weight (kg/analysis/keys.py), so 1.0 means
"all the key products". For a node x (enterprise, product, or region at the chosen level):

- spof_share: the weighted share of key products x is a single point of failure of
  (kg/analysis/spof.py). A region is not counted for a key product whose own producers all
  sit in it (that is the product's regional single source, `analyze single-source`), and a
  region that holds every producer of the graph is never ranked: losing it loses everything
  and says nothing;
- concentration: how likely the whole of x fails at once. An enterprise or a region fails as
  one (1.0); a product fails only when all its producers do, so its concentration is the HHI
  of its live producers' capacity (1.0 for a sole source, lower the more evenly it is spread);
- binding_share: the weighted share of key products whose achievable output x limits today:
  x is the limiting input of the key product (capacity.py), or of the limiting input before it,
  and so on up the chain. An enterprise carries the binding share of each product it makes
  times its share of that product's capacity; a region the sum of its enterprises';
- score = spof_share x concentration + binding_share.

A product with a single live producer is the same failure as that producer: it is folded into
the producer's row (``also``), as is a region whose single-point-of-failure set is that of one
enterprise inside it, with nothing binding of its own. Rows are ordered by score, then by
spof_share, then by id; the command line, the API and the demo's report show this order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.single_source import AnalysisOptionError
from kg.model import DEFAULT_REGION_LEVEL, REGION_LEVELS


class RankingOptionError(AnalysisOptionError):
    """An unknown region level."""


@dataclass
class RankedNode:
    node: str
    kind: str  # enterprise, product or region
    name: str | None
    score: float
    spof_share: float
    concentration: float
    binding_share: float
    spof_for: tuple[str, ...]  # key products it is a single point of failure of
    limits: tuple[str, ...]  # key products whose output it limits today
    also: list[str] = field(default_factory=list)  # the same failure, folded in
    rank: int = 0

    @property
    def why(self) -> str:
        parts = []
        if self.spof_for:
            parts.append(f"stops {len(self.spof_for)} key product(s)")
        if self.limits:
            parts.append(f"limits the output of {', '.join(self.limits)} today")
        if self.kind == "product" and self.spof_for and self.concentration < 1.0:
            parts.append(f"concentration {self.concentration:.2f} (several producers)")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "node": self.node,
            "kind": self.kind,
            "name": self.name,
            "score": round(self.score, 6),
            "spof_share": round(self.spof_share, 6),
            "concentration": round(self.concentration, 6),
            "binding_share": round(self.binding_share, 6),
            "spof_for": list(self.spof_for),
            "limits": list(self.limits),
            "also": list(self.also),
            "why": self.why,
        }


def _known(hhi: float | None) -> float:
    """An HHI, or 1.0 when unknown (no producer or no capacity on record)."""
    return 1.0 if hhi is None or math.isnan(hhi) else float(hhi)


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


def rank_bottlenecks(
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
