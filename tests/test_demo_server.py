"""`supplymap demo` against a configured server (SUPPLYMAP_NEO4J_URI): it never overwrites data
unless told to. This is the path every Neo4j user takes; it runs on the local engine's Bolt
server too, through the same settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Server
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.settings import get_settings

pytestmark = pytest.mark.integration


def _demo(server: Server, graph: Graph, out: Path, *extra: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    env |= {
        "SUPPLYMAP_NEO4J_URI": server.uri,
        "SUPPLYMAP_NEO4J_USER": server.user,
        "SUPPLYMAP_NEO4J_PASSWORD": server.password,
        "SUPPLYMAP_NEO4J_DATABASE": graph.database,
    }
    get_settings.cache_clear()
    try:
        result = CliRunner(env=env).invoke(app, ["demo", "--out", str(out), *extra], env=env)
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_demo_refuses_a_database_with_data_and_resets_it_when_asked(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    graph.write("MERGE (c:Chain {id: 'mine'}) SET c.name = 'My own chain'")
    code, output = _demo(server, graph, tmp_path / "refused")
    assert code == 2, output
    assert "already holds 1 nodes" in " ".join(output.split())
    assert graph.query("MATCH (n) RETURN n.id AS id") == [{"id": "mine"}]
    assert not (tmp_path / "refused" / "report.md").exists()

    code, output = _demo(server, graph, tmp_path / "reset", "--reset")
    assert code == 0, output
    assert graph.query("MATCH (c:Chain {id: 'mine'}) RETURN c.id AS id") == []
    chains = {r["id"] for r in graph.query("MATCH (c:Chain) RETURN c.id AS id")}
    assert {"medical-supplies", "automobiles", "integrated-circuits"} <= chains
    assert (tmp_path / "reset" / "report.md").is_file()
