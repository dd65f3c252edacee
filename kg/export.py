"""Graphs for Gephi, yEd and Cytoscape: a chain, or an enterprise's tiers, as GraphML or GEXF.

Built as a networkx MultiDiGraph (material flows along every edge, as in the graph model) and
written by networkx's own GraphML and GEXF writers. Node attributes: ``kind`` (product or
enterprise), ``label`` (the name), and what the graph knows (category, stage, region, and the
analyses' results where `analyze all` wrote them back); edge attributes: ``rel`` (INPUT_TO,
PRODUCES, SUPPLIES) and the relationship's figures. Values that are not text, numbers or
booleans are written as text; missing values are left out.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, LiteralString

from kg.connection import Graph
from kg.tiers import Direction, tiers

if TYPE_CHECKING:
    import networkx as nx

ExportFormat = Literal["graphml", "gexf"]

_CHAIN = "MATCH (c:Chain {id: $id}) RETURN c.name AS name"
_PRODUCTS: LiteralString = (
    "MATCH (p:Product)-[r:IN_CHAIN]->(:Chain {id: $id}) "
    "RETURN p.id AS id, p.name AS name, p.category AS category, r.stage AS stage, "
    "p.unit AS unit, p.sourcing AS sourcing, p.achievable_per_day AS achievable_per_day, "
    "p.limiting_input AS limiting_input, p.warning_level AS warning_level ORDER BY id"
)
_BOM: LiteralString = (
    "MATCH (a:Product)-[:IN_CHAIN]->(c:Chain {id: $id}) "
    "MATCH (a)-[x:INPUT_TO]->(b:Product)-[:IN_CHAIN]->(c) "
    "RETURN a.id AS source, b.id AS target, x.qty_per_unit AS qty_per_unit, "
    "x.alt_group AS alt_group ORDER BY source, target"
)
_PRODUCERS: LiteralString = (
    "MATCH (e:Enterprise)-[m:PRODUCES]->(p:Product)-[:IN_CHAIN]->(:Chain {id: $id}) "
    "RETURN e.id AS source, e.name AS name, e.region AS region, e.is_spof AS is_spof, "
    "p.id AS target, m.capacity_per_day AS capacity_per_day, "
    "m.output_per_day AS output_per_day ORDER BY source, target"
)
_SUPPLIES: LiteralString = (
    "MATCH (s:Enterprise)-[x:SUPPLIES]->(t:Enterprise) "
    "WHERE s.id IN $ids AND t.id IN $ids AND x.product IN $products "
    "RETURN s.id AS source, t.id AS target, x.product AS product, x.share AS share, "
    "x.volume AS volume, x.lead_time_days AS lead_time_days ORDER BY source, target, product"
)
_ENTERPRISES: LiteralString = (
    "MATCH (e:Enterprise) WHERE e.id IN $ids "
    "RETURN e.id AS id, e.name AS name, e.region AS region, e.is_spof AS is_spof"
)


class ExportError(LookupError):
    """The chain or enterprise to export is not in the graph."""


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
    return out


def chain_graph(graph: Graph, chain: str) -> nx.MultiDiGraph[str]:
    """A chain's products, their bill of materials, their producers and the trade links
    between those producers for the chain's products."""
    import networkx as nx

    found = graph.query(_CHAIN, {"id": chain})
    if not found:
        raise ExportError(f"no chain with id {chain!r}; `supplymap chains` lists them")
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=f"chain {chain}")
    products = graph.query(_PRODUCTS, {"id": chain})
    for p in products:
        attrs = {k: v for k, v in p.items() if k not in ("id", "name")}
        g.add_node(p["id"], **_clean({"kind": "product", "label": p["name"] or p["id"], **attrs}))
    for e in graph.query(_BOM, {"id": chain}):
        g.add_edge(e["source"], e["target"], **_clean({"rel": "INPUT_TO", **_rest(e)}))
    enterprises: set[str] = set()
    for m in graph.query(_PRODUCERS, {"id": chain}):
        if m["source"] not in g:
            g.add_node(
                m["source"],
                **_clean(
                    {
                        "kind": "enterprise",
                        "label": m["name"] or m["source"],
                        "region": m["region"],
                        "is_spof": m["is_spof"],
                    }
                ),
            )
        enterprises.add(m["source"])
        figures = {"capacity_per_day": m["capacity_per_day"], "output_per_day": m["output_per_day"]}
        g.add_edge(m["source"], m["target"], **_clean({"rel": "PRODUCES", **figures}))
    params = {"ids": sorted(enterprises), "products": [p["id"] for p in products]}
    for s in graph.query(_SUPPLIES, params):
        g.add_edge(s["source"], s["target"], **_clean({"rel": "SUPPLIES", **_rest(s)}))
    return g


def _rest(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("source", "target")}


def tiers_graph(
    graph: Graph, enterprise: str, n: int, direction: Direction
) -> nx.MultiDiGraph[str]:
    """An enterprise and its suppliers (or customers) ``n`` tiers away, as `supplymap
    suppliers` finds them (kg/tiers.py), each link along the path that reached it."""
    import networkx as nx

    hits = tiers(graph, enterprise, direction, n, "enterprise")
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(
        name=f"{'suppliers' if direction == 'upstream' else 'customers'} of "
        f"{enterprise}, {n} tier(s)"
    )
    ids = {enterprise} | {h.id for h in hits}
    info = {r["id"]: r for r in graph.query(_ENTERPRISES, {"ids": sorted(ids)})}
    tier_of = {enterprise: 0} | {h.id: h.tier for h in hits}
    for node in sorted(ids):
        row = info.get(node, {})
        g.add_node(
            node,
            **_clean(
                {
                    "kind": "enterprise",
                    "label": row.get("name") or node,
                    "region": row.get("region"),
                    "is_spof": row.get("is_spof"),
                    "tier": tier_of[node],
                }
            ),
        )
    seen: set[tuple[str, str]] = set()
    for h in hits:
        for a, b in itertools.pairwise(h.path):
            if (a, b) in seen or a not in g or b not in g:
                continue
            seen.add((a, b))
            first = (a == h.id) if direction == "upstream" else (b == h.id)
            g.add_edge(a, b, **_clean({"rel": "SUPPLIES", "product": h.product if first else None}))
    return g


def write(g: nx.MultiDiGraph[str], fmt: ExportFormat, path: Path) -> None:
    """Write ``g`` as GraphML or GEXF (networkx's writers)."""
    import networkx as nx

    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        nx.write_graphml(g, path)
    else:
        nx.write_gexf(g, path)
