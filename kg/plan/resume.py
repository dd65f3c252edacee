"""The resumption white list: after a disruption, the fewest stopped enterprises (or the least
capacity) whose restart brings every key product back to its target share of normal output.

- normal output of a key product: its output in the joint plan of the intact graph (lp.py,
  the objective chosen); its target: ``target_share`` x normal output;
- stopped: the enterprises named and every enterprise in the regions named (with the regions
  inside them); candidates: the stopped enterprises with a live line, less those that must
  stay stopped (``keep_stopped``);
- reachable output: the most of its target each key product can reach with every candidate
  restarted, together (one linear programme maximising the sum of min(output, target) /
  target); a product that cannot reach its target is reported, and held to what it can reach;
- the white list: a mixed-integer programme (HiGHS through highspy, lp.py) over the
  joint-capacity constraints (lp.py) with one binary restart variable per candidate: a
  product's capacity is its running lines' plus the lines of the candidates restarted (a line
  of unknown capacity counts as the product's single-product figure); minimise the number of
  enterprises restarted (``enterprises``) or their total live capacity (``capacity``, units as
  recorded, added up); only candidates making something up the bill of materials of a key
  product enter it (one feeding only products on target can still help a short one, through
  a substitute of an input they share). The time limit bounds the whole step: the MILP
  (building its matrix included) gets what is left of it once the linear programmes before
  it and the list's own check after it are set aside (at least MILP_AT_LEAST of it). HiGHS's
  first incumbent is the plan with every candidate restarted (less what feeds no key
  product), so when HiGHS stops at the limit the best list found is given with its MIP gap;
  when there is none, every candidate that can help is listed (a valid, not a small, list),
  and the status says so;
- stage 2 of the intact graph's joint plan (demand share) gets REACH_SHARE of the time limit;
  out of it, the normal outputs are stage 1's and the report's note says so;
- the reach programmes before the MILP (nothing restarted, everything restarted) must be done
  by REACH_SHARE of the time limit, counted from the start (the intact graph's joint plan
  included). When they run out of it, there is no MILP: every target counts as short, every
  candidate making something up a key product's bill of materials is listed (restarting
  them reaches whatever restarting everything would: a valid, not a small, list), the
  figures not computed are None, and the status says so (REACH_TIMED_OUT). A reach is not
  solved when its capacities are the intact graph's (the intact plan meets every target
  there) or were solved already. The reach of the list itself is each target when every
  target is reachable (the list's own plan meets them); else it gets what is left of the
  limit, at least REACH_AFTER_AT_LEAST of it (None when it runs out);
- order: upstream first (by the bill-of-materials level of the products each entry makes,
  then id); what an entry unlocks: the key products that miss their target when the entry
  alone is left off the list (one programme per entry, for lists of up to 20 when the time
  limit still holds those programmes; otherwise the key products downstream of what each
  entry makes).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum

import highspy
import numpy as np
from scipy.sparse import csr_matrix, vstack

from kg.analysis.arrays import BoolArray, FloatArray, IntArray
from kg.plan.context import PlanContext, PlanSource, plan_context
from kg.plan.lp import Objective, PlanError, Programme, Solution, Weights, solve, with_rows

DEFAULT_SHARE = 0.8
DEFAULT_TIME_LIMIT = 60.0
EXPLAIN_UP_TO = 20  # entries whose unlocks are checked one by one (a programme each)
_BIG = 1e12  # a line of unknown capacity for a product nothing else bounds
_STOPPED = (
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
)
MILP_AT_LEAST = 0.1  # share of the time limit the MILP gets even when the rest took it all
# the reach programmes before the MILP must be done by this share of the time limit (counted
# from the start, the intact graph's joint plan included); the check of the list after it gets
# what is left of the limit, at least REACH_AFTER_AT_LEAST of it
REACH_SHARE = 0.8
REACH_AFTER_AT_LEAST = 0.1
REACH_TIMED_OUT = (
    "time limit in the reach programmes: every candidate that can help is listed, "
    "not checked to be the smallest"
)


class Minimise(StrEnum):
    enterprises = "enterprises"
    capacity = "capacity"


@dataclass(frozen=True)
class WhiteListEntry:
    order: int
    enterprise: str
    name: str | None
    capacity_per_day: float  # its live lines' known capacity, added up
    makes: tuple[str, ...]
    unlocks: tuple[str, ...]  # key products below target without this entry alone

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["makes"], out["unlocks"] = list(self.makes), list(self.unlocks)
        return out


@dataclass(frozen=True)
class TargetRow:
    product: str
    name: str | None
    normal_per_day: float
    target_per_day: float
    # the next three: the most of the target reachable together (capped at the target)
    # None: its reach programme ran out of its share of the time limit (see ResumeReport)
    after_disruption_per_day: float | None  # nothing restarted
    reachable_per_day: float | None  # every candidate restarted
    with_white_list_per_day: float | None  # the white list restarted
    reaches_target: bool | None  # with every candidate restarted

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ResumeReport:
    target_share: float
    minimise: str
    stopped: tuple[str, ...]
    candidates: int
    status: str  # optimal, time limit (best list found, see mip_gap), nothing to restart, ...
    mip_gap: float | None
    seconds: float
    white_list: list[WhiteListEntry] = field(default_factory=list)  # see ``status``
    # of ``seconds``: the MILP, building it and HiGHS's run (None: no MILP), and the building
    milp_seconds: float | None = None
    milp_build_seconds: float | None = None
    products: list[TargetRow] = field(default_factory=list)
    note: str | None = None  # lp.STAGE2_TIMED_OUT: the normal outputs are stage 1's

    @property
    def unreachable(self) -> list[str]:
        return [p.product for p in self.products if p.reaches_target is False]

    def summary(self) -> dict[str, object]:
        return {
            "target_share": self.target_share,
            "minimise": self.minimise,
            "stopped": len(self.stopped),
            "candidates": self.candidates,
            "restart": len(self.white_list),
            "status": self.status,
            "mip_gap": self.mip_gap,
            "seconds": round(self.seconds, 3),
            "unreachable": self.unreachable,
            "note": self.note,
        }


def stopped_enterprises(
    pc: PlanContext, enterprises: Sequence[str], regions: Sequence[str]
) -> list[int]:
    """The enterprises named and every enterprise in the regions named (and inside them)."""
    proj = pc.proj
    out = {proj.enterprise(e) for e in enterprises}
    for code in regions:
        out.update(proj.enterprises_in_region(proj.region(code)))
    return sorted(out)


def capacity_running(pc: PlanContext, running: BoolArray) -> FloatArray:
    """Producer capacity of every product with only the ``running`` enterprises' lines."""
    proj = pc.proj
    stopped_lines = set(np.flatnonzero(~running[proj.pr_ent]).tolist())
    return pc.ctx.capacity.producer_capacities(stopped_lines)


def reach(
    pc: PlanContext, ub: FloatArray, targets: dict[int, float], time_limit: float | None = None
) -> FloatArray | None:
    """Per target product, the most of its target reachable together (sum of min(x, t)/t);
    None when HiGHS ran out of ``time_limit`` seconds."""
    got = reach_plan(pc, ub, targets, time_limit)
    return None if got is None else got[0]


def reach_plan(
    pc: PlanContext, ub: FloatArray, targets: dict[int, float], time_limit: float | None = None
) -> tuple[FloatArray, FloatArray] | None:
    """(reach per product as ``reach``, the programme's outputs and flows that get there);
    None when HiGHS ran out of ``time_limit`` seconds."""
    net = pc.net
    n, nv = net.n, net.n_vars
    prods = [q for q, t in targets.items() if t > 0]
    out = np.zeros(n)
    if not prods:
        return out, np.zeros(nv)
    k = len(prods)
    tvals = np.asarray([targets[q] for q in prods])
    link = csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (
                np.concatenate([np.arange(k), np.arange(k)]),
                np.concatenate([nv + np.arange(k), prods]),
            ),
        ),
        shape=(k, nv + k),
    )
    upper = np.concatenate([np.where(net.forced_zero, 0.0, ub), np.full(net.m, math.inf), tvals])
    c = np.zeros(nv + k)
    c[nv:] = -1.0 / tvals

    def build() -> Programme:
        a = with_rows(net, nv + k, link)
        return Programme(a, np.zeros(a.shape[0]))

    # one model per set of targets, kept: every reach of a resumption is a warm start
    key = ("reach", np.asarray(prods).tobytes(), tvals.tobytes())
    x, _, _, status = net.programme(key, build).run(c, np.zeros(nv + k), upper, time_limit)
    if status == "time limit":
        return None
    if status != "optimal":
        raise PlanError(f"HiGHS could not solve the reachability programme: {status}")
    out[prods] = np.maximum(np.minimum(x[nv:], tvals), 0.0) + 0.0
    return out, x[:nv]


def _targets_array(pc: PlanContext, targets: dict[int, float]) -> FloatArray:
    out = np.zeros(pc.net.n)
    for q, t in targets.items():
        out[q] = max(t, 0.0)
    return out


def _intact_reach(
    pc: PlanContext, ub: FloatArray, targets: dict[int, float], intact: Solution
) -> tuple[FloatArray, FloatArray] | None:
    """``reach_plan`` without a programme when ``ub`` is the intact graph's capacity: the
    intact plan is feasible there and meets every target (a target is a share of at most 1
    of its output), so each product reaches its target exactly; None for other capacities."""
    if not np.array_equal(ub, pc.producer_capacity, equal_nan=True):
        return None
    return _targets_array(pc, targets), np.concatenate([intact.x, intact.y])


def _feeding_only(pc: PlanContext, plan: FloatArray, feeding: set[int]) -> FloatArray:
    """``plan`` (outputs, then flows) with the products outside ``feeding`` (a set closed
    upstream: every input of a member is a member) and the flows into them at 0: still
    feasible (their inputs only get more left over), the same outputs of every member."""
    net, proj = pc.net, pc.proj
    member = np.zeros(net.n, dtype=bool)
    member[list(feeding)] = True
    out = plan.copy()
    out[: net.n][~member] = 0.0
    out[net.n :][~member[proj.bom_out]] = 0.0
    return out


def _white_list_milp(
    pc: PlanContext,
    running: BoolArray,
    cand: IntArray,
    goals: dict[int, float],
    minimise: Minimise,
    deadline: float,
    start: FloatArray | None = None,
) -> tuple[BoolArray | None, str, float | None, float]:
    """(restart per candidate, status, gap, seconds building) of the white-list programme,
    built and solved by ``deadline`` (time.perf_counter(); HiGHS gets what building the
    programme left of it, at least 0.01 s); ``start``: outputs and flows that meet the goals
    with every candidate restarted (HiGHS's first incumbent, so a time limit still leaves a
    list)."""
    started = time.perf_counter()
    proj, net = pc.proj, pc.net
    nv = net.n_vars
    c_n = len(cand)
    var_of = np.full(proj.n_enterprises, -1, dtype=np.int64)
    var_of[cand] = np.arange(c_n)
    live = proj.live
    cap = proj.pr_cap
    single = pc.single
    base = capacity_running(pc, running)  # running lines only
    ub = base.copy()
    rows, cols, vals, rhs = [], [], [], []
    line_var = np.where(live, var_of[proj.pr_ent], -1)
    by_product: dict[int, list[tuple[int, float]]] = {}
    for k in np.flatnonzero(line_var >= 0).tolist():
        q = int(proj.pr_prod[k])
        c = float(cap[k])
        if math.isnan(c):
            c = float(single[q]) if math.isfinite(single[q]) else _BIG
        by_product.setdefault(q, []).append((int(line_var[k]), c))
    r = 0
    for q, members in sorted(by_product.items()):
        if not math.isfinite(base[q]):
            continue  # a running line of unknown capacity, or an unknown producer
        rows.append(r)
        cols.append(q)
        vals.append(1.0)
        for v, c in members:
            rows.append(r)
            cols.append(nv + v)
            vals.append(-c)
        rhs.append(float(base[q]))
        ub[q] = math.inf
        r += 1
    width = nv + c_n
    a = csr_matrix(
        (net.matrix.data, net.matrix.indices, net.matrix.indptr), shape=(net.matrix.shape[0], width)
    )
    caprows = csr_matrix((vals, (rows, cols)), shape=(r, width))
    matrix = vstack([a, caprows], format="csr")
    upper_b = np.concatenate([np.zeros(a.shape[0]), np.asarray(rhs, dtype=np.float64)])
    lower = np.zeros(width)
    upper = np.concatenate(
        [np.where(net.forced_zero, 0.0, ub), np.full(net.m, math.inf), np.ones(c_n)]
    )
    for q, g in goals.items():
        lower[q] = g
    cost = np.zeros(width)
    if minimise is Minimise.enterprises:
        cost[nv:] = 1.0
    else:
        e_cap = np.bincount(
            proj.pr_ent[live],
            weights=np.nan_to_num(cap[live], nan=0.0),
            minlength=proj.n_enterprises,
        )
        cost[nv:] = e_cap[cand]
    integrality = np.zeros(width, dtype=np.int64)
    integrality[nv:] = 1
    big = highspy.kHighsInf
    h = Programme(matrix, upper_b).highs
    h.changeColsCost(width, np.arange(width, dtype=np.int32), cost)
    h.changeColsBounds(
        width,
        np.arange(width, dtype=np.int32),
        lower,
        np.where(np.isinf(upper), big, upper),
    )
    h.changeColsIntegrality(
        c_n,
        np.arange(nv, width, dtype=np.int32),
        np.full(c_n, highspy.HighsVarType.kInteger),
    )
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    if start is not None:
        incumbent = highspy.HighsSolution()
        incumbent.col_value = np.concatenate([start, np.ones(c_n)])
        h.setSolution(incumbent)
    built = time.perf_counter() - started
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    found = info.primal_solution_status == 2  # a feasible list is known
    gap = float(info.mip_gap) if found and math.isfinite(info.mip_gap) else None
    picked = np.asarray(h.getSolution().col_value[nv:]) > 0.5 if found else None
    if status == highspy.HighsModelStatus.kOptimal:
        return picked, "optimal", gap, built
    if status in _STOPPED:
        return picked, "time limit" if found else "time limit, no list found", gap, built
    raise PlanError(f"HiGHS could not find a white list: {h.modelStatusToString(status)}")


def resume(
    source: PlanSource,
    enterprises: Sequence[str] = (),
    regions: Sequence[str] = (),
    target_share: float = DEFAULT_SHARE,
    minimise: Minimise = Minimise.enterprises,
    keep_stopped: Sequence[str] = (),
    chain: str | None = None,
    objective: Objective = Objective.demand_share,
    weights: Weights = Weights.demand,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> ResumeReport:
    """The white list of enterprises to restart after a disruption (see the module text)."""
    if not 0 < target_share <= 1:
        raise PlanError(f"the target share must be above 0 and at most 1, not {target_share}")
    if time_limit <= 0:
        raise PlanError("the time limit must be above 0 seconds")
    if not (enterprises or regions):
        raise PlanError("a disruption needs at least one enterprise or region")
    started = time.perf_counter()
    pc = plan_context(source)
    proj = pc.proj
    stopped = stopped_enterprises(pc, enterprises, regions)
    held = {proj.enterprise(e) for e in keep_stopped}
    keys, w, ref = pc.objective_arrays(chain, objective, weights)
    # stage 2 of the normal plan (demand share) gets the reach programmes' share of the limit;
    # out of it, the targets come from stage 1's outputs and ``normal_note`` says so
    intact = solve(
        pc.net, pc.producer_capacity, w, ref, pc.share_scale(ref), REACH_SHARE * time_limit
    )
    normal = intact.x
    key_list = [q for q in keys.indices if math.isfinite(pc.single[q])]
    targets = {q: target_share * float(normal[q]) for q in key_list}
    live = proj.live
    running = np.ones(proj.n_enterprises, dtype=bool)
    running[stopped] = False
    reach_until = started + REACH_SHARE * time_limit

    # the reach of each set of capacities asked so far (one programme each, never two)
    known: dict[bytes, tuple[FloatArray, FloatArray]] = {}

    def reach_of(ub: FloatArray, limit: float) -> tuple[FloatArray, FloatArray] | None:
        key = ub.tobytes()
        if key not in known:
            got = _intact_reach(pc, ub, targets, intact)
            if got is None:
                got = reach_plan(pc, ub, targets, limit) if limit > 0 else None
            if got is None:
                return None
            known[key] = got
        return known[key]

    def bounded_reach(ub: FloatArray) -> tuple[FloatArray, FloatArray] | None:
        return reach_of(ub, reach_until - time.perf_counter())

    t0 = time.perf_counter()
    got_after = bounded_reach(capacity_running(pc, running))
    one_reach = time.perf_counter() - t0  # what a reach programme costs, for the checks after
    has_line = np.zeros(proj.n_enterprises, dtype=bool)
    has_line[proj.pr_ent[proj.live]] = True
    cand = np.asarray([e for e in stopped if e not in held and has_line[e]], dtype=np.int64)
    everything = running.copy()
    everything[cand] = True
    got_all = bounded_reach(capacity_running(pc, everything)) if got_after is not None else None
    after = got_after[0] if got_after is not None else None
    reachable = got_all[0] if got_all is not None else None
    if after is None or reachable is None:
        # out of time before the white list: every target counts as short of its goal, and
        # every candidate making something up a key product's bill of materials is listed
        goals = dict(targets)
        short = {q for q, t in targets.items() if t > 0}
    else:
        goals = {q: min(t, float(reachable[q]) * (1 - 1e-9)) for q, t in targets.items()}
        short = {q for q, g in goals.items() if after[q] < g * (1 - 1e-7) - 1e-9}
    # every goal is its whole target (each reachable with every candidate restarted)
    full = reachable is not None and all(float(reachable[q]) >= t for q, t in targets.items())
    # only a candidate making something up the bill of materials of a key product can help:
    # restarting adds capacity and never takes any away, and what feeds no key product moves
    # none (a candidate feeding only products on target can still help a short one: its
    # output can stand in, through a substitute, for an input the short one shares)
    feeding = pc.ctx.upstream_products({q for q, t in targets.items() if t > 0})
    useful = np.asarray(
        [
            e
            for e in cand.tolist()
            if any(live[k] and int(proj.pr_prod[k]) in feeding for k in proj.lines_of_enterprise[e])
        ],
        dtype=np.int64,
    )
    meets_goals = False  # the white list's own plan is known to meet every goal
    milp_s: float | None = None
    build_s: float | None = None
    if after is None or reachable is None:
        white = useful
        status, gap = REACH_TIMED_OUT, None
        one_reach = math.inf  # no unlock checks one by one
    elif not short or not len(useful):
        white = useful[:0]
        status, gap = "nothing to restart", None
    else:
        # every useful candidate restarted meets the goals: the plan of every candidate
        # restarted, less what feeds no key product, is HiGHS's first incumbent
        assert got_all is not None
        plan = _feeding_only(pc, got_all[1], feeding)
        # the time limit bounds the whole step: the MILP gets what is left once the list's
        # own reach check after it is set aside (none when every goal is its whole target: a
        # list meeting the goals reaches them), at least MILP_AT_LEAST of the limit; the
        # one-by-one unlock checks run only if the time left still holds them (_entries)
        after_milp = 0.0 if full else 2 * one_reach
        left = time_limit - (time.perf_counter() - started) - after_milp
        budget = max(left, MILP_AT_LEAST * time_limit)
        t0 = time.perf_counter()
        picked, status, gap, build_s = _white_list_milp(
            pc, running, useful, goals, minimise, t0 + budget, plan
        )
        milp_s = time.perf_counter() - t0
        meets_goals = True  # the MILP's list, or every useful candidate (its first incumbent)
        if picked is not None:
            white = useful[picked]
        else:
            white = useful
            status = "time limit, no list found: every candidate that can help is listed"
    restarted = running.copy()
    restarted[white] = True
    deadline = started + time_limit
    with_ub = capacity_running(pc, restarted)
    if with_ub.tobytes() in known:
        with_list: FloatArray | None = known[with_ub.tobytes()][0]
    elif full and meets_goals:
        # the list's own plan (the MILP's, or its first incumbent) meets every goal, each its
        # whole target up to the goals' 1e-9 margin: each product reaches its target
        with_list = _targets_array(pc, targets)
    else:
        got_with = reach_of(
            with_ub, max(deadline - time.perf_counter(), REACH_AFTER_AT_LEAST * time_limit)
        )
        with_list = None if got_with is None else got_with[0]
    entries = _entries(pc, white, restarted, targets, goals, deadline, one_reach)
    rows = [
        TargetRow(
            product=proj.product_ids[q],
            name=proj.product_name[q],
            normal_per_day=float(normal[q]),
            target_per_day=targets[q],
            after_disruption_per_day=None if after is None else float(after[q]),
            reachable_per_day=None if reachable is None else float(reachable[q]),
            with_white_list_per_day=None if with_list is None else float(with_list[q]),
            reaches_target=(
                None if reachable is None else bool(reachable[q] >= targets[q] * (1 - 1e-6))
            ),
        )
        for q in key_list
    ]
    return ResumeReport(
        target_share=target_share,
        minimise=minimise.value,
        stopped=tuple(proj.enterprise_ids[e] for e in stopped),
        candidates=len(cand),
        status=status,
        mip_gap=gap,
        seconds=time.perf_counter() - started,
        white_list=entries,
        products=rows,
        milp_seconds=milp_s,
        milp_build_seconds=build_s,
        note=intact.note,
    )


def _downstream(pc: PlanContext, products: set[int]) -> set[int]:
    proj = pc.proj
    seen = set(products)
    stack = list(products)
    while stack:
        p = stack.pop()
        for k in proj.outputs_of[p]:
            q = int(proj.bom_out[k])
            if q not in seen:
                seen.add(q)
                stack.append(q)
    return seen


def _entries(
    pc: PlanContext,
    white: IntArray,
    restarted: BoolArray,
    targets: dict[int, float],
    goals: dict[int, float],
    deadline: float,
    one_reach: float,
) -> list[WhiteListEntry]:
    """The list's entries, upstream first. What an entry unlocks is checked one by one (a
    reach programme each) for a list of up to EXPLAIN_UP_TO entries when the time limit still
    holds that many programmes (``one_reach`` seconds each, the first one's time); otherwise
    it is the key products downstream of what the entry makes."""
    proj = pc.proj
    level = pc.ctx.circuit.level[: proj.n_products]
    live = proj.live
    out = []
    check = len(white) <= EXPLAIN_UP_TO and time.perf_counter() + one_reach * len(white) <= deadline
    for e in white.tolist():
        lines = [k for k in proj.lines_of_enterprise[e] if live[k]]
        makes = sorted({int(proj.pr_prod[k]) for k in lines})
        if check:
            without = restarted.copy()
            without[e] = False
            got = reach(pc, capacity_running(pc, without), targets)
            assert got is not None  # no time limit here
            unlocks = tuple(
                sorted(proj.product_ids[q] for q, g in goals.items() if got[q] < g * (1 - 1e-6))
            )
        else:  # a long list: the target products downstream of what the entry makes
            down = _downstream(pc, set(makes))
            unlocks = tuple(sorted(proj.product_ids[q] for q in goals if q in down))
        cap = sum(float(proj.pr_cap[k]) for k in lines if not math.isnan(proj.pr_cap[k]))
        out.append(
            (
                min((int(level[p]) for p in makes), default=0),
                proj.enterprise_ids[e],
                WhiteListEntry(
                    order=0,
                    enterprise=proj.enterprise_ids[e],
                    name=proj.enterprise_name[e],
                    capacity_per_day=cap,
                    makes=tuple(proj.product_ids[p] for p in makes),
                    unlocks=unlocks,
                ),
            )
        )
    out.sort(key=lambda t: (t[0], t[1]))
    return [
        WhiteListEntry(i + 1, x.enterprise, x.name, x.capacity_per_day, x.makes, x.unlocks)
        for i, (_, _, x) in enumerate(out)
    ]
