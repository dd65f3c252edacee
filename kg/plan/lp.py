"""The joint-capacity linear programme, built once per projection and solved with HiGHS.

HiGHS is driven through highspy, not scipy's linprog, so that a model is kept (Network.
programmes, one per objective and set of extra rows) and solved again with new bounds and
costs from its last optimal basis: the days of a ramp-up, the scenarios of the stockpiles and
the reach checks of a resumption each cost a few simplex iterations after the first solve.

Variables: x_q, the output per day of every product q, then y_k, the flow per day along every
bill-of-materials edge k (input a -> product q, in units of a). Constraints (DESIGN.md,
"Planning: precise definitions"):

    for each requirement group g of q:   x_q - sum_{k in g} y_k / qty_per_unit_k <= 0
    for each product a that is an input: sum_{k out of a} y_k - x_a <= 0
    bounds:                              0 <= x_q <= producer capacity of q,  y_k >= 0

The producer capacity is the one the analyses use (kg/analysis/capacity.py): the live
producers' capacity, unbounded when no producer is on record or a capacity is unknown.
Substitutes of an alt_group add up inside their group; groups are AND-ed. Products the
feasibility analysis finds unavailable inside a cycle of the bill of materials (a cycle
nothing outside feeds) are held at 0, as the analyses hold them; in every other cycle the
programme lets material circulate, as the capacity analysis iterates to its fixed point.

Objectives:
- ``output``: maximise sum_q w_q x_q over the key products (weights: relative demand, as the
  analyses weigh key products; 1 each; or by priority: 1 / the most urgent priority of the
  areas demanding the product, 1 first, the least urgent on record for a product no area
  demands);
- ``demand-share``: maximise t, the smallest share of demand met (capped at 1) over the key
  products with a reference figure (demand_per_day, else their single-product figure), then,
  holding t, the weighted output as above.

A product whose single-product figure is unbounded (nothing on record limits it) never enters
an objective (its output is reported as unbounded).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import highspy
import numpy as np
from highspy import _core
from scipy.sparse import csr_matrix, vstack

from kg.analysis.arrays import BoolArray, FloatArray, IntArray
from kg.analysis.context import Context

INF = math.inf
TOL = 1e-7
# Above this many variables the interior-point method (with crossover, so duals stay exact) was
# several times faster than dual simplex on the layered graphs of bench/plan.py.
IPM_ABOVE = 20_000
# ... except for stage 1 of the demand-share objective (the smallest share): there the dual
# simplex method was faster up to this many variables (measured at 100k relationships, 46,110
# variables: 1.5 s of CPU against 4.9 s for the interior-point method with crossover, the same
# share), and far slower at 1M (460,423 variables: over 12 min against 128 s)
STAGE1_IPM_ABOVE = 100_000
KEEP_PROGRAMMES = 4  # HiGHS models a Network keeps for warm starts (each as big as the matrix)
_UPPER = highspy.HighsBasisStatus.kUpper
WARM_SHARE = 0.1  # a warm start of a large model may take this share of its cold solve's time
_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)


STAGE2_TIMED_OUT = (
    "stage 2 (the weighted output) ran out of its time limit: the outputs are stage 1's, "
    "which meet the smallest share of demand but do not maximise the weighted output"
)


class PlanError(ValueError):
    """A plan cannot be made as asked (bad option, solver failure); the message says why."""


class _Infeasible(PlanError):
    pass


# stage 2 holds the share at its optimum less these (relative, absolute) margins, the next
# only when the last leaves stage 2 infeasible: stage 1's optimum can overstate the share by
# HiGHS's primal tolerance (1e-7 on a row ref_q t - x_q <= 0), which at tiny outputs
# (0.01/day) is far more than 1e-9 of it
HOLDS = ((1e-9, 1e-12), (1e-6, 1e-9), (1e-4, 1e-7))


class Objective(StrEnum):
    output = "output"
    demand_share = "demand-share"


class Weights(StrEnum):
    demand = "demand"
    equal = "equal"
    priority = "priority"


class Programme:
    """One HiGHS model (min c.v s.t. A v <= row_upper, lower <= v <= upper) kept across
    solves: each run changes only costs and bounds, so HiGHS starts from the last optimal
    basis (a warm start: dual simplex after bound changes, primal after cost changes). The
    first solve of a large model uses the interior-point method with crossover (a basis,
    exact duals); every later one the simplex method from that basis, for at most WARM_SHARE
    of the time the last solve from scratch took, and the interior-point method again when
    that does not do."""

    def __init__(self, a: csr_matrix, row_upper: FloatArray, ipm_above: int = IPM_ABOVE) -> None:
        # highspy's Highs subclass prints a banner on stdout when first built (it would break
        # the commands' JSON output); its base class is the same solver without the banner
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        csc = a.tocsc()
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = a.shape[1], a.shape[0]
        model.col_cost_ = np.zeros(a.shape[1])
        model.col_lower_ = np.zeros(a.shape[1])
        model.col_upper_ = np.full(a.shape[1], highspy.kHighsInf)
        model.row_lower_ = np.full(a.shape[0], -highspy.kHighsInf)
        model.row_upper_ = np.asarray(row_upper, dtype=np.float64)
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = csc.indptr
        model.a_matrix_.index_ = csc.indices
        model.a_matrix_.value_ = csc.data
        h.passModel(model)
        self.highs = h
        self.n_cols = a.shape[1]
        self.ipm_above = ipm_above  # more variables than this: "large" (see the class's words)
        self.row_upper = np.asarray(row_upper, dtype=np.float64)
        self.solves = 0
        self.cold_seconds = 0.0  # the last solve from scratch
        # the answer of the last programme asked of this model (one only: with two kept, a hit
        # left HiGHS holding the other one, and a later warm start was found "infeasible")
        self.last: dict[tuple[bytes, ...], tuple[FloatArray, FloatArray, FloatArray, str]] = {}
        self._all = np.arange(a.shape[1], dtype=np.int32)

    def run(
        self, c: FloatArray, lower: FloatArray, upper: FloatArray, time_limit: float | None = None
    ) -> tuple[FloatArray, FloatArray, FloatArray, str]:
        """(solution, upper-bound marginals, row residuals, status) of the programme with
        these costs and bounds; status "optimal", "unbounded", "time limit" (``time_limit``
        seconds, warm start and the solve from scratch after it together) or HiGHS's own
        words."""
        h, n = self.highs, self.n_cols
        big = highspy.kHighsInf
        asked = (np.asarray(c).tobytes(), np.asarray(lower).tobytes(), np.asarray(upper).tobytes())
        if asked in self.last:
            return self.last[asked]  # a programme solved just before: the same answer
        h.changeColsCost(n, self._all, np.asarray(c, dtype=np.float64))
        h.changeColsBounds(
            n,
            self._all,
            np.where(np.isinf(lower), -big, lower).astype(np.float64),
            np.where(np.isinf(upper), big, upper).astype(np.float64),
        )
        large = n > self.ipm_above
        limit = float(time_limit) if time_limit else big
        began = time.perf_counter()
        if large and self.solves:
            # from the last basis, but only for a while: after a large change of bounds the
            # simplex method can take longer than a fresh interior-point solve
            h.setOptionValue("solver", "simplex")
            # HiGHS measures its time limit against the model's run time summed over every
            # run (ERGO-Code/HiGHS#1477; highspy has no zeroAllClocks): from now, so add it
            h.setOptionValue(
                "time_limit", h.getRunTime() + min(limit, WARM_SHARE * self.cold_seconds)
            )
            h.run()
            warm = h.getModelStatus() != highspy.HighsModelStatus.kTimeLimit
        else:
            warm = False
        left = limit - (time.perf_counter() - began)
        if not warm and left > 0:
            h.setOptionValue("solver", "ipm" if large else "simplex")
            h.setOptionValue("time_limit", h.getRunTime() + left)
            started = time.perf_counter()
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kTimeLimit:
                self.cold_seconds = time.perf_counter() - started
        self.solves += 1
        # no time left for the solve from scratch: out of time, whatever HiGHS last said
        status = h.getModelStatus() if warm or left > 0 else highspy.HighsModelStatus.kTimeLimit
        if status == highspy.HighsModelStatus.kOptimal:
            word = "optimal"
        elif status == highspy.HighsModelStatus.kTimeLimit:
            word = "time limit"
        elif status in _UNBOUNDED:  # every programme here is feasible (all zero)
            word = "unbounded"
        else:
            word = h.modelStatusToString(status)
        if word != "optimal":
            z = np.zeros(n)
            return z, z, np.zeros(len(self.row_upper)), word
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        dual = np.asarray(sol.col_dual, dtype=np.float64)
        at_upper = np.fromiter((s == _UPPER for s in h.getBasis().col_status), dtype=bool, count=n)
        marg = np.where(at_upper, dual, 0.0)
        resid = self.row_upper - np.asarray(sol.row_value, dtype=np.float64)
        if len(self.last) >= 1:
            del self.last[next(iter(self.last))]
        self.last[asked] = (x, marg, resid, word)
        return x, marg, resid, word


@dataclass
class Network:
    """The constraint matrix of the joint programme (rows: groups, then input use)."""

    n: int  # products
    m: int  # bill-of-materials edges
    matrix: csr_matrix  # (groups + inputs) x (n + m)
    group_product: IntArray  # row -> product (group rows)
    use_product: IntArray  # row - n_groups -> input product (use rows)
    forced_zero: BoolArray  # products held at 0
    programmes: dict[tuple[Any, ...], Programme] = field(default_factory=dict)

    def programme(self, key: tuple[Any, ...], build: Callable[[], Programme]) -> Programme:
        """The HiGHS model kept under ``key`` (built on first use; the oldest dropped when more
        than KEEP_PROGRAMMES are kept)."""
        if key not in self.programmes:
            if len(self.programmes) >= KEEP_PROGRAMMES:
                del self.programmes[next(iter(self.programmes))]
            self.programmes[key] = build()
        return self.programmes[key]

    @property
    def n_groups(self) -> int:
        return len(self.group_product)

    @property
    def n_vars(self) -> int:
        return self.n + self.m


def network(ctx: Context) -> Network:
    proj = ctx.proj
    n, m = proj.n_products, len(proj.bom_in)
    g = proj.groups
    n_groups = len(g.product)
    # group rows: +1 x_q, -1/qty y_k
    rows = np.concatenate([np.arange(n_groups), g.of_edge])
    cols = np.concatenate([g.product, n + np.arange(m)])
    vals = np.concatenate([np.ones(n_groups), -1.0 / proj.bom_qty])
    groups = csr_matrix((vals, (rows, cols)), shape=(n_groups, n + m))
    # use rows: +1 y_k out of a, -1 x_a
    inputs = np.unique(proj.bom_in)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[inputs] = np.arange(len(inputs))
    rows = np.concatenate([row_of[proj.bom_in], np.arange(len(inputs))])
    cols = np.concatenate([n + np.arange(m), inputs])
    vals = np.concatenate([np.ones(m), -np.ones(len(inputs))])
    use = csr_matrix((vals, (rows, cols)), shape=(len(inputs), n + m))
    model = ctx.capacity
    forced = np.asarray(model.cyclic, dtype=bool) & ~model.avail
    return Network(
        n=n,
        m=m,
        matrix=csr_matrix(vstack([groups, use], format="csr")),
        group_product=np.asarray(g.product, dtype=np.int64),
        use_product=inputs.astype(np.int64),
        forced_zero=forced,
    )


@dataclass(frozen=True)
class Solution:
    x: FloatArray  # output per product
    y: FloatArray  # flow per BOM edge
    share: float | None  # the smallest share of demand met (demand-share objective)
    value: float  # the weighted output
    shadow: FloatArray  # per product: objective gained per extra unit/day of its capacity
    shadow_unit: str
    group_tight: BoolArray  # per group row
    use_tight: BoolArray  # per input (Network.use_product)
    note: str | None = None  # STAGE2_TIMED_OUT when stage 2 ran out of its time limit


def _tight(residual: FloatArray, scale: FloatArray) -> BoolArray:
    out: BoolArray = residual <= TOL * np.maximum(1.0, scale)
    return out


def with_rows(net: Network, width: int, extra: csr_matrix | None) -> csr_matrix:
    """The network's matrix widened to ``width`` columns, with ``extra`` rows below."""
    a = net.matrix
    if width > a.shape[1]:
        a = csr_matrix((a.data, a.indices, a.indptr), shape=(a.shape[0], width))
    if extra is not None:
        a = csr_matrix(vstack([a, extra], format="csr"))
    return a


def _run(
    net: Network,
    key: tuple[Any, ...],
    c: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    extra: csr_matrix | None,
    time_limit: float | None = None,
    ipm_above: int = IPM_ABOVE,
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """(solution, upper-bound marginals, row residuals) of min c.v s.t. A v <= 0, bounds, on
    the model kept under ``key`` (the same key must mean the same ``extra`` rows); None when
    HiGHS ran out of ``time_limit`` seconds."""

    def build() -> Programme:
        a = with_rows(net, len(c), extra)
        return Programme(a, np.zeros(a.shape[0]), ipm_above)

    x, marg, resid, status = net.programme(key, build).run(c, lower, upper, time_limit)
    if status == "time limit":
        return None
    if status == "unbounded":
        raise PlanError(
            "the plan is unbounded: a product in the objective has no capacity on record "
            "anywhere up its bill of materials; give its producers' capacity_per_day"
        )
    if status == "Infeasible":
        raise _Infeasible("HiGHS found the joint capacity programme infeasible")
    if status != "optimal":
        raise PlanError(f"HiGHS could not solve the joint capacity programme: {status}")
    return x, marg, resid


def solve(
    net: Network,
    ub: FloatArray,
    weights: FloatArray,
    reference: FloatArray | None = None,
    share_scale: float = 1.0,
    stage2_time_limit: float | None = None,
) -> Solution:
    """Solve the programme with product capacities ``ub`` (inf: unbounded).

    ``weights``: per product objective weight (0: not in the objective). ``reference``: per
    product reference output for the demand-share objective (NaN: not in the minimum); None
    for the output objective. ``share_scale``: a guess of the smallest share of demand met
    (PlanContext.share_scale: at most 1, the smallest single-product share); the programme
    solves for the share divided by it, which is the same programme, scaled so that the
    interior-point method sees an optimum near 1 (fewer iterations when the share is tiny).
    ``stage2_time_limit``: seconds for stage 2 of the demand-share objective (None: none);
    out of time, the solution is stage 1's, which meets the smallest share but does not
    maximise the weighted output, and Solution.note says so.
    """
    n, nv = net.n, net.n_vars
    upper = np.full(nv, INF)
    upper[:n] = np.where(net.forced_zero, 0.0, ub)
    lower = np.zeros(nv)
    w = np.where(np.isfinite(weights), weights, 0.0)
    share: float | None = None
    if reference is not None:
        chosen = np.flatnonzero(np.isfinite(reference) & (reference > 0))
        if len(chosen):
            # rows: ref_q f s - x_q <= 0, t = f s (f: share_scale, s in [0, 1/f])
            f = share_scale if math.isfinite(share_scale) and 0 < share_scale <= 1 else 1.0
            k = len(chosen)
            extra = csr_matrix(
                (
                    np.concatenate([reference[chosen] * f, -np.ones(k)]),
                    (
                        np.concatenate([np.arange(k), np.arange(k)]),
                        np.concatenate([np.full(k, nv), chosen]),
                    ),
                ),
                shape=(k, nv + 1),
            )
            c = np.zeros(nv + 1)
            c[nv] = -1.0
            lo = np.append(lower, 0.0)
            hi = np.append(upper, 1.0 / f)
            key = ("share", chosen.tobytes(), reference[chosen].tobytes(), f)
            v, marg, resid = _need(_run(net, key, c, lo, hi, extra, None, STAGE1_IPM_ABOVE))
            share = min(1.0, float(v[nv]) * f)
            stage1 = -marg[:n] * f
            c2 = np.zeros(nv + 1)
            c2[:n] = -w
            # a model of its own, solved from scratch the first time: from stage 1's optimal
            # basis (feasible with the share held a hair below its optimum) the simplex method
            # took 107-129 s of CPU at 100k (60,000 iterations) against 7.6 s for the
            # interior-point method; later solves (ramp-up days) go on from its own last basis
            for i, (rel, absolute) in enumerate(HOLDS):
                lo[nv] = max(0.0, share * (1 - rel) - absolute) / f
                try:
                    second = _run(net, (*key, "then output"), c2, lo, hi, extra, stage2_time_limit)
                    break
                except _Infeasible:
                    if i == len(HOLDS) - 1:
                        raise
            note = None
            if second is None:
                note = STAGE2_TIMED_OUT
                second = (v, np.zeros_like(marg), resid)
            v, marg, resid = second
            stage2 = -marg[:n]
            x, y = v[:n], v[n:nv]
            resid = resid[: net.matrix.shape[0]]
            if share < 1 - 1e-9 or note:
                shadow, unit = stage1, "share of demand met per extra unit/day"
            else:
                shadow, unit = stage2, "weighted key output per extra unit/day"
            return _solution(net, x, y, share, float(w @ x), shadow, unit, resid, note)
    c = np.zeros(nv)
    c[:n] = -w
    v, marg, resid = _need(_run(net, ("output",), c, lower, upper, None))
    x, y = v[:n], v[n:]
    unit = "weighted key output per extra unit/day"
    return _solution(net, x, y, share, float(w @ x), -marg[:n], unit, resid)


def _snap(v: FloatArray) -> FloatArray:
    """Values within the solver's tolerance of a whole number, as that number."""
    r = np.round(v)
    out: FloatArray = np.where(np.abs(v - r) <= 1e-8 * np.maximum(100.0, np.abs(v)), r, v)
    return out


def _need(
    got: tuple[FloatArray, FloatArray, FloatArray] | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    if got is None:
        raise PlanError("HiGHS ran out of time on the joint capacity programme")
    return got


def _solution(
    net: Network,
    x: FloatArray,
    y: FloatArray,
    share: float | None,
    value: float,
    shadow: FloatArray,
    unit: str,
    resid: FloatArray,
    note: str | None = None,
) -> Solution:
    x = _snap(np.maximum(x, 0.0))
    shadow = np.where(np.abs(shadow) < 1e-9, 0.0, _snap(shadow * 1e6) / 1e6)
    ng = net.n_groups
    return Solution(
        x=x,
        y=np.maximum(y, 0.0),
        share=share,
        value=value,
        shadow=shadow,
        shadow_unit=unit,
        group_tight=_tight(resid[:ng], x[net.group_product]),
        use_tight=_tight(resid[ng:], x[net.use_product]),
        note=note,
    )
