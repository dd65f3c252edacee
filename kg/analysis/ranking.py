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

import numpy as np
from scipy.sparse import csr_matrix

from kg.analysis.arrays import IntArray, expand_ranges, group_sum
from kg.analysis.bottleneck import spof_pairs
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


def _binding_pairs(ctx: Context, keys: tuple[int, ...]) -> tuple[IntArray, IntArray]:
    """(product, key position) pairs: the product limits the achievable output of the key
    product ``keys[position]``, as its limiting input or the limiting input of one, and so on
    up the chain (the product itself only when a cycle of limits leads back to it)."""
    proj = ctx.proj
    n = proj.n_products
    src: list[int] = []
    dst: list[int] = []
    for p, row in enumerate(ctx.capacity_rows):
        if row.limited_by == "input" and row.limiting_input:
            for pid in row.limiting_input.split("|"):
                src.append(p)
                dst.append(proj.product(pid))
    m = len(keys)
    empty = np.zeros(0, dtype=np.int64)
    if not src or not m:
        return empty, empty
    one = np.ones(len(src), dtype=np.int8)
    limits = csr_matrix((one, (np.asarray(src), np.asarray(dst))), shape=(n, n), dtype=np.int8)
    limits.data[:] = 1
    start = np.arange(m, dtype=np.int64)
    frontier = csr_matrix(
        (np.ones(m, dtype=np.int8), (start, np.asarray(keys, dtype=np.int64))), shape=(m, n)
    )
    seen = csr_matrix((m, n), dtype=np.int8)
    while frontier.nnz:
        reached = (frontier @ limits).astype(bool).astype(np.int8)
        new = (reached - reached.multiply(seen)).tocsr()
        new.eliminate_zeros()
        seen = (seen + new).tocsr()
        frontier = new
    coo = seen.tocoo()
    return coo.col.astype(np.int64), coo.row.astype(np.int64)


def _spof_pairs(ctx: Context, chain: str | None, region_level: str) -> tuple[IntArray, ...]:
    """(circuit node, key position) of every single point of failure counted in the ranking:
    a region only at ``region_level`` and only when hidden (not the product's own regional
    single source)."""
    proj, c = ctx.proj, ctx.circuit
    x, k, hidden = spof_pairs(ctx, chain)
    at_level = np.asarray([lv == region_level for lv in proj.region_level] + [False], dtype=bool)
    region = x >= c.r0
    keep = ~region | (at_level[np.where(region, x - c.r0, proj.n_regions)] & hidden)
    return x[keep], k[keep]


def _pair_sets(x: IntArray, k: IntArray) -> tuple[IntArray, dict[int, tuple[int, int]]]:
    """The key positions of (x, key position) pairs sorted by x then key, without repeats,
    and for each x the slice of them that is its own."""
    order = np.lexsort((k, x))
    x, k = x[order], k[order]
    if not len(x):
        return k, {}
    first = np.r_[True, (x[1:] != x[:-1]) | (k[1:] != k[:-1])]
    x, k = x[first], k[first]
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = [*starts[1:].tolist(), len(x)]
    return k, dict(zip(x[starts].tolist(), zip(starts.tolist(), ends, strict=True), strict=True))


def rank_bottlenecks(
    source: Source, chain: str | None = None, region_level: str = DEFAULT_REGION_LEVEL
) -> list[RankedNode]:
    """Every node with a positive score, ranked (see the module docstring). Computed over
    arrays of (node, key product) pairs; the rows are built for the ranked nodes only."""
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
    n = c.v0
    key_list = keys.indices
    weight = np.asarray([keys.weights[k] for k in key_list], dtype=np.float64)
    live = proj.live

    # single points of failure: (node, key) pairs
    sx, sk = _spof_pairs(ctx, chain, region_level)

    # capacity bottlenecks: (node, key, share) for products, their producers, their regions
    bp, bk = _binding_pairs(ctx, key_list)
    lines = np.flatnonzero(live)
    lp, le, lcap = proj.pr_prod[lines], proj.pr_ent[lines], proj.pr_cap[lines]
    nan = np.isnan(lcap)
    known = np.bincount(lp, weights=np.where(nan, 0.0, lcap), minlength=proj.n_products)
    n_lines = np.bincount(lp, minlength=proj.n_products)
    line_share = np.where(
        (known[lp] > 0) & ~nan,
        lcap / np.where(known[lp] > 0, known[lp], 1.0),
        1.0 / np.maximum(n_lines[lp], 1),
    )
    by_prod = np.argsort(lp, kind="stable")
    starts = np.zeros(proj.n_products + 1, dtype=np.int64)
    np.cumsum(n_lines, out=starts[1:])
    counts = n_lines[bp]
    at = by_prod[expand_ranges(starts[bp], counts)]
    ex, ek = c.e0 + le[at], np.repeat(bk, counts)
    e_x, e_k, (e_share,) = group_sum((ex, ek), line_share[at])
    region_at = proj.enterprise_region_at(region_level)
    reg = np.asarray([-1 if r is None else r for r in region_at], dtype=np.int64)
    in_reg = reg[e_x - c.e0] >= 0 if len(e_x) else np.zeros(0, dtype=bool)
    r_x, r_k, (r_share,) = group_sum((c.r0 + reg[e_x[in_reg] - c.e0], e_k[in_reg]), e_share[in_reg])
    bind_x = np.concatenate([bp, e_x, r_x])
    bind_k = np.concatenate([bk, e_k, r_k])
    bind_s = np.concatenate([np.ones(len(bp)), e_share, r_share])

    spof_w = np.bincount(sx, weights=weight[sk], minlength=n)
    bind_w = np.bincount(bind_x, weights=weight[bind_k] * np.minimum(bind_s, 1.0), minlength=n)
    is_spof = np.bincount(sx, minlength=n) > 0
    binds = np.bincount(bind_x, minlength=n) > 0

    # which nodes are ranked
    kind = np.full(n, 0, dtype=np.int64)  # 0 product, 1 enterprise, 2 region
    kind[c.e0 : c.r0], kind[c.r0 :] = 1, 2
    cand = is_spof | binds
    levels = np.asarray([lv == region_level for lv in proj.region_level], dtype=bool)
    cand[c.r0 :] &= levels
    producers_all = set(le.tolist())
    for r in np.flatnonzero(cand[c.r0 :]).tolist():
        if producers_all and producers_all <= set(proj.enterprises_in_region(r)):
            cand[c.r0 + r] = False
    sourcing = ctx.sourcing(region_level)
    concentration = np.ones(n)
    for p in np.flatnonzero(cand[: c.e0]).tolist():
        concentration[p] = _known(sourcing[p].hhi) * _known(sourcing[p].hhi_region)
    spof_share = spof_w / total
    binding_share = bind_w / total
    score = spof_share * concentration + binding_share
    chosen = np.flatnonzero(cand & (score > 0))

    key_ids = [proj.product_ids[k] for k in key_list]  # in id order already
    of_k, of_at = _pair_sets(sx, sk)
    lim_k, lim_at = _pair_sets(bind_x, bind_k)
    of_ids = [key_ids[i] for i in of_k.tolist()]
    lim_ids = [key_ids[i] for i in lim_k.tolist()]
    none = (0, 0)
    kinds = ("product", "enterprise", "region")
    ids, names = c.real_ids, c.real_names
    rows: dict[int, RankedNode] = {}
    for x, kd, sc, ss, conc, bs in zip(
        chosen.tolist(),
        kind[chosen].tolist(),
        score[chosen].tolist(),
        spof_share[chosen].tolist(),
        concentration[chosen].tolist(),
        binding_share[chosen].tolist(),
        strict=True,
    ):
        a, b = of_at.get(x, none)
        la, lb = lim_at.get(x, none)
        rows[x] = RankedNode(
            node=ids[x],
            kind=kinds[kd],
            name=names[x],
            score=sc,
            spof_share=ss,
            concentration=conc,
            binding_share=bs,
            spof_for=tuple(of_ids[a:b]),
            limits=tuple(lim_ids[la:lb]),
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
    at_region: dict[int, list[int]] = {}
    for e, r in enumerate(region_at):
        if r is not None:
            at_region.setdefault(r, []).append(c.e0 + e)
    for x in [x for x, row in rows.items() if row.kind == "region"]:
        row = rows[x]
        if row.binding_share:
            continue
        inside = [
            y for y in at_region.get(x - c.r0, []) if y in rows and rows[y].spof_for == row.spof_for
        ]
        if len(inside) == 1:
            rows[inside[0]].also.append(f"its region {row.node} ({row.name})")
            del rows[x]
