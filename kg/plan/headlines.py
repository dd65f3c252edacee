"""What the demo and its report say about planning, on the sample (or any graph with a medical
chain): the joint mask capacity with melt-blown's shadow price, the day mask demand is met as
converted lines ramp up, and the resumption white list of a lockdown of the chain's main
province (the province holding the largest share of the chain's producer capacity, summed
over its products)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from kg.analysis.projection import UnknownIdError
from kg.model import DEFAULT_REGION_LEVEL
from kg.plan.context import PlanContext
from kg.plan.joint import JointReport, ShadowPrice, joint_capacity
from kg.plan.lp import Objective, PlanError
from kg.plan.rampup import RampReport, rampup
from kg.plan.resume import ResumeReport, resume

CHAIN = "medical-supplies"
MASKS = ("N95", "SURG-MASK")
MELT_BLOWN = "MB-FABRIC"


def main_region(pc: PlanContext, chain: str, level: str = DEFAULT_REGION_LEVEL) -> int | None:
    """The region (at ``level``) with the largest share of the chain's producer capacity,
    summed over the chain's products (each product's live, known capacity counts as 1)."""
    proj = pc.proj
    at = proj.enterprise_region_at(level)
    score: dict[int, float] = defaultdict(float)
    for q in sorted(set(proj.chain_products[proj.chain(chain)])):
        lines = [
            k
            for k in proj.producers_of[q]
            if proj.live[k] and not math.isnan(proj.pr_cap[k]) and proj.pr_cap[k] > 0
        ]
        total = sum(float(proj.pr_cap[k]) for k in lines)
        for k in lines:
            r = at[int(proj.pr_ent[k])]
            if r is not None:
                score[r] += float(proj.pr_cap[k]) / total
    if not score:
        return None
    return max(score, key=lambda r: (score[r], proj.region_codes[r]))


@dataclass
class PlanHeadlines:
    chain: str
    joint: JointReport
    melt_blown: ShadowPrice | None
    ramp: RampReport | None
    region: str | None  # code
    region_name: str | None
    resumption: ResumeReport | None

    def masks(self) -> list[tuple[str, float | None, float | None, float | None]]:
        """(product, joint, single-product figure, demand) of each mask."""
        return [
            (r.product, r.joint_per_day, r.single_product_per_day, r.demand_per_day)
            for r in self.joint.rows
            if r.product in MASKS
        ]

    def melt_blown_gain(self) -> dict[str, float]:
        """Masks a day one more unit/day of melt-blown capacity adds, per mask."""
        if self.melt_blown is None or self.joint.smallest_share is None:
            return {}
        if self.joint.shadow_unit.startswith("share"):
            return {
                r.product: self.melt_blown.shadow_price * (r.demand_per_day or 0.0)
                for r in self.joint.rows
                if r.product in MASKS
            }
        return {}


def plan_headlines(pc: PlanContext, chain: str = CHAIN) -> PlanHeadlines:
    joint = joint_capacity(pc, Objective.demand_share, chain=chain)
    mb = next((s for s in joint.shadow_prices if s.product == MELT_BLOWN), None)
    try:
        ramp: RampReport | None = rampup(pc, horizon=30, product=list(MASKS))
    except UnknownIdError:
        ramp = None
    r = main_region(pc, chain)
    res = None
    if r is not None:
        try:
            res = resume(pc, regions=[pc.proj.region_codes[r]], chain=chain, time_limit=30)
        except PlanError:
            res = None
    return PlanHeadlines(
        chain=chain,
        joint=joint,
        melt_blown=mb,
        ramp=ramp,
        region=pc.proj.region_codes[r] if r is not None else None,
        region_name=pc.proj.region_name[r] if r is not None else None,
        resumption=res,
    )


def _n(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def summary_lines(h: PlanHeadlines) -> list[str]:
    """The demo's planning headlines, one sentence each."""
    out = []
    masks = h.masks()
    if masks:
        parts = [f"{p} {_n(j)} a day (alone {_n(s)}; demand {_n(d)})" for p, j, s, d in masks]
        share = h.joint.smallest_share
        out.append(
            "Joint mask capacity: "
            + ", ".join(parts)
            + (f"; {share:.0%} of demand met at best for every key product" if share else "")
            + "."
        )
    if h.melt_blown is not None:
        gain = h.melt_blown_gain()
        extra = (
            " (" + ", ".join(f"+{v:,.0f} {p}" for p, v in gain.items()) + " a day)" if gain else ""
        )
        out.append(
            f"Melt-blown ({MELT_BLOWN}) is the weak link: shadow price "
            f"{h.melt_blown.shadow_price:.3g} ({h.joint.shadow_unit}) for each extra "
            f"t/day{extra}."
        )
    if h.ramp is not None:
        day = h.ramp.all_met_day
        top = [c for c in h.ramp.conversions if c.unmet_demand_added > 0][:3]
        out.append(
            (
                f"Mask demand met on day {day} as converted lines ramp up"
                if day is not None
                else f"Mask demand not met within {h.ramp.horizon} days"
            )
            + (
                "; the lines that matter most: "
                + ", ".join(f"{c.name or c.enterprise} ({c.product})" for c in top)
                if top
                else ""
            )
            + "."
        )
    res = h.resumption
    if res is not None:
        names = ", ".join(f"{e.order}. {e.name or e.enterprise}" for e in res.white_list)
        out.append(
            f"Lockdown of {h.region_name or h.region}: {len(res.stopped)} enterprises stop; "
            f"restart {len(res.white_list)} to bring every key product of {h.chain} to "
            f"{res.target_share:.0%} of normal output ({res.status}): {names or 'none'}."
            + (f" Cannot reach target: {', '.join(res.unreachable)}." if res.unreachable else "")
        )
    return out


def markdown_section(h: PlanHeadlines) -> str:
    """The report's planning section (Markdown)."""
    from kg.report import table

    parts = ["## Planning\n", "Definitions: README, 'Planning'.\n"]
    parts.append("".join(f"- {line}\n" for line in summary_lines(h)))
    parts.append(f"\n### Joint capacity of the key products of {h.chain}\n")
    parts.append(
        "Demand-share objective: the smallest share of demand met, then the output. The "
        "single-product figure gives each product every shared input alone.\n"
    )
    parts.append(
        table(
            ["product", "demand/day", "joint/day", "single-product/day", "binding inputs"],
            [
                (
                    r.product,
                    _n(r.demand_per_day),
                    _n(r.joint_per_day),
                    _n(r.single_product_per_day),
                    ", ".join(r.binding_inputs),
                )
                for r in h.joint.rows
            ],
        )
    )
    parts.append(f"\nShadow prices ({h.joint.shadow_unit}):\n")
    parts.append(
        table(
            ["input", "shadow price", "capacity/day", "feeds"],
            [
                (s.product, f"{s.shadow_price:.4g}", _n(s.capacity_per_day), ", ".join(s.feeds))
                for s in h.joint.shadow_prices
            ],
        )
    )
    if h.ramp is not None:
        parts.append("\n### Mask ramp-up\n")
        parts.append(
            table(
                ["enterprise", "product", "capacity/day", "ramp days", "unmet demand added"],
                [
                    (
                        c.name or c.enterprise,
                        c.product,
                        _n(c.capacity_per_day),
                        f"{c.ramp_days:g}",
                        _n(c.unmet_demand_added),
                    )
                    for c in h.ramp.conversions
                ],
            )
        )
    if h.resumption is not None:
        parts.append(f"\n### Resumption white list: lockdown of {h.region_name or h.region}\n")
        parts.append(
            table(
                ["order", "enterprise", "name", "makes", "unlocks"],
                [
                    (e.order, e.enterprise, e.name, ", ".join(e.makes), ", ".join(e.unlocks))
                    for e in h.resumption.white_list
                ],
            )
        )
    return "\n".join(parts)
