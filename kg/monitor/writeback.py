"""Write warnings back for Cypher users, and clear the warnings of earlier runs.

Each Product, Enterprise and current HOLDS snapshot with a warning gets warning_level (its
most severe), warning_reason (its reasons, most severe and most urgent first), warning_as_of
(the date of the data behind the first reason), warning_runs_out (the earliest run-out date
among its warnings at that level) and warning_run (this run's id). Every write is an UNWIND
batch in a managed transaction; warnings left from earlier runs (another warning_run) are
then removed, batch by batch, so a node that is no longer at risk loses its warning.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from kg.connection import Graph
from kg.monitor.early_warning import EarlyWarning, WarningReport
from kg.monitor.rules import Level
from kg.monitor.snapshots import cypher

MAX_REASONS = 3
_CLEAR_LIMIT = 5000

_SET_PRODUCT = cypher(
    "UNWIND $rows AS r MATCH (n:{Product} {{id: r.key}}) "
    "SET n.warning_level = r.level, n.warning_reason = r.reason, n.warning_as_of = r.as_of, "
    "n.warning_runs_out = r.runs_out, n.warning_run = $run RETURN count(*) AS written"
)
_SET_ENTERPRISE = cypher(
    "UNWIND $rows AS r MATCH (n:{Enterprise} {{id: r.key}}) "
    "SET n.warning_level = r.level, n.warning_reason = r.reason, n.warning_as_of = r.as_of, "
    "n.warning_runs_out = r.runs_out, n.warning_run = $run RETURN count(*) AS written"
)
_SET_HOLDS = cypher(
    "UNWIND $rows AS r MATCH (a:{Enterprise} {{id: r.holder}}) "
    "MATCH (a)-[x:{HOLDS} {{as_of: r.snapshot}}]->(b:{Product} {{id: r.product}}) "
    "SET x.warning_level = r.level, x.warning_reason = r.reason, x.warning_as_of = r.as_of, "
    "x.warning_runs_out = r.runs_out, x.warning_run = $run RETURN count(*) AS written"
)
_CLEAR: dict[str, LiteralString] = {
    "Product": cypher(
        "MATCH (n:{Product}) WHERE n.warning_level IS NOT NULL "
        "AND (n.warning_run IS NULL OR n.warning_run <> $run) WITH n LIMIT $limit "
        "REMOVE n.warning_level, n.warning_reason, n.warning_as_of, n.warning_runs_out, "
        "n.warning_run RETURN count(*) AS cleared"
    ),
    "Enterprise": cypher(
        "MATCH (n:{Enterprise}) WHERE n.warning_level IS NOT NULL "
        "AND (n.warning_run IS NULL OR n.warning_run <> $run) WITH n LIMIT $limit "
        "REMOVE n.warning_level, n.warning_reason, n.warning_as_of, n.warning_runs_out, "
        "n.warning_run RETURN count(*) AS cleared"
    ),
    "HOLDS": cypher(
        "MATCH (:{Enterprise})-[x:{HOLDS}]->(:{Product}) WHERE x.warning_level IS NOT NULL "
        "AND (x.warning_run IS NULL OR x.warning_run <> $run) WITH x LIMIT $limit "
        "REMOVE x.warning_level, x.warning_reason, x.warning_as_of, x.warning_runs_out, "
        "x.warning_run RETURN count(*) AS cleared"
    ),
}


@dataclass(frozen=True)
class NodeWarning:
    """The warning written on one node or snapshot: the most severe of its warnings."""

    level: Level
    reason: str
    as_of: dt.date | None
    runs_out: dt.date | None
    count: int


@dataclass(frozen=True)
class WriteSummary:
    run: str
    products: int
    enterprises: int
    holdings: int
    cleared: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "products": self.products,
            "enterprises": self.enterprises,
            "holdings": self.holdings,
            "cleared": dict(self.cleared),
        }


def summarise(warnings: Iterable[EarlyWarning]) -> NodeWarning:
    """One node's warnings as one: the worst level, its reasons most urgent first."""
    ordered = sorted(warnings, key=EarlyWarning.sort_key)
    top = ordered[0]
    reasons = [w.reason for w in ordered[:MAX_REASONS]]
    if len(ordered) > MAX_REASONS:
        reasons.append(f"and {len(ordered) - MAX_REASONS} more warning(s)")
    same_level = [w.runs_out for w in ordered if w.level == top.level and w.runs_out]
    return NodeWarning(
        top.level,
        "; ".join(reasons),
        top.as_of,
        min(same_level) if same_level else None,
        len(ordered),
    )


def node_warnings(
    report: WarningReport,
) -> tuple[
    dict[str, NodeWarning], dict[str, NodeWarning], dict[tuple[str, str, dt.date], NodeWarning]
]:
    """The warnings of each Product, Enterprise and current HOLDS snapshot."""
    products: dict[str, list[EarlyWarning]] = defaultdict(list)
    enterprises: dict[str, list[EarlyWarning]] = defaultdict(list)
    holdings: dict[tuple[str, str, dt.date], list[EarlyWarning]] = defaultdict(list)
    snap = report.snapshots
    for w in report.warnings:
        if w.subject == "product":
            products[w.product].append(w)
        if w.enterprise is not None and w.subject in ("holding", "enterprise"):
            enterprises[w.enterprise].append(w)
        if w.subject == "holding" and w.enterprise is not None:
            h = snap.holdings.get((w.enterprise, w.product))
            if h is not None:
                holdings[(w.enterprise, w.product, h.as_of)].append(w)
    return (
        {k: summarise(v) for k, v in products.items()},
        {k: summarise(v) for k, v in enterprises.items()},
        {k: summarise(v) for k, v in holdings.items()},
    )


def _row(key: Any, w: NodeWarning) -> dict[str, Any]:
    return {
        "key": key,
        "level": w.level,
        "reason": w.reason,
        "as_of": w.as_of,
        "runs_out": w.runs_out,
    }


def new_run_id() -> str:
    return f"W{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def _write(
    graph: Graph,
    cypher_text: LiteralString,
    rows: Sequence[dict[str, Any]],
    run: str,
    batch_size: int,
) -> int:
    if not rows:
        return 0
    return graph.write_batches(cypher_text, rows, batch_size=batch_size, params={"run": run})


def clear_warnings(graph: Graph, keep_run: str = "") -> dict[str, int]:
    """Remove every warning not written by ``keep_run`` (all of them with the default)."""
    cleared: dict[str, int] = {}
    for what, statement in _CLEAR.items():
        total = 0
        while True:
            rows = graph.write(statement, {"run": keep_run, "limit": _CLEAR_LIMIT})
            n = int(rows[0]["cleared"]) if rows else 0
            total += n
            if n < _CLEAR_LIMIT:
                break
        cleared[what] = total
    return cleared


def write_warnings(graph: Graph, report: WarningReport, batch_size: int = 2000) -> WriteSummary:
    """Write the report's warnings on the graph and clear those of earlier runs."""
    run = new_run_id()
    products, enterprises, holdings = node_warnings(report)
    product_rows = [_row(k, w) for k, w in sorted(products.items())]
    enterprise_rows = [_row(k, w) for k, w in sorted(enterprises.items())]
    holding_rows = []
    for (holder, product, snapshot), w in sorted(holdings.items()):
        row = _row(None, w)
        row.update(holder=holder, product=product, snapshot=snapshot)
        holding_rows.append(row)
    _write(graph, _SET_PRODUCT, product_rows, run, batch_size)
    _write(graph, _SET_ENTERPRISE, enterprise_rows, run, batch_size)
    _write(graph, _SET_HOLDS, holding_rows, run, batch_size)
    cleared = clear_warnings(graph, run)
    return WriteSummary(run, len(product_rows), len(enterprise_rows), len(holding_rows), cleared)
