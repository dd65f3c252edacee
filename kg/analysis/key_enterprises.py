"""The key-enterprise list of each chain, ranked, with the reasons.

For a chain, the candidates are the enterprises that produce one of its products or are a
single point of failure of one of its key products, plus those on its declared white list
(KEY_ENTERPRISE_OF). Each is ranked by, in turn:

1. bottleneck score within the chain (weighted key products of the chain it is a SPOF of);
2. capacity criticality within the chain (share of the chain's key-product output lost
   without it);
3. capacity share: its largest share of the live capacity of one product of the chain;

and then by id. The reasons say which of these apply, in words, and quote the white list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from kg.analysis.bottleneck import spof_scores
from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.keys import scope_products


@dataclass(frozen=True)
class KeyEnterprise:
    chain: str
    rank: int
    enterprise: str
    name: str | None
    bottleneck_score: float
    spof_for: tuple[str, ...]
    capacity_criticality: float | None
    capacity_share: float | None
    share_of: str | None  # the product of that largest share
    sole_producer_of: tuple[str, ...]
    listed: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "chain": self.chain,
            "rank": self.rank,
            "enterprise": self.enterprise,
            "name": self.name,
            "bottleneck_score": self.bottleneck_score,
            "spof_for": list(self.spof_for),
            "capacity_criticality": self.capacity_criticality,
            "capacity_share": self.capacity_share,
            "share_of": self.share_of,
            "sole_producer_of": list(self.sole_producer_of),
            "listed": self.listed,
            "reasons": list(self.reasons),
        }


def _some(ids: list[str], n: int = 3) -> str:
    head = ", ".join(ids[:n])
    return head + (f" and {len(ids) - n} more" if len(ids) > n else "")


def chain_ranking(ctx: Context, chain: str) -> list[KeyEnterprise]:
    proj, c = ctx.proj, ctx.circuit
    ci = proj.chain(chain)
    keys = ctx.keys(chain)
    products = scope_products(proj, chain)
    live = proj.live.tolist()
    scores = spof_scores(ctx, chain)

    share: dict[int, tuple[float, int]] = {}
    sole: dict[int, list[str]] = {}
    for p in products:
        lines = [k for k in proj.producers_of[p] if live[k]]
        caps = [float(proj.pr_cap[k]) for k in lines]
        known = bool(caps) and all(not math.isnan(x) for x in caps) and sum(caps) > 0
        for k, cap in zip(lines, caps, strict=True):
            e = int(proj.pr_ent[k])
            part = cap / sum(caps) if known else 1.0 / len(lines)
            if e not in share or part > share[e][0]:
                share[e] = (part, p)
            if len(lines) == 1:
                sole.setdefault(e, []).append(proj.product_ids[p])
    listed = {e: reason for e, ch, reason in proj.listed if ch == ci}
    ents = set(share) | {x - c.e0 for x in scores if c.e0 <= x < c.r0} | set(listed)
    finite = {k for k in keys.indices if 0 < ctx.capacity.ach[k] < math.inf}
    rows = []
    for e in ents:
        x = c.e0 + e
        score, of = scores.get(x, (0.0, []))
        crit = ctx.output_lost(x, keys) if finite else None
        s: float | None = None
        sp: int | None = None
        if e in share:
            s, sp = share[e]
        reasons: list[str] = []
        if of:
            ids = sorted(proj.product_ids[k] for k in of)
            reasons.append(f"single point of failure of {len(ids)} key product(s): {_some(ids)}")
        if e in sole:
            reasons.append(f"only live producer of {_some(sorted(sole[e]))}")
        if crit:
            reasons.append(f"its loss cuts {crit:.0%} of the chain's key-product output")
        if s is not None and sp is not None and e not in sole:
            reasons.append(f"{s:.0%} of the capacity for {proj.product_ids[sp]}")
        if e in listed:
            reasons.append("on the white list" + (f": {listed[e]}" if listed[e] else ""))
        rows.append(
            (
                (-score, -(crit or 0.0), -(s or 0.0), proj.enterprise_ids[e]),
                KeyEnterprise(
                    chain=chain,
                    rank=0,
                    enterprise=proj.enterprise_ids[e],
                    name=proj.enterprise_name[e],
                    bottleneck_score=score,
                    spof_for=tuple(sorted(proj.product_ids[k] for k in of)),
                    capacity_criticality=crit,
                    capacity_share=s,
                    share_of=proj.product_ids[sp] if sp is not None else None,
                    sole_producer_of=tuple(sorted(sole.get(e, []))),
                    listed=e in listed,
                    reasons=tuple(reasons),
                ),
            )
        )
    rows.sort(key=lambda item: item[0])
    return [replace(row, rank=rank) for rank, (_, row) in enumerate(rows, start=1)]


def key_enterprises(source: Source, chain: str | None = None) -> list[KeyEnterprise]:
    """Ranked key-enterprise lists: of one chain, or of every chain in turn."""
    ctx = ensure_context(source)
    chains = [chain] if chain is not None else sorted(ctx.proj.chain_ids)
    out: list[KeyEnterprise] = []
    for ch in chains:
        out.extend(chain_ranking(ctx, ch))
    return out
