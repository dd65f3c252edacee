"""SUPPLIES flags: exactly the flagged triples' relationships get them, per supplier or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kg.analysis.stored import Stored
from kg.analysis.writeback import Writer
from kg.connection import Graph

pytestmark = pytest.mark.integration

AT = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)

# (supplier, customer, product), one relationship each; S1 -> C1 for P1 twice
LINKS = [
    ("S1", "C1", "P1"),
    ("S1", "C1", "P1"),
    ("S1", "C1", "P2"),
    ("S1", "C2", "P1"),
    ("S1", "C2", "P3"),
    ("S2", "C1", "P1"),
    ("S2", "C2", "P2"),
]


def _graph_with(graph: Graph, ids: dict[str, Any]) -> None:
    """Enterprises keyed ``ids[name]`` and the SUPPLIES of LINKS between them."""
    graph.write("MATCH (n) DETACH DELETE n")
    graph.write(
        "UNWIND $ids AS id CREATE (:Enterprise {id: id})", {"ids": sorted(ids.values(), key=str)}
    )
    graph.write(
        "UNWIND $rows AS r MATCH (a:Enterprise {id: r[0]}) MATCH (b:Enterprise {id: r[1]}) "
        "CREATE (a)-[:SUPPLIES {product: r[2], share: 1.0}]->(b)",
        {"rows": [[ids[a], ids[b], p] for a, b, p in LINKS]},
    )


def _stored_flags(graph: Graph) -> list[tuple[Any, ...]]:
    rows = graph.query(
        "MATCH (a:Enterprise)-[x:SUPPLIES]->(b:Enterprise) RETURN a.id AS a, b.id AS b, "
        "x.product AS p, x.single_source AS s, x.group_single_source AS g, "
        "x.analysis_digest IS NOT NULL AS d, x.analysis_run AS run"
    )
    return sorted((r["a"], r["b"], r["p"], r["s"], r["g"], r["d"], r["run"]) for r in rows)


@pytest.mark.parametrize("keys", ["strings", "numbers"])
def test_flags_land_on_exactly_the_flagged_relationships(graph: Graph, keys: str) -> None:
    names = ["S1", "S2", "C1", "C2"]
    ids: dict[str, Any] = {n: (n if keys == "strings" else 100 + i) for i, n in enumerate(names)}
    _graph_with(graph, ids)
    flagged = {
        ("S1", "C1", "P1"): [True, True],
        ("S1", "C2", "P3"): [False, True],
        ("S2", "C2", "P2"): [True, False],
    }
    writer = Writer(graph, "A1", AT, Stored(), batch_size=2)  # one supplier a batch
    writer.supplies({(ids[a], ids[b], p): v for (a, b, p), v in flagged.items()})
    writer.close()
    assert writer.counts["SUPPLIES flags"] == 3

    expected = []
    for a, b, p in LINKS:
        values = flagged.get((a, b, p))
        if values is None:
            expected.append((ids[a], ids[b], p, None, None, False, None))
        else:
            expected.append((ids[a], ids[b], p, *values, True, "A1"))
    assert _stored_flags(graph) == sorted(expected)
