"""Hidden single points of failure: the nodes whose loss makes a product unavailable.

x is a single point of failure (SPOF) of product P when P is available and removing x (an
enterprise, a region with the regions inside it, or an input product) makes P unavailable
under the feasibility rule (kg/analysis/feasibility.py). P itself is not counted.

Method: required-set propagation over the AND/OR circuit. req(n), the nodes whose loss
takes n down, is {n} plus the union of its children's sets for an AND node, and the
intersection over its alternatives for an OR node (alternatives that are unavailable drop
out). On an acyclic circuit one pass in topological order gives exactly "lost if removed";
inside a cycle the sets start at "everything" and shrink to the greatest fixed point, which
is exactly "lost if removed" under least-fixed-point availability (a node whose set stays
"everything" is unavailable in the baseline). On OR-only circuits this is the classic
iterative dominator computation; ``brute_force`` recomputes feasibility once per candidate
and is kept for tests.

Sets are not kept per node: each OR node keeps only the *generators* of its common set (its
maximal elements), so req(P) is everything reachable from P along AND children and OR
generators. One breadth-first search from a key product yields its SPOFs and, through the
search tree, a shortest explaining path for each (failing node first, P last).

A SPOF is *hidden* when the failure reaches P through P's bill of materials, not through P's
own producers: P may have several producers and still fall with x.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from kg.analysis.arrays import BoolArray, IntArray, expand_ranges
from kg.analysis.context import Source, ensure_context
from kg.analysis.feasibility import (
    ALTERNATIVES,
    ENTERPRISE,
    KIND_NAMES,
    PRODUCERS,
    PRODUCT,
    REGION,
    Circuit,
    available,
    removal_mask,
)

_FREED: Any = ()  # a set no longer needed (distinct from None, which means "everything")


@dataclass
class Requirements:
    """Required sets in compact form: OR generators plus the circuit's AND children."""

    circuit: Circuit
    available: BoolArray  # baseline availability of every circuit node
    gens: dict[int, list[int]]  # virtual OR node -> generators of its common required set

    def next_of(self, n: int) -> list[int]:
        if n >= self.circuit.v0:
            return self.gens.get(n, [])
        return self.circuit.kids(n)

    def search(self, target: int) -> dict[int, int]:
        """Breadth-first search tree of req(target): node -> the node that needs it."""
        if not self.available[target]:
            return {}
        ptr, ch = self.circuit.lists
        v0 = self.circuit.v0
        gens = self.gens
        tree = {target: -1}
        queue = deque([target])
        while queue:
            n = queue.popleft()
            for c in gens.get(n, ()) if n >= v0 else ch[ptr[n] : ptr[n + 1]]:
                if c not in tree:
                    tree[c] = n
                    queue.append(c)
        return tree

    def required(self, target: int) -> set[int]:
        """Real nodes whose loss makes ``target`` unavailable (``target`` excluded)."""
        v0 = self.circuit.v0
        return {n for n in self.search(target) if n < v0 and n != target}


def requirements(circuit: Circuit) -> Requirements:
    """Compute every OR node's generators: level by level with sparse matrices when the
    circuit is acyclic, else component by component (``requirements_by_component``)."""
    if circuit.acyclic:
        return requirements_by_level(circuit)
    return requirements_by_component(circuit)


class _Rows:
    """Sparse rows over real-node columns, appended one level at a time."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.ptr: list[IntArray] = [np.zeros(1, dtype=np.int64)]
        self.idx: list[IntArray] = []
        self.nnz = 0
        self.n = 0

    def append(self, rows: IntArray, cols: IntArray, m: int) -> tuple[IntArray, IntArray]:
        """Add ``m`` rows holding (rows[i], cols[i]); returns their (indptr, sorted indices)."""
        order = np.lexsort((cols, rows))
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=ptr[1:])
        idx = cols[order]
        self.ptr.append(ptr[1:] + self.nnz)
        self.idx.append(idx)
        self.nnz += len(idx)
        self.n += m
        return ptr, idx

    def matrix(self) -> csr_matrix:
        idx = np.concatenate(self.idx) if self.idx else np.zeros(0, dtype=np.int64)
        return csr_matrix(
            (np.ones(self.nnz, dtype=np.int32), idx, np.concatenate(self.ptr)),
            shape=(self.n, self.width),
        )


def _product(left: tuple[IntArray, IntArray], m: int, right: _Rows) -> tuple[IntArray, ...]:
    """(row, column, count) of the entries of ``L @ right``, L given as (row, column) pairs
    (a pair listed twice counts twice)."""
    rows, cols = left
    mat = csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(m, right.n))
    out = (mat @ right.matrix()).tocsr()
    out.sum_duplicates()
    row = np.repeat(np.arange(m, dtype=np.int64), np.diff(out.indptr))
    return row, out.indices.astype(np.int64), out.data


def requirements_by_level(circuit: Circuit) -> Requirements:
    """The same generators on an acyclic circuit, one level at a time, as sparse matrices.

    Rows are circuit nodes in level order, columns real nodes. Per level, the matrix of its
    nodes' available children times the required sets below counts, per real node, how many
    children need it: an AND node needs what any child needs (and itself), an OR node what
    every available child needs. The generators of an OR node's set are the members that no
    member needs: the set minus the union of ``req(y) - {y}`` over its members ``y``.
    """
    n, v0 = circuit.n_nodes, circuit.v0
    avail = available(circuit)
    _, is_or, plan = circuit.level_plan
    parent, child = circuit.slot_parent, circuit.children
    pos = np.empty(n, dtype=np.int64)  # row of each node
    if plan:
        pos[np.concatenate([nodes for nodes, _ in plan])] = np.arange(n, dtype=np.int64)
    req, below = _Rows(v0), _Rows(v0)  # req(y), and req(y) - {y} (empty for OR rows)
    gens: dict[int, list[int]] = {}
    for nodes, slots in plan:
        m, done = len(nodes), req.n
        used = slots[avail[parent[slots]] & avail[child[slots]]]
        at = pos[parent[used]] - done
        row, col, count = _product((at, pos[child[used]]), m, req)
        n_kids = np.bincount(at, minlength=m)
        ok, row_or = avail[nodes], is_or[nodes]
        keep = ok[row] & (~row_or[row] | (count == n_kids[row]))
        and_rows = keep & ~row_or[row]
        below.append(row[and_rows], col[and_rows], m)
        own = np.flatnonzero(ok & ~row_or)
        ptr, idx = req.append(
            np.concatenate([row[keep], own]), np.concatenate([col[keep], nodes[own]]), m
        )
        ors = np.flatnonzero(ok & row_or)
        if not len(ors):
            continue
        lens = ptr[ors + 1] - ptr[ors]
        members = idx[expand_ranges(ptr[ors], lens)]
        member_row = np.repeat(np.arange(len(ors), dtype=np.int64), lens)
        c_row, c_col, _ = _product((member_row, pos[members]), len(ors), below)
        covered = np.isin(member_row * v0 + members, c_row * v0 + c_col)
        ends = np.cumsum(np.bincount(member_row[~covered], minlength=len(ors))).tolist()
        kept = members[~covered].tolist()
        for v, a, b in zip(nodes[ors].tolist(), [0, *ends[:-1]], ends, strict=True):
            gens[v] = kept[a:b]
    return Requirements(circuit, avail, gens)


def requirements_by_component(circuit: Circuit) -> Requirements:
    """Compute every OR node's generators, component by component, children first."""
    n = circuit.n_nodes
    v0 = circuit.v0
    indptr, children = circuit.lists
    is_or = circuit.is_or.tolist()
    req: list[Any] = [None] * n
    done = [False] * n
    pending = np.bincount(circuit.children, minlength=n).tolist()
    gens: dict[int, list[int]] = {}

    def value(x: int) -> set[int] | None:
        lo, hi = indptr[x], indptr[x + 1]
        if is_or[x]:
            common: set[int] | None = None
            for j in range(lo, hi):
                r = req[children[j]]
                if r is None:
                    continue
                if common is None:
                    common = set(r)
                else:
                    common &= r
                if not common:
                    break
            return common
        own = {x}
        for j in range(lo, hi):
            r = req[children[j]]
            if r is None:
                return None
            own |= r
        return own

    def generators(common: set[int]) -> list[int]:
        if len(common) <= 1:
            return sorted(common)
        covered: set[int] = set()
        seen_virtual: set[int] = set()
        stack: list[int] = []
        for y in common:
            stack.extend(children[indptr[y] : indptr[y + 1]])
        while stack:
            z = stack.pop()
            if z >= v0:
                if z not in seen_virtual:
                    seen_virtual.add(z)
                    stack.extend(gens.get(z, ()))
                continue
            if z in covered:
                continue
            covered.add(z)
            stack.extend(children[indptr[z] : indptr[z + 1]])
        return sorted(common - covered)

    for members in circuit.components:
        if len(members) == 1:
            x = members[0]
            req[x] = value(x)
            if is_or[x] and req[x] is not None:
                gens[x] = generators(req[x])
        else:
            inside = set(members)
            pindptr, pnodes = circuit.parents
            queue = deque(members)
            queued = set(members)
            while queue:
                x = queue.popleft()
                queued.discard(x)
                new = value(x)
                if new != req[x]:
                    req[x] = new
                    for q in pnodes[pindptr[x] : pindptr[x + 1]].tolist():
                        if q in inside and q not in queued:
                            queued.add(q)
                            queue.append(q)
            virtual = [x for x in members if is_or[x] and req[x] is not None]
            for x in sorted(virtual, key=lambda v: len(req[v])):
                gens[x] = generators(req[x])
        for x in members:
            done[x] = True
        for x in members:
            for j in range(indptr[x], indptr[x + 1]):
                c = children[j]
                pending[c] -= 1
                if pending[c] == 0 and done[c] and req[c] is not None:
                    req[c] = _FREED
    avail = np.fromiter((r is not None for r in req), dtype=bool, count=n)
    return Requirements(circuit, avail, gens)


# ---- explaining paths -------------------------------------------------------------------


@dataclass(frozen=True)
class SpofLink:
    """``node`` (an enterprise, region or product) is a single point of failure of ``product``."""

    product: str
    node: str
    kind: str  # enterprise, region or product
    name: str | None
    path: tuple[str, ...]  # ids from the failing node to the product
    reason: str
    hidden: bool  # reaches the product through its inputs, not its own producers

    def as_dict(self) -> dict[str, object]:
        return {
            "product": self.product,
            "node": self.node,
            "kind": self.kind,
            "name": self.name,
            "path": list(self.path),
            "reason": self.reason,
            "hidden": self.hidden,
        }


def _reason(circuit: Circuit, chain: list[int]) -> str:
    """Say why the first node of ``chain`` (failing node ... product) takes the product down."""
    kind = circuit.kinds
    nid = circuit.node_id
    i = 0
    prefix = ""
    if kind[chain[0]] == REGION:
        while i + 1 < len(chain) and kind[chain[i + 1]] == REGION:
            i += 1
        nxt = chain[i + 1]
        if kind[nxt] == PRODUCERS:
            return f"every live producer of {nid(int(circuit.owner[nxt]))} is in {nid(chain[0])}"
        if kind[nxt] == ENTERPRISE:
            i += 1
            prefix = f"holds {nid(nxt)}, "
    subject, nxt = chain[i], chain[i + 1]
    if kind[nxt] == PRODUCT:
        if kind[subject] == ENTERPRISE:
            return f"{prefix}the only live producer of {nid(nxt)}"
        return f"{prefix}input of {nid(nxt)} with no substitute"
    owner = nid(int(circuit.owner[nxt]))
    if kind[nxt] == ALTERNATIVES:
        return f"{prefix}needed by every alternative in alt group '{circuit.group[nxt]}' of {owner}"
    return f"{prefix}needed by every live producer of {owner}"


def links_for(reqs: Requirements, target: int) -> tuple[list[SpofLink], list[int]]:
    """Every SPOF of one product, with a shortest explaining path each; and their circuit
    indices (same order).

    One breadth-first search over req(target) (as ``Requirements.search``); a node's path
    and the input of the product it comes through are built when the search first reaches
    it, from those of the node that needs it."""
    if not reqs.available[target]:
        return [], []
    circuit = reqs.circuit
    ptr, ch = circuit.lists
    v0 = circuit.v0
    gens = reqs.gens
    ids = circuit.real_ids
    kinds = circuit.kinds
    names = circuit.real_names
    pid = ids[target]
    tree = {target: -1}
    path: dict[int, tuple[str, ...]] = {target: (pid,)}
    top: dict[int, int] = {target: target}
    found: list[int] = []
    queue = [target]
    for n in queue:  # the queue grows while it is walked
        up_path = path[n]
        up_top = top[n]
        for c in gens.get(n, ()) if n >= v0 else ch[ptr[n] : ptr[n + 1]]:
            if c in tree:
                continue
            tree[c] = n
            queue.append(c)
            top[c] = c if n == target else up_top
            if c >= v0:
                path[c] = up_path
            else:
                path[c] = (ids[c], *up_path)
                found.append(c)
    links: list[tuple[tuple[int, int, str], SpofLink, int]] = []
    for x in found:
        kind = kinds[x]
        # the reason reads the failing node, the node that needs it and, for a region, the
        # regions and the enterprise between (at most 12 nodes)
        chain = [x, tree[x]]
        if kind == REGION:
            while chain[-1] != target and len(chain) < 12:
                chain.append(tree[chain[-1]])
        node, link_path = ids[x], path[x]
        link = SpofLink(
            product=pid,
            node=node,
            kind=KIND_NAMES[kind],
            name=names[x],
            path=link_path,
            reason=_reason(circuit, chain),
            hidden=kinds[top[x]] not in (PRODUCERS, ENTERPRISE),
        )
        links.append(((len(link_path), _KIND_ORDER[kind], node), link, x))
    links.sort(key=lambda item: item[0])
    return [link for _, link, _ in links], [x for _, _, x in links]


_KIND_ORDER = {ENTERPRISE: 0, REGION: 1, PRODUCT: 2}


# ---- brute force (the definition, for tests) -----------------------------------------------


def brute_force(circuit: Circuit, targets: list[int]) -> dict[int, set[int]]:
    """Remove each candidate in turn and recompute feasibility: target -> its SPOF nodes."""
    base = available(circuit)
    out: dict[int, set[int]] = {t: set() for t in targets if base[t]}
    for x in range(circuit.v0):
        mask = removal_mask(circuit)
        mask[x] = True
        after = available(circuit, mask)
        for t in out:
            if t != x and not after[t]:
                out[t].add(x)
    return out


# ---- public entry point ---------------------------------------------------------------------


def spof(
    source: Source,
    product: str | None = None,
    chain: str | None = None,
) -> list[SpofLink]:
    """SPOFs of one product (any product), or of every key product (of one chain)."""
    ctx = ensure_context(source)
    if product is not None:
        return list(ctx.links(ctx.proj.product(product)))
    out: list[SpofLink] = []
    for k in ctx.keys(chain).indices:
        out.extend(ctx.links(k))
    return out
