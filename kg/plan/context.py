"""One planning session: the analyses' context (projection, circuit, capacity model), the
rows planning reads beside it, and the joint programme's matrix, each built once."""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from kg.analysis.arrays import FloatArray
from kg.analysis.context import Context
from kg.analysis.keys import KeyProducts
from kg.analysis.projection import Projection, project
from kg.connection import Graph
from kg.plan.data import PlanData, read_plan_data
from kg.plan.lp import Network, Objective, PlanError, Weights, network


class PlanContext:
    def __init__(self, ctx: Context, data: PlanData | None = None) -> None:
        self.ctx = ctx
        self.proj = ctx.proj
        self.data = data if data is not None else PlanData.empty(ctx.proj)

    @cached_property
    def net(self) -> Network:
        return network(self.ctx)

    @property
    def single(self) -> FloatArray:
        """The analyses' single-product achievable output of every product."""
        return self.ctx.capacity.ach

    @property
    def producer_capacity(self) -> FloatArray:
        return self.ctx.capacity.pcap

    @cached_property
    def demand(self) -> FloatArray:
        """Demand per day of every product: demand_per_day, else the areas' demand (NaN)."""
        own = self.proj.demand
        areas = self.data.area_demand
        if areas is None:
            return own
        out: FloatArray = np.where(np.isfinite(own) & (own > 0), own, areas)
        return out

    def keys(self, chain: str | None = None) -> KeyProducts:
        return self.ctx.keys(chain)

    def weights(self, keys: KeyProducts, how: Weights) -> FloatArray:
        """Objective weight per product: key products with a finite single-product figure."""
        w = np.zeros(self.proj.n_products)
        single = self.single
        prio = self.data.priority
        known = prio[np.isfinite(prio)] if prio is not None else np.zeros(0)
        lowest = float(known.max()) if len(known) else 1.0
        for p, weight in keys.weights.items():
            if not math.isfinite(single[p]):
                continue
            if how is Weights.demand:
                w[p] = weight
            elif how is Weights.priority:
                pr = float(prio[p]) if prio is not None and math.isfinite(prio[p]) else lowest
                w[p] = 1.0 / max(pr, 1.0)
            else:
                w[p] = 1.0
        return w

    def reference(self, keys: KeyProducts) -> FloatArray:
        """Per key product: the output its share is measured against (demand_per_day, else its
        single-product figure); NaN for products that cannot count (none, 0 or unbounded)."""
        ref = np.full(self.proj.n_products, np.nan)
        single = self.single
        demand = self.demand
        for p in keys.indices:
            if not (math.isfinite(single[p]) and single[p] > 0):
                continue
            d = float(demand[p])
            ref[p] = d if math.isfinite(d) and d > 0 else float(single[p])
        return ref

    def share_scale(self, reference: FloatArray | None) -> float:
        """A guess of the smallest share of demand met, for lp.solve's scaling: the smallest
        share any product with a reference reaches alone (single-product figure over
        reference), at most 1; 1 when there is none."""
        if reference is None:
            return 1.0
        ok = np.isfinite(reference) & (reference > 0) & np.isfinite(self.single)
        if not ok.any():
            return 1.0
        low = float(np.min(self.single[ok] / reference[ok]))
        return low if 0 < low < 1 else 1.0

    def objective_arrays(
        self, chain: str | None, objective: Objective, how: Weights
    ) -> tuple[KeyProducts, FloatArray, FloatArray | None]:
        keys = self.keys(chain)
        if not keys.indices:
            raise PlanError("no key products in scope: nothing to plan for")
        w = self.weights(keys, how)
        ref = self.reference(keys) if objective is Objective.demand_share else None
        return keys, w, ref

    def arrays_for(
        self, products: list[int], objective: Objective, how: Weights
    ) -> tuple[FloatArray, FloatArray | None]:
        """(weights, reference) planning for these products only (each weighs 1 with equal
        weights, else its demand relative to the mean demand among them)."""
        demand = self.demand
        given = [float(demand[p]) for p in products if math.isfinite(demand[p]) and demand[p] > 0]
        mean = sum(given) / len(given) if given else 0.0
        weights = {
            p: (float(demand[p]) / mean if mean and math.isfinite(demand[p]) else 1.0)
            for p in products
        }
        keys = KeyProducts(tuple(products), weights, "asked")
        w = self.weights(keys, how)
        ref = self.reference(keys) if objective is Objective.demand_share else None
        return w, ref


def plan_context(source: Graph | Projection | Context | PlanContext) -> PlanContext:
    """A Graph is read now (the projection and planning's rows); a Projection or Context comes
    without planning rows (no conversions, no separate output figures)."""
    if isinstance(source, PlanContext):
        return source
    if isinstance(source, Context):
        return PlanContext(source)
    if isinstance(source, Projection):
        return PlanContext(Context(source))
    proj = project(source)
    return PlanContext(Context(proj), read_plan_data(source, proj))


PlanSource = Graph | Projection | Context | PlanContext
