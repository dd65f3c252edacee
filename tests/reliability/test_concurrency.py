"""Concurrent writers and readers: four loads of the same file at once, with readers running,
all complete and the graph holds each node and link exactly once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import Server
from helpers import BASE_FILES, CANONICAL

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions, LoadReport

pytestmark = pytest.mark.integration

N = 3000
WRITERS = 4


def test_concurrent_loads_of_one_file_give_exact_counts(
    server: Server, graph: Graph, tmp_path: Path
) -> None:
    reports = Loader(graph).load_files([CANONICAL / f for f in BASE_FILES], LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    path = tmp_path / "enterprises.csv"
    path.write_text(
        "id,name,region,tags\n" + "".join(f"CC-{i:05d},Company {i},330100,a;b\n" for i in range(N)),
        encoding="utf-8",
    )
    results: list[LoadReport] = []
    errors: list[BaseException] = []
    reads: list[int] = []
    done = threading.Event()

    def write() -> None:
        try:
            with Graph.connect(server.uri, server.user, server.password, graph.database) as g:
                results.extend(
                    Loader(g).load_files([path], LoadOptions(force=True, batch_size=250))
                )
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        with Graph.connect(server.uri, server.user, server.password, graph.database) as g:
            while not done.is_set():
                rows = g.query(
                    "MATCH (e:Enterprise) WHERE e.id STARTS WITH 'CC-' RETURN count(e) AS c"
                )
                reads.append(rows[0]["c"])

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for t in [*readers, *writers]:
        t.start()
    for t in writers:
        t.join(timeout=600)
    done.set()
    for t in readers:
        t.join(timeout=60)
    assert errors == []
    assert [r.status for r in results] == ["completed"] * WRITERS
    assert reads and all(0 <= c <= N for c in reads)
    nodes = graph.query(
        "MATCH (e:Enterprise) WHERE e.id STARTS WITH 'CC-' RETURN e.id AS id, e.name AS name"
    )
    assert sorted((r["id"], r["name"]) for r in nodes) == [
        (f"CC-{i:05d}", f"Company {i}") for i in range(N)
    ]
    links = graph.query(
        "MATCH (e:Enterprise)-[r:LOCATED_IN]->(g:Region) WHERE e.id STARTS WITH 'CC-' "
        "RETURN e.id AS id, g.code AS region"
    )
    assert sorted((r["id"], r["region"]) for r in links) == [
        (f"CC-{i:05d}", "330100") for i in range(N)
    ]
