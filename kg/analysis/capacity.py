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
from functools import cached_property
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from kg.analysis.arrays import BoolArray, FloatArray, IntArray, positions_by
from kg.analysis.feasibility import Circuit, available, build_circuit
from kg.analysis.projection import Projection
from kg.connection import Graph

if TYPE_CHECKING:
    from kg.analysis.context import Context

    Source: TypeAlias = Graph | Projection | Context

INF = math.inf
_TOL = 1e-9
_MAX_CYCLE_ROUNDS = 500


def _same(a: float, b: float) -> bool:
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


@dataclass
class CapacityModel:
    """The recursion's structures, built once from a projection and its circuit."""

    proj: Projection
    circuit: Circuit
    avail: BoolArray  # baseline availability of each product
    order: list[list[int]]  # products in topological order; cyclic components as lists
    position: list[int]  # p -> index of its component in ``order``
    cyclic: list[bool]  # p sits in a cycle of the bill of materials
    ach: FloatArray = field(default_factory=lambda: np.zeros(0))  # baseline achievable
    pcap: FloatArray = field(default_factory=lambda: np.zeros(0))  # baseline producer capacity

    # ---- per product lists (built on first use; the vectorized paths do not need them) --

    @cached_property
    def groups(self) -> list[list[tuple[str | None, list[tuple[int, float]]]]]:
        """p -> [(alt_group, [(input, qty_per_unit)])]."""
        proj = self.proj
        g = proj.groups
        bom_in = proj.bom_in.tolist()
        qty = proj.bom_qty.tolist()
        return [
            [(g.name[gi], [(bom_in[k], qty[k]) for k in g.members[gi]]) for gi in gis]
            for gis in g.of_product
        ]

    @cached_property
    def lines(self) -> list[list[tuple[int, float]]]:
        """p -> [(PRODUCES edge, capacity)] of its live producers."""
        proj = self.proj
        live = proj.live.tolist()
        cap = proj.pr_cap.tolist()
        return [[(k, cap[k]) for k in ks if live[k]] for ks in proj.producers_of]

    @cached_property
    def on_record(self) -> BoolArray:
        out: BoolArray = np.bincount(self.proj.pr_prod, minlength=self.proj.n_products) > 0
        return out

    @cached_property
    def consumers(self) -> list[list[int]]:
        """p -> the products it is an input of."""
        return positions_by(self.proj.bom_in, self.proj.n_products, self.proj.bom_out)

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

    def producer_capacities(self, removed_lines: set[int] | None = None) -> FloatArray:
        """Live producers' capacity of every product (unbounded: no producer on record, or a
        capacity unknown)."""
        proj = self.proj
        n = proj.n_products
        live = proj.live.copy()
        if removed_lines:
            live[np.fromiter(removed_lines, dtype=np.int64)] = False
        lp, cap = proj.pr_prod[live], proj.pr_cap[live]
        unknown = np.isnan(cap)
        fin = np.bincount(lp, weights=np.where(unknown, 0.0, cap), minlength=n)
        ninf = np.bincount(lp, weights=unknown.astype(np.float64), minlength=n)
        out: FloatArray = np.where(self.on_record, np.where(ninf > 0, INF, fin), INF)
        return out

    def group_supply(self, ach: FloatArray) -> FloatArray:
        """Supply of every requirement group, in units of its product."""
        proj = self.proj
        n_groups = len(proj.groups.product)
        out: FloatArray = np.bincount(  # type: ignore[assignment]
            proj.groups.of_edge, weights=ach[proj.bom_in] / proj.bom_qty, minlength=n_groups
        )
        return out

    def solve(
        self,
        removed_lines: set[int] | None = None,
        removed_products: Iterable[int] = (),
        avail: BoolArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Achievable output and producer capacity of every product (one full pass)."""
        ok = (self.avail if avail is None else avail).copy()
        gone = list(removed_products)
        if gone:
            ok[gone] = False
        pcap = self.producer_capacities(removed_lines)
        if self.circuit.acyclic:
            return self._solve_levels(ok, pcap), pcap
        return self._solve_loops(ok, pcap), pcap

    @cached_property
    def _level_plan(self) -> list[tuple[IntArray, IntArray, IntArray]]:
        """Per level of the circuit: (products, their groups, the edges of those groups)."""
        proj = self.proj
        n = proj.n_products
        level = self.circuit.level[:n]
        g = proj.groups
        glevel = level[g.product] if len(g.product) else np.zeros(0, dtype=np.int64)
        elevel = glevel[g.of_edge] if len(g.of_edge) else np.zeros(0, dtype=np.int64)
        plan = []
        top = int(level.max()) + 1 if n else 0
        p_order = np.argsort(level, kind="stable")
        pb = np.searchsorted(level[p_order], np.arange(top + 1))
        g_order = np.argsort(glevel, kind="stable")
        gb = np.searchsorted(glevel[g_order], np.arange(top + 1))
        e_order = np.argsort(elevel, kind="stable")
        eb = np.searchsorted(elevel[e_order], np.arange(top + 1))
        for i in range(top):
            plan.append(
                (p_order[pb[i] : pb[i + 1]], g_order[gb[i] : gb[i + 1]], e_order[eb[i] : eb[i + 1]])
            )
        return plan

    def _solve_levels(self, ok: BoolArray, pcap: FloatArray) -> FloatArray:
        proj = self.proj
        n = proj.n_products
        g = proj.groups
        ach = np.zeros(n)
        supply = np.zeros(len(g.product))
        best = np.full(n, INF)
        for products, groups, edges in self._level_plan:
            if len(edges):
                contrib = ach[proj.bom_in[edges]] / proj.bom_qty[edges]
                supply += np.bincount(g.of_edge[edges], weights=contrib, minlength=len(supply))
            if len(groups):
                np.minimum.at(best, g.product[groups], supply[groups])
            if len(products):
                ach[products] = np.where(
                    ok[products], np.minimum(pcap[products], best[products]), 0.0
                )
        return ach

    def _solve_loops(self, ok: BoolArray, pcap: FloatArray) -> FloatArray:
        ach = np.zeros(self.proj.n_products)
        for comp in self.order:
            live = [p for p in comp if ok[p]]
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
        return ach

    def limits(self, ach: FloatArray, pcap: FloatArray) -> tuple[list[str], list[str | None]]:
        """(limited_by, limiting input) of every product, vectorized."""
        proj = self.proj
        n = proj.n_products
        g = proj.groups
        supply = self.group_supply(ach)
        best = np.full(n, INF)
        which = np.full(n, -1, dtype=np.int64)
        if len(supply):
            order = np.lexsort((supply, g.product))
            firsts = order[np.r_[True, g.product[order][1:] != g.product[order][:-1]]]
            best[g.product[firsts]] = supply[firsts]
            which[g.product[firsts]] = firsts
        ids = proj.product_ids
        bom_in = proj.bom_in
        limited: list[str] = []
        limiting: list[str | None] = []
        for b, w, c in zip(best.tolist(), which.tolist(), pcap.tolist(), strict=True):
            if c == INF and b == INF:
                limited.append("none")
                limiting.append(None)
            elif w < 0 or c <= b:
                limited.append("capacity")
                limiting.append(None)
            else:
                limited.append("input")
                limiting.append("|".join(sorted(ids[int(bom_in[k])] for k in g.members[w])))
        return limited, limiting

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
    n = proj.n_products
    avail = available(circuit)[:n]
    order: list[list[int]] = []
    position = [0] * n
    cyclic = [False] * n
    for comp in circuit.components:
        if comp[0] >= n and len(comp) == 1:
            continue
        products = [x for x in comp if x < n]
        if not products:
            continue
        if len(comp) > 1:  # a product in a cyclic component sits in a BOM cycle
            for p in products:
                cyclic[p] = True
        for p in products:
            position[p] = len(order)
        order.append(products)
    model = CapacityModel(
        proj=proj, circuit=circuit, avail=avail, order=order, position=position, cyclic=cyclic
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
    limited, limiting = model.limits(model.ach, model.pcap)
    out = []
    on_record = model.on_record.tolist()
    for p, (ach, pcap, ok) in enumerate(
        zip(model.ach.tolist(), model.pcap.tolist(), model.avail.tolist(), strict=True)
    ):
        out.append(
            CapacityRow(
                product=proj.product_ids[p],
                name=proj.product_name[p],
                unit=proj.product_unit[p],
                available=ok,
                achievable_per_day=_finite(ach) if ok else 0.0,
                producer_capacity_per_day=_finite(pcap) if on_record[p] else None,
                limited_by=limited[p] if ok else "none",
                limiting_input=limiting[p] if ok else None,
            )
        )
    return out


def capacities(source: Source) -> list[CapacityRow]:
    """Achievable output and the limit of every product."""
    from kg.analysis.context import ensure_context

    return rows(ensure_context(source).capacity)


def capacity(source: Source, product: str) -> CapacityReport:
    """Achievable output of one product, its producers and what each input group supplies."""
    from kg.analysis.context import ensure_context

    ctx = ensure_context(source)
    proj = ctx.proj
    p = proj.product(product)
    model = ctx.capacity
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
