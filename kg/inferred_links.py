"""`supplymap infer`: write inferred SUPPLIES links into the graph, and take them out again.

An inferred link e -[:SUPPLIES {product: i, basis: 'inferred'}]-> f stands wherever e PRODUCES
i, f PRODUCES q, i is an INPUT_TO q, and no declared SUPPLIES link of i runs from e to f. Each
run is one (:Load) record (kind ``inferred supplies``) whose id tags every link it wrote; a
re-run writes the same links under its new id and drops inferred links that no longer follow
(their product stopped being an input, a declared link took their place), so running it twice
leaves the same links. ``remove`` deletes the links of one run by its load id. A declared link
is never overwritten: a loader that later declares the same (supplier, customer, product)
turns the inferred link into a declared one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString

from kg.connection import Graph
from kg.schema import ensure_schema
from kg.tiers import NotFoundError

LOAD_KIND = "inferred supplies"
SOURCE = "supplymap infer"
BATCH = 2000

_CANDIDATES: LiteralString = (
    "MATCH (e:Enterprise)-[pr:PRODUCES]->(i:Product)-[b:INPUT_TO]->(q:Product)"
    "<-[:PRODUCES]-(f:Enterprise) "
    "WHERE e.id <> f.id AND NOT EXISTS { MATCH (e)-[x:SUPPLIES]->(f) "
    "WHERE x.product = i.id AND (x.basis IS NULL OR x.basis <> 'inferred') } "
    "RETURN e.id AS supplier, f.id AS customer, i.id AS product, q.id AS output, "
    "b.qty_per_unit AS qty_per_unit, pr.capacity_per_day AS capacity_per_day"
)
# ON CREATE marks a new link inferred; a link that is already declared is left alone (the
# WHERE drops it) and not counted.
_WRITE: LiteralString = (
    "UNWIND $rows AS r MATCH (a:Enterprise {id: r.supplier}) "
    "MATCH (b:Enterprise {id: r.customer}) "
    "MERGE (a)-[x:SUPPLIES {product: r.product}]->(b) "
    "ON CREATE SET x.basis = 'inferred' "
    "WITH x, r WHERE x.basis = 'inferred' "
    "SET x.source = $source, x.load_id = $load_id, x.loaded_at = $loaded_at, "
    "x.inferred_from = r.output, x.inferred_qty_per_unit = r.qty_per_unit, "
    "x.inferred_capacity_per_day = r.capacity_per_day "
    "RETURN count(*) AS written"
)
_DROP_STALE: LiteralString = (
    "MATCH (:Enterprise)-[x:SUPPLIES]->(:Enterprise) "
    "WHERE x.basis = 'inferred' AND (x.load_id IS NULL OR x.load_id <> $load_id) "
    "WITH x LIMIT 5000 DELETE x RETURN count(*) AS deleted"
)
_DROP_LOAD: LiteralString = (
    "MATCH (:Enterprise)-[x:SUPPLIES]->(:Enterprise) "
    "WHERE x.basis = 'inferred' AND x.load_id = $load_id "
    "WITH x LIMIT 5000 DELETE x RETURN count(*) AS deleted"
)
_SAVE_LOAD: LiteralString = "MERGE (l:Load {id: $id}) SET l += $props"
_FIND_LOAD: LiteralString = "MATCH (l:Load {id: $id}) RETURN l.kind AS kind, l.status AS status"
_COUNT_INFERRED: LiteralString = (
    "MATCH (:Enterprise)-[x:SUPPLIES]->(:Enterprise) WHERE x.basis = 'inferred' "
    "RETURN count(x) AS n"
)


@dataclass
class InferReport:
    load_id: str
    candidates: int  # distinct (supplier, customer, product) inferred
    written: int  # links written or refreshed
    dropped: int  # inferred links of earlier runs that no longer follow
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "candidates": self.candidates,
            "written": self.written,
            "dropped": self.dropped,
            "seconds": round(self.seconds, 2),
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _until_done(graph: Graph, cypher: LiteralString, params: dict[str, Any]) -> int:
    total = 0
    while n := int(graph.write(cypher, params)[0]["deleted"]):
        total += n
    return total


def candidates(graph: Graph) -> list[dict[str, Any]]:
    """One row per inferred (supplier, customer, product), the first output by id as its
    evidence; sorted."""
    best: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in graph.stream(_CANDIDATES):
        key = (str(r["supplier"]), str(r["customer"]), str(r["product"]))
        if key not in best or str(r["output"]) < str(best[key]["output"]):
            best[key] = r
    return [best[k] for k in sorted(best)]


def infer(graph: Graph, on_batch: Callable[[int], None] | None = None) -> InferReport:
    """Write every inferred link under a new load id; drop inferred links that no longer
    follow. Safe to re-run."""
    ensure_schema(graph)
    started = _now()
    load_id = f"I{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    base = {"kind": LOAD_KIND, "file": SOURCE, "started_at": started}
    graph.write(_SAVE_LOAD, {"id": load_id, "props": {**base, "status": "running"}})
    try:
        rows = candidates(graph)
        params = {"source": SOURCE, "load_id": load_id, "loaded_at": started}
        written = graph.write_batches(
            _WRITE, rows, batch_size=BATCH, params=params, on_batch=on_batch, count_field="written"
        )
        dropped = _until_done(graph, _DROP_STALE, {"load_id": load_id})
    except Exception as exc:
        props = {**base, "status": "failed", "ended_at": _now(), "message": str(exc)[:500]}
        graph.write(_SAVE_LOAD, {"id": load_id, "props": props})
        raise
    ended = _now()
    message = (
        f"inferred {len(rows)} SUPPLIES link(s) from PRODUCES and INPUT_TO; wrote {written}, "
        f"dropped {dropped} that no longer follow"
    )
    props = {
        **base,
        "status": "completed",
        "rows_read": len(rows),
        "rows_written": written,
        "rows_rejected": 0,
        "ended_at": ended,
        "message": message,
    }
    graph.write(_SAVE_LOAD, {"id": load_id, "props": props})
    return InferReport(load_id, len(rows), written, dropped, (ended - started).total_seconds())


def remove(graph: Graph, load_id: str) -> int:
    """Delete the inferred links written by run ``load_id``; returns how many. The run's
    (:Load) record stays, marked removed, and the removal is a (:Load) record of its own."""
    found = graph.query(_FIND_LOAD, {"id": load_id})
    if not found or found[0]["kind"] != LOAD_KIND:
        raise NotFoundError(
            f"no `supplymap infer` run with load id {load_id!r}; `supplymap infer --list` "
            "shows them"
        )
    started = _now()
    deleted = _until_done(graph, _DROP_LOAD, {"load_id": load_id})
    ended = _now()
    message = f"removed {deleted} inferred SUPPLIES link(s) of {load_id}"
    graph.write(
        _SAVE_LOAD,
        {"id": load_id, "props": {"status": "removed", "message": message}},
    )
    removal = f"R{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    props = {
        "kind": "remove " + LOAD_KIND,
        "file": SOURCE,
        "status": "completed",
        "rows_read": deleted,
        "rows_written": 0,
        "rows_rejected": 0,
        "started_at": started,
        "ended_at": ended,
        "message": message,
    }
    graph.write(_SAVE_LOAD, {"id": removal, "props": props})
    return deleted


def runs(graph: Graph) -> list[dict[str, Any]]:
    """Every `supplymap infer` run, newest first."""
    cypher: LiteralString = (
        "MATCH (l:Load) WHERE l.kind = $kind RETURN l.id AS load_id, l.status AS status, "
        "l.rows_written AS links, l.started_at AS started_at, l.message AS message "
        "ORDER BY started_at DESC"
    )
    return graph.query(cypher, {"kind": LOAD_KIND})


def inferred_count(graph: Graph) -> int:
    """How many inferred SUPPLIES links the graph holds."""
    return int(graph.query(_COUNT_INFERRED)[0]["n"])
