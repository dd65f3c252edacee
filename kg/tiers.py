"""Tier-by-tier lookups: who supplies whom, N tiers up or down.

Enterprises are followed along SUPPLIES (trade links), by default only where the material
continues (kg/supply_walk.py: a tier-2 supplier supplies the tier-1 supplier an input of what
that one supplies the root); ``walk="any"`` follows every link. Products are followed along
INPUT_TO (the bill of materials), so a chain known only as a bill of materials (the Willems
chains) answers too. Each tier is one parameterised query over the previous tier's frontier (a
breadth-first search), so every node is reported once, at its nearest tier, with one path.

Inferred links (an enterprise producing an input of what another produces) count when asked
(``inferred=True``), and by default only where the graph has no declared SUPPLIES link at all;
an empty answer says how many inferred ones there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, LiteralString

from kg.connection import Graph
from kg.supply_walk import (
    WALKS,
    Direction,
    Step,
    Walk,
    WalkHit,
    has_declared_links,
    labels_of,
    products_of,
)
from kg.supply_walk import walk as walk_enterprises

__all__ = ["WALKS", "Direction", "NodeKind", "NotFoundError", "TierAnswer", "TierHit", "Walk"]
NodeKind = Literal["enterprise", "product"]
MAX_TIERS = 20

_STEP: dict[Direction, LiteralString] = {
    "upstream": (
        "MATCH (n:Product)-[:INPUT_TO]->(m:Product) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via"
    ),
    "downstream": (
        "MATCH (m:Product)-[:INPUT_TO]->(n:Product) WHERE m.id IN $ids "
        "RETURN n.id AS id, n.name AS name, m.id AS via"
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
    product: str | None  # the first of ``products`` by id (kept for older callers)
    path: tuple[str, ...]  # ids in the direction material flows, ending or starting at the root
    products: tuple[str, ...] = ()  # every product it supplies (or buys) on the way
    basis: tuple[str, ...] = ()  # how its links are known: declared, inferred, bom-unknown
    links: tuple[Step, ...] = ()  # its links on the way at that tier
    steps: tuple[Step, ...] = ()  # the explaining path, one link per step, material order

    def route(self) -> str:
        """The explaining path as text: ``A -[PP]-> B -[MB]-> C`` (inferred links ``~[ ]~>``,
        links taken where the bill of materials is unknown ``-[ ?]->``)."""
        if not self.steps:
            return " → ".join(self.path)
        parts = [self.steps[0].supplier]
        for s in self.steps:
            product = (s.product or "?") + (" ?" if s.bom == "unknown" else "")
            arrow = f"~[{product}]~>" if s.basis == "inferred" else f"-[{product}]->"
            parts.append(f"{arrow} {s.customer}")
        return " ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "tier": self.tier,
            "id": self.id,
            "name": self.name,
            "product": self.product,
            "products": list(self.products),
            "basis": list(self.basis),
            "path": list(self.path),
            "route": self.route(),
            "links": [s.as_dict() for s in self.links],
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass
class TierAnswer:
    """A lookup's rows and what the reader needs to know to trust them."""

    hits: list[TierHit]
    kind: NodeKind
    walk: Walk | None  # None for products (the bill of materials has one walk)
    inferred: bool  # whether inferred links were counted
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "walk": self.walk,
            "inferred": self.inferred,
            "notes": list(self.notes),
        }


def resolve(graph: Graph, node_id: str, kind: NodeKind | None = None) -> NodeKind:
    """Which kind of node ``node_id`` is; an enterprise wins when both exist."""
    kinds: tuple[NodeKind, ...] = (kind,) if kind else ("enterprise", "product")
    for k in kinds:
        if graph.query(_FIND[k], {"id": node_id}):
            return k
    raise _not_found(kind or "enterprise or product", node_id)


def _not_found(what: str, node_id: str) -> NotFoundError:
    return NotFoundError(f"no {what} with id {node_id!r}; check the id (ids are case-sensitive)")


def _product_tiers(
    graph: Graph, node_id: str, direction: Direction, max_tiers: int
) -> list[TierHit]:
    step = _STEP[direction]
    paths: dict[str, tuple[str, ...]] = {node_id: (node_id,)}
    hits: list[TierHit] = []
    frontier = [node_id]
    for tier in range(1, max_tiers + 1):
        if not frontier:
            break
        found: dict[str, TierHit] = {}
        rows = graph.query(step, {"ids": frontier})
        for row in sorted(rows, key=lambda r: (r["id"], r["via"])):
            nid = row["id"]
            if nid in paths or nid in found:
                continue
            via_path = paths[row["via"]]
            path = (nid, *via_path) if direction == "upstream" else (*via_path, nid)
            found[nid] = TierHit(tier, nid, row["name"], None, path)
        for nid, hit in found.items():
            paths[nid] = hit.path
        hits.extend(sorted(found.values(), key=lambda h: h.id))
        frontier = sorted(found)
    return hits


def _as_tier_hit(h: WalkHit, root: str, direction: Direction) -> TierHit:
    if h.steps:
        ids = [h.steps[0].supplier, *(s.customer for s in h.steps)]
    else:
        ids = [h.id, root] if direction == "upstream" else [root, h.id]
    products = products_of(h)
    return TierHit(
        h.tier,
        h.id,
        h.name,
        products[0] if products else None,
        tuple(ids),
        tuple(products),
        tuple(labels_of(h.links)),
        tuple(sorted(h.links, key=lambda s: (str(s.product), s.supplier, s.customer))),
        h.steps,
    )


_NOTHING_INFERRED = (
    "no SUPPLIES link on record and, for what it produces, no producer of an input or "
    "consumer of the output (load PRODUCES and INPUT_TO, or declared SUPPLIES links)"
)


def _enterprise_lookup(
    graph: Graph,
    node_id: str,
    direction: Direction,
    max_tiers: int,
    walk_: Walk,
    inferred: bool | None,
    *,
    resolved: bool = True,
) -> TierAnswer:
    who = "suppliers" if direction == "upstream" else "customers"
    use_inferred = bool(inferred)
    notes: list[str] = []
    result = walk_enterprises(
        graph, node_id, direction, max_tiers, walk=walk_, inferred=use_inferred
    )
    if not result.hits and not resolved and not result.found:
        # An unknown id raises NotFoundError here (the one-statement walk already knows).
        if result.found is False:
            raise _not_found("enterprise", node_id)
        resolve(graph, node_id, "enterprise")
    if not result.hits and inferred is None and not has_declared_links(graph):
        use_inferred = True
        result = walk_enterprises(graph, node_id, direction, max_tiers, walk=walk_, inferred=True)
        notes.append(
            "the graph holds no declared SUPPLIES links, so inferred links are counted: an "
            "enterprise that PRODUCES an input (INPUT_TO) of what another produces"
        )
        if not result.hits:
            notes.append(f"no {who} inferred either: {_NOTHING_INFERRED}")
    elif not result.hits and not use_inferred:
        n = len(
            walk_enterprises(graph, node_id, direction, max_tiers, walk=walk_, inferred=True).hits
        )
        notes.append(f"no declared {who}; {n} inferred with --inferred")
    elif not result.hits:
        notes.append(f"no {who}, declared or inferred: {_NOTHING_INFERRED}")
    elif use_inferred:
        notes.append("inferred links are counted (basis: inferred, with their evidence)")
    if any("bom-unknown" in s.label for h in result.hits for s in h.links):
        notes.append(
            "bom-unknown: some links were followed through a product whose bill of materials "
            "is not on record, so every product on the next link was taken"
        )
    hits = [_as_tier_hit(h, node_id, direction) for h in result.hits]
    return TierAnswer(hits, "enterprise", walk_, use_inferred, notes)


def lookup(
    graph: Graph,
    node_id: str,
    direction: Direction,
    max_tiers: int,
    kind: NodeKind | None = None,
    *,
    walk: Walk = "material",
    inferred: bool | None = None,
) -> TierAnswer:
    """Every node within ``max_tiers`` tiers of ``node_id``, nearest tier first, with notes.

    ``walk`` (enterprises): ``material`` follows the material, ``any`` every SUPPLIES link.
    ``inferred``: True counts inferred links, False never, None (the default) only where the
    graph has no declared SUPPLIES link at all.
    """
    if not 1 <= max_tiers <= MAX_TIERS:
        raise ValueError(f"tiers must be between 1 and {MAX_TIERS}, got {max_tiers}")
    if walk not in WALKS:
        raise ValueError(f"walk must be one of {', '.join(WALKS)}, got {walk!r}")
    if kind == "enterprise":
        # Asked for an enterprise: walk first, and look the id up only to explain an empty
        # answer (one statement less per lookup).
        return _enterprise_lookup(
            graph, node_id, direction, max_tiers, walk, inferred, resolved=False
        )
    node_kind = resolve(graph, node_id, kind)
    if node_kind == "enterprise":
        return _enterprise_lookup(graph, node_id, direction, max_tiers, walk, inferred)
    hits = _product_tiers(graph, node_id, direction, max_tiers)
    notes = [] if hits else [f"no {'inputs' if direction == 'upstream' else 'outputs'} on record"]
    return TierAnswer(hits, "product", None, False, notes)


def tiers(
    graph: Graph,
    node_id: str,
    direction: Direction,
    max_tiers: int,
    kind: NodeKind | None = None,
    *,
    walk: Walk = "material",
    inferred: bool | None = None,
) -> list[TierHit]:
    """Every node within ``max_tiers`` steps of ``node_id``, nearest tier first."""
    return lookup(graph, node_id, direction, max_tiers, kind, walk=walk, inferred=inferred).hits
