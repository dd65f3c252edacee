"""What earlier analysis runs stored in the graph, read beside the projection.

The write-back compares each new result with the stored one and writes only the difference
(kg/analysis/writeback.py). These reads fetch, per key range of start nodes, the result
properties of every analysed Product, Enterprise and Region, every SPOF_FOR and KEY_RANK_IN
relationship, and the single-source flags of every SUPPLIES relationship. ``read_raw(graph,
stored=True)`` runs them in the same pass as the projection's own reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from kg import model
from kg.analysis.reads import KeyRangeRead, read_rows
from kg.connection import Graph
from kg.model import NodeType, Prop

RUN: LiteralString = "analysis_run"
AT: LiteralString = "analysed_at"
StoredRows = dict[str, list[Sequence[Any]]]


def _names(props: Sequence[Prop]) -> list[str]:
    return [p.name for p in props]


PRODUCT_PROPS = _names(model.PRODUCT_RESULTS + model.PRODUCT_ANALYSIS_RESULTS + model.NODE_RESULTS)
NODE_PROPS = _names(model.NODE_RESULTS)
RUN_PROPS = _names(model.ANALYSIS_RUN)
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


def _rel_read(start: NodeType, rel: str, end: NodeType, props: Sequence[str]) -> KeyRangeRead:
    cols, ids = _columns("r", props)
    return KeyRangeRead(
        start,
        "MATCH (s)-[r:{T}]->(b:{B})",
        "s.{key}, b.{bkey}, " + cols,
        (*ids, ("T", rel), ("B", end.label), ("bkey", end.key)),
    )


def node_part(nt: NodeType) -> str:
    return nt.label


def spof_part(kind: str) -> str:
    return f"SPOF_FOR from {SPOF_STARTS[kind].label}"


STORED_READS: dict[str, KeyRangeRead] = {
    node_part(model.PRODUCT): _node_read(model.PRODUCT, PRODUCT_PROPS),
    node_part(model.ENTERPRISE): _node_read(model.ENTERPRISE, NODE_PROPS),
    node_part(model.REGION): _node_read(model.REGION, NODE_PROPS),
    **{
        spof_part(kind): _rel_read(nt, model.SPOF_FOR_PRODUCT.type, model.PRODUCT, SPOF_PROPS)
        for kind, nt in SPOF_STARTS.items()
    },
    "KEY_RANK_IN": _rel_read(model.ENTERPRISE, model.KEY_RANK_IN.type, model.CHAIN, RANK_PROPS),
    "SUPPLIES flags": _rel_read(
        model.ENTERPRISE, model.SUPPLIES.type, model.ENTERPRISE, ["product", *FLAG_PROPS]
    ),
}


def read_stored(graph: Graph) -> StoredRows:
    """The stored results alone (when the projection was read without them)."""
    return read_rows(graph, STORED_READS)
