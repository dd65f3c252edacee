"""(:Load) records left `running`: marked `interrupted` only when their process is gone, and
`supplymap loads` lists them. (A write failing part-way is recorded `failed`: test_timeouts.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.pipeline import mark_interrupted

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
