"""Tier-by-tier lookups: who supplies whom, N tiers up or down.

Enterprises are followed along SUPPLIES (trade links); products along INPUT_TO (the bill of
materials), so a chain known only as a bill of materials (the Willems chains) answers too.
Each tier is one parameterised query over the previous tier's frontier (a breadth-first
search), so every node is reported once, at its nearest tier, with one shortest path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, LiteralString

from kg.connection import Graph

Direction = Literal["upstream", "downstream"]
NodeKind = Literal["enterprise", "product"]
MAX_TIERS = 20

_STEP: dict[tuple[NodeKind, Direction], LiteralString] = {
    ("enterprise", "upstream"): (
        "MATCH (n:Enterprise)-[x:SUPPLIES]->(m:Enterprise) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via, x.product AS product"
    ),
    ("enterprise", "downstream"): (
        "MATCH (m:Enterprise)-[x:SUPPLIES]->(n:Enterprise) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via, x.product AS product"
    ),
    ("product", "upstream"): (
        "MATCH (n:Product)-[:INPUT_TO]->(m:Product) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via, null AS product"
    ),
    ("product", "downstream"): (
        "MATCH (m:Product)-[:INPUT_TO]->(n:Product) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via, null AS product"
    ),
}
_FIND: dict[NodeKind, LiteralString] = {
    "enterprise": "MATCH (n:Enterprise {id: $id}) RETURN n.id AS id, n.name AS name",
    "product": "MATCH (n:Product {id: $id}) RETURN n.id AS id, n.name AS name",
}


class NotFoundError(LookupError):
    """No enterprise or product has the id asked for."""


@dataclass(frozen=True)
class TierHit:
    tier: int
    id: str
    name: str | None
    product: str | None  # the product of the SUPPLIES link that first reached this node
    path: tuple[str, ...]  # ids in the direction material flows, ending or starting at the root

    def as_dict(self) -> dict[str, object]:
        return {
            "tier": self.tier,
            "id": self.id,
            "name": self.name,
            "product": self.product,
            "path": list(self.path),
        }


def resolve(graph: Graph, node_id: str, kind: NodeKind | None = None) -> NodeKind:
    """Which kind of node ``node_id`` is; an enterprise wins when both exist."""
    kinds: tuple[NodeKind, ...] = (kind,) if kind else ("enterprise", "product")
    for k in kinds:
        if graph.query(_FIND[k], {"id": node_id}):
            return k
    what = kind or "enterprise or product"
    raise NotFoundError(f"no {what} with id {node_id!r}; check the id (ids are case-sensitive)")


def tiers(
    graph: Graph,
    node_id: str,
    direction: Direction,
    max_tiers: int,
    kind: NodeKind | None = None,
) -> list[TierHit]:
    """Every node within ``max_tiers`` steps of ``node_id``, nearest tier first."""
    if not 1 <= max_tiers <= MAX_TIERS:
        raise ValueError(f"tiers must be between 1 and {MAX_TIERS}, got {max_tiers}")
    node_kind = resolve(graph, node_id, kind)
    step = _STEP[(node_kind, direction)]
    paths: dict[str, tuple[str, ...]] = {node_id: (node_id,)}
    hits: list[TierHit] = []
    frontier = [node_id]
    for tier in range(1, max_tiers + 1):
        if not frontier:
            break
        found: dict[str, TierHit] = {}
        rows = graph.query(step, {"ids": frontier})
        # Ties broken by product too, so a pair linked for several products always reports
        # the same one (the first by id).
        for row in sorted(rows, key=lambda r: (r["id"], r["via"], r["product"] or "")):
            nid = row["id"]
            if nid in paths or nid in found:
                continue
            via_path = paths[row["via"]]
            path = (nid, *via_path) if direction == "upstream" else (*via_path, nid)
            found[nid] = TierHit(tier, nid, row["name"], row["product"], path)
        for nid, hit in found.items():
            paths[nid] = hit.path
        hits.extend(sorted(found.values(), key=lambda h: h.id))
        frontier = sorted(found)
    return hits
