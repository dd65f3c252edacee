"""Allocation of scarce supply to demand areas by priority.

The rule, deterministic and explained row by row:

1. Supply is the available daily output of the product: the sum over its producers of the
   current output_per_day (capacity_per_day where output is missing; ``basis="capacity"``
   the other way round), or a figure given by the caller (a what-if).
2. Demand is the latest demand snapshot of every area for the product (on or before the
   reference date). Priorities are served in order, 1 first.
3. A priority whose total demand fits in what is left is served in full. The first priority
   that does not fit shares what is left pro rata to demand: every area in it gets the same
   share of its demand. Later priorities get nothing. Unmet demand = demand - allocation.
4. Whole units (``whole_units=True``): each area's demand is rounded up to whole units (a need
   of 2.5 is met only by 3) and the supply down; in the priority that is shared, each area
   first gets its pro-rata quota rounded down, then the units left by rounding go one each
   to the areas with the largest fractions of a unit cut off, ties broken by area id. The
   arithmetic is exact (fractions), so the result never depends on float rounding. No area
   gets more than its demand.
Areas are listed by priority, then area id; whatever is not allocated is left over.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from itertools import groupby
from typing import Any

from kg.connection import Graph
from kg.monitor.early_warning import num
from kg.monitor.snapshots import Demand, SupplyBasis, read_product_supply
from kg.tiers import NotFoundError


class AllocationError(ValueError):
    """The allocation cannot be made as asked; the message says what to give instead."""


@dataclass(frozen=True)
class AreaAllocation:
    area: str
    priority: int
    demand: float
    allocated: float
    unmet: float
    fill: float | None  # allocated / demand
    note: str
    area_name: str | None = None
    sector: str | None = None
    region: str | None = None
    as_of: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PriorityStep:
    """What happened to one priority: its demand, what was available, what it got."""

    priority: int
    areas: int
    demand: float
    available: float
    allocated: float
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Allocation:
    product: str
    product_name: str | None
    unit: str | None
    supply: float
    supply_note: str
    whole_units: bool
    areas: list[AreaAllocation] = field(default_factory=list)
    steps: list[PriorityStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def demand(self) -> float:
        return sum(a.demand for a in self.areas)

    @property
    def allocated(self) -> float:
        return sum(a.allocated for a in self.areas)

    @property
    def unmet(self) -> float:
        return sum(a.unmet for a in self.areas)

    @property
    def left_over(self) -> float:
        return max(self.supply - self.allocated, 0.0)

    def summary(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "product_name": self.product_name,
            "unit": self.unit,
            "supply": self.supply,
            "supply_note": self.supply_note,
            "demand": self.demand,
            "allocated": self.allocated,
            "unmet": self.unmet,
            "left_over": self.left_over,
            "whole_units": self.whole_units,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "steps": [s.as_dict() for s in self.steps],
            "areas": [a.as_dict() for a in self.areas],
            "notes": list(self.notes),
        }


def _largest_remainder(
    available: int, demands: Sequence[tuple[str, int]], total: int
) -> dict[str, int]:
    quotas = {area: Fraction(available * d, total) for area, d in demands}
    alloc = {area: math.floor(q) for area, q in quotas.items()}
    left = available - sum(alloc.values())
    order = sorted(demands, key=lambda ad: (-(quotas[ad[0]] - alloc[ad[0]]), ad[0]))
    for area, d in order:
        if left <= 0:
            break
        if alloc[area] < d and quotas[area] > alloc[area]:
            alloc[area] += 1
            left -= 1
    return alloc


def split_supply(
    supply: float, demands: Sequence[Demand], whole_units: bool = False
) -> tuple[list[AreaAllocation], list[PriorityStep]]:
    """Serve ``demands`` from ``supply`` by priority, pro rata within the first short one."""
    if supply < 0 or math.isnan(supply):
        raise AllocationError(f"supply must be 0 or more, not {supply!r}")
    ordered = sorted(demands, key=lambda d: (d.priority, d.area))
    remaining: float = math.floor(supply) if whole_units else supply
    areas: list[AreaAllocation] = []
    steps: list[PriorityStep] = []
    for priority, tier_iter in groupby(ordered, key=lambda d: d.priority):
        tier = list(tier_iter)
        wanted = {
            d.area: float(math.ceil(d.daily_demand)) if whole_units else d.daily_demand
            for d in tier
        }
        total = sum(wanted.values())
        available = remaining
        got: dict[str, float]
        if total <= available * (1 + 1e-12):
            got = dict(wanted)
            note = (
                f"priority {priority}: {num(total)} wanted, {num(available)} available: "
                "served in full"
            )
            remaining = max(available - total, 0.0)
        elif available <= 0:
            got = dict.fromkeys(wanted, 0.0)
            note = (
                f"priority {priority}: {num(total)} wanted, nothing left after earlier priorities"
            )
        else:
            share = available / total
            if whole_units:
                ints = _largest_remainder(
                    int(available), [(a, int(w)) for a, w in wanted.items()], int(total)
                )
                got = {a: float(v) for a, v in ints.items()}
                note = (
                    f"priority {priority}: {num(total)} wanted, {num(available)} available: "
                    f"pro rata, {share:.1%} of each area's demand, in whole units (quotas "
                    "rounded down, the units left one each to the largest remainders, ties by "
                    "area id)"
                )
            else:
                got = {a: w * share for a, w in wanted.items()}
                note = (
                    f"priority {priority}: {num(total)} wanted, {num(available)} available: "
                    f"pro rata, {share:.1%} of each area's demand"
                )
            remaining = 0.0
        steps.append(PriorityStep(priority, len(tier), total, available, sum(got.values()), note))
        for d in tier:
            want, give = wanted[d.area], got[d.area]
            areas.append(
                AreaAllocation(
                    area=d.area,
                    priority=priority,
                    demand=want,
                    allocated=give,
                    unmet=max(want - give, 0.0),
                    fill=give / want if want > 0 else None,
                    note=note,
                    area_name=d.area_name,
                    sector=d.sector,
                    region=d.region,
                    as_of=d.as_of,
                )
            )
    return areas, steps


def allocate(
    graph: Graph,
    product: str,
    supply: float | None = None,
    basis: SupplyBasis = "output",
    whole_units: bool = False,
    at: dt.date | None = None,
) -> Allocation:
    """Allocate the available daily output of ``product`` to the areas that demand it."""
    snap = read_product_supply(graph, product, at)
    info = snap.products.get(product)
    if info is None:
        raise NotFoundError(
            f"no product with id {product!r}; check the id (ids are case-sensitive)"
        )
    if supply is not None:
        if supply < 0 or math.isnan(supply):
            raise AllocationError(f"--supply must be 0 or more, not {supply:g}")
        available, note = supply, f"given: {num(supply)}/day"
    else:
        figure = snap.supply(product, basis)
        if figure is None:
            raise AllocationError(
                f"no producer of {product} is on record, so its available output is unknown; "
                "give the daily supply to allocate with --supply"
            )
        other = "capacity" if basis == "output" else "output"
        available = figure.total
        note = (
            f"{basis} of {figure.producers} producer(s) ({other} where {basis} is missing): "
            f"{num(figure.total)}/day"
            + (f"; {figure.unknown} without figures count as 0" if figure.unknown else "")
            + (f"; as of {figure.as_of}" if figure.as_of else "")
        )
    result = Allocation(product, info.name, info.unit, available, note, whole_units)
    demands = snap.demand_by_product.get(product, [])
    if not demands:
        result.notes.append(
            f"no demand snapshot for {product} on or before {snap.at}; nothing to allocate"
        )
        return result
    if whole_units and available != math.floor(available):
        result.notes.append(
            f"whole units: supply {num(available)} rounded down to {math.floor(available)}"
        )
    result.areas, result.steps = split_supply(available, demands, whole_units)
    return result
