"""Capacity: the daily output the capacities and the bill of materials allow, and what limits it.

For each available product p (feasibility.py), in topological order of the bill of materials:

    producer capacity(p) = sum of its live producers' capacity_per_day
                           (unbounded when no producer is on record or a capacity is unknown)
    supply of group g    = sum over the inputs a in g of achievable(a) / qty_per_unit(a, p)
                           (one input, or the substitutes of an alt_group, which add up)
    achievable(p)        = min(producer capacity(p), min over groups of supply(g))

and 0 for an unavailable product. This is the max-flow of the series-parallel production
network in units of p, every node split in/out at its capacity: producers and substitutes in
parallel (capacities add), an assembly's inputs in series (the smallest limits). A general
max-flow solver would route flow through any one input of an assembly as though the others
were substitutes, which overstates output; this recursion keeps the AND of the bill of
materials. It is exact when the bill of materials is a tree. When an input feeds several
products, each product's figure assumes the input serves it alone: achievable output is the
most that chain could make of that one product, not of all of them at once.

The *limiting input* of p is the group with the smallest supply when that is below the
producers' own capacity (``limited_by = 'input'``; an alt_group is named by its inputs joined
with ``|``); otherwise ``limited_by`` is ``capacity``, or ``none`` when nothing on record
bounds the output (then ``achievable_per_day`` is not reported). Inside a cycle of the bill
of materials the values are iterated from the producers' capacities down to a fixed point.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from kg.analysis.feasibility import Circuit, available, build_circuit
from kg.analysis.projection import BoolArray, FloatArray, Projection, ensure_projection
from kg.connection import Graph

INF = math.inf
_TOL = 1e-9
_MAX_CYCLE_ROUNDS = 500


def _same(a: float, b: float) -> bool:
    if a == b:
        return True
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


@dataclass
class CapacityModel:
    """Per-product structures for the recursion, built once from a projection."""

    proj: Projection
    circuit: Circuit
    avail: BoolArray  # baseline availability of each product
    groups: list[list[tuple[str | None, list[tuple[int, float]]]]]  # p -> [(g, [(a, qty)])]
    lines: list[list[tuple[int, float]]]  # p -> [(PRODUCES edge, capacity)] of live producers
    on_record: list[bool]  # p has a producer on record
    order: list[list[int]]  # products in topological order; cyclic components as lists
    position: list[int]  # p -> index of its component in ``order``
    cyclic: list[bool]  # p sits in a cycle of the bill of materials
    consumers: list[list[int]]  # p -> products it is an input of
    ach: FloatArray = field(default_factory=lambda: np.zeros(0))  # baseline achievable
    pcap: FloatArray = field(default_factory=lambda: np.zeros(0))  # baseline producer capacity

    # ---- one product -------------------------------------------------------------------

    def producer_capacity(self, p: int, removed_lines: set[int] | None = None) -> float:
        if not self.on_record[p]:
            return INF
        total = 0.0
        for k, cap in self.lines[p]:
            if removed_lines and k in removed_lines:
                continue
            total += INF if math.isnan(cap) else cap
        return total

    def evaluate(self, p: int, ach: dict[int, float] | FloatArray, pcap: float) -> float:
        best = pcap
        for _, members in self.groups[p]:
            supply = 0.0
            for a, qty in members:
                supply += ach[a] / qty
            if supply < best:
                best = supply
        return best

    def limit(self, p: int, ach: FloatArray, pcap: float) -> tuple[str, str | None]:
        """(limited_by, limiting input) of product p."""
        best, which = INF, None
        for _, members in self.groups[p]:
            supply = sum(float(ach[a]) / qty for a, qty in members)
            if supply < best:
                best, which = supply, members
        if pcap == INF and best == INF:
            return "none", None
        if which is None or pcap <= best:
            return "capacity", None
        ids = sorted(self.proj.product_ids[a] for a, _ in which)
        return "input", "|".join(ids)

    # ---- whole graph -------------------------------------------------------------------

    def solve(
        self,
        removed_lines: set[int] | None = None,
        removed_products: Iterable[int] = (),
        avail: BoolArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Achievable output and producer capacity of every product (one full pass)."""
        n = self.proj.n_products
        ok = self.avail if avail is None else avail
        gone = set(removed_products)
        ach = np.zeros(n)
        pcap = np.zeros(n)
        for comp in self.order:
            for p in comp:
                pcap[p] = self.producer_capacity(p, removed_lines)
            live = [p for p in comp if ok[p] and p not in gone]
            if len(comp) == 1 and not self.cyclic[comp[0]]:
                for p in live:
                    ach[p] = self.evaluate(p, ach, float(pcap[p]))
                continue
            for p in live:
                ach[p] = pcap[p]
            for _ in range(_MAX_CYCLE_ROUNDS):
                changed = False
                for p in live:
                    new = self.evaluate(p, ach, float(pcap[p]))
                    if not _same(new, float(ach[p])):
                        ach[p] = new
                        changed = True
                if not changed:
                    break
        return ach, pcap

    def propagate(
        self, start: dict[int, float], removed_lines: set[int]
    ) -> dict[int, float] | None:
        """Achievable output after a change, recomputed only downstream of it.

        ``start`` gives products whose value is forced (a removed product: 0); products whose
        producers lost ``removed_lines`` are re-evaluated. Returns the changed values, or
        None when the change reaches a cycle (then call ``solve``).
        """
        touched = set(start)
        for k in removed_lines:
            touched.add(int(self.proj.pr_prod[k]))
        new: dict[int, float] = {}
        heap = [(self.position[p], p) for p in touched]
        heapq.heapify(heap)
        queued = set(touched)

        view = _Overlay(self.ach)
        while heap:
            _, p = heapq.heappop(heap)
            queued.discard(p)
            if self.cyclic[p]:
                return None
            if p in start:
                value = start[p]
            elif not self.avail[p]:
                continue
            else:
                value = self.evaluate(p, view, self.producer_capacity(p, removed_lines))
            if _same(value, view[p]):
                continue
            view[p] = value
            new[p] = value
            for q in self.consumers[p]:
                if q not in queued:
                    queued.add(q)
                    heapq.heappush(heap, (self.position[q], q))
        return new


class _Overlay(dict[int, float]):
    """Changed values over the baseline array."""

    def __init__(self, base: FloatArray) -> None:
        super().__init__()
        self.base = base

    def __missing__(self, key: int) -> float:
        return float(self.base[key])


def capacity_model(proj: Projection, circuit: Circuit | None = None) -> CapacityModel:
    circuit = circuit or build_circuit(proj)
    avail = available(circuit)[: proj.n_products]
    n = proj.n_products
    live = proj.live.tolist()
    groups = []
    for p in range(n):
        gs = []
        for g, edges in proj.requirement_groups(p):
            gs.append((g, [(int(proj.bom_in[k]), float(proj.bom_qty[k])) for k in edges]))
        groups.append(gs)
    lines = [
        [(k, float(proj.pr_cap[k])) for k in proj.producers_of[p] if live[k]] for p in range(n)
    ]
    order: list[list[int]] = []
    position = [0] * n
    cyclic = [False] * n
    for comp in circuit.components:
        products = [x for x in comp if x < n]
        if not products:
            continue
        if len(products) > 1 or len(comp) > 1:
            # a product in a cyclic component of the circuit sits in a BOM cycle
            for p in products:
                cyclic[p] = True
        for p in products:
            position[p] = len(order)
        order.append(products)
    consumers = [sorted({int(proj.bom_out[k]) for k in proj.outputs_of[p]}) for p in range(n)]
    model = CapacityModel(
        proj=proj,
        circuit=circuit,
        avail=avail,
        groups=groups,
        lines=lines,
        on_record=[bool(proj.producers_of[p]) for p in range(n)],
        order=order,
        position=position,
        cyclic=cyclic,
        consumers=consumers,
    )
    model.ach, model.pcap = model.solve()
    return model


# ---- public rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityRow:
    product: str
    name: str | None
    unit: str | None
    available: bool
    achievable_per_day: float | None  # None: nothing on record bounds it
    producer_capacity_per_day: float | None  # None: unknown producer or unknown capacity
    limited_by: str  # capacity, input or none
    limiting_input: str | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class InputSupply:
    group: str | None
    inputs: tuple[str, ...]
    qty_per_unit: tuple[float, ...]
    supply_per_day: float | None  # in units of the product; None: unbounded

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["inputs"], out["qty_per_unit"] = list(self.inputs), list(self.qty_per_unit)
        return out


@dataclass(frozen=True)
class ProducerLine:
    enterprise: str
    name: str | None
    capacity_per_day: float | None
    share: float | None
    live: bool


@dataclass(frozen=True)
class CapacityReport:
    row: CapacityRow
    producers: list[ProducerLine]
    inputs: list[InputSupply]


def _finite(x: float) -> float | None:
    return None if math.isinf(x) or math.isnan(x) else float(x)


def rows(model: CapacityModel) -> list[CapacityRow]:
    proj = model.proj
    out = []
    for p in range(proj.n_products):
        pcap = float(model.pcap[p])
        ach = float(model.ach[p])
        ok = bool(model.avail[p])
        limited_by, limiting = model.limit(p, model.ach, pcap) if ok else ("none", None)
        out.append(
            CapacityRow(
                product=proj.product_ids[p],
                name=proj.product_name[p],
                unit=proj.product_unit[p],
                available=ok,
                achievable_per_day=_finite(ach) if ok else 0.0,
                producer_capacity_per_day=_finite(pcap) if model.on_record[p] else None,
                limited_by=limited_by if ok else "none",
                limiting_input=limiting,
            )
        )
    return out


def capacities(source: Graph | Projection) -> list[CapacityRow]:
    """Achievable output and the limit of every product."""
    return rows(capacity_model(ensure_projection(source)))


def capacity(source: Graph | Projection, product: str) -> CapacityReport:
    """Achievable output of one product, its producers and what each input group supplies."""
    proj = ensure_projection(source)
    p = proj.product(product)
    model = capacity_model(proj)
    row = rows(model)[p]
    caps = [c for _, c in model.lines[p]]
    known = all(not math.isnan(c) for c in caps) and sum(caps) > 0
    total = sum(caps) if known else 0.0
    producers = []
    live = proj.live.tolist()
    for k in proj.producers_of[p]:
        e = int(proj.pr_ent[k])
        cap = float(proj.pr_cap[k])
        producers.append(
            ProducerLine(
                enterprise=proj.enterprise_ids[e],
                name=proj.enterprise_name[e],
                capacity_per_day=_finite(cap),
                share=cap / total if known and live[k] else None,
                live=bool(live[k]),
            )
        )
    producers.sort(key=lambda x: (-(x.capacity_per_day or 0.0), x.enterprise))
    inputs = []
    for g, members in model.groups[p]:
        supply = sum(float(model.ach[a]) / q for a, q in members)
        inputs.append(
            InputSupply(
                group=g,
                inputs=tuple(proj.product_ids[a] for a, _ in members),
                qty_per_unit=tuple(q for _, q in members),
                supply_per_day=_finite(supply),
            )
        )
    return CapacityReport(row, producers, inputs)
