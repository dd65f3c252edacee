"""Line conversion and ramp-up: the joint achievable output day by day as lines come online.

Capacity of a product on day t (day 0 is today) is the sum over its lines of

    today + (full - today) x min(1, t / ramp_days)        (full at once when ramp_days is 0)

- an existing producer (PRODUCES): today is its output_per_day (else its capacity), full is
  its capacity; it ramps over the ramp_days of a CAN_PRODUCE row for the same enterprise and
  product (whose capacity_per_day is then the full figure), else over ``default_ramp_days``;
- a conversion (CAN_PRODUCE with no live PRODUCES line): today 0, full its capacity_per_day.

A product with no producer on record stays unbounded (an unknown producer), as in the
analyses. Each day's output comes from the joint programme (lp.py): with one product asked,
its own output is maximised; for the key products, the objective chosen. The day demand is
first met is the first day the product's output reaches its demand_per_day. A conversion
matters by the demand it meets over the horizon: the unmet demand (units x days, summed over
the products planned for) that dropping it would add, and the day demand is met without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from kg.analysis.arrays import FloatArray, IntArray
from kg.plan.context import PlanContext, PlanSource, plan_context
from kg.plan.joint import finite
from kg.plan.lp import Objective, PlanError, Weights, solve

DEFAULT_RAMP_DAYS = 7.0
MAX_HORIZON = 365


@dataclass(frozen=True)
class Lines:
    """Every line that can make a product: (product, today, full, ramp_days, conversion)."""

    product: IntArray
    today: FloatArray
    full: FloatArray
    ramp: FloatArray
    conversion: IntArray  # index into PlanData.conversions, -1 for none

    def capacity(self, pc: PlanContext, day: float, drop: int = -1) -> FloatArray:
        """Capacity of every product on ``day`` (without conversion ``drop``)."""
        n = pc.proj.n_products
        frac = np.where(self.ramp > 0, np.minimum(1.0, day / np.maximum(self.ramp, 1e-12)), 1.0)
        cap = self.today + (self.full - self.today) * frac
        keep = self.conversion != drop if drop >= 0 else np.ones(len(cap), dtype=bool)
        unknown = np.isinf(cap) & keep
        fin = np.bincount(
            self.product[keep], weights=np.where(unknown, 0.0, cap)[keep], minlength=n
        )
        ninf = np.bincount(self.product[unknown], minlength=n)
        on_record = pc.ctx.capacity.on_record
        out: FloatArray = np.where(on_record & (ninf == 0), fin, np.inf)
        return out


def lines(pc: PlanContext, default_ramp_days: float, skip: int = -1) -> Lines:
    """Every line; ``skip``: leave out that conversion row (an existing producer's line then
    ramps as though the row were not there)."""
    proj, data = pc.proj, pc.data
    conv_of = {(c.e, c.p): i for i, c in enumerate(data.conversions) if i != skip}
    prod, today, full, ramp, conv = [], [], [], [], []
    used: set[int] = set()
    live = proj.live.tolist()
    for k, (e, p, cap, out) in enumerate(
        zip(
            proj.pr_ent.tolist(),
            proj.pr_prod.tolist(),
            proj.pr_cap.tolist(),
            data.output.tolist(),
            strict=True,
        )
    ):
        if not live[k]:
            continue
        i = conv_of.get((e, p), -1)
        c1 = math.inf if math.isnan(cap) else cap
        r = default_ramp_days
        if i >= 0:
            used.add(i)
            c1, r = max(c1, data.conversions[i].capacity), data.conversions[i].ramp_days
        c0 = out if math.isfinite(out) else c1
        prod.append(p)
        today.append(min(c0, c1))
        full.append(c1)
        ramp.append(r)
        conv.append(i)
    for i, c in enumerate(data.conversions):
        if i in used or i == skip:
            continue
        prod.append(c.p)
        today.append(0.0)
        full.append(c.capacity)
        ramp.append(c.ramp_days)
        conv.append(i)
    return Lines(
        np.asarray(prod, dtype=np.int64),
        np.asarray(today, dtype=np.float64),
        np.asarray(full, dtype=np.float64),
        np.asarray(ramp, dtype=np.float64),
        np.asarray(conv, dtype=np.int64),
    )


@dataclass(frozen=True)
class DayRow:
    day: int
    product: str
    output_per_day: float | None
    capacity_per_day: float | None
    demand_per_day: float | None
    share_of_demand: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ProductRamp:
    product: str
    name: str | None
    demand_per_day: float | None
    today_per_day: float | None
    at_horizon_per_day: float | None
    day_met: int | None  # None: not within the horizon (or no demand on record)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ConversionEffect:
    enterprise: str
    name: str | None
    product: str
    capacity_per_day: float
    ramp_days: float
    existing_producer: bool
    unmet_demand_added: float  # units x days over the horizon, without this line
    day_met_without: int | None
    day_met_with: int | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class RampReport:
    horizon: int
    objective: str
    product: str | None
    all_met_day: int | None  # every planned product with a demand meets it
    products: list[ProductRamp] = field(default_factory=list)
    days: list[DayRow] = field(default_factory=list)
    conversions: list[ConversionEffect] = field(default_factory=list)
    # the days whose stage 2 (demand share) ran out of its time limit: stage 1's outputs
    stage2_cut_days: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "horizon": self.horizon,
            "objective": self.objective,
            "product": self.product,
            "all_met_day": self.all_met_day,
            "stage2_cut_days": self.stage2_cut_days,
        }


def _met(x: float, d: float) -> bool:
    return x >= d * (1 - 1e-6)


def _run_days(
    pc: PlanContext,
    ln: Lines,
    horizon: int,
    w: FloatArray,
    ref: FloatArray | None,
    stage2_time_limit: float | None = None,
    cut: list[int] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(output, capacity) per day (rows) and product (columns); the days whose stage 2 ran
    out of ``stage2_time_limit`` (lp.solve) are added to ``cut``."""
    xs, caps = [], []
    scale = pc.share_scale(ref)
    for t in range(horizon + 1):
        ub = ln.capacity(pc, float(t))
        sol = solve(pc.net, ub, w, ref, scale, stage2_time_limit)
        if sol.note and cut is not None:
            cut.append(t)
        xs.append(sol.x)
        caps.append(ub)
    return np.vstack(xs), np.vstack(caps)


def _day_met(xs: FloatArray, q: int, d: float) -> int | None:
    if not (math.isfinite(d) and d > 0):
        return None
    for t in range(xs.shape[0]):
        if _met(float(xs[t, q]), d):
            return t
    return None


def _unmet(xs: FloatArray, targets: list[int], demand: FloatArray) -> float:
    total = 0.0
    for q in targets:
        d = float(demand[q])
        if math.isfinite(d) and d > 0:
            total += float(np.maximum(0.0, d - xs[:, q]).sum())
    return total


def rampup(
    source: PlanSource,
    horizon: int = 30,
    product: str | Sequence[str] | None = None,
    chain: str | None = None,
    objective: Objective = Objective.demand_share,
    weights: Weights = Weights.demand,
    default_ramp_days: float = DEFAULT_RAMP_DAYS,
    rank_conversions: bool = True,
    stage2_time_limit: float | None = None,
) -> RampReport:
    """Day-by-day joint achievable output from day 0 to ``horizon`` (see the module text).

    ``product``: one product (its own output is maximised), several (planned together with
    the objective chosen, e.g. both masks), or None for the key products (of ``chain``).
    ``stage2_time_limit``: seconds for stage 2 of each day's demand-share programme (lp.solve;
    None: none); the days it cut short are listed in ``stage2_cut_days``."""
    if not 0 <= horizon <= MAX_HORIZON:
        raise PlanError(f"the horizon must be 0 to {MAX_HORIZON} days, not {horizon}")
    if default_ramp_days < 0:
        raise PlanError("default ramp days cannot be negative")
    pc = plan_context(source)
    proj = pc.proj
    ln = lines(pc, default_ramp_days)
    ref: FloatArray | None
    asked = [product] if isinstance(product, str) else list(product or ())
    if len(asked) == 1:
        q = proj.product(asked[0])
        targets = [q]
        w = np.zeros(proj.n_products)
        w[q] = 1.0
        ref = None
        objective_name = f"output of {asked[0]}"
    elif asked:
        chosen = sorted({proj.product(p) for p in asked}, key=lambda p: proj.product_ids[p])
        w, ref = pc.arrays_for(chosen, objective, weights)
        targets = chosen
        objective_name = f"{objective.value} of {', '.join(proj.product_ids[p] for p in chosen)}"
    else:
        keys, w, ref = pc.objective_arrays(chain, objective, weights)
        targets = list(keys.indices)
        objective_name = objective.value
    cut: list[int] = []
    xs, caps = _run_days(pc, ln, horizon, w, ref, stage2_time_limit, cut)
    bounded = np.isfinite(pc.single)
    demand = pc.demand
    rows: list[ProductRamp] = []
    days: list[DayRow] = []
    for q in targets:
        d = float(demand[q])
        met = _day_met(xs, q, d)
        ok = bool(bounded[q]) or bool(np.isfinite(caps[-1, q]))
        rows.append(
            ProductRamp(
                product=proj.product_ids[q],
                name=proj.product_name[q],
                demand_per_day=finite(d),
                today_per_day=float(xs[0, q]) if ok else None,
                at_horizon_per_day=float(xs[-1, q]) if ok else None,
                day_met=met,
            )
        )
        for t in range(horizon + 1):
            x = float(xs[t, q]) if ok else math.inf
            days.append(
                DayRow(
                    day=t,
                    product=proj.product_ids[q],
                    output_per_day=finite(x),
                    capacity_per_day=finite(float(caps[t, q])),
                    demand_per_day=finite(d),
                    share_of_demand=x / d if ok and math.isfinite(d) and d > 0 else None,
                )
            )
    all_met = _all_met(xs, targets, demand)
    effects: list[ConversionEffect] = []
    if rank_conversions and pc.data.conversions:
        upstream = pc.ctx.upstream_products(set(targets))
        base_unmet = _unmet(xs, targets, demand)
        on_line = {int(i) for i in ln.conversion.tolist() if i >= 0}
        live = proj.live
        existing_pairs = set(
            zip(proj.pr_ent[live].tolist(), proj.pr_prod[live].tolist(), strict=True)
        )
        single_target = targets[0] if len(targets) == 1 else None
        for i, c in enumerate(pc.data.conversions):
            if i not in on_line:
                continue
            if c.p in upstream:
                without_i = lines(pc, default_ramp_days, skip=i)
                xs_without, _ = _run_days(pc, without_i, horizon, w, ref)
                added = _unmet(xs_without, targets, demand) - base_unmet
                # below the solvers' tolerance on the totals: nothing added
                added = added if added > 1e-9 * max(1.0, base_unmet) else 0.0
            else:
                xs_without, added = xs, 0.0
            without = (
                _day_met(xs_without, single_target, float(demand[single_target]))
                if single_target is not None
                else _all_met(xs_without, targets, demand)
            )
            effects.append(
                ConversionEffect(
                    enterprise=proj.enterprise_ids[c.e],
                    name=proj.enterprise_name[c.e],
                    product=proj.product_ids[c.p],
                    capacity_per_day=c.capacity,
                    ramp_days=c.ramp_days,
                    existing_producer=(c.e, c.p) in existing_pairs,
                    unmet_demand_added=added,
                    day_met_without=without,
                    day_met_with=rows[0].day_met if single_target is not None else all_met,
                )
            )
        effects.sort(key=lambda e: (-e.unmet_demand_added, e.product, e.enterprise))
    return RampReport(
        horizon=horizon,
        objective=objective_name,
        product=", ".join(asked) or None,
        all_met_day=all_met,
        products=rows,
        days=days,
        conversions=effects,
        stage2_cut_days=cut,
    )


def _all_met(xs: FloatArray, targets: list[int], demand: FloatArray) -> int | None:
    """The first day every target with a demand meets it (None: no such day, or no demand)."""
    with_demand = [q for q in targets if math.isfinite(demand[q]) and demand[q] > 0]
    if not with_demand:
        return None
    for t in range(xs.shape[0]):
        if all(_met(float(xs[t, q]), float(demand[q])) for q in with_demand):
            return t
    return None
