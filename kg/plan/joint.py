"""Joint capacity: what the key products can make together when they share inputs.

The single-product figure of the analyses (kg/analysis/capacity.py) gives each product every
shared input alone; the joint figure solves one linear programme over all products (lp.py).
Per product: the joint output, the single-product figure (labelled as such), the binding
inputs (an input group of the product is tight; the input's consumers need all it makes, and it
is at its producers' capacity or has a shadow price; the product is below its own producers'
capacity), and per input its shadow price: what one
more unit/day of its producers' capacity adds to the objective.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from kg.analysis.arrays import FloatArray
from kg.plan.context import PlanContext, PlanSource, plan_context
from kg.plan.lp import Objective, Solution, Weights, solve


def finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else float(x)


@dataclass(frozen=True)
class JointRow:
    product: str
    name: str | None
    unit: str | None
    key: bool
    demand_per_day: float | None
    joint_per_day: float | None  # None: nothing on record bounds it
    single_product_per_day: float | None  # the analyses' figure: the product alone
    producer_capacity_per_day: float | None
    share_of_demand: float | None
    binding_inputs: tuple[str, ...]
    shadow_price: float

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["binding_inputs"] = list(self.binding_inputs)
        return out


@dataclass(frozen=True)
class ShadowPrice:
    product: str
    name: str | None
    shadow_price: float
    capacity_per_day: float | None
    used_per_day: float
    feeds: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["feeds"] = list(self.feeds)
        return out


@dataclass
class JointReport:
    objective: str
    weights: str
    chain: str | None
    smallest_share: float | None  # demand-share objective: the smallest share of demand met
    weighted_output: float
    shadow_unit: str
    rows: list[JointRow] = field(default_factory=list)
    note: str | None = None  # lp.STAGE2_TIMED_OUT when stage 2 ran out of its time limit
    shadow_prices: list[ShadowPrice] = field(default_factory=list)

    def row(self, product: str) -> JointRow:
        for r in self.rows:
            if r.product == product:
                return r
        raise KeyError(product)

    def summary(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "weights": self.weights,
            "chain": self.chain,
            "smallest_share": self.smallest_share,
            "weighted_output": self.weighted_output,
            "shadow_unit": self.shadow_unit,
            "note": self.note,
        }


def required_use(pc: PlanContext, sol: Solution) -> FloatArray:
    """Per product: what its consumers' outputs need of it (an alt_group member: its flow)."""
    proj = pc.proj
    g = proj.groups
    alone = g.size[g.of_edge] == 1 if len(g.of_edge) else np.zeros(0, dtype=bool)
    need = np.where(alone, sol.x[proj.bom_out] * proj.bom_qty, sol.y)
    out = np.bincount(proj.bom_in, weights=need, minlength=proj.n_products)
    return np.asarray(out, dtype=np.float64)


def binding_inputs(
    pc: PlanContext, sol: Solution, q: int, ub: FloatArray, need: FloatArray
) -> tuple[str, ...]:
    """Inputs of q whose whole output its consumers need, at their producers' capacity (or
    with a shadow price: more of it would raise the objective), while q is below its own."""
    proj = pc.proj
    if not math.isfinite(sol.x[q]) or (
        math.isfinite(ub[q]) and sol.x[q] >= ub[q] - 1e-7 * max(1.0, ub[q])
    ):
        return ()
    out: set[str] = set()
    for gi in proj.groups.of_product[q]:
        if not sol.group_tight[gi]:
            continue
        for k in proj.groups.members[gi]:
            a = int(proj.bom_in[k])
            x = float(sol.x[a])
            used = need[a] >= x * (1 - 1e-7) - 1e-9
            full = math.isfinite(ub[a]) and x >= ub[a] * (1 - 1e-7)
            if used and (full or sol.shadow[a] > 0):
                out.add(proj.product_ids[a])
    return tuple(sorted(out))


def report(
    pc: PlanContext,
    sol: Solution,
    ub: FloatArray,
    products: list[int],
    keys: set[int],
    objective: Objective,
    how: Weights,
    chain: str | None,
) -> JointReport:
    proj = pc.proj
    single, pcap = pc.single, pc.producer_capacity
    rows = []
    need = required_use(pc, sol)
    for q in products:
        bounded = math.isfinite(single[q])
        x = float(sol.x[q]) if bounded else math.inf
        d = finite(float(pc.demand[q]))
        rows.append(
            JointRow(
                product=proj.product_ids[q],
                name=proj.product_name[q],
                unit=proj.product_unit[q],
                key=q in keys,
                demand_per_day=d,
                joint_per_day=finite(x),
                single_product_per_day=finite(float(single[q])),
                producer_capacity_per_day=finite(float(pcap[q])),
                share_of_demand=x / d if d and bounded else None,
                binding_inputs=binding_inputs(pc, sol, q, ub, need),
                shadow_price=float(sol.shadow[q]),
            )
        )
    prices = []
    feeds = proj.outputs_of
    for a in np.flatnonzero(sol.shadow > 0).tolist():
        prices.append(
            ShadowPrice(
                product=proj.product_ids[a],
                name=proj.product_name[a],
                shadow_price=float(sol.shadow[a]),
                capacity_per_day=finite(float(ub[a])),
                used_per_day=float(sol.x[a]),
                feeds=tuple(sorted(proj.product_ids[int(proj.bom_out[k])] for k in feeds[a])),
            )
        )
    prices.sort(key=lambda s: (-s.shadow_price, s.product))
    return JointReport(
        objective=objective.value,
        weights=how.value,
        chain=chain,
        smallest_share=sol.share,
        weighted_output=sol.value,
        shadow_unit=sol.shadow_unit,
        rows=rows,
        shadow_prices=prices,
        note=sol.note,
    )


def joint_capacity(
    source: PlanSource,
    objective: Objective = Objective.output,
    weights: Weights = Weights.demand,
    chain: str | None = None,
    all_products: bool = False,
    stage2_time_limit: float | None = None,
) -> JointReport:
    """The joint achievable output of the key products (every product with ``all_products``),
    against the single-product figures, with binding inputs and shadow prices.
    ``stage2_time_limit``: seconds for stage 2 of the demand-share objective (lp.solve)."""
    pc = plan_context(source)
    keys, w, ref = pc.objective_arrays(chain, objective, weights)
    ub = pc.producer_capacity
    sol = solve(pc.net, ub, w, ref, pc.share_scale(ref), stage2_time_limit)
    products = list(range(pc.proj.n_products)) if all_products else list(keys.indices)
    products.sort(key=lambda p: (p not in keys, pc.proj.product_ids[p]))
    return report(pc, sol, ub, products, set(keys.indices), objective, weights, chain)
