"""Enterprise tiers that follow the material, tier by tier.

A supplier s of c is at tier 1 when s supplies c a product p. s' is a tier-2 supplier through
s when s' supplies s a product that is an input of p (INPUT_TO; every member of an alt_group is
an input), or any product when p has no bill of materials on record (the step then says
``bom: unknown``). Customers mirror this: c' is a tier-2 customer through c (who bought p) when
c supplies c' a product that p goes into, or any product when nothing is known to be made
from p. The ``any`` walk follows every SUPPLIES link whatever it carries.

The walk is a breadth-first search over states (enterprise, product on the way): one
parameterised statement per tier over the previous tier's states (plus one for inferred links
when they count), so it is bounded by ``max_tiers`` round trips and runs the same on Neo4j 5
and ArcadeDB. An enterprise is reported once, at its nearest tier, with every product it
supplies (or buys) on the way at that tier, each link's basis, and one explaining path.

Inferred links (``basis: inferred``): e supplies f product i when e PRODUCES i, f PRODUCES q
and i is an INPUT_TO q, with no declared SUPPLIES of i from e to f. Links that
``supplymap infer`` wrote into the graph (basis inferred) never count as declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, LiteralString

from kg.connection import Graph

Direction = Literal["upstream", "downstream"]
Walk = Literal["material", "any"]
WALKS: tuple[Walk, ...] = ("material", "any")

# One state: (enterprise id, the product it supplies (upstream) or buys (downstream) on the
# way; None for the root and for every state of the any-link walk).
State = tuple[str, str | None]

# Declared links into (upstream) or out of (downstream) each state's enterprise; with
# $material, only links whose product continues the material (or any link where the bill of
# materials is unknown). `bom` is null for the root, 'unknown' or 'input'.
_DECLARED: dict[Direction, LiteralString] = {
    "upstream": (
        "UNWIND $states AS st MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(i:Product)-[:INPUT_TO]->(:Product {id: st.p}) | i.id] END AS next "
        "MATCH (n:Enterprise)-[x:SUPPLIES]->(m) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x.product IN next) "
        "RETURN st.e AS via, st.p AS via_product, n.id AS id, n.name AS name, "
        "x.product AS product, coalesce(x.basis, 'declared') AS basis, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom"
    ),
    "downstream": (
        "UNWIND $states AS st MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(:Product {id: st.p})-[:INPUT_TO]->(o:Product) | o.id] END AS next "
        "MATCH (m)-[x:SUPPLIES]->(n:Enterprise) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x.product IN next) "
        "RETURN st.e AS via, st.p AS via_product, n.id AS id, n.name AS name, "
        "x.product AS product, coalesce(x.basis, 'declared') AS basis, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom"
    ),
}
# Tiers 1 and 2 of the declared walk in one statement (one round trip less per lookup): each
# link of the root, and the links that continue it (null where none does).
_FIRST_TWO: dict[Direction, LiteralString] = {
    "upstream": (
        "MATCH (r:Enterprise {id: $root}) MATCH (n:Enterprise)-[x:SUPPLIES]->(r) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "WITH n, x, CASE WHEN NOT $material THEN null "
        "ELSE [(i:Product)-[:INPUT_TO]->(:Product {id: x.product}) | i.id] END AS next "
        "OPTIONAL MATCH (n2:Enterprise)-[x2:SUPPLIES]->(n) "
        "WHERE n2.id <> $root AND (x2.basis IS NULL OR x2.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x2.product IN next) "
        "RETURN n.id AS id, n.name AS name, x.product AS product, "
        "coalesce(x.basis, 'declared') AS basis, n2.id AS id2, n2.name AS name2, "
        "x2.product AS product2, coalesce(x2.basis, 'declared') AS basis2, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom2"
    ),
    "downstream": (
        "MATCH (r:Enterprise {id: $root}) MATCH (r)-[x:SUPPLIES]->(n:Enterprise) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "WITH n, x, CASE WHEN NOT $material THEN null "
        "ELSE [(:Product {id: x.product})-[:INPUT_TO]->(o:Product) | o.id] END AS next "
        "OPTIONAL MATCH (n)-[x2:SUPPLIES]->(n2:Enterprise) "
        "WHERE n2.id <> $root AND (x2.basis IS NULL OR x2.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x2.product IN next) "
        "RETURN n.id AS id, n.name AS name, x.product AS product, "
        "coalesce(x.basis, 'declared') AS basis, n2.id AS id2, n2.name AS name2, "
        "x2.product AS product2, coalesce(x2.basis, 'declared') AS basis2, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom2"
    ),
}
# Inferred links of the same states: a producer of an input of what the state's enterprise
# produces (upstream); a producer of what the state's enterprise's output goes into
# (downstream). `output` and the INPUT_TO edge are the evidence.
_INFERRED: dict[Direction, LiteralString] = {
    "upstream": (
        "UNWIND $states AS st MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(i:Product)-[:INPUT_TO]->(:Product {id: st.p}) | i.id] END AS next "
        "MATCH (m)-[:PRODUCES]->(q:Product)<-[b:INPUT_TO]-(i:Product)<-[pr:PRODUCES]-"
        "(n:Enterprise) "
        "WHERE n.id <> $root AND n.id <> m.id "
        "AND (next IS NULL OR size(next) = 0 OR i.id IN next) "
        "RETURN st.e AS via, st.p AS via_product, n.id AS id, n.name AS name, "
        "i.id AS product, 'inferred' AS basis, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom, q.id AS output, b.qty_per_unit AS qty_per_unit, b.alt_group AS alt_group, "
        "pr.capacity_per_day AS capacity_per_day, pr.unit AS unit"
    ),
    "downstream": (
        "UNWIND $states AS st MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(:Product {id: st.p})-[:INPUT_TO]->(o:Product) | o.id] END AS next "
        "MATCH (m)-[pr:PRODUCES]->(i:Product)-[b:INPUT_TO]->(q:Product)<-[:PRODUCES]-"
        "(n:Enterprise) "
        "WHERE n.id <> $root AND n.id <> m.id "
        "AND (next IS NULL OR size(next) = 0 OR i.id IN next) "
        "RETURN st.e AS via, st.p AS via_product, n.id AS id, n.name AS name, "
        "i.id AS product, 'inferred' AS basis, "
        "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END "
        "AS bom, q.id AS output, b.qty_per_unit AS qty_per_unit, b.alt_group AS alt_group, "
        "pr.capacity_per_day AS capacity_per_day, pr.unit AS unit"
    ),
}
# Producers of each product, for an inferred supplier's share of its capacity.
_PRODUCER_TOTALS: LiteralString = (
    "MATCH (:Enterprise)-[pr:PRODUCES]->(p:Product) WHERE p.id IN $ids "
    "RETURN p.id AS id, count(pr) AS producers, count(pr.capacity_per_day) AS known, "
    "sum(pr.capacity_per_day) AS total"
)
_ANY_DECLARED: LiteralString = (
    "MATCH (:Enterprise)-[x:SUPPLIES]->(:Enterprise) "
    "WHERE x.basis IS NULL OR x.basis <> 'inferred' RETURN 1 AS one LIMIT 1"
)


@dataclass(frozen=True)
class Step:
    """One link: supplier -> customer for one product, with how it is known.

    ``basis``: declared (or the loaded basis, e.g. customs record) or inferred. ``bom``:
    ``input`` when the product goes into the product of the next link toward the root,
    ``unknown`` when that product has no bill of materials on record so any product was
    taken, None on a first-tier link and in the any-link walk.
    """

    supplier: str
    customer: str
    product: str | None
    basis: str
    bom: str | None = None
    evidence: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """declared, inferred or bom-unknown: what a reader needs to know about this link."""
        if self.basis == "inferred":
            return "inferred"
        return "bom-unknown" if self.bom == "unknown" else "declared"

    def as_dict(self) -> dict[str, Any]:
        return {
            "supplier": self.supplier,
            "customer": self.customer,
            "product": self.product,
            "basis": self.basis,
            "bom": self.bom,
            "evidence": self.evidence,
        }


@dataclass
class WalkHit:
    tier: int
    id: str
    name: str | None
    links: list[Step] = field(default_factory=list)  # its links on the way at that tier
    steps: tuple[Step, ...] = ()  # one explaining path, in the direction material flows


@dataclass
class WalkResult:
    hits: list[WalkHit]
    inferred: bool  # whether inferred links were followed


def has_declared_links(graph: Graph) -> bool:
    """Whether the graph holds any declared (not inferred) SUPPLIES link."""
    return bool(graph.query(_ANY_DECLARED))


def _evidence(row: dict[str, Any], totals: dict[str, tuple[int, int, float]]) -> dict[str, Any]:
    producers, known, total = totals.get(str(row["product"]), (0, 0, 0.0))
    capacity = row.get("capacity_per_day")
    share = (
        float(capacity) / total
        if capacity is not None and producers and known == producers and total > 0
        else None
    )
    return {
        "product": row["product"],
        "bom": {
            "input": row["product"],
            "output": row["output"],
            "qty_per_unit": row.get("qty_per_unit"),
            "alt_group": row.get("alt_group"),
        },
        "capacity_per_day": capacity,
        "unit": row.get("unit"),
        "capacity_share": share,
        "producers": producers,
    }


def _inferred_rows(
    graph: Graph, direction: Direction, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Inferred links of the states, one per (via state, enterprise, product): the BOM edge
    into the state's own product preferred as evidence, then the first output by id."""
    rows = graph.query(_INFERRED[direction], params)
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r["output"] != r["via_product"], str(r["output"]))):
        best.setdefault((r["via"], r["via_product"], r["id"], r["product"]), r)
    chosen = list(best.values())
    ids = sorted({str(r["product"]) for r in chosen})
    totals = {
        str(t["id"]): (int(t["producers"]), int(t["known"]), float(t["total"] or 0.0))
        for t in (graph.query(_PRODUCER_TOTALS, {"ids": ids}) if ids else [])
    }
    for r in chosen:
        r["evidence"] = _evidence(r, totals)
    return chosen


def _first_two(
    graph: Graph, direction: Direction, root: str, material: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of tiers 1 and 2, shaped as the per-tier statement's. Every tier-1 state is
    new (only the root was visited), so tier 2 from every tier-1 link is what the per-tier
    statement would return for the tier-1 frontier."""
    one: dict[tuple[Any, ...], dict[str, Any]] = {}
    two: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in graph.query(_FIRST_TWO[direction], {"root": root, "material": material}):
        first = {
            "via": root,
            "via_product": None,
            "id": r["id"],
            "name": r["name"],
            "product": r["product"],
            "basis": r["basis"],
            "bom": None,
        }
        one.setdefault(tuple(first.values()), first)
        if r["id2"] is None:
            continue
        second = {
            "via": r["id"],
            "via_product": r["product"] if material else None,
            "id": r["id2"],
            "name": r["name2"],
            "product": r["product2"],
            "basis": r["basis2"],
            "bom": r["bom2"],
        }
        two.setdefault(tuple(second.values()), second)
    return list(one.values()), list(two.values())


def _row_order(r: dict[str, Any]) -> tuple[str, ...]:
    # A link that continues the material before one taken where the BOM is unknown.
    return (
        str(r["id"]),
        str(r["via"]),
        str(r["bom"] == "unknown"),
        str(r["via_product"]),
        str(r["product"]),
    )


def walk(
    graph: Graph,
    root: str,
    direction: Direction,
    max_tiers: int,
    *,
    walk: Walk = "material",
    inferred: bool = False,
) -> WalkResult:
    """Suppliers (upstream) or customers (downstream) of enterprise ``root`` within
    ``max_tiers`` tiers, nearest tier first, then by id."""
    material = walk == "material"
    tier_of: dict[State, int] = {(root, None): 0}
    back: dict[State, tuple[State, Step]] = {}
    nearest: dict[str, int] = {}
    hits: dict[str, WalkHit] = {}
    at_nearest: dict[str, list[State]] = {}
    ahead: dict[int, list[dict[str, Any]]] = {}  # rows of a tier fetched with the one before
    frontier: list[State] = [(root, None)]
    for tier in range(1, max_tiers + 1):
        if not frontier:
            break
        params = {
            "states": [{"e": e, "p": p} for e, p in frontier],
            "root": root,
            "material": material,
        }
        if tier in ahead:
            rows = ahead.pop(tier)
        elif tier == 1 and max_tiers >= 2 and not inferred:
            rows, ahead[2] = _first_two(graph, direction, root, material)
        else:
            rows = graph.query(_DECLARED[direction], params)
        declared = {(r["via"], r["via_product"], r["id"], r["product"]) for r in rows}
        order = sorted(rows, key=_row_order)
        if inferred:
            extra = [
                r
                for r in _inferred_rows(graph, direction, params)
                if (r["via"], r["via_product"], r["id"], r["product"]) not in declared
            ]
            order += sorted(extra, key=_row_order)
        new: list[State] = []
        for r in order:
            nid, via = str(r["id"]), (str(r["via"]), r["via_product"])
            product = None if r["product"] is None else str(r["product"])
            if direction == "upstream":
                step = Step(nid, via[0], product, str(r["basis"]), r["bom"], r.get("evidence"))
            else:
                step = Step(via[0], nid, product, str(r["basis"]), r["bom"], r.get("evidence"))
            if nearest.setdefault(nid, tier) == tier:
                hit = hits.setdefault(nid, WalkHit(tier, nid, r["name"]))
                if not any(
                    (s.supplier, s.customer, s.product) == (step.supplier, step.customer, product)
                    for s in hit.links
                ):
                    hit.links.append(step)
            state: State = (nid, product if material else None)
            if state in tier_of:
                continue
            tier_of[state] = tier
            back[state] = (via, step)
            new.append(state)
            if nearest[nid] == tier:
                at_nearest.setdefault(nid, []).append(state)
        frontier = new
    for hit in hits.values():
        first = min(at_nearest[hit.id], key=lambda s: str(s[1]))
        steps: list[Step] = []
        state = first
        while state in back:
            state, step = back[state]
            steps.append(step)
        hit.steps = tuple(steps if direction == "upstream" else reversed(steps))
    ordered = sorted(hits.values(), key=lambda h: (h.tier, h.id))
    return WalkResult(ordered, inferred)


def products_of(hit: WalkHit) -> list[str]:
    return sorted({s.product for s in hit.links if s.product is not None})


def labels_of(steps: Sequence[Step]) -> list[str]:
    return sorted({s.label for s in steps})
