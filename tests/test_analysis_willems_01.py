"""The analyses on Willems (2008) chain 01, checked against the file (see willems_checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from willems_checks import (  # noqa: F401 (the shared tests run here)
    DATA,
    closure,
    feeds,
    load,
    test_bom_depth_equals_the_files_stage_depth,
    test_every_end_item_depends_on_its_whole_upstream,
    test_no_stage_is_reported_as_a_single_source,
    test_tiers_above_retail_equal_the_files_distances,
)

from kg.analysis import Context, project
from kg.connection import Graph

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def path() -> Path:
    return DATA / "willems_01.csv"


@pytest.fixture(scope="module")
def loaded(graph: Graph, path: Path) -> Graph:
    return load(graph, path, write=True)


@pytest.fixture(scope="module")
def ctx(loaded: Graph) -> Context:
    return Context(project(loaded))


def test_results_are_written_back(loaded: Graph, path: Path) -> None:
    up = feeds(path)
    rows = loaded.query(
        "MATCH (p:Product)-[:IN_CHAIN]->(:Chain {id: 'willems_01'}) "
        "RETURN p.id AS id, p.bom_depth AS depth, p.key_product AS key, p.spof_count AS n, "
        "p.sourcing AS sourcing"
    )
    w = "willems_01:"
    assert {r["id"]: (r["depth"], r["key"], r["n"], r["sourcing"]) for r in rows} == {
        w + "Part_0001": (0, False, None, "unknown"),
        w + "Part_0002": (0, False, None, "unknown"),
        w + "Part_0003": (0, False, None, "unknown"),
        w + "Manuf_0001": (1, False, None, "unknown"),
        w + "Manuf_0002": (1, False, None, "unknown"),
        w + "Retail_0001": (2, True, len(closure(up, w + "Retail_0001")), "unknown"),
        w + "Retail_0002": (2, True, len(closure(up, w + "Retail_0002")), "unknown"),
        w + "Retail_0003": (2, True, len(closure(up, w + "Retail_0003")), "unknown"),
    }
    links = loaded.query(
        "MATCH (x:Product)-[s:SPOF_FOR]->(:Product {id: $id}) RETURN x.id AS x",
        {"id": w + "Retail_0002"},
    )
    assert {r["x"] for r in links} == {
        w + "Manuf_0001",
        w + "Manuf_0002",
        w + "Part_0001",
        w + "Part_0002",
        w + "Part_0003",
    }
