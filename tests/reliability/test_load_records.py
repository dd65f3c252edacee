"""(:Load) records left `running`: marked `interrupted` only when their process is gone, and
`supplymap loads` lists them. (A write failing part-way is recorded `failed`: test_timeouts.)
A load_file called by itself leaves its records and a `completed` record, bulk or not."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Server, _wipe
from helpers import CANONICAL
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.bulk import ArcadeBulkWriter, BulkWriter
from loaders.bulk_neo4j import ImportTool, Neo4jImportWriter
from loaders.kinds import KINDS
from loaders.pipeline import Loader, LoadOptions, mark_interrupted

pytestmark = pytest.mark.integration

SAVE = "MERGE (l:Load {id: $id}) SET l += $props"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_loads_of_dead_processes_on_this_host_are_marked(graph: Graph) -> None:
    host = socket.gethostname()
    records = {
        "L-dead": {"pid": _dead_pid(), "host": host, "rows_total": 10, "rows_written": 4},
        "L-alive": {"pid": os.getpid(), "host": host},
        "L-elsewhere": {"pid": _dead_pid(), "host": host + "-other"},
    }
    for load_id, props in records.items():
        graph.write(SAVE, {"id": load_id, "props": {**props, "status": "running"}})
    assert mark_interrupted(graph) == ["L-dead"]
    rows = graph.query(
        "MATCH (l:Load) WHERE l.id STARTS WITH 'L-' RETURN l.id AS id, l.status AS status"
    )
    assert {(r["id"], r["status"]) for r in rows} == {
        ("L-dead", "interrupted"),
        ("L-alive", "running"),
        ("L-elsewhere", "running"),
    }
    message = graph.query("MATCH (l:Load {id: 'L-dead'}) RETURN l.message AS m")[0]["m"]
    assert "after about 4 of 10 rows" in message


def test_supplymap_loads_lists_them(cli: CliRunner, graph: Graph) -> None:
    result = cli.invoke(app, ["loads", "--format", "json", "--status", "interrupted"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {(r["id"], r["status"]) for r in listed} == {("L-dead", "interrupted")}
    bad = cli.invoke(app, ["loads", "--status", "nonsense"])
    assert bad.exit_code == 2


def _bulk_writer(server: Server, graph: Graph) -> BulkWriter:
    """The engine's own bulk path: ArcadeDB's batch import, or neo4j-admin's offline import
    (which waits for the end of the command: Neo4jImportWriter.finish)."""
    if server.engine is not None:
        return ArcadeBulkWriter(server.engine, graph.database)
    admin = os.environ.get("SUPPLYMAP_TEST_NEO4J_ADMIN", "")
    if not admin:
        pytest.skip("needs SUPPLYMAP_TEST_NEO4J_ADMIN (.ci/neo4j/run.py sets it)")
    tool = ImportTool.check(Path(admin), server.uri, graph.database)
    return Neo4jImportWriter(graph, tool, online_below=0)


def test_a_load_file_called_by_itself_is_complete_when_it_returns(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    """Loader.load_file outside load_files is a command of its own: a bulk writer that
    imports once per command has imported when it returns, and its (:Load) record says
    `completed` (it stayed `running`, its records not in the graph, when finish() was left
    to load_files)."""
    _wipe(graph)  # neo4j-admin's import rebuilds the database: it must hold only its loads
    writer = _bulk_writer(server, graph)
    path = CANONICAL / "regions.csv"
    options = LoadOptions(bulk=True, rejects=tmp_path / "rejects.csv")
    report = Loader(graph, bulk=writer).load_file(path, KINDS["regions"], options)
    assert report.status == "completed", report.message
    rows = len(path.read_text().splitlines()) - 1
    assert graph.query("MATCH (r:Region) RETURN count(r) AS c") == [{"c": rows}]
    loads = graph.query("MATCH (l:Load) RETURN l.id AS id, l.status AS status")
    assert loads == [{"id": report.load_id, "status": "completed"}]
    assert not getattr(writer, "pending", [])
