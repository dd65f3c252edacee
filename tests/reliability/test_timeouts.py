"""A message the engine drops (over its 16 MiB Bolt limit) no longer hangs a write or a load:
the watchdog abandons it, the load is recorded `failed`, never left `running`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Server
from helpers import fingerprint, local_only

from kg.connection import Graph
from kg.watchdog import GraphTimeoutError
from loaders.limits import Limits
from loaders.pipeline import Loader, LoadOptions, LoadWriteError

pytestmark = pytest.mark.integration


def test_big_batches_are_split_below_the_message_limit(graph: Graph) -> None:
    rows = [{"k": f"big-{i}", "v": "y" * 1_000_000} for i in range(20)]
    written = graph.write_batches(
        "UNWIND $rows AS r MERGE (n:Chain {id: r.k}) SET n.description = r.v",
        rows,
        batch_size=1000,
    )
    assert written == 20
    got = graph.query(
        "MATCH (n:Chain) WHERE n.id STARTS WITH 'big-' RETURN n.id AS id, size(n.description) AS s"
    )
    assert {(r["id"], r["s"]) for r in got} == {(f"big-{i}", 1_000_000) for i in range(20)}
    graph.write("MATCH (n:Chain) WHERE n.id STARTS WITH 'big-' DETACH DELETE n")


def test_a_dropped_message_times_out_and_the_load_is_not_left_running(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    local_only()  # Neo4j accepts a 17 MiB message; the local engine drops it unanswered
    short = Graph.connect(
        server.uri, server.user, server.password, graph.database, timeout=5, batch_bytes=64 << 20
    )
    with short:
        with pytest.raises(GraphTimeoutError, match="did not finish within 5 s"):
            short.write("CREATE (n:Chain {id: 'huge', name: $v})", {"v": "x" * 17_000_000})
        before = fingerprint(short)
        path = tmp_path / "chains.csv"
        path.write_text("id,name\nhuge-chain," + "z" * 17_000_000 + "\n", encoding="utf-8")
        options = LoadOptions(limits=Limits(max_cell_bytes=64 << 20))  # the bound switched off
        with pytest.raises(LoadWriteError, match="did not finish within 5 s"):
            Loader(short).load_files([path], options)
        rows = short.query(
            "MATCH (l:Load) WHERE l.file = $f RETURN l.status AS s", {"f": str(path.resolve())}
        )
        assert {r["s"] for r in rows} == {"failed"}
        assert fingerprint(short) == before
        assert short.query("RETURN 1 AS ok") == [{"ok": 1}]  # the graph still answers


def test_a_read_past_the_server_timeout_is_a_graph_timeout(server: Server, graph: Graph) -> None:
    """Neo4j stops a transaction past its timeout with a client error of its own; callers
    (the command line, the API's 503 graph-timeout) see the same GraphTimeoutError as when
    the watchdog abandons a transaction the local engine keeps running."""
    if server.engine is not None:
        pytest.skip(
            "the local engine ignores transaction timeouts (README, Reliability): its reads are "
            "bounded by the watchdog, which test_a_dropped_message_times_out covers"
        )
    short = Graph.connect(server.uri, server.user, server.password, graph.database, timeout=0.2)
    try:
        with pytest.raises(GraphTimeoutError, match=r"did not finish within 0\.2 s"):
            short.query(
                "UNWIND range(1, 5000) AS a UNWIND range(1, 5000) AS b RETURN count(a + b) AS n"
            )
        assert short.query("RETURN 1 AS ok") == [{"ok": 1}]
    finally:
        short.close()
