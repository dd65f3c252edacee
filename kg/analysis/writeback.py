"""Write analysis results back into the graph, under the names agreed in kg/model.py.

Every write is a batched ``UNWIND $rows`` statement in managed transactions (Graph.write_batches);
identifiers come from the model through kg.cypher.render, values are parameters. Everything a
run writes carries its ``analysis_run`` id and ``analysed_at`` time; after the new results are
in, results of earlier runs are cleared: result properties on nodes the new run did not write,
SPOF_FOR and KEY_RANK_IN relationships of other runs, single-source flags on SUPPLIES. So the
graph always holds one run's results, and readers see the previous ones until the new ones
are written.

What is written:
- every Product: PRODUCT_RESULTS and PRODUCT_ANALYSIS_RESULTS, and NODE_RESULTS (a product
  can be a single point of failure of another);
- Enterprise and Region: NODE_RESULTS where there is something to say (a SPOF, a capacity
  criticality above 0, a betweenness);
- (x)-[:SPOF_FOR {path, reason, analysis_run, analysed_at}]->(p) for every SPOF of every key
  product; SUPPLIES.single_source / group_single_source where true;
- (e)-[:KEY_RANK_IN {rank, ...}]->(c) for each chain's ranked key enterprises;
- one (:AnalysisRun) node with the run's options and timings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, LiteralString, Protocol

from kg import model
from kg.connection import Graph, Row
from kg.cypher import ident, render
from kg.model import NodeType, Prop

BATCH = 2000


class Progress(Protocol):
    def start(self, description: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def stop(self) -> None: ...


def _names(props: Sequence[Prop]) -> list[str]:
    return [p.name for p in props]


PRODUCT_PROPS = _names(model.PRODUCT_RESULTS + model.PRODUCT_ANALYSIS_RESULTS + model.NODE_RESULTS)
NODE_PROPS = _names(model.NODE_RESULTS)
RUN_PROPS = _names(model.ANALYSIS_RUN)


def _set_nodes(nt: NodeType) -> LiteralString:
    return render(
        "UNWIND $rows AS r MATCH (n:{label} {{{key}: r.key}}) "
        "SET n += r.props, n.{run} = $run, n.{at} = $at",
        label=nt.label,
        key=nt.key,
        run="analysis_run",
        at="analysed_at",
    )


def _clear_nodes(nt: NodeType, props: Sequence[str]) -> LiteralString:
    removals: LiteralString = ", ".join("n." + ident(p) for p in [*props, *RUN_PROPS])
    return render(
        "MATCH (n:{label}) WHERE n.{run} IS NOT NULL AND n.{run} <> $run "
        "WITH n LIMIT 5000 REMOVE " + removals + " RETURN count(*) AS cleared",
        label=nt.label,
        run="analysis_run",
    )


def _create_spof(start: NodeType) -> LiteralString:
    return render(
        "UNWIND $rows AS r MATCH (x:{start} {{{skey}: r.node}}) "
        "MATCH (p:{P} {{{pkey}: r.product}}) "
        "CREATE (x)-[s:{T}]->(p) SET s.{path} = r.path, s.{reason} = r.reason, "
        "s.{run} = $run, s.{at} = $at",
        start=start.label,
        skey=start.key,
        P=model.PRODUCT.label,
        pkey=model.PRODUCT.key,
        T=model.SPOF_FOR_PRODUCT.type,
        path="path",
        reason="reason",
        run="analysis_run",
        at="analysed_at",
    )


def _delete_rels(rel_type: str) -> LiteralString:
    return render(
        "MATCH ()-[s:{T}]->() WHERE s.{run} IS NULL OR s.{run} <> $run "
        "WITH s LIMIT 10000 DELETE s RETURN count(*) AS cleared",
        T=rel_type,
        run="analysis_run",
    )


_SET_SUPPLIES: LiteralString = render(
    "UNWIND $rows AS r MATCH (a:{E} {{{key}: r.supplier}})-[x:{T} {{{product}: r.product}}]->"
    "(b:{E} {{{key}: r.customer}}) SET x.{single} = r.single, x.{group} = r.grouped, "
    "x.{run} = $run, x.{at} = $at",
    E=model.ENTERPRISE.label,
    key=model.ENTERPRISE.key,
    T=model.SUPPLIES.type,
    product="product",
    single="single_source",
    group="group_single_source",
    run="analysis_run",
    at="analysed_at",
)
_CLEAR_SUPPLIES: LiteralString = render(
    "MATCH ()-[x:{T}]->() WHERE x.{run} IS NOT NULL AND x.{run} <> $run "
    "WITH x LIMIT 5000 REMOVE x.{single}, x.{group}, x.{run}, x.{at} RETURN count(*) AS cleared",
    T=model.SUPPLIES.type,
    single="single_source",
    group="group_single_source",
    run="analysis_run",
    at="analysed_at",
)
_CREATE_RANK: LiteralString = render(
    "UNWIND $rows AS r MATCH (e:{E} {{{ekey}: r.enterprise}}) MATCH (c:{C} {{{ckey}: r.chain}}) "
    "CREATE (e)-[k:{T}]->(c) SET k += r.props, k.{run} = $run, k.{at} = $at",
    E=model.ENTERPRISE.label,
    ekey=model.ENTERPRISE.key,
    C=model.CHAIN.label,
    ckey=model.CHAIN.key,
    T=model.KEY_RANK_IN.type,
    run="analysis_run",
    at="analysed_at",
)
_RUN_CONSTRAINT: LiteralString = render(
    "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE",
    name="analysisrun_id_unique",
    label=model.ANALYSIS_RUN_NODE.label,
    key=model.ANALYSIS_RUN_NODE.key,
)
_SAVE_RUN: LiteralString = render(
    "MERGE (a:{label} {{{key}: $run}}) SET a += $props",
    label=model.ANALYSIS_RUN_NODE.label,
    key=model.ANALYSIS_RUN_NODE.key,
)


class Writer:
    """Writes one run's results; ``counts`` says how many rows each part wrote."""

    def __init__(
        self,
        graph: Graph,
        run_id: str,
        analysed_at: dt.datetime,
        progress: Progress | None = None,
        batch_size: int = BATCH,
    ) -> None:
        self.graph = graph
        self.params = {"run": run_id, "at": analysed_at}
        self.progress = progress
        self.batch_size = batch_size
        self.counts: dict[str, int] = {}

    def _batches(self, what: str, cypher: LiteralString, rows: list[Row]) -> None:
        if not rows:
            self.counts[what] = 0
            return
        tick: Callable[[int], None] | None = None
        if self.progress is not None:
            self.progress.start(f"writing {what}", len(rows))
            tick = self.progress.advance
        try:
            self.counts[what] = self.graph.write_batches(
                cypher, rows, batch_size=self.batch_size, params=self.params, on_batch=tick
            )
        finally:
            if self.progress is not None:
                self.progress.stop()

    def _until_done(self, cypher: LiteralString) -> int:
        total = 0
        while True:
            rows = self.graph.write(cypher, self.params)
            cleared = int(rows[0]["cleared"]) if rows else 0
            total += cleared
            if cleared == 0:
                return total

    def nodes(self, nt: NodeType, rows: list[Row], props: Sequence[str]) -> None:
        """Rows ``{key, props}``; clears the results of nodes this run did not write."""
        self._batches(nt.label, _set_nodes(nt), rows)
        self._until_done(_clear_nodes(nt, props))

    def spof(self, rows_by_kind: dict[str, list[Row]]) -> None:
        """Rows ``{node, product, path, reason}`` per failing-node kind."""
        starts = {
            "enterprise": model.ENTERPRISE,
            "region": model.REGION,
            "product": model.PRODUCT,
        }
        total = 0
        for kind, nt in starts.items():
            self._batches(f"SPOF_FOR from {nt.label}", _create_spof(nt), rows_by_kind.get(kind, []))
            total += self.counts[f"SPOF_FOR from {nt.label}"]
        self.counts["SPOF_FOR"] = total
        self._until_done(_delete_rels(model.SPOF_FOR_PRODUCT.type))

    def supplies(self, rows: list[Row]) -> None:
        """Rows ``{supplier, customer, product, single, grouped}`` (only true flags)."""
        self._batches("SUPPLIES flags", _SET_SUPPLIES, rows)
        self._until_done(_CLEAR_SUPPLIES)

    def key_ranks(self, rows: list[Row]) -> None:
        """Rows ``{enterprise, chain, props}``."""
        self._batches("KEY_RANK_IN", _CREATE_RANK, rows)
        self._until_done(_delete_rels(model.KEY_RANK_IN.type))

    def run_record(self, props: dict[str, Any]) -> None:
        self.graph.run_schema([_RUN_CONSTRAINT])
        clean = {
            k: (json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
            for k, v in props.items()
            if v is not None
        }
        self.graph.write(_SAVE_RUN, {"run": self.params["run"], "props": clean})
