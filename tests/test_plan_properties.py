"""The resumption white list equals brute force on random small graphs, and its reach figures
are those of their linear programmes (resume() takes some from the intact plan or the list's
own plan instead of solving them again).

Random acyclic bills of materials (with alt_groups and quantities), up to 12 enterprises with
one or two lines each, a random set of them stopped: the mixed-integer programme's white list
is as small as the smallest restart set found by enumerating every subset of the stopped
enterprises, each checked by a linear programme written here from the definition (dense
matrices, independent of kg/plan/lp.py). These run on projections built in memory.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_graphs import draw_bom
from scipy.optimize import linprog

from kg.analysis.context import Context
from kg.analysis.projection import RawGraph, from_raw
from kg.plan import Minimise, PlanContext, resume
from kg.plan.resume import capacity_running, reach


@st.composite
def cases(draw: st.DrawFn) -> tuple[RawGraph, list[str], float]:
    n_p = draw(st.integers(2, 6))
    n_e = draw(st.integers(1, 12))
    products = [
        (
            f"P{i}",
            None,
            "final" if i == n_p - 1 or draw(st.booleans()) else "component",
            # a demand of its own sometimes: the targets then weigh the products unevenly
            draw(st.sampled_from([None, None, 4.0, 10.0, 25.0])),
            None,
            None,
        )
        for i in range(n_p)
    ]
    bom = draw_bom(draw, n_p, 8)
    produces: list[tuple[Any, ...]] = []
    pairs: set[tuple[int, int]] = set()
    for e in range(n_e):
        for _ in range(draw(st.integers(1, 2))):
            p = draw(st.integers(0, n_p - 1))
            if (e, p) not in pairs:
                pairs.add((e, p))
                produces.append(
                    (f"E{e}", f"P{p}", draw(st.sampled_from([5.0, 10.0, 20.0, 40.0])), None)
                )
    stopped = sorted(draw(st.sets(st.integers(0, n_e - 1), min_size=1)))
    share = draw(st.sampled_from([0.5, 0.8, 1.0]))
    raw = RawGraph(
        products=products,
        enterprises=[(f"E{i}", None) for i in range(n_e)],
        bom=bom,
        produces=produces,
    )
    return raw, [f"E{i}" for i in stopped], share


def feasible(raw: RawGraph, running: set[str], goals: dict[str, float]) -> bool:
    """Can every product reach its goal with only ``running`` enterprises' lines? (dense LP)"""
    pids = [p[0] for p in raw.products]
    pos = {p: i for i, p in enumerate(pids)}
    n, m = len(pids), len(raw.bom)
    cap = [0.0] * n
    on_record = [False] * n
    for e, p, c, _ in raw.produces:
        on_record[pos[p]] = True
        if e in running:
            cap[pos[p]] += c
    rows, rhs = [], []
    for q in range(n):
        groups: dict[Any, list[int]] = {}
        for k, (_, b, _, g) in enumerate(raw.bom):
            if pos[b] == q:
                groups.setdefault(g if g is not None else ("single", k), []).append(k)
        for members in groups.values():  # x_q <= sum y_k / qty
            row = [0.0] * (n + m)
            row[q] = 1.0
            for k in members:
                row[n + k] = -1.0 / raw.bom[k][2]
            rows.append(row)
            rhs.append(0.0)
    for a in range(n):  # sum of flows out of a <= x_a
        row = [0.0] * (n + m)
        row[a] = -1.0
        for k, (x, _, _, _) in enumerate(raw.bom):
            if pos[x] == a:
                row[n + k] = 1.0
        rows.append(row)
        rhs.append(0.0)
    bounds = [
        (goals.get(pids[q], 0.0) * (1 - 1e-6), cap[q] if on_record[q] else None) for q in range(n)
    ] + [(0.0, None)] * m
    if any(hi is not None and lo > hi for lo, hi in bounds):
        return False
    res = linprog(
        np.zeros(n + m), A_ub=np.asarray(rows), b_ub=np.asarray(rhs), bounds=bounds, method="highs"
    )
    return bool(res.status == 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_white_list_is_as_small_as_brute_force(case: tuple[RawGraph, list[str], float]) -> None:
    raw, stopped, share = case
    pc = PlanContext(Context(from_raw(raw)))
    rep = resume(pc, enterprises=stopped, target_share=share)
    goals = {
        r.product: min(r.target_per_day, r.reachable_per_day) * (1 - 1e-9) for r in rep.products
    }
    assert set(rep.stopped) == set(stopped)
    everyone = {e[0] for e in raw.enterprises}
    running = everyone - set(stopped)
    listed = {e.enterprise for e in rep.white_list}
    assert listed <= set(stopped)
    assert feasible(raw, running | listed, goals)
    # the smallest restart set, by enumeration (restarting more never hurts)
    smallest = None
    for size in range(len(stopped) + 1):
        if any(
            feasible(raw, running | set(s), goals) for s in itertools.combinations(stopped, size)
        ):
            smallest = size
            break
    assert smallest == len(rep.white_list)
    assert rep.status in ("optimal", "nothing to restart")
    # every product short of its target with everything back is reported as such
    for r in rep.products:
        assert r.reaches_target == (r.reachable_per_day >= r.target_per_day * (1 - 1e-6))
        assert math.isfinite(r.normal_per_day)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_least_capacity_is_as_small_as_brute_force(case: tuple[RawGraph, list[str], float]) -> None:
    raw, stopped, share = case
    pc = PlanContext(Context(from_raw(raw)))
    rep = resume(pc, enterprises=stopped, target_share=share, minimise=Minimise.capacity)
    goals = {
        r.product: min(r.target_per_day, r.reachable_per_day) * (1 - 1e-9) for r in rep.products
    }
    cap: dict[str, float] = {}
    for e, _, c, _ in raw.produces:
        cap[e] = cap.get(e, 0.0) + c
    running = {e[0] for e in raw.enterprises} - set(stopped)
    best = min(
        sum(cap.get(e, 0.0) for e in s)
        for size in range(len(stopped) + 1)
        for s in itertools.combinations(stopped, size)
        if feasible(raw, running | set(s), goals)
    )
    got = sum(e.capacity_per_day for e in rep.white_list)
    assert got == pytest_approx(best)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_reach_figures_are_their_programmes(
    case: tuple[RawGraph, list[str], float], data: st.DataObject
) -> None:
    raw, stopped, share = case
    held = data.draw(st.lists(st.sampled_from(stopped), unique=True, max_size=len(stopped) - 1))
    pc = PlanContext(Context(from_raw(raw)))
    rep = resume(pc, enterprises=stopped, target_share=share, keep_stopped=held)
    proj = pc.proj
    targets = {proj.product(r.product): r.target_per_day for r in rep.products}

    def running(*restarted: str) -> Any:
        on = np.ones(proj.n_enterprises, dtype=bool)
        on[[proj.enterprise(e) for e in stopped]] = False
        on[[proj.enterprise(e) for e in restarted]] = True
        return on

    free = [e for e in stopped if e not in held]
    listed = [e.enterprise for e in rep.white_list]
    cases_ = [
        ("after_disruption_per_day", running()),
        ("reachable_per_day", running(*free)),
        ("with_white_list_per_day", running(*listed)),
    ]
    for field, on in cases_:
        # a fresh context each: the programme kept by resume() would warm-start these
        fresh = PlanContext(Context(from_raw(raw)))
        got = reach(fresh, capacity_running(fresh, on), targets)
        assert got is not None
        mine = [getattr(r, field) for r in rep.products]
        assert all(v is not None for v in mine)
        # the objective (each product's share of its target, added up) has one optimum; the
        # products' own figures too when every target is met
        said = sum(v / t for v, t in zip(mine, targets.values(), strict=True) if t > 0)
        best = sum(got[q] / t for q, t in targets.items() if t > 0)
        assert said == pytest_approx(best)
        if all(got[q] >= t * (1 - 1e-6) for q, t in targets.items()):
            for v, (q, _) in zip(mine, targets.items(), strict=True):
                assert v == pytest_approx(got[q])


def pytest_approx(x: float) -> Any:
    import pytest

    return pytest.approx(x, rel=1e-6, abs=1e-6)
