"""The analyses on Willems (2008) chain 38, 2,025 stages: checked against the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from willems_checks import (  # noqa: F401 (the shared tests run here)
    DATA,
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
    return DATA / "willems_38.csv"


@pytest.fixture(scope="module")
def loaded(graph: Graph, path: Path) -> Graph:
    return load(graph, path, write=False)  # ~100k SPOF_FOR links: not written in tests


@pytest.fixture(scope="module")
def ctx(loaded: Graph) -> Context:
    return Context(project(loaded))
