"""Disruption scenarios: remove enterprises, regions (with the regions inside them) and products,
and report what is lost, what is reduced, and how long stocks last against recovery.

- lost: available before, unavailable after (feasibility.py); reduced: still available but
  its achievable output (capacity.py) falls;
- capacity lost: the producers' capacity removed from each product, and the weighted share of
  the key products' achievable output lost;
- days of cover (time to survive) and days to recover are computed one way for lost and
  reduced products alike. A product's shortfall is its daily use x the share of its output
  lost (all of it when lost). Days of cover = the stock still standing (holders not removed)
  over that shortfall, plus, when the shortfall comes through inputs, the cover of those
  inputs (their stocks carry production on): for a lost product the input group that runs
  out first (within an alt_group the longest-lasting alternative), for a reduced product its
  limiting input group. A shortfall of the product's own producers (capacity lost, no live
  producer left, removed) is carried by the product's own stock only: no input stock makes
  up for a plant that is gone. So the battery-electric car that keeps 92% of its output
  after a region's car plants stop has 0 days of cover (no car stock is on record), and the
  same car lost through its chips' only lithography supplier has the cover of the chip
  inputs that car makers and chip makers hold (151 days on the sample);
- days to recover: the product's own lead_time_days, plus, when the shortfall comes through
  inputs, the time for those inputs to come back (for each failed or limiting group its
  fastest alternative; the slowest group counts). Unknown lead times count as 0, and a product
  with no lead time anywhere on the way reports none;
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from kg.analysis.arrays import FloatArray
from kg.analysis.capacity import CapacityModel
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

    def ordered(self) -> list[ProductImpact]:
        """The one order of every front end (CLI, API, report): lost then reduced products,
        key products first, then those short longest (days to recover minus days of cover),
        then by id."""

        def order(p: ProductImpact) -> tuple[bool, bool, float, str]:
            gap = (p.days_to_recover or 0.0) - (p.days_of_cover or 0.0)
            return (p.status != "lost", not p.key, -gap, p.product)

        return sorted([*self.lost, *self.reduced], key=order)

    def rows(self) -> list[dict[str, object]]:
        """:meth:`ordered` as dicts."""
        return [p.as_dict() for p in self.ordered()]

    def headline(self) -> str:
        """One sentence: what was removed and what it costs the key products."""
        s = self.summary()
        lost = s["key_output_lost"]
        return (
            f"removed {s['enterprises_removed']} enterprise(s), {s['regions_removed']} "
            f"region(s), {s['products_removed']} product(s): {s['key_products_lost']} key "
            f"product(s) lost, {s['key_products_reduced']} reduced; "
            + (
                f"{lost:.1%} of key-product output lost"
                if isinstance(lost, float)
                else "no key product has a known capacity"
            )
        )

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


def _limiting_group(
    model: CapacityModel, p: int, after: FloatArray, pcap: float
) -> list[tuple[int, float]] | None:
    """The input group that limits p's output after the disruption (as CapacityModel.limit
    decides), or None when p's own producers' capacity is what binds."""
    best, which = math.inf, None
    for _, members in model.groups[p]:
        supply = sum(float(after[a]) / qty for a, qty in members)
        if supply < best:
            best, which = supply, members
    if which is None or pcap <= best:
        return None
    return list(which)


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
    lead = proj.lead_time

    lost_set = {p for p in range(n) if base[p] and not avail_after[p]}
    reduced_set = {
        p
        for p in range(n)
        if p not in lost_set
        and base[p]
        and avail_after[p]
        and math.isfinite(float(before[p]))
        and float(before[p]) > 0
        and float(after[p]) < float(before[p]) * (1 - 1e-9)
    }
    removed_products = set(prods)
    tts: dict[int, float] = {}
    ttr: dict[int, float | None] = {}
    cause: dict[int, str] = {}
    through: list[list[tuple[int, float]]]
    for comp in model.order:
        for p in comp:
            if p in lost_set:
                share_lost = 1.0
                live_left = [k for k, _ in model.lines[p] if k not in lines]
                failed = [
                    (g, members)
                    for g, members in model.groups[p]
                    if all(a in lost_set for a, _ in members)
                ]
                if p in removed_products:
                    cause[p], through = "removed", []
                elif model.on_record[p] and not live_left:
                    cause[p], through = "no live producer left", []
                elif not failed:
                    cause[p], through = "lost with the cycle it sits in", []
                else:
                    g, members = failed[0]
                    cause[p] = (
                        f"input {proj.product_ids[members[0][0]]} lost"
                        if len(members) == 1
                        else f"every alternative in alt group '{g}' lost"
                    )
                    through = [m for _, m in failed]
            elif p in reduced_set:
                share_lost = 1.0 - float(after[p]) / float(before[p])
                limiting = _limiting_group(model, p, after, float(pcap_after[p]))
                if limiting is not None and any(
                    a in lost_set or a in reduced_set for a, _ in limiting
                ):
                    ids = sorted(proj.product_ids[a] for a, _ in limiting)
                    cause[p], through = f"input {'|'.join(ids)} reduced", [limiting]
                else:
                    cause[p], through = "producer capacity lost", []
            else:
                continue
            short = float(use[p]) * share_lost
            tts[p] = float(stock[p]) / short if short > 0 else 0.0
            own = None if math.isnan(lead[p]) else float(lead[p])
            ttr[p] = own
            if through:
                # the inputs' stocks carry production on: the first group to run out ends it
                tts[p] += min(max(tts.get(a, 0.0) for a, _ in m) for m in through)
                # the inputs must come back first (the fastest alternative of each group)
                waits = []
                for m in through:
                    known = [t for a, _ in m if (t := ttr.get(a)) is not None]
                    if known:
                        waits.append(min(known))
                if waits or own is not None:
                    ttr[p] = (own or 0.0) + (max(waits) if waits else 0.0)

    keys = ctx.keys()
    lost: list[ProductImpact] = []
    reduced: list[ProductImpact] = []
    for p in sorted(lost_set | reduced_set):
        b, a = float(before[p]), float(after[p])
        cap_lost = float(pcap_before[p]) - float(pcap_after[p])
        cap_lost_out = _finite(cap_lost) if model.on_record[p] and cap_lost > 0 else None
        rec = ttr.get(p)
        is_lost = p in lost_set
        (lost if is_lost else reduced).append(
            ProductImpact(
                product=proj.product_ids[p],
                name=proj.product_name[p],
                key=p in keys,
                status="lost" if is_lost else "reduced",
                cause=cause[p],
                before_per_day=_finite(b),
                after_per_day=0.0 if is_lost else a,
                remaining_share=0.0 if is_lost else a / b,
                producer_capacity_lost=cap_lost_out,
                days_of_cover=tts[p],
                days_to_recover=rec,
                at_risk=None if rec is None else tts[p] < rec,
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
