"""Reading the graph in key ranges: the one way the analyses fetch their rows.

A ``KeyRangeRead`` is a statement over the nodes of one label whose keys fall in a range:
``MATCH (s:Label) WHERE s.key >= $lo AND s.key < $hi <pattern> RETURN collect([<row>])``.
Each query returns its rows as one list (far fewer Bolt records than one per row), and
``read_rows`` runs the ranges of every read on a few connections at once, so the engine's
work on one range overlaps the client's decoding of another. Identifiers come from the model
(kg.cypher.render); values travel as parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, LiteralString

from kg.connection import Graph
from kg.cypher import render
from kg.model import NodeType

CHUNK = 20_000  # start nodes per read query
READ_WORKERS = 2  # read queries under way at once (connections)


@dataclass(frozen=True)
class KeyRangeRead:
    """Rows of ``row`` per node ``s`` of ``start`` (after ``pattern``)."""

    start: NodeType
    pattern: LiteralString  # e.g. "MATCH (s)-[r:{T}]->(b:{B})"; "" for node reads
    row: LiteralString  # the values of one row, e.g. "s.{key}, b.{bkey}, r.{qty}"
    ids: tuple[tuple[str, str], ...]  # identifiers for the templates

    def statements(self) -> tuple[LiteralString, LiteralString]:
        """(bounded, open-ended) statements over a key range [$lo, $hi) of start nodes."""
        ids = {"S": self.start.label, "key": self.start.key, **dict(self.ids)}
        tail: LiteralString = " " + self.pattern + " RETURN collect([" + self.row + "]) AS rows"
        bounded = render("MATCH (s:{S}) WHERE s.{key} >= $lo AND s.{key} < $hi" + tail, **ids)
        open_ended = render("MATCH (s:{S}) WHERE s.{key} >= $lo" + tail, **ids)
        return bounded, open_ended


def _keys_query(nt: NodeType) -> LiteralString:
    return render("MATCH (n:{L}) RETURN collect(n.{key}) AS keys", L=nt.label, key=nt.key)


def read_rows(
    graph: Graph, reads: Mapping[str, KeyRangeRead], workers: int = READ_WORKERS
) -> dict[str, list[Sequence[Any]]]:
    """Rows of every read, one query per ``CHUNK`` start nodes, on ``workers`` connections
    at once; each read's rows come back in key-range order whatever the timing."""
    labels = sorted({read.start.label: read.start for read in reads.values()}.items())
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        found = pool.map(lambda nt: graph.value(_keys_query(nt)) or [], [nt for _, nt in labels])
        starts = {
            label: sorted(str(k) for k in keys)[::CHUNK]
            for (label, _), keys in zip(labels, found, strict=True)
        }
        jobs: list[tuple[str, LiteralString, dict[str, Any]]] = []
        for name, read in reads.items():
            bounded, open_ended = read.statements()
            lows = starts[read.start.label]
            for i, lo in enumerate(lows):
                if i + 1 < len(lows):
                    jobs.append((name, bounded, {"lo": lo, "hi": lows[i + 1]}))
                else:
                    jobs.append((name, open_ended, {"lo": lo}))
        parts = pool.map(lambda job: graph.value(job[1], job[2]) or [], jobs)
        out: dict[str, list[Sequence[Any]]] = {name: [] for name in reads}
        for (name, _, _), rows in zip(jobs, parts, strict=True):
            out[name].extend(rows)
    return out
