"""Disruption scenarios: remove enterprises, regions (with the regions inside them) and products,
and report what is lost, what is reduced, and how long stocks last against recovery.

- lost: available before, unavailable after (feasibility.py); reduced: still available but
  its achievable output (capacity.py) falls;
- capacity lost: the producers' capacity removed from each product, and the weighted share of
  the key products' achievable output lost;
- days of cover (time to survive), from the latest inventory snapshot of each holder that is
  still standing: stock / daily use of the product itself, plus, when the product is lost
  because an input is lost, the cover of that input (the input group that runs out first;
  within an alt_group the longest-lasting alternative). For a reduced product the stock
  covers the shortfall only: stock / (daily use x share of output lost);
- days to recover: lead_time_days of the product when it (or its producers) is lost; when it
  is lost through an input, the input's recovery time plus its own lead time. Unknown lead
  times count as 0, and a product with no lead time anywhere on the way reports none;
- at risk: days of cover below days to recover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.feasibility import available, removal_mask
from kg.analysis.projection import UnknownIdError


class ScenarioError(LookupError):
    """A scenario names ids that are not in the graph, or removes nothing."""


@dataclass(frozen=True)
class ProductImpact:
    product: str
    name: str | None
    key: bool
    status: str  # lost or reduced
    cause: str
    before_per_day: float | None
    after_per_day: float | None
    remaining_share: float | None
    producer_capacity_lost: float | None
    days_of_cover: float | None
    days_to_recover: float | None
    at_risk: bool | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Impact:
    enterprises: tuple[str, ...]  # as asked
    regions: tuple[str, ...]
    products: tuple[str, ...]
    enterprises_removed: tuple[str, ...]  # including those inside the regions
    regions_removed: tuple[str, ...]  # including the regions inside them
    lost: list[ProductImpact]
    reduced: list[ProductImpact]
    key_output_lost: float | None  # weighted share of key-product output, 0..1

    @property
    def key_lost(self) -> list[ProductImpact]:
        return [p for p in self.lost if p.key]

    @property
    def key_reduced(self) -> list[ProductImpact]:
        return [p for p in self.reduced if p.key]

    def rows(self) -> list[dict[str, object]]:
        """Lost then reduced products, key products first."""
        ordered = sorted(self.lost, key=lambda p: (not p.key, p.product)) + sorted(
            self.reduced, key=lambda p: (not p.key, p.product)
        )
        return [p.as_dict() for p in ordered]

    def summary(self) -> dict[str, object]:
        return {
            "enterprises_removed": len(self.enterprises_removed),
            "regions_removed": len(self.regions_removed),
            "products_removed": len(self.products),
            "products_lost": len(self.lost),
            "products_reduced": len(self.reduced),
            "key_products_lost": len(self.key_lost),
            "key_products_reduced": len(self.key_reduced),
            "key_output_lost": self.key_output_lost,
        }


def _finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else float(x)


def disrupt(
    source: Source,
    enterprises: Sequence[str] = (),
    regions: Sequence[str] = (),
    products: Sequence[str] = (),
) -> Impact:
    """Remove the named nodes and report the impact (see the module docstring)."""
    ctx = ensure_context(source)
    proj = ctx.proj
    if not (enterprises or regions or products):
        raise ScenarioError("a scenario needs at least one enterprise, region or product")
    unknown: list[str] = []
    ents: list[int] = []
    regs: list[int] = []
    prods: list[int] = []
    for kind, ids, out, find in (
        ("enterprise", enterprises, ents, proj.enterprise),
        ("region", regions, regs, proj.region),
        ("product", products, prods, proj.product),
    ):
        for key in ids:
            try:
                out.append(find(key))
            except UnknownIdError:
                unknown.append(f"{kind} {key!r}")
    if unknown:
        raise ScenarioError(
            f"not in the graph: {', '.join(unknown)}; check the ids (they are case-sensitive)"
        )
    return impact(ctx, ents, regs, prods, enterprises, regions, products)


def impact(
    ctx: Context,
    ents: list[int],
    regs: list[int],
    prods: list[int],
    asked_e: Sequence[str] = (),
    asked_r: Sequence[str] = (),
    asked_p: Sequence[str] = (),
) -> Impact:
    proj, circuit, model = ctx.proj, ctx.circuit, ctx.capacity
    n = proj.n_products
    all_regions = sorted({s for r in regs for s in proj.region_descendants[r]})
    removed_ents = sorted(set(ents) | {e for r in regs for e in proj.enterprises_in_region(r)})
    lines: set[int] = set()
    for e in removed_ents:
        lines.update(proj.lines_of_enterprise[e])
    mask = removal_mask(circuit, prods, removed_ents, all_regions)
    avail_after = available(circuit, mask)[:n]
    after, pcap_after = model.solve(lines, prods, avail_after)
    before, pcap_before = model.ach, model.pcap
    base = model.avail
    gone_holder = np.zeros(proj.n_enterprises, dtype=bool)
    gone_holder[removed_ents] = True

    stock = np.zeros(n)
    use = np.zeros(n)
    for e, p, s, u in zip(
        proj.hold_ent.tolist(),
        proj.hold_prod.tolist(),
        proj.hold_stock.tolist(),
        proj.hold_use.tolist(),
        strict=True,
    ):
        if gone_holder[e] or math.isnan(s) or math.isnan(u) or u <= 0:
            continue
        stock[p] += s
        use[p] += u
    cover = np.divide(stock, use, out=np.zeros(n), where=use > 0)
    lead = proj.lead_time

    lost_set = {p for p in range(n) if base[p] and not avail_after[p]}
    removed_products = set(prods)
    tts: dict[int, float] = {}
    ttr: dict[int, float | None] = {}
    cause: dict[int, str] = {}
    for comp in model.order:
        for p in comp:
            if p not in lost_set:
                continue
            own = None if math.isnan(lead[p]) else float(lead[p])
            live_left = [k for k, _ in model.lines[p] if k not in lines]
            failed = [
                (g, members)
                for g, members in model.groups[p]
                if all(a in lost_set for a, _ in members)
            ]
            tts[p], ttr[p] = float(cover[p]), own
            if p in removed_products:
                cause[p] = "removed"
            elif model.on_record[p] and not live_left:
                cause[p] = "no live producer left"
            elif not failed:
                cause[p] = "lost with the cycle it sits in"
            else:
                g, members = failed[0]
                cause[p] = (
                    f"input {proj.product_ids[members[0][0]]} lost"
                    if len(members) == 1
                    else f"every alternative in alt group '{g}' lost"
                )
                # stocks of the inputs carry production on: the first group to run out ends it
                tts[p] += min(max(tts.get(a, 0.0) for a, _ in m) for _, m in failed)
                # the inputs must come back first (the fastest alternative of each group)
                waits = []
                for _, m in failed:
                    known = [t for a, _ in m if (t := ttr.get(a)) is not None]
                    if known:
                        waits.append(min(known))
                if waits or own is not None:
                    ttr[p] = (own or 0.0) + (max(waits) if waits else 0.0)

    keys = ctx.keys()
    lost: list[ProductImpact] = []
    reduced: list[ProductImpact] = []
    for p in range(n):
        b, a = float(before[p]), float(after[p])
        cap_lost = float(pcap_before[p]) - float(pcap_after[p])
        cap_lost_out = _finite(cap_lost) if model.on_record[p] and cap_lost > 0 else None
        if p in lost_set:
            rec = ttr.get(p)
            lost.append(
                ProductImpact(
                    product=proj.product_ids[p],
                    name=proj.product_name[p],
                    key=p in keys,
                    status="lost",
                    cause=cause[p],
                    before_per_day=_finite(b),
                    after_per_day=0.0,
                    remaining_share=0.0,
                    producer_capacity_lost=cap_lost_out,
                    days_of_cover=tts[p],
                    days_to_recover=rec,
                    at_risk=None if rec is None else tts[p] < rec,
                )
            )
        elif base[p] and avail_after[p] and math.isfinite(b) and b > 0 and a < b * (1 - 1e-9):
            remaining = a / b
            short = float(use[p]) * (1.0 - remaining)
            days = float(stock[p]) / short if short > 0 else 0.0
            rec_lead = float(lead[p])
            rec = None if math.isnan(rec_lead) else rec_lead
            _, limiting = model.limit(p, after, float(pcap_after[p]))
            reduced.append(
                ProductImpact(
                    product=proj.product_ids[p],
                    name=proj.product_name[p],
                    key=p in keys,
                    status="reduced",
                    cause=(f"input {limiting} reduced" if limiting else "producer capacity lost"),
                    before_per_day=b,
                    after_per_day=a,
                    remaining_share=remaining,
                    producer_capacity_lost=cap_lost_out,
                    days_of_cover=days,
                    days_to_recover=rec,
                    at_risk=None if rec is None else days < rec,
                )
            )
    weights = {k: w for k, w in keys.weights.items() if math.isfinite(before[k]) and before[k] > 0}
    total = sum(weights.values())
    key_lost = (
        sum(w * (1.0 - float(after[k]) / float(before[k])) for k, w in weights.items()) / total
        if total > 0
        else None
    )
    return Impact(
        enterprises=tuple(asked_e),
        regions=tuple(asked_r),
        products=tuple(asked_p),
        enterprises_removed=tuple(proj.enterprise_ids[e] for e in removed_ents),
        regions_removed=tuple(proj.region_codes[r] for r in all_regions),
        lost=lost,
        reduced=reduced,
        key_output_lost=key_lost,
    )
