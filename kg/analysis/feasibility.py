"""Feasibility: which products can be made, as an AND/OR circuit over the projection.

The definition (DESIGN.md, "Analyses"): a product is available when at least one live
producer can make it (OR over producers); a producer can make it when every bill-of-materials
input is available (AND over inputs, OR inside an alt_group). A product with no producer on
record is made by an unknown producer: available when its inputs are. Removing a product,
enterprise or region (with the regions inside it) makes it unavailable.

The circuit has one node per product, enterprise and region, plus virtual OR nodes:
- product p: AND of [its producers] and each requirement group of its bill of materials;
  [its producers] is the one live producer itself, or an OR node over several (an OR node with
  no alternatives when every producer on record is idle), or nothing when no producer is on
  record; a requirement group is the input itself, or an OR node over an alt_group's inputs;
- enterprise e: AND of the regions it is located in (it is lost with any of them);
- region r: AND of the regions it is part of (a region is lost with its parent).

Availability is the least fixed point: a node is available when it can be *derived* from
nodes with nothing to wait for. So products in a cycle of bills of materials that nothing
outside the cycle can start (A needs B, B needs A, and neither has another way in) are not
available; such cases are reported, not assumed away. An analyst can defend this reading as
"what the data on record can actually make"; it errs on the side of flagging a risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from kg.analysis.arrays import BoolArray, IntArray, expand_ranges
from kg.analysis.projection import Projection

# node kinds
PRODUCT, ENTERPRISE, REGION, PRODUCERS, ALTERNATIVES = 0, 1, 2, 3, 4
KIND_NAMES = ("product", "enterprise", "region", "producers", "alternatives")

# what a child slot stands for
SLOT_PRODUCER, SLOT_INPUT, SLOT_LOCATED, SLOT_PART_OF, SLOT_ALTERNATIVE = 0, 1, 2, 3, 4


@dataclass
class Circuit:
    """The AND/OR circuit: CSR lists of each node's children (what it needs)."""

    proj: Projection
    kind: IntArray  # node kind
    indptr: IntArray  # children of node i: children[indptr[i]:indptr[i+1]]
    children: IntArray
    slot_kind: IntArray  # per child slot: SLOT_*
    slot_edge: IntArray  # per child slot: INPUT_TO edge (input/alternative) or PRODUCES edge
    owner: IntArray  # virtual nodes: the product they belong to; -1 for real nodes
    group: list[str | None]  # per node: the alt_group of a virtual alternatives node, else None
    e0: int
    r0: int
    v0: int

    @property
    def n_nodes(self) -> int:
        return len(self.kind)

    @cached_property
    def is_or(self) -> BoolArray:
        out: BoolArray = self.kind >= PRODUCERS
        return out

    @cached_property
    def slot_parent(self) -> IntArray:
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    @cached_property
    def lists(self) -> tuple[list[int], list[int]]:
        """(indptr, children) as Python lists, for the loops that walk the circuit."""
        return self.indptr.tolist(), self.children.tolist()

    def kids(self, i: int) -> list[int]:
        ptr, ch = self.lists
        return ch[ptr[i] : ptr[i + 1]]

    @cached_property
    def real_ids(self) -> list[str]:
        """Keys of the real nodes (products, enterprises, regions), by circuit index."""
        proj = self.proj
        return [*proj.product_ids, *proj.enterprise_ids, *proj.region_codes]

    @cached_property
    def real_names(self) -> list[str | None]:
        proj = self.proj
        return [*proj.product_name, *proj.enterprise_name, *proj.region_name]

    @cached_property
    def kinds(self) -> list[int]:
        return self.kind.tolist()  # type: ignore[no-any-return]

    def node_id(self, i: int) -> str:
        """The graph key of a real node (product id, enterprise id, region code)."""
        proj = self.proj
        if i < self.e0:
            return proj.product_ids[i]
        if i < self.r0:
            return proj.enterprise_ids[i - self.e0]
        if i < self.v0:
            return proj.region_codes[i - self.r0]
        owner = proj.product_ids[int(self.owner[i])]
        what = "producers" if self.kind[i] == PRODUCERS else f"alt:{self.group[i]}"
        return f"{owner}#{what}"

    def node_name(self, i: int) -> str | None:
        proj = self.proj
        if i < self.e0:
            return proj.product_name[i]
        if i < self.r0:
            return proj.enterprise_name[i - self.e0]
        if i < self.v0:
            return proj.region_name[i - self.r0]
        return None

    def node_kind(self, i: int) -> str:
        return KIND_NAMES[self.kinds[i]]

    @cached_property
    def parents(self) -> tuple[IntArray, IntArray]:
        """CSR of each node's parents (the nodes that need it)."""
        n = self.n_nodes
        order = np.argsort(self.children, kind="stable")
        counts = np.bincount(self.children, minlength=n)
        pindptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=pindptr[1:])
        return pindptr, self.slot_parent[order]

    @cached_property
    def structure(self) -> tuple[IntArray, IntArray, list[list[int]]]:
        """(level, component, components): strongly connected components ordered children
        first; a node's level is one above its highest child's component (0: no children)."""
        n = self.n_nodes
        if n == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), []
        src, dst = self.slot_parent, self.children
        mat = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        ncomp, labels = connected_components(mat, directed=True, connection="strong")
        labels = labels.astype(np.int64)
        cross = labels[src] != labels[dst]
        cpar, cchild = labels[src[cross]], labels[dst[cross]]
        remaining = np.bincount(cpar, minlength=ncomp)
        order = np.argsort(cchild, kind="stable")
        cpar_sorted = cpar[order]
        cptr = np.zeros(ncomp + 1, dtype=np.int64)
        np.cumsum(np.bincount(cchild, minlength=ncomp), out=cptr[1:])
        level = np.zeros(ncomp, dtype=np.int64)
        frontier = np.flatnonzero(remaining == 0)
        lvl = 0
        while frontier.size:
            level[frontier] = lvl
            idx = expand_ranges(cptr[frontier], cptr[frontier + 1] - cptr[frontier])
            dec = np.bincount(cpar_sorted[idx], minlength=ncomp)
            remaining -= dec
            frontier = np.flatnonzero((remaining == 0) & (dec > 0))
            lvl += 1
        # components in level order (children first), members grouped
        comp_order = np.argsort(level, kind="stable")
        members_sorted = np.argsort(labels, kind="stable")
        sizes = np.bincount(labels, minlength=ncomp)
        if ncomp == n:
            components = [[x] for x in members_sorted[comp_order].tolist()]
        else:
            starts = np.zeros(ncomp + 1, dtype=np.int64)
            np.cumsum(sizes, out=starts[1:])
            flat = members_sorted.tolist()
            st = starts.tolist()
            components = [flat[st[c] : st[c + 1]] for c in comp_order.tolist()]
        return level[labels], labels, components

    @property
    def components(self) -> list[list[int]]:
        return self.structure[2]

    @property
    def level(self) -> IntArray:
        return self.structure[0]

    @cached_property
    def level_plan(self) -> tuple[IntArray, BoolArray, list[tuple[IntArray, IntArray]]]:
        """(degree, is_or, [(nodes, their child slots) per level]) for level-wise sweeps."""
        level = self.level
        top = int(level.max()) + 2 if len(level) else 1
        slot_level = level[self.slot_parent]
        slot_order = np.argsort(slot_level, kind="stable")
        sb = np.searchsorted(slot_level[slot_order], np.arange(top))
        node_order = np.argsort(level, kind="stable")
        nb = np.searchsorted(level[node_order], np.arange(top))
        plan = [
            (node_order[nb[i] : nb[i + 1]], slot_order[sb[i] : sb[i + 1]]) for i in range(top - 1)
        ]
        return np.diff(self.indptr), self.is_or, plan

    @cached_property
    def acyclic(self) -> bool:
        return len(self.components) == self.n_nodes


def build_circuit(proj: Projection) -> Circuit:
    """Translate the projection into the AND/OR circuit (see the module docstring)."""
    n_p, n_e, n_r = proj.n_products, proj.n_enterprises, proj.n_regions
    e0, r0 = n_p, n_p + n_e
    v0 = r0 + n_r
    live = proj.live
    line_ids = np.flatnonzero(live)
    lp, le = proj.pr_prod[line_ids], proj.pr_ent[line_ids]
    n_live = np.bincount(lp, minlength=n_p)
    on_record = np.bincount(proj.pr_prod, minlength=n_p) > 0

    parents: list[IntArray] = []
    kids: list[IntArray] = []
    skinds: list[IntArray] = []
    sedges: list[IntArray] = []

    def add(par: IntArray, ch: IntArray, sk: int, edges: IntArray | None = None) -> None:
        parents.append(par)
        kids.append(ch)
        skinds.append(np.full(len(par), sk, dtype=np.int64))
        sedges.append(edges if edges is not None else np.full(len(par), -1, dtype=np.int64))

    # a product's producers: the one live producer itself, or an OR node over several (or none)
    sole = n_live[lp] == 1
    add(lp[sole], e0 + le[sole], SLOT_PRODUCER, line_ids[sole])
    multi = np.flatnonzero(on_record & (n_live != 1))
    vprod = v0 + np.arange(len(multi), dtype=np.int64)
    add(multi, vprod, SLOT_PRODUCER)
    vnode_of = np.full(n_p, -1, dtype=np.int64)
    vnode_of[multi] = vprod
    shared = vnode_of[lp] >= 0
    add(vnode_of[lp[shared]], e0 + le[shared], SLOT_PRODUCER, line_ids[shared])

    # requirement groups: the input itself, or an OR node over an alt_group's inputs
    groups = proj.groups
    sizes = groups.size
    n_groups = len(sizes)
    single = sizes == 1
    first_edge = np.asarray([m[0] for m in groups.members], dtype=np.int64)
    va0 = v0 + len(multi)
    alt_ids = np.flatnonzero(~single)
    valt = np.full(n_groups, -1, dtype=np.int64)
    valt[alt_ids] = va0 + np.arange(len(alt_ids), dtype=np.int64)
    gchild = np.where(single, proj.bom_in[first_edge] if n_groups else first_edge, valt)
    gedge = np.where(single, first_edge, -1)
    add(groups.product, gchild, SLOT_INPUT, gedge)
    edges = np.arange(len(proj.bom_in), dtype=np.int64)
    in_alt = ~single[groups.of_edge] if n_groups else np.zeros(0, dtype=bool)
    add(valt[groups.of_edge[in_alt]], proj.bom_in[in_alt], SLOT_ALTERNATIVE, edges[in_alt])

    # enterprises need their regions; regions their parent regions
    ent_par = [e0 + e for e, rs in enumerate(proj.ent_regions) for _ in rs]
    ent_ch = [r0 + r for rs in proj.ent_regions for r in rs]
    add(np.asarray(ent_par, dtype=np.int64), np.asarray(ent_ch, dtype=np.int64), SLOT_LOCATED)
    reg_par = [r0 + r for r, ps in enumerate(proj.region_parents) for _ in ps]
    reg_ch = [r0 + q for ps in proj.region_parents for q in ps]
    add(np.asarray(reg_par, dtype=np.int64), np.asarray(reg_ch, dtype=np.int64), SLOT_PART_OF)

    n_nodes = va0 + len(alt_ids)
    par = np.concatenate(parents)
    order = np.argsort(par, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(par, minlength=n_nodes), out=indptr[1:])
    kind = np.concatenate(
        [
            np.full(n_p, PRODUCT),
            np.full(n_e, ENTERPRISE),
            np.full(n_r, REGION),
            np.full(len(multi), PRODUCERS),
            np.full(len(alt_ids), ALTERNATIVES),
        ]
    ).astype(np.int64)
    owner = np.concatenate(
        [np.full(v0, -1, dtype=np.int64), multi, groups.product[alt_ids]]
    ).astype(np.int64)
    group: list[str | None] = [None] * va0
    group.extend(groups.name[g] for g in alt_ids.tolist())
    return Circuit(
        proj=proj,
        kind=kind,
        indptr=indptr,
        children=np.concatenate(kids)[order],
        slot_kind=np.concatenate(skinds)[order],
        slot_edge=np.concatenate(sedges)[order],
        owner=owner,
        group=group,
        e0=e0,
        r0=r0,
        v0=v0,
    )


def removal_mask(
    circuit: Circuit,
    products: Sequence[int] = (),
    enterprises: Sequence[int] = (),
    regions: Sequence[int] = (),
) -> BoolArray:
    """Circuit nodes removed by a scenario (a region takes the regions inside it along)."""
    removed = np.zeros(circuit.n_nodes, dtype=bool)
    for p in products:
        removed[p] = True
    for e in enterprises:
        removed[circuit.e0 + e] = True
    for r in regions:
        removed[circuit.r0 + r] = True
    return removed


def available(circuit: Circuit, removed: BoolArray | None = None) -> BoolArray:
    """Least fixed point of the AND/OR rule: what can be derived without the removed nodes."""
    n = circuit.n_nodes
    gone = removed if removed is not None else np.zeros(n, dtype=bool)
    if not circuit.acyclic:
        return _available_worklist(circuit, gone)
    deg, is_or, plan = circuit.level_plan
    avail = np.zeros(n, dtype=bool)
    parent, child = circuit.slot_parent, circuit.children
    for nodes, slots in plan:
        got = np.bincount(parent[slots], weights=avail[child[slots]], minlength=n)[nodes]
        ok = np.where(is_or[nodes], got > 0, got >= deg[nodes])
        avail[nodes] = ok & ~gone[nodes]
    return avail


def _available_worklist(circuit: Circuit, gone: BoolArray) -> BoolArray:
    n = circuit.n_nodes
    deg = np.diff(circuit.indptr)
    need = np.where(circuit.is_or, 1, deg).tolist()
    dead = gone.tolist()
    pindptr, pnodes = circuit.parents
    pind = pindptr.tolist()
    pn = pnodes.tolist()
    avail = [False] * n
    stack = [i for i in np.flatnonzero((deg == 0) & ~circuit.is_or).tolist() if not dead[i]]
    while stack:
        x = stack.pop()
        if avail[x]:
            continue
        avail[x] = True
        for j in range(pind[x], pind[x + 1]):
            q = pn[j]
            if dead[q] or avail[q]:
                continue
            need[q] -= 1
            if need[q] == 0:
                stack.append(q)
    return np.asarray(avail, dtype=bool)
