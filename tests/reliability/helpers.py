"""Shared by the reliability suite: a graph fingerprint that ignores (:Load) records."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from kg.connection import Graph

CANONICAL = Path(__file__).parent.parent / "data" / "canonical"
BASE_FILES = ("regions.csv", "chains.csv", "enterprises.csv", "products.csv")


def fingerprint(graph: Graph) -> str:
    """A digest of every node but (:Load) records, and every relationship, with properties."""
    nodes = graph.query(
        "MATCH (n) WHERE NOT n:Load RETURN labels(n) AS labels, properties(n) AS props"
    )
    rels = graph.query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, properties(r) AS props, "
        "properties(a) AS a, properties(b) AS b"
    )
    items = sorted(json.dumps(x, sort_keys=True, default=str) for x in [*nodes, *rels])
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def local_only() -> None:
    if os.environ.get("SUPPLYMAP_TEST_URI"):
        pytest.skip("about the local engine; an external server is not managed by supplymap")
