"""What the loss of each node does to every product's achievable output, for all nodes at once.

The capacity recursion (kg/analysis/capacity.py) is re-run for every candidate x (each
product, enterprise and region) at the same time, level by level through the bill of
materials, carrying only the products whose value changes: a sparse table of
(product, candidate, new achievable output). Per level everything is a handful of numpy
operations, so the cost grows with the number of changed (product, candidate) pairs, not with
products x candidates.

Producer capacity and group supplies are kept as a finite part plus a count of unbounded
terms (an unknown capacity, an input nothing bounds), so "unbounded minus something" stays
exact. The acyclic case is handled here; a bill of materials with cycles falls back to
recomputing candidate by candidate (CapacityModel.propagate / solve).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kg.analysis.arrays import FloatArray, IntArray, expand_ranges, group_sum
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
    e0, r0 = circuit.e0, circuit.r0

    # producer capacity as finite part + number of unknown (unbounded) capacities
    live = proj.live
    lp = proj.pr_prod[live]
    le = proj.pr_ent[live]
    lcap = proj.pr_cap[live]
    unknown = np.isnan(lcap)
    pfin = np.bincount(lp, weights=np.where(unknown, 0.0, lcap), minlength=n)
    pninf = np.bincount(lp, weights=unknown.astype(float), minlength=n)
    on_record = model.on_record

    # who takes a producer line down: the enterprise and every region around it
    takers: list[list[int]] = []
    for e in range(proj.n_enterprises):
        around: set[int] = set()
        for r in proj.ent_regions[e]:
            around.update(proj.region_ancestors[r])
        takers.append([e0 + e] + [r0 + r for r in sorted(around)])
    t_count = np.asarray([len(t) for t in takers], dtype=np.int64)
    t_start = np.zeros(len(takers) + 1, dtype=np.int64)
    np.cumsum(t_count, out=t_start[1:])
    t_flat = np.asarray([x for t in takers for x in t], dtype=np.int64)
    counts = t_count[le]
    flat = t_flat[expand_ranges(t_start[le], counts)]
    own_p, own_c, (own_fin, own_inf) = group_sum(
        (np.repeat(lp, counts), flat),
        np.repeat(np.where(unknown, 0.0, lcap), counts),
        np.repeat(unknown.astype(float), counts),
    )

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
    pcap = np.where(on_record, np.where(pninf > 0, np.inf, pfin), np.inf)

    # levels of the circuit order every input below the products it goes into
    level = circuit.level[:n]
    n_levels = int(level.max()) + 1 if n else 0
    own_level = level[own_p]
    edge_level = level[proj.bom_out]
    ok = ach > 0  # unavailable products have nothing to lose

    # the growing effects table, sorted by product within each level: candidates and values
    # in buffers that double when full (the entries of the levels below, for lookups)
    eff_p: list[IntArray] = []
    table = _Table()
    ptr_start = np.zeros(n, dtype=np.int64)
    ptr_len = np.zeros(n, dtype=np.int64)
    for lvl in range(n_levels):
        all_c, all_v = table.cand, table.new
        # input changes reaching this level's groups
        ks = np.flatnonzero(edge_level == lvl)
        ins = proj.bom_in[ks]
        lens = ptr_len[ins]
        idx = expand_ranges(ptr_start[ins], lens)
        k_rep = np.repeat(ks, lens)
        new_a = all_v[idx]
        base_a = ach[proj.bom_in[k_rep]]
        qty = proj.bom_qty[k_rep]
        was_inf = np.isinf(base_a)
        now_inf = np.isinf(new_a)
        dfin = np.where(
            was_inf,
            np.where(now_inf, 0.0, new_a / qty),
            -(base_a - new_a) / qty,
        )
        dinf = np.where(was_inf & ~now_inf, -1.0, 0.0)
        g_u, c_u, (g_fin, g_inf) = group_sum((group_of[k_rep], all_c[idx]), dfin, dinf)
        g_new = np.where(sninf[g_u] + g_inf > 0, np.inf, sfin[g_u] + g_fin)
        gp = group_prod[g_u]
        # own capacity changes at this level
        sel = own_level == lvl
        op, oc = own_p[sel], own_c[sel]
        o_new = np.where(pninf[op] - own_inf[sel] > 0, np.inf, pfin[op] - own_fin[sel])
        # removing the product itself
        mine = np.flatnonzero((level == lvl) & ok)
        # combine per (product, candidate): min of new group values, new capacity, the rest
        cp = np.concatenate([gp, op, mine])
        cc = np.concatenate([c_u, oc, mine])
        cv = np.concatenate([g_new, np.full(len(op), np.inf), np.zeros(len(mine))])
        ccap = np.concatenate([np.full(len(gp), np.nan), o_new, np.full(len(mine), np.nan)])
        if len(cp) == 0:
            continue
        combined = (cp << 32) | cc
        order = np.argsort(combined)  # min and fmin per pair: the order within it is moot
        cp, cc, cv, ccap = cp[order], cc[order], cv[order], ccap[order]
        combined = combined[order]
        start = np.flatnonzero(np.r_[True, combined[1:] != combined[:-1]])
        up, uc = cp[start], cc[start]
        vmin = np.minimum.reduceat(cv, start)
        cap_new = np.fmin.reduceat(ccap, start)  # NaN where the capacity did not change
        cap_new = np.where(np.isnan(cap_new), pcap[up], cap_new)
        value = np.minimum(np.minimum(vmin, cap_new), mgroup[up])
        is_self = up == uc
        value = np.where(is_self, 0.0, value)
        base = ach[up]
        keep = ok[up] & (
            value < base - _REL_TOL * np.maximum(1.0, np.where(np.isinf(base), 1.0, base))
        )
        up, uc, value = up[keep], uc[keep], value[keep]
        # ``up`` is sorted: record where each product's entries sit in the global table
        if len(up):
            offset = table.used
            first = np.flatnonzero(np.r_[True, up[1:] != up[:-1]])
            lengths = np.diff(np.r_[first, len(up)])
            ptr_start[up[first]] = offset + first
            ptr_len[up[first]] = lengths
            eff_p.append(up)
            table.append(uc, value)
    if not eff_p:
        z = np.zeros(0, dtype=np.int64)
        return Effects(z, z.copy(), np.zeros(0))
    return Effects(np.concatenate(eff_p), table.cand.copy(), table.new.copy())


class _Table:
    """Candidates and new values of the effects found so far, appended level by level into
    buffers that double when full (one copy per doubling, not one of everything per level)."""

    def __init__(self) -> None:
        self._c = np.zeros(1024, dtype=np.int64)
        self._v = np.zeros(1024)
        self.used = 0

    @property
    def cand(self) -> IntArray:
        return self._c[: self.used]

    @property
    def new(self) -> FloatArray:
        return self._v[: self.used]

    def append(self, cand: IntArray, new: FloatArray) -> None:
        end = self.used + len(cand)
        if end > len(self._c):
            size = max(end, 2 * len(self._c))
            self._c = np.concatenate([self._c[: self.used], np.zeros(size - self.used, np.int64)])
            self._v = np.concatenate([self._v[: self.used], np.zeros(size - self.used)])
        self._c[self.used : end] = cand
        self._v[self.used : end] = new
        self.used = end
