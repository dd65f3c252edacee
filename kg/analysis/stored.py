"""What earlier analysis runs stored in the graph, read beside the projection.

The write-back compares each new result with the stored one and writes only the difference
(kg/analysis/writeback.py). Every stored result row carries ``analysis_digest``, a 64-bit hash
of its values (kg/analysis/digest.py), so these reads fetch, per key range of start nodes,
the identity and digest of every analysed Product, Enterprise and Region, every SPOF_FOR and
KEY_RANK_IN relationship, and every SUPPLIES relationship with single-source flags: one
value per row instead of its 2-26 properties. ``read_raw(graph, stored=True)`` runs them in
the same pass as the projection's own reads.

A row written before digests existed, or whose digest was removed, has none and is written
again. A value edited by hand keeps its row's old digest, so only a verifying run
(``verify=True``: ``STORED_VALUE_READS``, every stored value, hashed here) sees and repairs it.
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
DIGEST: LiteralString = "analysis_digest"
StoredRows = dict[str, list[Sequence[Any]]]


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


def digests_of_values(values: StoredRows) -> StoredRows:
    """Rows read by ``STORED_VALUE_READS`` as ``STORED_READS`` gives them: [identity...,
    digest of the values]. SUPPLIES relationships without flags count as none stored."""
    from kg.analysis.digest import row_digests

    out: StoredRows = {}
    for part, rows in values.items():
        width, props = PARTS[part]
        if part == FLAGS:
            rows = [r for r in rows if any(v is not None for v in r[width:])]
        hashes = row_digests(rows, props, skip=width)
        out[part] = [[*r[:width], h] for r, h in zip(rows, hashes, strict=True)]
    return out


def read_stored(graph: Graph, verify: bool = False) -> StoredRows:
    """The stored results alone (when the projection was read without them)."""
    if verify:
        return digests_of_values(read_rows(graph, STORED_VALUE_READS))
    return read_rows(graph, STORED_READS)
