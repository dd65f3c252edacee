"""Key products: the products whose loss an analysis counts.

A key product is a product of category ``final`` or with ``demand_per_day`` above 0. When a
scope (a chain, or the whole graph) holds no such product, the products that feed nothing
(sinks of the bill of materials) are key instead, so a bare bill of materials still has
something to protect.

Weights: when any key product in scope has a demand, each key product weighs its demand
divided by the mean demand of the key products that have one (a key product without demand
weighs 1, the average); otherwise every key product weighs 1. A bottleneck score is then
"key products lost, in units of an average key product". Demands in different units are not
converted: give demand_per_day in comparable units (or none) when products differ in kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.analysis.projection import Projection


@dataclass(frozen=True)
class KeyProducts:
    indices: tuple[int, ...]  # product indices, in product id order
    weights: dict[int, float]
    rule: str  # "final or demand" or "sinks"

    def __contains__(self, p: object) -> bool:
        return p in self.weights

    def total_weight(self) -> float:
        return sum(self.weights.values())


def scope_products(proj: Projection, chain: str | None) -> list[int]:
    """Every product, or the products of one chain."""
    if chain is None:
        return list(range(proj.n_products))
    return sorted(set(proj.chain_products[proj.chain(chain)]))


def key_products(proj: Projection, chain: str | None = None) -> KeyProducts:
    scope = scope_products(proj, chain)
    demand = proj.demand
    keys = [
        p
        for p in scope
        if proj.product_category[p] == "final" or (not math.isnan(demand[p]) and demand[p] > 0)
    ]
    rule = "final or demand"
    if not keys:
        keys = [p for p in scope if proj.n_outputs[p] == 0]
        rule = "sinks"
    keys.sort(key=lambda p: proj.product_ids[p])
    given = [float(demand[p]) for p in keys if not math.isnan(demand[p]) and demand[p] > 0]
    mean = sum(given) / len(given) if given else 0.0
    weights: dict[int, float] = {}
    for p in keys:
        d = float(demand[p])
        weights[p] = d / mean if given and not math.isnan(d) and d > 0 else 1.0
    return KeyProducts(tuple(keys), weights, rule)
