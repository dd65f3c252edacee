"""Real data: Willems (2008) chain 38 through the `willems` mapping, and tier lookups on it."""

from __future__ import annotations

import csv
import json
from collections import deque
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.tiers import tiers
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"


def arcs_of(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Stages and (upstream, downstream) arcs read straight from the file."""
    stages, arcs = set(), set()
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            if not row:
                continue
            stages.add(row[0])
            tail = row[8:]
            arcs.update((tail[i], row[0]) for i in range(0, len(tail) - 1, 2))
    return stages, arcs


def tiers_from_file(arcs: set[tuple[str, str]], root: str, depth: int) -> dict[str, int]:
    upstream: dict[str, set[str]] = {}
    for a, b in arcs:
        upstream.setdefault(b, set()).add(a)
    seen = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for up in upstream.get(node, ()):
            if up not in seen:
                seen[up] = seen[node] + 1
                queue.append(up)
    del seen[root]
    return seen


@pytest.fixture(scope="module")
def chain38(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(
        [DATA / "willems_38.csv", DATA / "willems_01.csv"], LoadOptions(mapping="willems")
    )
    assert [r.status for r in reports] == ["completed", "completed"]
    return graph


def test_stage_and_arc_counts_equal_the_file(chain38: Graph) -> None:
    stages, arcs = arcs_of(DATA / "willems_38.csv")
    assert (len(stages), len(arcs)) == (2025, 16225)
    n = chain38.query(
        "MATCH (p:Product)-[:IN_CHAIN]->(:Chain {id: 'willems_38'}) RETURN count(p) AS c"
    )[0]["c"]
    m = chain38.query(
        "MATCH (:Product)-[r:INPUT_TO]->(:Product)-[:IN_CHAIN]->(:Chain {id: 'willems_38'}) "
        "RETURN count(r) AS c"
    )[0]["c"]
    assert (n, m) == (2025, 16225)


def test_chains_do_not_merge_although_stage_ids_repeat(chain38: Graph) -> None:
    rows = chain38.query(
        "MATCH (p:Product {name: 'Part_0001'})-[:IN_CHAIN]->(c:Chain) RETURN p.id AS id, c.id AS c"
    )
    assert {(r["id"], r["c"]) for r in rows} == {
        ("willems_38:Part_0001", "willems_38"),
        ("willems_01:Part_0001", "willems_01"),
    }


def test_stage_classes_become_categories(chain38: Graph) -> None:
    rows = chain38.query(
        "MATCH (p:Product)-[:IN_CHAIN]->(:Chain {id: 'willems_38'}) "
        "RETURN p.stage_type AS t, p.category AS c, count(*) AS n"
    )
    mapping = {(r["t"], r["c"]) for r in rows}
    assert (
        mapping
        == {
            ("Part", "raw material"),
            ("Manuf", "component"),
            ("Trans", "component"),
            ("Dist", "final"),
            ("Retail", "final"),
        }
        & mapping
    )
    assert ("Retail", "final") in mapping and ("Part", "raw material") in mapping


def test_tier_lookup_matches_a_walk_of_the_file(chain38: Graph) -> None:
    _, arcs = arcs_of(DATA / "willems_38.csv")
    expected = tiers_from_file(arcs, "Retail_0001", 3)
    hits = tiers(chain38, "willems_38:Retail_0001", "upstream", 3)
    assert {h.id.split(":", 1)[1]: h.tier for h in hits} == expected
    for hit in hits:
        assert hit.path[-1] == "willems_38:Retail_0001" and len(hit.path) == hit.tier + 1
        for a, b in zip(hit.path, hit.path[1:], strict=False):
            assert (a.split(":", 1)[1], b.split(":", 1)[1]) in arcs


def test_customers_go_downstream(chain38: Graph) -> None:
    hits = tiers(chain38, "willems_01:Part_0001", "downstream", 5)
    assert {(h.id, h.tier) for h in hits} >= {("willems_01:Manuf_0001", 1)}
    assert all(h.path[0] == "willems_01:Part_0001" for h in hits)


def test_cli_suppliers_as_json(chain38: Graph, cli: CliRunner) -> None:
    result = cli.invoke(app, ["suppliers", "willems_38:Retail_0001", "--tiers", "2", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["tier"] for r in rows} == {1, 2}
    assert rows[0]["path"][-1] == "willems_38:Retail_0001"
    unknown = cli.invoke(app, ["suppliers", "Retail_0001"])
    assert (
        unknown.exit_code == 2
        and "no enterprise or product with id 'Retail_0001'" in unknown.output
    )
    too_deep = cli.invoke(app, ["suppliers", "willems_38:Retail_0001", "--tiers", "99"])
    assert too_deep.exit_code == 2
