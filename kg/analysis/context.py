"""One analysis session over one projection: every derived structure computed once, on demand.

Each public analysis accepts a Graph (read now), a Projection, or a Context; a caller that asks
several questions (the API service, ``run_all``) keeps one Context and pays for the
projection, the circuit, the required sets and the capacity model once.
"""

from __future__ import annotations

import math
from collections import deque
from functools import cached_property
from typing import TYPE_CHECKING

from kg.analysis.capacity import CapacityModel, capacity_model
from kg.analysis.feasibility import Circuit, build_circuit
from kg.analysis.keys import KeyProducts, key_products
from kg.analysis.projection import Projection, ensure_projection
from kg.connection import Graph

if TYPE_CHECKING:
    from kg.analysis.spof import Requirements, SpofLink


class Context:
    def __init__(self, proj: Projection) -> None:
        self.proj = proj
        self._keys: dict[str | None, KeyProducts] = {}
        self._links: dict[int, list[SpofLink]] = {}
        self._effects: dict[int, dict[int, float]] = {}
        self._effect_targets: set[int] = set()

    @cached_property
    def circuit(self) -> Circuit:
        return build_circuit(self.proj)

    @cached_property
    def reqs(self) -> Requirements:
        from kg.analysis.spof import requirements

        return requirements(self.circuit)

    @cached_property
    def capacity(self) -> CapacityModel:
        return capacity_model(self.proj, self.circuit)

    def keys(self, chain: str | None = None) -> KeyProducts:
        if chain not in self._keys:
            self._keys[chain] = key_products(self.proj, chain)
        return self._keys[chain]

    def links(self, p: int) -> list[SpofLink]:
        """The SPOFs of product ``p`` (cached)."""
        if p not in self._links:
            from kg.analysis.spof import links_for

            self._links[p] = links_for(self.reqs, p)
        return self._links[p]

    # ---- what each candidate's removal does to capacity --------------------------------

    def node_index(self, kind: str, key: str) -> int:
        """Circuit index of a product, enterprise or region."""
        proj, c = self.proj, self.circuit
        if kind == "product":
            return proj.product(key)
        if kind == "enterprise":
            return c.e0 + proj.enterprise(key)
        return c.r0 + proj.region(key)

    def upstream_products(self, targets: set[int]) -> set[int]:
        """Targets and every product in their bills of materials."""
        proj = self.proj
        seen = set(targets)
        queue = deque(targets)
        while queue:
            p = queue.popleft()
            for k in proj.inputs_of[p]:
                a = int(proj.bom_in[k])
                if a not in seen:
                    seen.add(a)
                    queue.append(a)
        return seen

    def candidates(self, products: set[int]) -> list[int]:
        """Circuit nodes whose loss can touch ``products``: the products, their producers and
        the regions those producers sit in."""
        proj, c = self.proj, self.circuit
        ents: set[int] = set()
        for p in products:
            for k in proj.producers_of[p]:
                ents.add(int(proj.pr_ent[k]))
        regions: set[int] = set()
        for e in ents:
            for r in proj.ent_regions[e]:
                regions.update(proj.region_ancestors[r])
        return sorted(products) + sorted(c.e0 + e for e in ents) + sorted(c.r0 + r for r in regions)

    def removal(self, x: int) -> tuple[dict[int, float], set[int]]:
        """(forced product values, removed PRODUCES edges) of removing circuit node x."""
        proj, c = self.proj, self.circuit
        if x < c.e0:
            return {x: 0.0}, set()
        if x < c.r0:
            return {}, set(proj.lines_of_enterprise[x - c.e0])
        lines: set[int] = set()
        for e in proj.enterprises_in_region(x - c.r0):
            lines.update(proj.lines_of_enterprise[e])
        return {}, lines

    def capacity_effects(self, targets: set[int]) -> dict[int, dict[int, float]]:
        """For each candidate x upstream of ``targets`` (products with a finite, positive
        achievable output): the targets' achievable output without x, where it changes."""
        model = self.capacity
        ach = model.ach
        targets = {t for t in targets if math.isfinite(ach[t]) and ach[t] > 0}
        if targets <= self._effect_targets:
            return self._effects
        targets |= self._effect_targets
        cone = self.upstream_products(targets)
        effects: dict[int, dict[int, float]] = {}
        for x in self.candidates(cone):
            start, lines = self.removal(x)
            changed = model.propagate(start, lines)
            if changed is None:
                from kg.analysis.feasibility import available, removal_mask

                mask = removal_mask(self.circuit)
                mask[x] = True
                avail = available(self.circuit, mask)[: self.proj.n_products]
                after, _ = model.solve(lines, start.keys(), avail)
                changed = {p: float(after[p]) for p in targets if after[p] != ach[p]}
            hit = {p: v for p, v in changed.items() if p in targets}
            if hit:
                effects[x] = hit
        self._effects = effects
        self._effect_targets = targets
        return effects

    def output_lost(self, x: int, keys: KeyProducts) -> float | None:
        """Weighted share of the key products' achievable output lost without x (0..1)."""
        ach = self.capacity.ach
        weights = {k: w for k, w in keys.weights.items() if math.isfinite(ach[k]) and ach[k] > 0}
        total = sum(weights.values())
        if total <= 0:
            return None
        hit = self.capacity_effects(set(weights)).get(x, {})
        lost = sum(w * (1.0 - hit[k] / float(ach[k])) for k, w in weights.items() if k in hit)
        return lost / total


def ensure_context(source: Graph | Projection | Context) -> Context:
    if isinstance(source, Context):
        return source
    return Context(ensure_projection(source))


Source = Graph | Projection | Context
