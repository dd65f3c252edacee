"""The key-enterprise list of each chain, ranked, with the reasons.

For a chain, the candidates are the enterprises that produce one of its products or are a
single point of failure of one of its key products, plus those on its declared white list
(KEY_ENTERPRISE_OF). Each is ranked by, in turn:

1. bottleneck score within the chain (weighted key products of the chain it is a SPOF of);
2. capacity criticality within the chain (share of the chain's key-product output lost
   without it);
3. capacity share: its largest share of the live capacity of one product of the chain;

and then by id. The reasons say which of these apply, in words, and quote the white list.
A list keeps the ``limit`` best-ranked enterprises (100 by default) plus the white list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kg.analysis.bottleneck import spof_scores
from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.keys import scope_products

DEFAULT_LIMIT = 100


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


def chain_ranking(
    ctx: Context, chain: str, limit: int | None = DEFAULT_LIMIT
) -> list[KeyEnterprise]:
    proj, c = ctx.proj, ctx.circuit
    ci = proj.chain(chain)
    keys = ctx.keys(chain)
    n_e = proj.n_enterprises
    scores = spof_scores(ctx, chain)
    losses = ctx.losses(keys)

    # capacity share: each enterprise's largest share of one chain product's live capacity
    in_chain = np.zeros(proj.n_products, dtype=bool)
    in_chain[scope_products(proj, chain)] = True
    lines = np.flatnonzero(proj.live & in_chain[proj.pr_prod])
    lp, le, cap = proj.pr_prod[lines], proj.pr_ent[lines], proj.pr_cap[lines]
    n_live = np.bincount(lp, minlength=proj.n_products)
    known = ~np.isnan(cap)
    capsum = np.bincount(lp, weights=np.where(known, cap, 0.0), minlength=proj.n_products)
    all_known = np.bincount(lp, weights=known.astype(float), minlength=proj.n_products) == n_live
    use_cap = all_known[lp] & (capsum[lp] > 0)
    part = np.where(
        use_cap, np.where(known, cap, 0.0) / np.where(capsum[lp] > 0, capsum[lp], 1.0), 0.0
    )
    part = np.where(use_cap, part, 1.0 / np.maximum(n_live[lp], 1))
    share = np.full(n_e, -1.0)
    share_of = np.full(n_e, -1, dtype=np.int64)
    if len(lines):
        order = np.lexsort((-part, le))
        firsts = order[np.r_[True, le[order][1:] != le[order][:-1]]]
        share[le[firsts]] = part[firsts]
        share_of[le[firsts]] = lp[firsts]
    sole_lines = lines[n_live[lp] == 1]

    score = np.zeros(n_e)
    for x, (sc, _) in scores.items():
        if c.e0 <= x < c.r0:
            score[x - c.e0] = sc
    crit = losses[c.e0 : c.r0] if losses is not None else np.zeros(n_e)
    listed = {e: reason for e, ch, reason in proj.listed if ch == ci}
    is_listed = np.zeros(n_e, dtype=bool)
    is_listed[list(listed)] = True
    candidate = (share >= 0) | (score > 0) | (crit > 0) | is_listed
    cands = np.flatnonzero(candidate)
    ids = np.asarray(proj.enterprise_ids, dtype=object)
    order = np.lexsort((ids[cands], -np.maximum(share[cands], 0), -crit[cands], -score[cands]))
    ranked = cands[order].tolist()
    chosen = ranked if limit is None else ranked[:limit]
    chosen_set = set(chosen)
    chosen += [e for e in sorted(listed) if e not in chosen_set]  # the white list stays in
    chosen_set = set(chosen)

    sole: dict[int, list[str]] = {}
    for k in sole_lines.tolist():
        e = int(proj.pr_ent[k])
        if e in chosen_set or e in listed:
            sole.setdefault(e, []).append(proj.product_ids[int(proj.pr_prod[k])])
    rank_of = {e: i + 1 for i, e in enumerate(ranked)}
    out = []
    for e in sorted(chosen, key=lambda x: rank_of[x]):
        x = c.e0 + e
        sc, of = scores.get(x, (0.0, []))
        cr = None if losses is None else float(crit[e])
        s = float(share[e]) if share[e] >= 0 else None
        sp = int(share_of[e]) if share_of[e] >= 0 else None
        reasons: list[str] = []
        if of:
            key_ids = sorted(proj.product_ids[k] for k in of)
            reasons.append(
                f"single point of failure of {len(key_ids)} key product(s): {_some(key_ids)}"
            )
        if e in sole:
            reasons.append(f"only live producer of {_some(sorted(sole[e]))}")
        if cr:
            reasons.append(f"its loss cuts {cr:.0%} of the chain's key-product output")
        if s is not None and sp is not None and e not in sole:
            reasons.append(f"{s:.0%} of the capacity for {proj.product_ids[sp]}")
        if e in listed:
            reasons.append("on the white list" + (f": {listed[e]}" if listed[e] else ""))
        out.append(
            KeyEnterprise(
                chain=chain,
                rank=rank_of[e],
                enterprise=proj.enterprise_ids[e],
                name=proj.enterprise_name[e],
                bottleneck_score=sc,
                spof_for=tuple(sorted(proj.product_ids[k] for k in of)),
                capacity_criticality=cr,
                capacity_share=s,
                share_of=proj.product_ids[sp] if sp is not None else None,
                sole_producer_of=tuple(sorted(sole.get(e, []))),
                listed=e in listed,
                reasons=tuple(reasons),
            )
        )
    return out


def key_enterprises(
    source: Source, chain: str | None = None, limit: int | None = DEFAULT_LIMIT
) -> list[KeyEnterprise]:
    """Ranked key-enterprise lists: of one chain, or of every chain in turn. Each list holds
    the ``limit`` best-ranked enterprises (None: all candidates) and every enterprise on the
    chain's white list."""
    ctx = ensure_context(source)
    chains = [chain] if chain is not None else sorted(ctx.proj.chain_ids)
    out: list[KeyEnterprise] = []
    for ch in chains:
        out.extend(chain_ranking(ctx, ch, limit))
    return out
