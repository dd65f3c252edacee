"""The joint programme's demand-share objective is the same whatever share scale it is solved
with (lp.solve's ``share_scale``), and equals a max-min programme written here from the
definition (dense matrices, scipy's linprog, independent of kg/plan/lp.py), on random small
acyclic graphs built in memory."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_graphs import draw_bom
from scipy.optimize import linprog

from kg.analysis.arrays import FloatArray
from kg.analysis.context import Context
from kg.analysis.projection import RawGraph, from_raw
from kg.plan import Objective, PlanContext
from kg.plan.lp import HOLDS, STAGE2_TIMED_OUT, Weights, solve


@st.composite
def graphs(draw: st.DrawFn) -> RawGraph:
    n_p = draw(st.integers(2, 7))
    products: list[Sequence[Any]] = []
    for i in range(n_p):
        final = i == n_p - 1 or draw(st.booleans())
        demand = draw(st.sampled_from([None, 10.0, 400.0, 1e5])) if final else None
        products.append((f"P{i}", None, "final" if final else "component", demand, None, None))
    bom = draw_bom(draw, n_p, 10)
    produces: list[Sequence[Any]] = [
        (f"E{p}", f"P{p}", draw(st.sampled_from([0.01, 5.0, 10.0, 40.0])), None)
        for p in range(n_p)
        if draw(st.integers(0, 4))  # a product now and then without a producer on record
    ]
    return RawGraph(
        products=products,
        enterprises=[(f"E{i}", None) for i in range(n_p)],
        bom=bom,
        produces=produces,
    )


def max_min_share(raw: RawGraph, ub: FloatArray, ref: FloatArray) -> float:
    """max t s.t. ref_q t <= x_q for the products with a reference, t <= 1 (dense LP)."""
    return dense_share_lp(raw, ub, ref, None)


def dense_share_lp(
    raw: RawGraph, ub: FloatArray, ref: FloatArray, then: tuple[float, FloatArray] | None
) -> float:
    """Stage 1 (``then`` None): max t as ``max_min_share``; stage 2 (``then`` = (share,
    weights)): max weights.x with t held at least at the share (dense LP, scipy's linprog)."""
    pids = [p[0] for p in raw.products]
    pos = {p: i for i, p in enumerate(pids)}
    n, m = len(pids), len(raw.bom)
    width = n + m + 1
    rows, rhs = [], []
    for q in range(n):
        groups: dict[Any, list[int]] = {}
        for k, (_, b, _, g) in enumerate(raw.bom):
            if pos[b] == q:
                groups.setdefault(g if g is not None else ("single", k), []).append(k)
        for members in groups.values():  # x_q <= sum y_k / qty
            row = [0.0] * width
            row[q] = 1.0
            for k in members:
                row[n + k] = -1.0 / raw.bom[k][2]
            rows.append(row)
            rhs.append(0.0)
    for a in range(n):  # sum of flows out of a <= x_a
        row = [0.0] * width
        row[a] = -1.0
        for k, (x, _, _, _) in enumerate(raw.bom):
            if pos[x] == a:
                row[n + k] = 1.0
        rows.append(row)
        rhs.append(0.0)
    for q in range(n):  # ref_q t <= x_q
        if math.isfinite(ref[q]) and ref[q] > 0:
            row = [0.0] * width
            row[q] = -1.0
            row[-1] = float(ref[q])
            rows.append(row)
            rhs.append(0.0)
    bounds = [(0.0, float(ub[q]) if math.isfinite(ub[q]) else None) for q in range(n)]
    c = np.zeros(width)
    bounds += [(0.0, None)] * m
    if then is None:
        c[-1] = -1.0
        res = linprog(c, A_ub=rows, b_ub=rhs, bounds=[*bounds, (0.0, 1.0)], method="highs")
        assert res.status == 0, res.message
        return float(res.x[-1])
    share, w = then
    c[:n] = -w
    for rel, absolute in HOLDS:  # the share held as lp.solve holds it, the next if infeasible
        hold = (max(0.0, share * (1 - rel) - absolute), 1.0)
        res = linprog(c, A_ub=rows, b_ub=rhs, bounds=[*bounds, hold], method="highs")
        if res.status == 0:
            return float(-res.fun)
    raise AssertionError(res.message)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from([1.0, 0.5, 1e-2, 1e-4]))
def test_share_scale_changes_nothing(raw: RawGraph, scale: float) -> None:
    pc = PlanContext(Context(from_raw(raw)))
    keys = pc.keys()
    if not keys.indices:
        return
    w = pc.weights(keys, Weights.demand)
    ref = pc.reference(keys)
    if not (np.isfinite(ref) & (ref > 0)).any():
        return
    ub = pc.producer_capacity
    plain = solve(pc.net, ub, w, ref, 1.0)
    scaled = solve(pc.net, ub, w, ref, scale)
    guessed = solve(pc.net, ub, w, ref, pc.share_scale(ref))
    expected = max_min_share(raw, ub, ref)
    for sol in (plain, scaled, guessed):
        assert sol.share == approx(expected)
        # the second stage (the weighted output, holding the share) agrees too
        assert sol.value == approx(plain.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.lists(st.sampled_from([1.0, 0.5, 0.1, 2.0]), min_size=1, max_size=4))
def test_warm_solves_equal_a_cold_solve(raw: RawGraph, factors: list[float]) -> None:
    """Each solve after the first (new capacities, as the days of a ramp-up) goes on from the
    last basis of the same HiGHS models, stage 1 and stage 2 each from its own: every optimum
    equals a cold solve on fresh models and the dense two-stage programme written here."""
    pc = PlanContext(Context(from_raw(raw)))
    keys = pc.keys()
    if not keys.indices:
        return
    w = pc.weights(keys, Weights.demand)
    ref = pc.reference(keys)
    if not (np.isfinite(ref) & (ref > 0)).any():
        return
    scale = pc.share_scale(ref)
    for f in factors:
        ub = pc.producer_capacity * f
        warm = solve(pc.net, ub, w, ref, scale)
        cold = solve(PlanContext(Context(from_raw(raw))).net, ub, w, ref, scale)
        assert warm.share is not None and cold.share is not None
        assert warm.share == approx(cold.share) == approx(max_min_share(raw, ub, ref))
        # a capacity of 0.01/day against a demand of 1e5 holds outputs of 1e-7, HiGHS's
        # absolute primal tolerance a row: there the weighted output (weights up to 2, a
        # few rows) agrees to some of those tolerances, 1e-5 at most
        near = pytest.approx(cold.value, rel=1e-6, abs=1e-5)
        assert warm.value == near
        assert dense_share_lp(raw, ub, ref, (warm.share, w)) == near


def _masks() -> RawGraph:
    """Two masks sharing melt-blown fabric: N95 (demand 1000) and surgical (100), 50 of MB."""
    return RawGraph(
        products=[
            ("MB", None, "material", None, None, None),
            ("N95", None, "final", 1000.0, None, None),
            ("SURG", None, "final", 100.0, None, None),
        ],
        enterprises=[("E1", None), ("E2", None), ("E3", None)],
        bom=[("MB", "N95", 1.0, None), ("MB", "SURG", 1.0, None)],
        produces=[("E1", "MB", 50.0, None), ("E2", "N95", 500.0, None), ("E3", "SURG", 80.0, None)],
    )


def test_stage_two_out_of_time_gives_stage_one_and_says_so() -> None:
    raw = _masks()
    pc = PlanContext(Context(from_raw(raw)))
    _, w, ref = pc.objective_arrays(None, Objective.demand_share, Weights.demand)
    cut = solve(pc.net, pc.producer_capacity, w, ref, 1.0, stage2_time_limit=1e-12)
    assert cut.note == STAGE2_TIMED_OUT
    assert cut.share == approx(1 / 22)  # stage 1 is whole: the smallest share is met
    mb, n95, surg = (pc.proj.product(p) for p in ("MB", "N95", "SURG"))
    assert cut.x[n95] >= 1000 / 22 * (1 - 1e-9) and cut.x[surg] >= 100 / 22 * (1 - 1e-9)
    assert cut.shadow[mb] == approx(1 / 1100)  # stage 1's shadow prices, labelled as such
    assert cut.shadow_unit == "share of demand met per extra unit/day"
    full = solve(PlanContext(Context(from_raw(raw))).net, pc.producer_capacity, w, ref, 1.0)
    assert full.note is None and full.share == approx(1 / 22)
    assert full.value >= cut.value - 1e-9


def approx(v: float) -> Any:
    return pytest.approx(v, rel=1e-6, abs=1e-9)


def test_share_scale_is_the_smallest_single_product_share() -> None:
    raw = _masks()
    pc = PlanContext(Context(from_raw(raw)))
    _, w, ref = pc.objective_arrays(None, Objective.demand_share, Weights.demand)
    # alone, N95 reaches 50 of 1000 (5%), surgical masks 50 of 100
    assert pc.share_scale(ref) == 0.05
    assert pc.share_scale(None) == 1.0
    sol = solve(pc.net, pc.producer_capacity, w, ref, pc.share_scale(ref))
    # together: 1000 t + 100 t <= 50 -> t = 1/22
    assert sol.share == approx(1 / 22)
    # one more t/day of melt-blown raises the share by 1/1100
    assert sol.shadow[pc.proj.product("MB")] == approx(1 / 1100)
