"""Reading the graph: whole reads returned as columns, and reads in key ranges.

The projection (kg/analysis/projection.py) is read with ``ColumnRead``s: one statement per
label or relationship type, ``MATCH ... RETURN [collect(c0), collect(c1), ...]``, so each
read comes back as one record of a few long lists of plain values (decoding columns cost the
client a quarter of what rows of lists did, 0.18 against 0.67 s of CPU for 334k INPUT_TO
rows at 1M). ``collect`` drops nulls, so every column is an expression that never is null:
an element id, a key (nodes without one are not read), ``coalesce(prop, $nan)`` for a
number and ``coalesce(prop, $blank)`` for text (``COLUMN_PARAMS``; the projection reads
NaN and "" as unknown, as it did nulls), or a test (``x IS NOT NULL``). Relationship ends are
returned as ``elementId``: the engine need not load the end node to give its key (on the
local engine 2.2-2.6 s of CPU against 3.5-4.2 for INPUT_TO's keys), and the projection maps
them to the nodes it read, within one run (element ids are opaque handles, never stored).
``read_columns`` runs the reads on a few connections at once, largest first.

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
NO_DIGEST = 0  # what a digest column holds where none is stored (its IS NOT NULL says so)
COLUMN_PARAMS: dict[str, Any] = {"nan": float("nan"), "blank": "", "nodigest": NO_DIGEST}


@dataclass(frozen=True)
class ColumnRead:
    """``match`` then one column per expression of ``columns`` (never null, see above)."""

    match: LiteralString  # e.g. "MATCH (s:{S})-[r:{T}]->(b:{B})"
    columns: tuple[LiteralString, ...]  # e.g. ("elementId(s)", "coalesce(r.{qty}, $nan)")
    ids: tuple[tuple[str, str], ...]  # identifiers for the templates

    def statement(self) -> LiteralString:
        cols: LiteralString = ", ".join("collect(" + c + ")" for c in self.columns)
        return render(self.match + " RETURN [" + cols + "] AS cols", **dict(self.ids))


def read_columns(
    graph: Graph,
    reads: Mapping[str, ColumnRead],
    workers: int = READ_WORKERS,
    values: Mapping[str, tuple[LiteralString, Mapping[str, Any]]] | None = None,
) -> tuple[dict[str, list[list[Any]]], dict[str, Any]]:
    """The columns of every read (in the order given: put the largest first), and the value
    of each statement of ``values`` (``Graph.value``), all on ``workers`` connections."""
    jobs: list[tuple[str, LiteralString, Mapping[str, Any]]] = [
        (name, read.statement(), COLUMN_PARAMS) for name, read in reads.items()
    ]
    jobs += [(name, cypher, params) for name, (cypher, params) in (values or {}).items()]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        found = list(pool.map(lambda job: graph.value(job[1], job[2]), jobs))
    columns: dict[str, list[list[Any]]] = {}
    for (name, _, _), value in zip(jobs[: len(reads)], found[: len(reads)], strict=True):
        width = len(reads[name].columns)
        columns[name] = list(value) if value else [[] for _ in range(width)]
    rest = {
        name: value
        for (name, _, _), value in zip(jobs[len(reads) :], found[len(reads) :], strict=True)
    }
    return columns, rest


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
