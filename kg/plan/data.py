"""What planning reads beside the analyses' projection: today's output of each producer line,
the lines that could be converted (CAN_PRODUCE) and the demand of the demand areas (DEMANDS).

The projection (kg/analysis/projection.py) keeps one capacity per PRODUCES edge (capacity_per_day,
else output_per_day); ramp-up needs both figures, so they are read once more, with the
conversions, and aligned with the projection's PRODUCES edges. A product's demand is its
demand_per_day, else the latest daily_demand of every area that demands it, added up (the
figure the monitoring uses for final products).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kg import model
from kg.analysis.arrays import FloatArray
from kg.analysis.projection import Projection
from kg.connection import Graph
from kg.cypher import render

_OUTPUT = render(
    "MATCH (e:{E})-[r:{T}]->(p:{P}) RETURN collect([e.{ek}, p.{pk}, r.{out}]) AS rows",
    E=model.ENTERPRISE.label,
    T=model.PRODUCES.type,
    P=model.PRODUCT.label,
    ek=model.ENTERPRISE.key,
    pk=model.PRODUCT.key,
    out="output_per_day",
)
_CONVERSIONS = render(
    "MATCH (e:{E})-[r:{T}]->(p:{P}) RETURN collect([e.{ek}, p.{pk}, r.{cap}, r.{ramp}]) AS rows",
    E=model.ENTERPRISE.label,
    T=model.CAN_PRODUCE.type,
    P=model.PRODUCT.label,
    ek=model.ENTERPRISE.key,
    pk=model.PRODUCT.key,
    cap="capacity_per_day",
    ramp="ramp_days",
)
_DEMANDS = render(
    "MATCH (a:{A})-[r:{T}]->(p:{P}) "
    "RETURN collect([a.{ak}, p.{pk}, toString(r.{asof}), r.{daily}, r.{prio}]) AS rows",
    A=model.AREA.label,
    T=model.DEMANDS.type,
    P=model.PRODUCT.label,
    ak=model.AREA.key,
    pk=model.PRODUCT.key,
    asof="as_of",
    daily="daily_demand",
    prio="priority",
)


@dataclass(frozen=True)
class Conversion:
    """A CAN_PRODUCE line: enterprise ``e`` could make product ``p`` at ``capacity`` per day,
    reached ``ramp_days`` after the decision (a linear ramp)."""

    e: int
    p: int
    capacity: float
    ramp_days: float


@dataclass
class PlanData:
    """Planning's extra rows, by projection index."""

    output: FloatArray  # per PRODUCES edge: output_per_day (NaN: not given)
    conversions: list[Conversion] = field(default_factory=list)
    skipped: int = 0  # rows naming an enterprise or product not in the projection
    area_demand: FloatArray | None = None  # per product: latest DEMANDS of every area, summed
    priority: FloatArray | None = None  # per product: the most urgent priority demanding it

    @classmethod
    def empty(cls, proj: Projection) -> PlanData:
        return cls(np.full(len(proj.pr_ent), np.nan))


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def area_demand(proj: Projection, rows: list[tuple[Any, ...]]) -> tuple[FloatArray, FloatArray]:
    """Per product: the latest (area, product, as_of, daily_demand, priority) of each area,
    the demands summed and the most urgent (lowest) priority; NaN for a product no area
    demands."""
    latest: dict[tuple[str, int], tuple[str, float, float]] = {}
    for area, pid, as_of, daily, *rest in rows:
        p = proj.product_pos.get(str(pid))
        d = _num(daily)
        if p is None or not math.isfinite(d):
            continue
        key = (str(area), p)
        stamp = str(as_of or "")
        if key not in latest or stamp >= latest[key][0]:
            latest[key] = (stamp, d, _num(rest[0]) if rest else math.nan)
    out = np.full(proj.n_products, np.nan)
    prio = np.full(proj.n_products, np.nan)
    for (_, p), (_, d, pr) in latest.items():
        out[p] = d if math.isnan(out[p]) else out[p] + d
        if math.isfinite(pr) and not pr >= prio[p]:
            prio[p] = pr
    return out, prio


def plan_data(
    proj: Projection,
    output_rows: list[tuple[Any, ...]],
    conversion_rows: list[tuple[Any, ...]],
    demand_rows: list[tuple[Any, ...]] | None = None,
) -> PlanData:
    """Align (enterprise, product, output_per_day), (enterprise, product, capacity_per_day,
    ramp_days) and (area, product, as_of, daily_demand) rows with the projection; rows naming
    unknown nodes are counted and skipped."""
    edge = {
        (int(e), int(p)): k
        for k, (e, p) in enumerate(zip(proj.pr_ent.tolist(), proj.pr_prod.tolist(), strict=True))
    }
    output = np.full(len(proj.pr_ent), np.nan)
    skipped = 0
    for e_id, p_id, out in output_rows:
        k = edge.get((proj.enterprise_pos.get(str(e_id), -1), proj.product_pos.get(str(p_id), -1)))
        if k is not None:
            output[k] = _num(out)
    conversions = []
    for e_id, p_id, cap, ramp in conversion_rows:
        e = proj.enterprise_pos.get(str(e_id))
        p = proj.product_pos.get(str(p_id))
        c, r = _num(cap), _num(ramp)
        if e is None or p is None or not (c > 0) or not (r >= 0):
            skipped += 1
            continue
        conversions.append(Conversion(e, p, c, r))
    conversions.sort(key=lambda c: (proj.product_ids[c.p], proj.enterprise_ids[c.e]))
    demand, prio = area_demand(proj, demand_rows) if demand_rows else (None, None)
    return PlanData(output, conversions, skipped, demand, prio)


def read_plan_data(graph: Graph, proj: Projection) -> PlanData:
    """Read today's output per producer line and the conversions, aligned with ``proj``."""
    out_rows = [tuple(r) for r in graph.query(_OUTPUT)[0]["rows"]]
    conv_rows = [tuple(r) for r in graph.query(_CONVERSIONS)[0]["rows"]]
    demand_rows = [tuple(r) for r in graph.query(_DEMANDS)[0]["rows"]]
    return plan_data(proj, out_rows, conv_rows, demand_rows)
