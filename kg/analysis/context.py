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

import numpy as np

from kg.analysis.arrays import FloatArray
from kg.analysis.capacity import CapacityModel, capacity_model
from kg.analysis.criticality import Effects, removal_effects
from kg.analysis.feasibility import Circuit, build_circuit
from kg.analysis.keys import KeyProducts, key_products
from kg.analysis.projection import Projection, ensure_projection
from kg.connection import Graph

if TYPE_CHECKING:
    from kg.analysis.capacity import CapacityRow
    from kg.analysis.single_source import Sourcing
    from kg.analysis.spof import Requirements, SpofLink


class Context:
    def __init__(self, proj: Projection) -> None:
        self.proj = proj
        self._keys: dict[str | None, KeyProducts] = {}
        self._links: dict[int, list[SpofLink]] = {}
        self._link_nodes: dict[int, list[int]] = {}
        self._losses: dict[tuple[tuple[int, float], ...], FloatArray] = {}
        self._sourcing: dict[str | None, list[Sourcing]] = {}

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

    @cached_property
    def capacity_rows(self) -> list[CapacityRow]:
        """Achievable output and limit of every product (kg/analysis/capacity.py ``rows``)."""
        from kg.analysis.capacity import rows

        return rows(self.capacity)

    def sourcing(self, region_level: str | None) -> list[Sourcing]:
        """Sourcing of every product at ``region_level`` (cached per level)."""
        if region_level not in self._sourcing:
            from kg.analysis.single_source import product_sourcing

            self._sourcing[region_level] = product_sourcing(self.proj, region_level)
        return self._sourcing[region_level]

    def keys(self, chain: str | None = None) -> KeyProducts:
        if chain not in self._keys:
            self._keys[chain] = key_products(self.proj, chain)
        return self._keys[chain]

    def links(self, p: int) -> list[SpofLink]:
        """The SPOFs of product ``p`` (cached)."""
        if p not in self._links:
            from kg.analysis.spof import links_for

            self._links[p], self._link_nodes[p] = links_for(self.reqs, p)
        return self._links[p]

    def spof_nodes(self, p: int) -> list[int]:
        """Circuit indices of the SPOFs of product ``p``, in the order of ``links(p)``."""
        self.links(p)
        return self._link_nodes[p]

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

    @cached_property
    def effects(self) -> Effects | None:
        """What removing each node does to every product (None with BOM cycles)."""
        return removal_effects(self.capacity)

    def losses(self, keys: KeyProducts) -> FloatArray | None:
        """Per circuit node: the weighted share of the key products' achievable output lost
        without it (0..1); None when no key product has a finite, positive output."""
        ach = self.capacity.ach
        weights = {k: w for k, w in keys.weights.items() if math.isfinite(ach[k]) and ach[k] > 0}
        if not weights:
            return None
        cache_key = tuple(sorted(weights.items()))
        if cache_key in self._losses:
            return self._losses[cache_key]
        effects = self.effects
        if effects is not None:
            out = effects.losses(ach, weights, self.circuit.n_nodes)
        else:
            out = self._losses_one_by_one(weights)
        self._losses[cache_key] = out
        return out

    def _losses_one_by_one(self, weights: dict[int, float]) -> FloatArray:
        """The same, one candidate at a time (a bill of materials with cycles)."""
        from kg.analysis.feasibility import available, removal_mask

        model = self.capacity
        ach = model.ach
        total = sum(weights.values())
        out = np.zeros(self.circuit.n_nodes)
        targets = set(weights)
        for x in self.candidates(self.upstream_products(targets)):
            start, lines = self.removal(x)
            changed = model.propagate(start, lines)
            if changed is None:
                mask = removal_mask(self.circuit)
                mask[x] = True
                avail = available(self.circuit, mask)[: self.proj.n_products]
                after, _ = model.solve(lines, start.keys(), avail)
                changed = {p: float(after[p]) for p in targets}
            lost = sum(
                w * (1.0 - changed[k] / float(ach[k])) for k, w in weights.items() if k in changed
            )
            out[x] = lost / total
        return out


def ensure_context(source: Graph | Projection | Context) -> Context:
    if isinstance(source, Context):
        return source
    return Context(ensure_projection(source))


Source = Graph | Projection | Context
