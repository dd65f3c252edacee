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

import functools
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

# Declared links into (upstream) or out of (downstream) each state `st` ({e, p}) enterprise;
# with $material, only links whose product continues the material (or any link where the bill
# of materials is unknown). `bom` is null for the root, 'unknown' or 'input'.
_LINKS: dict[Direction, LiteralString] = {
    "upstream": (
        "MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(i:Product)-[:INPUT_TO]->(:Product {id: st.p}) | i.id] END AS next "
        "MATCH (n:Enterprise)-[x:SUPPLIES]->(m) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x.product IN next) "
    ),
    "downstream": (
        "MATCH (m:Enterprise {id: st.e}) "
        "WITH st, m, CASE WHEN st.p IS NULL OR NOT $material THEN null "
        "ELSE [(:Product {id: st.p})-[:INPUT_TO]->(o:Product) | o.id] END AS next "
        "MATCH (m)-[x:SUPPLIES]->(n:Enterprise) "
        "WHERE n.id <> $root AND (x.basis IS NULL OR x.basis <> 'inferred') "
        "AND (next IS NULL OR size(next) = 0 OR x.product IN next) "
    ),
}
_BOM: LiteralString = (
    "CASE WHEN next IS NULL THEN null WHEN size(next) = 0 THEN 'unknown' ELSE 'input' END"
)
# One tier of the walk over the states in $states (a statement per tier).
_DECLARED: dict[Direction, LiteralString] = {
    d: "UNWIND $states AS st "
    + _LINKS[d]
    + "RETURN st.e AS via, st.p AS via_product, n.id AS id, n.name AS name, "
    "x.product AS product, coalesce(x.basis, 'declared') AS basis, " + _BOM + " AS bom"
    for d in ("upstream", "downstream")
}

# The whole declared walk in one statement: the same tier step, repeated, over a frontier
# kept in the statement exactly as the per-tier walk keeps it in Python (the distinct new
# states of the tier before: (enterprise, product on the way when following the material),
# none seen at an earlier tier). One row, `tiers`: each tier's rows; no row when the root is
# not an enterprise. A state's key is its id prefixed with its length, then `|product`, so
# no two states share a key whatever their ids hold.
_KEY: LiteralString = "toString(size(e)) + ':' + e + CASE WHEN p IS NULL THEN '' ELSE '|' + p END"
_START: LiteralString = (
    "MATCH (r:Enterprise {id: $root}) "
    "WITH [] AS tiers, [{e: r.id, p: null}] AS frontier, "
    "[toString(size(r.id)) + ':' + r.id] AS seen "
)
_TIER: dict[Direction, LiteralString] = {
    d: "CALL (frontier) { UNWIND frontier AS st "
    + _LINKS[d]
    + "RETURN collect({via: st.e, via_product: st.p, id: n.id, name: n.name, "
    "product: x.product, basis: coalesce(x.basis, 'declared'), bom: " + _BOM + "}) AS rows } "
    "WITH tiers + [rows] AS tiers, seen, rows "
    for d in ("upstream", "downstream")
}
_FRONTIER: LiteralString = (
    "CALL (rows, seen) { UNWIND rows AS row "
    "WITH row.id AS e, CASE WHEN $material THEN row.product ELSE null END AS p, seen "
    "WHERE NOT " + _KEY + " IN seen "
    "WITH DISTINCT e, p RETURN collect({e: e, p: p}) AS frontier, "
    "collect(" + _KEY + ") AS keys } "
    "WITH tiers, frontier, seen + keys AS seen "
)


# Up to this many tiers the walk is one statement; deeper walks run a statement per tier. The
# statement tests each new state against a list of the states seen (Cypher has no set), which
# costs the product of the two: fine for the few hundred states of a few tiers, not for the
# large frontiers deep walks can reach, where a round trip per tier matters less anyway.
ONE_STATEMENT_MAX_TIERS = 5


@functools.cache
def _one_statement(direction: Direction, max_tiers: int) -> LiteralString:
    """The declared walk to ``max_tiers`` tiers as one statement (built once per shape)."""
    return (
        _START
        + _TIER[direction]
        + (_FRONTIER + _TIER[direction]) * (max_tiers - 1)
        + ("RETURN tiers")
    )


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
    # Whether ``root`` is an enterprise, when the walk found out (the one-statement walk
    # does); None when it did not ask.
    found: bool | None = None


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
    per_tier: bool = False,
) -> WalkResult:
    """Suppliers (upstream) or customers (downstream) of enterprise ``root`` within
    ``max_tiers`` tiers, nearest tier first, then by id.

    Declared links only, up to ONE_STATEMENT_MAX_TIERS tiers: one statement for the whole
    walk. With inferred links, deeper, or with ``per_tier`` (the reference the tests compare
    with): one statement per tier.
    """
    material = walk == "material"
    found: bool | None = None
    fetched: list[list[dict[str, Any]]] | None = None
    if not inferred and not per_tier and max_tiers <= ONE_STATEMENT_MAX_TIERS:
        answer = graph.query(
            _one_statement(direction, max_tiers), {"root": root, "material": material}
        )
        found = bool(answer)
        fetched = list(answer[0]["tiers"]) if answer else []
    tier_of: dict[State, int] = {(root, None): 0}
    back: dict[State, tuple[State, Step]] = {}
    nearest: dict[str, int] = {}
    hits: dict[str, WalkHit] = {}
    at_nearest: dict[str, list[State]] = {}
    frontier: list[State] = [(root, None)]
    for tier in range(1, max_tiers + 1):
        if not frontier:
            break
        params = {
            "states": [{"e": e, "p": p} for e, p in frontier],
            "root": root,
            "material": material,
        }
        if fetched is not None:
            rows = fetched[tier - 1] if tier <= len(fetched) else []
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
    return WalkResult(ordered, inferred, found)


def products_of(hit: WalkHit) -> list[str]:
    return sorted({s.product for s in hit.links if s.product is not None})


def labels_of(steps: Sequence[Step]) -> list[str]:
    return sorted({s.label for s in steps})
