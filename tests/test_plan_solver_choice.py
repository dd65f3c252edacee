"""Stage 1 of the demand-share objective (the smallest share of demand met) is solved by the
dual simplex method up to lp.STAGE1_IPM_ABOVE variables and by the interior-point method with
crossover above it (every other programme from lp.IPM_ABOVE): the choice is one of speed only.
Each plan here is made both ways, on fresh models, and must agree: the smallest share, the
weighted output and every output on random small graphs built in memory, and every shadow
price as well on the shipped sample (the medical chain's masks and melt-blown fabric); on the
random graphs, where an optimum can be degenerate, each method's shadow prices must be an
optimal dual (they may pick different products in a line)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_graphs import draw_bom

from kg.analysis.context import Context
from kg.analysis.projection import RawGraph, from_raw
from kg.connection import Graph
from kg.plan import Objective, PlanContext, joint_capacity, lp, plan_context
from kg.plan.joint import JointReport
from kg.plan.lp import Solution, Weights, solve
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import DATA_DIR, sample_files


@st.composite
def graphs(draw: st.DrawFn) -> RawGraph:
    n_p = draw(st.integers(2, 8))
    products: list[Sequence[Any]] = []
    for i in range(n_p):
        final = i == n_p - 1 or draw(st.booleans())
        demand = draw(st.sampled_from([None, 10.0, 400.0, 1e4])) if final else None
        products.append((f"P{i}", None, "final" if final else "component", demand, None, None))
    produces: list[Sequence[Any]] = [
        (f"E{p}", f"P{p}", draw(st.sampled_from([1.0, 5.0, 10.0, 40.0])), None)
        for p in range(n_p)
        if draw(st.integers(0, 4))  # a product now and then without a producer on record
    ]
    return RawGraph(
        products=products,
        enterprises=[(f"E{i}", None) for i in range(n_p)],
        bom=draw_bom(draw, n_p, 10),
        produces=produces,
    )


def both_ways(make: Any) -> tuple[Any, Any]:
    """``make()`` with stage 1 by the dual simplex method, then by the interior-point method
    (every model fresh: ``make`` builds its own context)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lp, "STAGE1_IPM_ABOVE", 10**9)
        simplex = make()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lp, "STAGE1_IPM_ABOVE", 0)
        ipm = make()
    return simplex, ipm


def close(a: Any, b: Any) -> bool:
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-7))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_stage_one_by_simplex_or_interior_point_gives_the_same_plan(raw: RawGraph) -> None:
    probe = PlanContext(Context(from_raw(raw)))
    keys = probe.keys()
    if not keys.indices:
        return
    w = probe.weights(keys, Weights.demand)
    ref = probe.reference(keys)
    if not (np.isfinite(ref) & (ref > 0)).any():
        return
    ub = probe.producer_capacity
    scale = probe.share_scale(ref)

    def make() -> Solution:
        return solve(PlanContext(Context(from_raw(raw))).net, ub, w, ref, scale)

    simplex, ipm = both_ways(make)
    assert simplex.share is not None and ipm.share is not None
    assert math.isclose(simplex.share, ipm.share, rel_tol=1e-7, abs_tol=1e-10)
    assert math.isclose(simplex.value, ipm.value, rel_tol=1e-6, abs_tol=1e-6)
    assert simplex.shadow_unit == ipm.shadow_unit
    assert close(simplex.x, ipm.x)
    # the shadow prices of a degenerate optimum are not unique (two products in a line, both
    # at capacity: either one's capacity can carry the price), so each method's are checked
    # to be an optimal dual: by strong duality the share is what the capacities are worth at
    # those prices (the rows' right-hand sides and the lower bounds are 0)
    if simplex.share < 1 - 1e-9:
        finite = np.isfinite(ub)
        for sol in (simplex, ipm):
            assert (sol.shadow >= 0).all()
            worth = float(ub[finite] @ sol.shadow[finite])
            assert math.isclose(worth, sol.share, rel_tol=1e-5, abs_tol=1e-9)


@pytest.fixture(scope="module")
def sample(graph: Graph) -> PlanContext:
    reports = Loader(graph).load_files(sample_files(DATA_DIR), LoadOptions())
    assert all(r.status == "completed" and not r.rows_rejected for r in reports)
    return plan_context(graph)


@pytest.mark.integration
@pytest.mark.parametrize("chain", ["medical-supplies", None])
def test_stage_one_either_way_on_the_sample(sample: PlanContext, chain: str | None) -> None:
    read = sample

    def make() -> JointReport:
        pc = PlanContext(Context(read.proj), read.data)
        return joint_capacity(pc, Objective.demand_share, chain=chain, all_products=True)

    simplex, ipm = both_ways(make)
    if chain is not None:  # melt-blown for both masks (tests/test_plan_sample.py)
        assert simplex.smallest_share == pytest.approx(60 / 111)
        assert simplex.row("N95").binding_inputs == ("MB-FABRIC",)
    assert ipm.smallest_share == pytest.approx(simplex.smallest_share, rel=1e-9)
    assert ipm.weighted_output == pytest.approx(simplex.weighted_output, rel=1e-9)
    assert ipm.shadow_unit == simplex.shadow_unit
    got = {r.product: r for r in ipm.rows}
    assert len(got) == len(simplex.rows) == read.proj.n_products
    for r in simplex.rows:
        other = got[r.product]
        assert other.binding_inputs == r.binding_inputs, r.product
        for f in ("joint_per_day", "shadow_price"):
            a, b = getattr(r, f), getattr(other, f)
            assert (a is None) == (b is None) and (a is None or a == pytest.approx(b, rel=1e-9))
    assert [(s.product, s.feeds) for s in simplex.shadow_prices] == [
        (s.product, s.feeds) for s in ipm.shadow_prices
    ]
    assert [s.shadow_price for s in ipm.shadow_prices] == pytest.approx(
        [s.shadow_price for s in simplex.shadow_prices], rel=1e-9
    )
