"""Bottlenecks: which enterprises, regions and products the key products hang on.

- bottleneck score of x: the weighted number of key products x is a single point of failure
  of (kg/analysis/spof.py; weights from kg/analysis/keys.py);
- capacity criticality of x: the weighted share of the key products' achievable output lost
  when x is removed (kg/analysis/capacity.py: the series-parallel max-flow, recomputed
  downstream of x only). It ranks the nodes that are not single points of failure too: the
  producer of 80% of an input matters even though the other 20% keeps the product available;
- betweenness: normalised betweenness centrality in the material-flow graph (enterprise ->
  product -> product), only as a screen, and only on graphs of up to
  ``BETWEENNESS_MAX_NODES`` nodes (exact betweenness costs nodes x edges); larger graphs
  leave it empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rustworkx as rx

from kg.analysis.arrays import BoolArray, IntArray
from kg.analysis.context import Context, Source, ensure_context

BETWEENNESS_MAX_NODES = 20_000


@dataclass(frozen=True)
class BottleneckRow:
    node: str
    kind: str  # enterprise, region or product
    name: str | None
    is_spof: bool
    bottleneck_score: float
    spof_for: tuple[str, ...]  # key products it is a SPOF of
    capacity_criticality: float | None
    betweenness: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "node": self.node,
            "kind": self.kind,
            "name": self.name,
            "is_spof": self.is_spof,
            "bottleneck_score": self.bottleneck_score,
            "spof_for": list(self.spof_for),
            "capacity_criticality": self.capacity_criticality,
            "betweenness": self.betweenness,
        }


def spof_pairs(ctx: Context, chain: str | None = None) -> tuple[IntArray, IntArray, BoolArray]:
    """(circuit node, key position, hidden) of every SPOF link of the key products, key
    product by key product (positions index ``ctx.keys(chain).indices``, which are in id
    order; hidden: the link reaches the key product through its inputs)."""
    xs: list[int] = []
    ks: list[int] = []
    hidden: list[bool] = []
    for i, k in enumerate(ctx.keys(chain).indices):
        nodes = ctx.spof_nodes(k)
        xs.extend(nodes)
        ks.extend([i] * len(nodes))
        hidden.extend([link.hidden for link in ctx.links(k)])
    return (
        np.asarray(xs, dtype=np.int64),
        np.asarray(ks, dtype=np.int64),
        np.asarray(hidden, dtype=bool),
    )


def spof_scores(ctx: Context, chain: str | None = None) -> dict[int, tuple[float, list[int]]]:
    """Circuit node -> (bottleneck score, key products it is a SPOF of)."""
    keys = ctx.keys(chain)
    scores: dict[int, tuple[float, list[int]]] = {}
    for k in keys.indices:
        w = keys.weights[k]
        for x in ctx.spof_nodes(k):
            entry = scores.get(x)
            if entry is None:
                scores[x] = (w, [k])
            else:
                entry[1].append(k)
                scores[x] = (entry[0] + w, entry[1])
    return scores


def betweenness(ctx: Context) -> dict[int, float] | None:
    """Normalised betweenness of products and enterprises (circuit indices), or None when the
    graph is larger than BETWEENNESS_MAX_NODES."""
    proj, c = ctx.proj, ctx.circuit
    n = proj.n_products + proj.n_enterprises
    if n > BETWEENNESS_MAX_NODES:
        return None
    g = rx.PyDiGraph(multigraph=False)
    g.add_nodes_from(range(n))
    edges = [(c.e0 + int(e), int(p)) for e, p in zip(proj.pr_ent, proj.pr_prod, strict=True)]
    edges += [(int(a), int(b)) for a, b in zip(proj.bom_in, proj.bom_out, strict=True)]
    g.add_edges_from_no_data(edges)
    result = rx.digraph_betweenness_centrality(g, normalized=True)
    return {int(i): float(v) for i, v in result.items()}


def bottleneck_rows(ctx: Context, chain: str | None = None) -> list[BottleneckRow]:
    """Every node that is a SPOF of a key product or whose loss costs key-product output.

    The scores are summed over arrays of (node, key product) pairs in key-product order, as
    ``spof_scores`` adds them, so they are the same floats."""
    c = ctx.circuit
    keys = ctx.keys(chain)
    x, kpos, _ = spof_pairs(ctx, chain)
    weight = np.asarray([keys.weights[k] for k in keys.indices], dtype=np.float64)
    score = np.bincount(x, weights=weight[kpos], minlength=c.n_nodes)
    is_spof = np.bincount(x, minlength=c.n_nodes) > 0
    between = betweenness(ctx)
    losses = ctx.losses(keys)
    wanted = is_spof if losses is None else is_spof | (losses > 0)
    nodes = np.flatnonzero(wanted)
    order = np.lexsort((kpos, x))
    x, kpos = x[order], kpos[order]
    key_ids = [c.node_id(k) for k in keys.indices]  # in id order
    of_ids = [key_ids[i] for i in kpos.tolist()]
    starts = np.searchsorted(x, nodes, side="left").tolist()
    ends = np.searchsorted(x, nodes, side="right").tolist()
    crit = [None] * len(nodes) if losses is None else losses[nodes].tolist()
    ids, names = c.real_ids, c.real_names
    rows: list[BottleneckRow] = []
    for n, a, b, sc, spof, cr in zip(
        nodes.tolist(),
        starts,
        ends,
        score[nodes].tolist(),
        is_spof[nodes].tolist(),
        crit,
        strict=True,
    ):
        rows.append(
            BottleneckRow(
                node=ids[n],
                kind=c.node_kind(n),
                name=names[n],
                is_spof=spof,
                bottleneck_score=sc,
                spof_for=tuple(of_ids[a:b]),
                capacity_criticality=cr,
                betweenness=None if between is None or n >= c.r0 else between.get(n, 0.0),
            )
        )
    rows.sort(key=lambda r: (-r.bottleneck_score, -(r.capacity_criticality or 0.0), r.node))
    return rows


def bottlenecks(source: Source, chain: str | None = None) -> list[BottleneckRow]:
    """Nodes ranked by bottleneck score, then capacity criticality (key products of the whole
    graph, or of one chain)."""
    return bottleneck_rows(ensure_context(source), chain)
