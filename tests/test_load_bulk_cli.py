"""`supplymap load --bulk` from the command line: a first load, then a refused repeat."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.sample import DATA_DIR

pytestmark = pytest.mark.integration


def test_bulk_first_load_then_a_refused_repeat(
    cli: CliRunner, graph: Graph, tmp_path: Path
) -> None:
    rejects = str(tmp_path / "rejects.csv")
    files = [str(DATA_DIR / n) for n in ("regions.csv", "enterprises.csv")]
    first = cli.invoke(app, ["load", "--bulk", "--rejects", rejects, *files])
    assert first.exit_code == 0, first.output
    assert first.output.count("completed") == 2
    assert "note: bulk: " in first.output
    held = graph.query("MATCH (e:Enterprise)-[:LOCATED_IN]->(r:Region) RETURN count(*) AS c")
    expected = len((DATA_DIR / "enterprises.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert held[0]["c"] == expected
    assert {
        (r["status"], r["kind"])
        for r in graph.query("MATCH (l:Load) RETURN l.status AS status, l.kind AS kind")
    } == {("completed", "regions"), ("completed", "enterprises")}

    again = cli.invoke(app, ["load", "--bulk", "--force", "--rejects", rejects, files[1]])
    assert again.exit_code == 2
    assert "already holds" in again.output and "without --bulk" in again.output
    ordinary = cli.invoke(app, ["load", "--force", "--rejects", rejects, files[1]])
    assert ordinary.exit_code == 0, ordinary.output
