"""What the loss of each node does to every product's achievable output, for all nodes at once.

The capacity recursion (kg/analysis/capacity.py) is re-run for every candidate x (each
product, enterprise and region) at the same time, level by level through the bill of
materials, carrying only the products whose value changes: a sparse table of
(product, candidate, new achievable output). Per level everything is a handful of numpy
operations, so the cost grows with the number of changed (product, candidate) pairs, not with
products x candidates. A lowered group supply or producer capacity that stays at or above the
product's baseline output cannot lower it and is dropped before the terms of each (product,
candidate) are combined; the pairs are ordered by sorting packed keys (arrays.pair_runs).

Producer capacity and group supplies are kept as a finite part plus a count of unbounded
terms (an unknown capacity, an input nothing bounds), so "unbounded minus something" stays
exact. The acyclic case is handled here; a bill of materials with cycles falls back to
recomputing candidate by candidate (CapacityModel.propagate / solve).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from kg.analysis.arrays import FloatArray, IntArray, expand_ranges, group_sum, pair_runs
from kg.analysis.capacity import CapacityModel

_REL_TOL = 1e-9


@dataclass(frozen=True)
class Effects:
    """Sparse table: without candidate ``cand[i]``, product ``prod[i]`` makes ``new[i]``/day
    (only entries below the baseline). Candidates are circuit indices."""

    prod: IntArray
    cand: IntArray
    new: FloatArray

    def losses(self, ach: FloatArray, weights: dict[int, float], n_nodes: int) -> FloatArray:
        """Per candidate: the weighted share of the weighted products' output lost (0..1)."""
        w = np.zeros(len(ach))
        for k, wt in weights.items():
            if math.isfinite(ach[k]) and ach[k] > 0:
                w[k] = wt
        total = w.sum()
        out = np.zeros(n_nodes)
        if total <= 0:
            return out
        sel = w[self.prod] > 0
        p = self.prod[sel]
        lost = (ach[p] - self.new[sel]) / ach[p] * w[p]
        out += np.bincount(self.cand[sel], weights=lost, minlength=n_nodes)
        result: FloatArray = out / total
        return result


def removal_effects(model: CapacityModel) -> Effects | None:
    """Effects of removing each node; None when the bill of materials has a cycle."""
    if any(model.cyclic):
        return None
    proj, circuit = model.proj, model.circuit
    n = proj.n_products
    ach = model.ach
    n_nodes = circuit.n_nodes

    # producer capacity as finite part + number of unknown (unbounded) capacities
    live = proj.live
    lp = proj.pr_prod[live]
    le = proj.pr_ent[live]
    lcap = proj.pr_cap[live]
    unknown = np.isnan(lcap)
    lfin = np.where(unknown, 0.0, lcap)
    linf = unknown.astype(float)
    pfin = np.bincount(lp, weights=lfin, minlength=n)
    pninf = np.bincount(lp, weights=linf, minlength=n)

    # who takes a producer line down: the enterprise and every region around it
    t_start, t_flat = _takers(model)
    counts = t_start[le + 1] - t_start[le]
    flat = t_flat[expand_ranges(t_start[le], counts)]
    own_p, own_c, (own_fin, own_inf) = group_sum(
        (np.repeat(lp, counts), flat), np.repeat(lfin, counts), np.repeat(linf, counts)
    )
    own_new = np.where(pninf[own_p] - own_inf > 0, np.inf, pfin[own_p] - own_fin)

    # requirement groups: supply as a finite part + a count of unbounded terms
    groups = proj.groups
    group_of = groups.of_edge
    group_prod = groups.product
    n_groups = len(group_prod)
    a_ach = ach[proj.bom_in]
    a_inf = np.isinf(a_ach)
    sfin = np.bincount(
        group_of, weights=np.where(a_inf, 0.0, a_ach) / proj.bom_qty, minlength=n_groups
    )
    sninf = np.bincount(group_of, weights=a_inf.astype(float), minlength=n_groups)
    supply = np.where(sninf > 0, np.inf, sfin)
    mgroup = np.full(n, np.inf)
    np.minimum.at(mgroup, group_prod, supply)
    pcap = np.where(model.on_record, np.where(pninf > 0, np.inf, pfin), np.inf)
    floor = np.minimum(pcap, mgroup)  # what the untouched groups and producers allow
    bar = np.where(ach > 0, ach, -np.inf)  # a term below it lowers the product's output

    # levels of the circuit order every input below the products it goes into
    level = circuit.level[:n]
    n_levels = int(level.max()) + 1 if n else 0
    ok = ach > 0  # unavailable products have nothing to lose
    alt = (np.bincount(group_of, minlength=n_groups) > 1)[group_of]
    # per level: the edges of one-input groups, then those of alt_groups by group then edge
    part_key = level[proj.bom_out] * 2 + alt
    by_level = np.lexsort((np.arange(len(group_of)), group_of, part_key))
    e_bounds = np.searchsorted(part_key[by_level], np.arange(2 * n_levels + 1))
    own_by_level = np.argsort(level[own_p], kind="stable")
    o_bounds = np.searchsorted(level[own_p][own_by_level], np.arange(n_levels + 1))
    by_product_level = np.argsort(level, kind="stable")
    p_bounds = np.searchsorted(level[by_product_level], np.arange(n_levels + 1))

    # the growing effects table, sorted by product within each level: candidates and values
    # in buffers that double when full (the entries of the levels below, for lookups)
    table = _Table(32 * n + 1024)
    ptr_start = np.zeros(n, dtype=np.int64)
    ptr_len = np.zeros(n, dtype=np.int64)
    for lvl in range(n_levels):
        terms_p: list[IntArray] = []
        terms_c: list[IntArray] = []
        terms_v: list[FloatArray] = []
        # input changes reaching this level's groups: one-input groups, then alt_groups,
        # a slice of whole groups at a time (small temporaries, most of the terms dropped)
        for part in (0, 1):
            edges = by_level[e_bounds[2 * lvl + part] : e_bounds[2 * lvl + part + 1]]
            lens = ptr_len[proj.bom_in[edges]]
            for a, b in _slices(lens, group_of[edges] if part else None):
                ks, kl = edges[a:b], lens[a:b]
                ins = proj.bom_in[ks]
                idx = expand_ranges(ptr_start[ins], kl)
                g = np.repeat(group_of[ks], kl)
                cand = table.cand[idx]
                d_fin, d_inf = _input_changes(
                    np.repeat(ach[ins], kl), table.new[idx], np.repeat(proj.bom_qty[ks], kl)
                )
                if part == 1:  # several inputs: add up the changes per (group, candidate)
                    rank = np.repeat(np.cumsum(np.r_[0, group_of[ks][1:] != group_of[ks][:-1]]), kl)
                    order, first = pair_runs(rank, cand, int(rank[-1]), n_nodes - 1)
                    at = order[first]
                    g, cand = g[at], cand[at]
                    d_fin = np.add.reduceat(d_fin[order], first)
                    d_inf = None if d_inf is None else np.add.reduceat(d_inf[order], first)
                if d_inf is None:
                    g_new = np.where(sninf[g] > 0, np.inf, sfin[g] + d_fin)
                else:
                    g_new = np.where(sninf[g] + d_inf > 0, np.inf, sfin[g] + d_fin)
                gp = group_prod[g]
                lower = g_new < bar[gp]  # the other terms cannot lower it
                terms_p.append(gp[lower])
                terms_c.append(cand[lower])
                terms_v.append(g_new[lower])
        # own capacity changes at this level
        sel = own_by_level[o_bounds[lvl] : o_bounds[lvl + 1]]
        op = own_p[sel]
        lower = own_new[sel] < bar[op]
        terms_p.append(op[lower])
        terms_c.append(own_c[sel][lower])
        terms_v.append(own_new[sel][lower])
        # removing the product itself
        mine = by_product_level[p_bounds[lvl] : p_bounds[lvl + 1]]
        mine = mine[ok[mine]]
        terms_p.append(mine)
        terms_c.append(mine)
        terms_v.append(np.zeros(len(mine)))
        cp = np.concatenate(terms_p)
        if len(cp) == 0:
            continue
        cc = np.concatenate(terms_c)
        # per (product, candidate): the least of its terms and of what the rest allows
        order, first = pair_runs(cp, cc, n - 1, n_nodes - 1)
        at = order[first]
        up, uc = cp[at], cc[at]
        value = np.minimum(np.minimum.reduceat(np.concatenate(terms_v)[order], first), floor[up])
        value[up == uc] = 0.0
        base = ach[up]
        keep = value < base - _REL_TOL * np.maximum(1.0, np.where(np.isinf(base), 1.0, base))
        up, uc, value = up[keep], uc[keep], value[keep]
        # ``up`` is sorted: record where each product's entries sit in the global table
        if len(up):
            offset = table.used
            first = np.flatnonzero(np.r_[True, up[1:] != up[:-1]])
            lengths = np.diff(np.r_[first, len(up)])
            ptr_start[up[first]] = offset + first
            ptr_len[up[first]] = lengths
            table.append(up, uc, value)
    return Effects(table.prod, table.cand, table.new)


_SLICE = 1 << 18  # input changes handled at a time


def _slices(lens: IntArray, groups: IntArray | None) -> list[tuple[int, int]]:
    """Consecutive [a, b) ranges of edges with about _SLICE changes each (and some), never
    splitting a run of equal ``groups``; none for edges without changes."""
    total = int(lens.sum())
    if total == 0:
        return []
    if total <= _SLICE:
        return [(0, len(lens))]
    ends = np.cumsum(lens)
    cuts = np.searchsorted(ends, np.arange(_SLICE, total, _SLICE), side="right")
    if groups is not None:  # move each cut forward to the start of a group
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        at = np.searchsorted(starts, cuts)
        cuts = np.where(at < len(starts), starts[np.minimum(at, len(starts) - 1)], len(lens))
    bounds = np.unique(np.r_[0, cuts, len(lens)]).tolist()
    return [(a, b) for a, b in itertools.pairwise(bounds) if a < b]


def _input_changes(
    base: FloatArray, new: FloatArray, qty: FloatArray
) -> tuple[FloatArray, FloatArray | None]:
    """Change of an input's contribution to its group's supply, as a finite part and a change
    in the count of unbounded terms (None: no input was unbounded)."""
    was_inf = np.isinf(base)
    if not was_inf.any():
        return -(base - new) / qty, None
    now_inf = np.isinf(new)
    d_fin = np.where(was_inf, np.where(now_inf, 0.0, new / qty), -(base - new) / qty)
    return d_fin, np.where(was_inf & ~now_inf, -1.0, 0.0)


def _takers(model: CapacityModel) -> tuple[IntArray, IntArray]:
    """CSR (start, circuit nodes) of what takes each enterprise's lines down: the
    enterprise, then every region around it (itself or enclosing), in index order."""
    proj, circuit = model.proj, model.circuit
    n_e, n_r = proj.n_enterprises, proj.n_regions
    ent_regions = proj.ent_regions
    sizes = np.fromiter((len(rs) for rs in ent_regions), dtype=np.int64, count=n_e)
    ents = np.repeat(np.arange(n_e, dtype=np.int64), sizes)
    regs = np.fromiter((r for rs in ent_regions for r in rs), dtype=np.int64, count=len(ents))
    ancestors = proj.region_ancestors
    a_len = np.asarray([len(a) for a in ancestors], dtype=np.int64)
    a_start = np.zeros(n_r + 1, dtype=np.int64)
    np.cumsum(a_len, out=a_start[1:])
    a_flat = np.asarray([x for a in ancestors for x in a], dtype=np.int64)
    lens = a_len[regs]
    pairs = np.unique(
        np.repeat(ents, lens) * max(n_r, 1) + a_flat[expand_ranges(a_start[regs], lens)]
    )
    around_e, around_r = pairs // max(n_r, 1), pairs % max(n_r, 1)
    count = np.bincount(around_e, minlength=n_e) + 1
    start = np.zeros(n_e + 1, dtype=np.int64)
    np.cumsum(count, out=start[1:])
    flat = np.empty(int(start[-1]), dtype=np.int64)
    flat[start[:-1]] = circuit.e0 + np.arange(n_e, dtype=np.int64)
    rest = np.ones(len(flat), dtype=bool)
    rest[start[:-1]] = False
    flat[rest] = circuit.r0 + around_r
    return start, flat


class _Table:
    """Products, candidates and new values of the effects found so far, appended level by
    level into buffers that grow by doubling. The buffers are allocated, not zeroed, so
    memory is touched only as it fills; the columns are views of them."""

    def __init__(self, size: int) -> None:
        self._p = np.empty(size, dtype=np.int64)
        self._c = np.empty(size, dtype=np.int64)
        self._v = np.empty(size)
        self.used = 0

    @property
    def prod(self) -> IntArray:
        return self._p[: self.used]

    @property
    def cand(self) -> IntArray:
        return self._c[: self.used]

    @property
    def new(self) -> FloatArray:
        return self._v[: self.used]

    def append(self, prod: IntArray, cand: IntArray, new: FloatArray) -> None:
        end = self.used + len(cand)
        if end > len(self._c):
            size = max(end, 2 * len(self._c))
            self._p = _grown(self._p, self.used, size)
            self._c = _grown(self._c, self.used, size)
            self._v = _grown(self._v, self.used, size)
        self._p[self.used : end] = prod
        self._c[self.used : end] = cand
        self._v[self.used : end] = new
        self.used = end


def _grown(buffer: np.ndarray, used: int, size: int) -> np.ndarray:
    out = np.empty(size, dtype=buffer.dtype)
    out[:used] = buffer[:used]
    return out
