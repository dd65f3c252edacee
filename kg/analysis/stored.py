"""What earlier analysis runs stored in the graph, read beside the projection.

The write-back compares each new result with the stored one and writes only the difference
(kg/analysis/writeback.py). Every stored result row carries ``analysis_digest``, a 64-bit hash
of its values (kg/analysis/digest.py). How a run learns what is stored, per part:

- Node results (Product, Enterprise, Region) and SUPPLIES flags: their digests are read as
  extra columns of the projection's own reads of those nodes and relationships
  (``with_stored_columns``), which load those records anyway: nearly free, and exact.
- SPOF_FOR (per kind of failing node) and KEY_RANK_IN, relationships the projection does not
  read: each run records, on its ``(:AnalysisRun)`` node, every such part's row count and
  *part digest* (kg/analysis/digest.py ``part_digest``: one 64-bit digest of all its rows'
  identities and digests). The next run reads the latest run's record and the number of
  SPOF_FOR and KEY_RANK_IN relationships in the graph; a part whose new rows have the
  recorded count and part digest, while the graph holds as many relationships of its type
  as recorded, is unchanged and not read at all. Any other part (changed results, a
  relationship added or deleted by hand, no valid record) has its stored identities and
  digests read (``STORED_READS``) and compared row by row, as before. A run writes its
  ``(:AnalysisRun)`` node (without a record) before its first row, so a run that fails
  half-way leaves the latest record invalid, and the next run reads every part.

A row written before digests existed, or whose digest was removed, has none and is written
again (node results and flags: at once; SPOF_FOR and KEY_RANK_IN: when their part is read).
A value edited by hand keeps its row's old digest, so only a verifying run
(``verify=True``: ``STORED_VALUE_READS``, every stored value of every part, hashed here) sees
and repairs it, and the same holds for a digest removed from a relationship of an unchanged
SPOF_FOR or KEY_RANK_IN part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kg import model
from kg.analysis.digest import stored_array
from kg.analysis.reads import ColumnRead, KeyRangeRead, read_columns, read_rows
from kg.connection import Graph
from kg.cypher import render
from kg.model import NodeType, Prop

if TYPE_CHECKING:
    from kg.analysis.projection import RawGraph

RUN: LiteralString = "analysis_run"
AT: LiteralString = "analysed_at"
DIGEST: LiteralString = "analysis_digest"
PARTS_PROP: LiteralString = "parts"  # the (:AnalysisRun) record of the RECORDED parts, JSON


def _names(props: Sequence[Prop]) -> list[str]:
    return [p.name for p in props]


PRODUCT_PROPS = _names(model.PRODUCT_RESULTS + model.PRODUCT_ANALYSIS_RESULTS + model.NODE_RESULTS)
NODE_PROPS = _names(model.NODE_RESULTS)
RUN_PROPS = _names(model.ANALYSIS_RUN)
STAMP_PROPS = [*RUN_PROPS, DIGEST]  # what every written row carries beside its results
SPOF_PROPS = ["path", "reason"]
RANK_PROPS = [p.name for p in model.KEY_RANK_IN.props if p.name not in RUN_PROPS]
FLAG_PROPS = ["single_source", "group_single_source"]
SPOF_STARTS = {"product": model.PRODUCT, "enterprise": model.ENTERPRISE, "region": model.REGION}


def _columns(var: str, props: Sequence[str]) -> tuple[LiteralString, tuple[tuple[str, str], ...]]:
    """``var.{p0}, var.{p1}, ...`` and the identifiers that fill it."""
    row: LiteralString = ", ".join(var + ".{p" + str(i) + "}" for i in range(len(props)))
    return row, tuple((f"p{i}", name) for i, name in enumerate(props))


def _node_read(nt: NodeType, props: Sequence[str]) -> KeyRangeRead:
    cols, ids = _columns("s", props)
    return KeyRangeRead(
        nt, "WITH s WHERE s.{run} IS NOT NULL", "s.{key}, " + cols, (*ids, ("run", RUN))
    )


def _rel_read(
    start: NodeType, rel: str, end: NodeType, props: Sequence[str], stamped: bool = False
) -> KeyRangeRead:
    """With ``stamped``, only relationships an analysis run wrote to."""
    cols, ids = _columns("r", props)
    where: LiteralString = " WHERE r.{run} IS NOT NULL" if stamped else ""
    return KeyRangeRead(
        start,
        "MATCH (s)-[r:{T}]->(b:{B})" + where,
        "s.{key}, b.{bkey}, " + cols,
        (*ids, ("T", rel), ("B", end.label), ("bkey", end.key), ("run", RUN)),
    )


def node_part(nt: NodeType) -> str:
    return nt.label


def spof_part(kind: str) -> str:
    return f"SPOF_FOR from {SPOF_STARTS[kind].label}"


FLAGS = "SUPPLIES flags"
# part -> (identity columns of a stored row, the properties its digest covers)
PARTS: dict[str, tuple[int, list[str]]] = {
    node_part(model.PRODUCT): (1, PRODUCT_PROPS),
    node_part(model.ENTERPRISE): (1, NODE_PROPS),
    node_part(model.REGION): (1, NODE_PROPS),
    **{spof_part(kind): (2, SPOF_PROPS) for kind in SPOF_STARTS},
    "KEY_RANK_IN": (2, RANK_PROPS),
    FLAGS: (3, FLAG_PROPS),
}


def _reads(digest: bool) -> dict[str, KeyRangeRead]:
    """Per part: rows of [identity..., digest] (``digest``) or [identity..., values...]."""

    def props(part: str) -> list[str]:
        return [DIGEST] if digest else PARTS[part][1]

    flags = props(FLAGS)
    return {
        **{
            node_part(nt): _node_read(nt, props(node_part(nt)))
            for nt in (model.PRODUCT, model.ENTERPRISE, model.REGION)
        },
        **{
            spof_part(kind): _rel_read(
                nt, model.SPOF_FOR_PRODUCT.type, model.PRODUCT, props(spof_part(kind))
            )
            for kind, nt in SPOF_STARTS.items()
        },
        "KEY_RANK_IN": _rel_read(
            model.ENTERPRISE, model.KEY_RANK_IN.type, model.CHAIN, props("KEY_RANK_IN")
        ),
        FLAGS: _rel_read(
            model.ENTERPRISE,
            model.SUPPLIES.type,
            model.ENTERPRISE,
            ["product", *flags],
            stamped=digest,
        ),
    }


STORED_READS: dict[str, KeyRangeRead] = _reads(digest=True)
STORED_VALUE_READS: dict[str, KeyRangeRead] = _reads(digest=False)
# the parts whose count and part digest each run records (relationships the projection
# does not read), by the relationship type whose count tells whether the record holds
RECORDED: dict[str, str] = {
    **{spof_part(kind): model.SPOF_FOR_PRODUCT.type for kind in SPOF_STARTS},
    "KEY_RANK_IN": model.KEY_RANK_IN.type,
}
NODE_PARTS: dict[str, NodeType] = {
    "products": model.PRODUCT,
    "enterprises": model.ENTERPRISE,
    "regions": model.REGION,
}  # the projection's node reads that carry a part's digests


@dataclass
class StoredPart:
    """One part's stored rows: identity columns, and each row's digest (where ``has``)."""

    identity: list[list[Any]]
    digest: NDArray[np.int64]
    has: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.digest)

    @classmethod
    def empty(cls, width: int) -> StoredPart:
        return cls([[] for _ in range(width)], np.zeros(0, np.int64), np.zeros(0, bool))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], width: int) -> StoredPart:
        """Rows of [identity (``width`` items)..., digest or None]."""
        if not rows:
            return cls.empty(width)
        columns = [list(c) for c in zip(*rows, strict=True)]
        digest, has = stored_array(columns[width])
        return cls(columns[:width], digest, has)


_LATEST_RECORD: LiteralString = render(
    "MATCH (a:{label}) WITH a ORDER BY a.started_at DESC LIMIT 1 RETURN [a.{parts}]",
    label=model.ANALYSIS_RUN_NODE.label,
    parts=PARTS_PROP,
)


def _count(rel: str) -> LiteralString:
    return render("MATCH ()-[r:{T}]->() RETURN count(r)", T=rel)


def record_reads() -> dict[str, tuple[LiteralString, Mapping[str, Any]]]:
    """The statements a run reads beside the projection to know the recorded parts: the
    latest run's record and the number of relationships of each recorded type."""
    out: dict[str, tuple[LiteralString, Mapping[str, Any]]] = {"record": (_LATEST_RECORD, {})}
    for rel in sorted(set(RECORDED.values())):
        out[f"count {rel}"] = (_count(rel), {})
    return out


def with_stored_columns(reads: Mapping[str, ColumnRead]) -> dict[str, ColumnRead]:
    """The projection's reads with the digests of what is stored as extra columns: every
    analysed node's ``analysis_digest`` (and whether it has one), and every SUPPLIES
    relationship's stamp and digest."""
    digest: tuple[LiteralString, ...] = (
        "coalesce(s.{digest}, $nodigest)",
        "s.{digest} IS NOT NULL",
    )
    flags: tuple[LiteralString, ...] = (
        "r.{run} IS NOT NULL",
        "coalesce(r.{digest}, $nodigest)",
        "r.{digest} IS NOT NULL",
    )
    out = dict(reads)
    ids = (("digest", DIGEST), ("run", RUN))
    for name in NODE_PARTS:
        read = reads[name]
        out[name] = ColumnRead(read.match, (*read.columns, *digest), (*read.ids, *ids))
    read = reads["supplies"]
    out["supplies"] = ColumnRead(read.match, (*read.columns, *flags), (*read.ids, *ids))
    return out


class Stored:
    """What a run knows of the stored results: parts read (``parts``), and for the
    ``RECORDED`` parts the latest run's record and the relationship counts that say whether
    it still holds; ``part`` reads a recorded part's rows only when it must."""

    def __init__(
        self,
        graph: Graph | None = None,
        parts: dict[str, StoredPart] | None = None,
        record: dict[str, tuple[int, int]] | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        self.graph = graph
        self.parts = dict(parts or {})
        self.record = record
        self.counts = dict(counts or {})

    def holds(self, part: str, rows: int, digest: int) -> bool:
        """Whether the graph is known to hold exactly ``rows`` rows of part digest ``digest``
        for ``part`` (from the latest record), without reading them."""
        if part in self.parts or part not in RECORDED or self.record is None:
            return False
        rel = RECORDED[part]
        recorded = [self.record.get(p) for p, r in RECORDED.items() if r == rel]
        if any(r is None for r in recorded) or self.counts.get(rel) != sum(
            r[0] for r in recorded if r is not None
        ):
            return False
        return self.record[part] == (rows, digest)

    def part(self, part: str) -> StoredPart:
        """The stored rows of ``part`` (read now if they were not read with the graph)."""
        if part in self.parts:
            return self.parts[part]
        width = PARTS[part][0]
        if self.graph is None or (part in RECORDED and self.counts.get(RECORDED[part]) == 0):
            return StoredPart.empty(width)  # none of its type in the graph
        rows = read_rows(self.graph, {part: STORED_READS[part]}, workers=1)[part]
        return StoredPart.from_rows(rows, width)


def _record(value: Any) -> dict[str, tuple[int, int]] | None:
    """The parts of a run record's JSON, or None (no run yet, or one without a record)."""
    if not value or not value[0]:
        return None
    try:
        parts = json.loads(value[0])
        return {str(k): (int(v[0]), int(v[1])) for k, v in parts.items()}
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def _node_part(keys: Sequence[Any], digest: Sequence[Any], has: Sequence[Any]) -> StoredPart:
    have = np.asarray(has, dtype=bool)
    rows = np.flatnonzero(have).tolist()
    return StoredPart(
        [[str(keys[i]) for i in rows]],
        np.asarray(digest, dtype=np.int64)[have] if len(rows) else np.zeros(0, np.int64),
        np.ones(len(rows), dtype=bool),
    )


def _flag_part(eids: Sequence[Any], keys: Sequence[Any], columns: list[list[Any]]) -> StoredPart:
    """Stamped SUPPLIES relationships (ends by element id) as rows of (supplier, customer,
    product)."""
    a, b, product = columns[0], columns[1], columns[2]
    stamped, digest, has = columns[-3], columns[-2], columns[-1]
    rows = np.flatnonzero(np.asarray(stamped, dtype=bool))
    if not len(rows):
        return StoredPart.empty(3)
    by_eid = pd.Index(eids, dtype=object)
    key_of = np.asarray(keys, dtype=object)

    def ends(col: list[Any]) -> list[Any]:
        at = by_eid.get_indexer(pd.Index([col[i] for i in rows.tolist()], dtype=object))
        return [None if p < 0 else key_of[p] for p in at.tolist()]

    products = [product[i] if product[i] != "" else None for i in rows.tolist()]
    return StoredPart(
        [ends(a), ends(b), products],
        np.asarray(digest, dtype=np.int64)[rows],
        np.asarray(has, dtype=bool)[rows],
    )


def stored_from_reads(
    graph: Graph,
    raw: RawGraph,
    columns: Mapping[str, list[list[Any]]],
    values: Mapping[str, Any],
    verify: bool,
) -> Stored:
    """What is stored, from the columns ``with_stored_columns`` added and the values of
    ``record_reads``; with ``verify``, every part's values read and hashed instead."""
    if verify:
        return Stored(graph, digests_of_values(read_rows(graph, STORED_VALUE_READS)))
    parts: dict[str, StoredPart] = {}
    for name, nt in NODE_PARTS.items():
        cols = columns[name]
        parts[node_part(nt)] = _node_part(cols[1], cols[-2], cols[-1])
    assert raw.element_ids is not None
    enterprises = columns["enterprises"]
    parts[FLAGS] = _flag_part(
        raw.element_ids[model.ENTERPRISE.label], enterprises[1], columns["supplies"]
    )
    counts = {rel: int(values[f"count {rel}"] or 0) for rel in set(RECORDED.values())}
    return Stored(graph, parts, _record(values.get("record")), counts)


def digests_of_values(values: dict[str, list[Sequence[Any]]]) -> dict[str, StoredPart]:
    """Rows read by ``STORED_VALUE_READS`` as parts: identity and the digest of the values.
    SUPPLIES relationships without flags count as none stored."""
    from kg.analysis.digest import row_digests

    out: dict[str, StoredPart] = {}
    for part, rows in values.items():
        width, props = PARTS[part]
        if part == FLAGS:
            rows = [r for r in rows if any(v is not None for v in r[width:])]
        hashes = row_digests(rows, props, skip=width)
        out[part] = StoredPart.from_rows(
            [[*r[:width], h] for r, h in zip(rows, hashes, strict=True)], width
        )
    return out


def read_stored(graph: Graph, verify: bool = False) -> Stored:
    """The stored results alone (when the projection was read without them)."""
    if verify:
        return Stored(graph, digests_of_values(read_rows(graph, STORED_VALUE_READS)))
    upfront = {p: r for p, r in STORED_READS.items() if p not in RECORDED}
    rows = read_rows(graph, upfront)
    _, values = read_columns(graph, {}, values=record_reads())
    counts = {rel: int(values[f"count {rel}"] or 0) for rel in set(RECORDED.values())}
    parts = {p: StoredPart.from_rows(r, PARTS[p][0]) for p, r in rows.items()}
    return Stored(graph, parts, _record(values.get("record")), counts)
