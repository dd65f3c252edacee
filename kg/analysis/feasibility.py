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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import rustworkx as rx
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from kg.analysis.projection import BoolArray, IntArray, Projection

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

    @property
    def n_nodes(self) -> int:
        return len(self.kind)

    @property
    def e0(self) -> int:
        return self.proj.n_products

    @property
    def r0(self) -> int:
        return self.proj.n_products + self.proj.n_enterprises

    @property
    def v0(self) -> int:
        return self.r0 + self.proj.n_regions

    @cached_property
    def is_or(self) -> BoolArray:
        return self.kind >= PRODUCERS

    @cached_property
    def virtual_of(self) -> dict[int, list[int]]:
        """The virtual OR nodes of each product (its producers, its alt groups)."""
        out: dict[int, list[int]] = {}
        for v in range(self.v0, self.n_nodes):
            out.setdefault(int(self.owner[v]), []).append(v)
        return out

    def kids(self, i: int) -> list[int]:
        return self.children[self.indptr[i] : self.indptr[i + 1]].tolist()  # type: ignore[no-any-return]

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
        return KIND_NAMES[int(self.kind[i])]

    @cached_property
    def parents(self) -> tuple[IntArray, IntArray]:
        """CSR of each node's parents (the nodes that need it)."""
        n = self.n_nodes
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        order = np.argsort(self.children, kind="stable")
        counts = np.bincount(self.children, minlength=n)
        pindptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=pindptr[1:])
        return pindptr, src[order]

    @cached_property
    def components(self) -> list[list[int]]:
        """Strongly connected components, every child's component before its parents'."""
        n = self.n_nodes
        if n == 0:
            return []
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        mat = csr_matrix((np.ones(len(src), dtype=np.int8), (src, self.children)), shape=(n, n))
        ncomp, labels = connected_components(mat, directed=True, connection="strong")
        members: list[list[int]] = [[] for _ in range(ncomp)]
        for node, comp in enumerate(labels.tolist()):
            members[comp].append(node)
        cross = labels[src] != labels[self.children]
        dag = rx.PyDiGraph(check_cycle=False, multigraph=False)
        dag.add_nodes_from(range(ncomp))
        # material flows child -> parent, so a topological order puts children first
        pairs = np.unique(
            np.stack([labels[self.children[cross]], labels[src[cross]]], axis=1), axis=0
        )
        dag.add_edges_from_no_data([(int(a), int(b)) for a, b in pairs])
        return [members[c] for c in rx.topological_sort(dag)]

    def iter_components(self) -> Iterator[list[int]]:
        yield from self.components


def build_circuit(proj: Projection) -> Circuit:
    """Translate the projection into the AND/OR circuit (see the module docstring)."""
    n_p, n_e, n_r = proj.n_products, proj.n_enterprises, proj.n_regions
    e0, r0 = n_p, n_p + n_e
    v0 = r0 + n_r
    kind: list[int] = [PRODUCT] * n_p + [ENTERPRISE] * n_e + [REGION] * n_r
    owner: list[int] = [-1] * (n_p + n_e + n_r)
    group: list[str | None] = []
    # children of every node as (child, slot kind, edge) lists; virtual nodes appended
    kids: list[list[tuple[int, int, int]]] = [[] for _ in range(v0)]
    live = proj.live.tolist()
    pr_ent = proj.pr_ent.tolist()
    bom_in = proj.bom_in.tolist()

    def virtual(k: int, p: int, g: str | None, slots: list[tuple[int, int, int]]) -> int:
        kind.append(k)
        owner.append(p)
        group.append(g)
        kids.append(slots)
        return len(kind) - 1

    for p in range(n_p):
        mine: list[tuple[int, int, int]] = []
        on_record = proj.producers_of[p]
        if on_record:
            lines = [k for k in on_record if live[k]]
            if len(lines) == 1:
                mine.append((e0 + pr_ent[lines[0]], SLOT_PRODUCER, lines[0]))
            else:
                slots = [(e0 + pr_ent[k], SLOT_PRODUCER, k) for k in lines]
                mine.append((virtual(PRODUCERS, p, None, slots), SLOT_PRODUCER, -1))
        for g, edges in proj.requirement_groups(p):
            if len(edges) == 1:
                mine.append((bom_in[edges[0]], SLOT_INPUT, edges[0]))
            else:
                slots = [(bom_in[k], SLOT_ALTERNATIVE, k) for k in edges]
                mine.append((virtual(ALTERNATIVES, p, g, slots), SLOT_INPUT, -1))
        kids[p] = mine
    for e, regions in enumerate(proj.ent_regions):
        kids[e0 + e] = [(r0 + r, SLOT_LOCATED, -1) for r in regions]
    for r, parents in enumerate(proj.region_parents):
        kids[r0 + r] = [(r0 + q, SLOT_PART_OF, -1) for q in parents]

    pad: list[str | None] = [None] * v0
    indptr = np.zeros(len(kids) + 1, dtype=np.int64)
    np.cumsum([len(k) for k in kids], out=indptr[1:])
    flat = [slot for k in kids for slot in k]
    arr = np.asarray(flat, dtype=np.int64).reshape(-1, 3)
    return Circuit(
        proj=proj,
        kind=np.asarray(kind, dtype=np.int64),
        indptr=indptr,
        children=arr[:, 0].copy(),
        slot_kind=arr[:, 1].copy(),
        slot_edge=arr[:, 2].copy(),
        owner=np.asarray(owner, dtype=np.int64),
        group=pad + group,
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
    deg = np.diff(circuit.indptr)
    need = np.where(circuit.is_or, 1, deg).tolist()
    gone = removed.tolist() if removed is not None else [False] * n
    pindptr, pnodes = circuit.parents
    pind = pindptr.tolist()
    pn = pnodes.tolist()
    avail = [False] * n
    stack = [i for i in np.flatnonzero((deg == 0) & ~circuit.is_or).tolist() if not gone[i]]
    while stack:
        x = stack.pop()
        if avail[x]:
            continue
        avail[x] = True
        for j in range(pind[x], pind[x + 1]):
            q = pn[j]
            if gone[q] or avail[q]:
                continue
            need[q] -= 1
            if need[q] == 0:
                stack.append(q)
    return np.asarray(avail, dtype=bool)
