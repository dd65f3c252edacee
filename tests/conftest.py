"""Test fixtures: one real graph database for the session, a fresh database per module.

By default a local engine (ArcadeDB over Bolt) starts in a temporary directory on free
ports. With SUPPLYMAP_TEST_URI (and _USER, _PASSWORD, _DATABASE) set, the same tests run
against that server instead (e.g. Neo4j 5 in CI); each module then wipes what it wrote.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.connection import Graph
from kg.engine import ENGINE_USER, LocalEngine
from kg.settings import get_settings

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Server:
    uri: str
    user: str
    password: str
    database: str  # the default database (Neo4j) or the engine's own one
    engine: LocalEngine | None  # None for an external server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    uri = os.environ.get("SUPPLYMAP_TEST_URI")
    if uri:
        yield Server(
            uri,
            os.environ.get("SUPPLYMAP_TEST_USER", "neo4j"),
            os.environ.get("SUPPLYMAP_TEST_PASSWORD", ""),
            os.environ.get("SUPPLYMAP_TEST_DATABASE", "neo4j"),
            None,
        )
        return
    home = tmp_path_factory.mktemp("supplymap-home")
    engine = LocalEngine(home, database="supplymap", heap="1g", start_timeout=120)
    status = engine.start()
    assert status.uri is not None
    try:
        yield Server(status.uri, ENGINE_USER, engine.password(), engine.database, engine)
    finally:
        engine.stop()


def _wipe(graph: Graph) -> None:
    """Leave the external server's database as a new one: no nodes, constraints or indexes
    (but the two token-lookup indexes every new Neo4j database has)."""
    while graph.write("MATCH (n) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS deleted")[0][
        "deleted"
    ]:
        pass
    run, db = graph.driver.execute_query, graph.database
    for row in graph.query("SHOW CONSTRAINTS YIELD name RETURN name"):
        run("DROP CONSTRAINT $name IF EXISTS", name=row["name"], database_=db)
    for row in graph.query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
        run("DROP INDEX $name IF EXISTS", name=row["name"], database_=db)


@pytest.fixture(scope="module")
def graph(server: Server, request: pytest.FixtureRequest) -> Iterator[Graph]:
    """A graph of this test module's own: a new database, or a wiped one on Neo4j."""
    if server.engine is None:
        g = Graph.connect(server.uri, server.user, server.password, server.database)
        _wipe(g)
        try:
            yield g
        finally:
            _wipe(g)
            g.close()
        return
    module = re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])[:40]
    name = f"t_{module}_{uuid.uuid4().hex[:6]}"
    server.engine.create_database(name)
    g = Graph.connect(server.uri, server.user, server.password, name)
    try:
        yield g
    finally:
        g.close()
        server.engine.drop_database(name)


@pytest.fixture
def cli(server: Server, graph: Graph, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner whose commands talk to this module's graph."""
    for key in list(os.environ):
        if key.startswith("SUPPLYMAP_"):
            monkeypatch.delenv(key)
    if server.engine is None:
        monkeypatch.setenv("SUPPLYMAP_NEO4J_URI", server.uri)
        monkeypatch.setenv("SUPPLYMAP_NEO4J_USER", server.user)
        monkeypatch.setenv("SUPPLYMAP_NEO4J_PASSWORD", server.password)
        monkeypatch.setenv("SUPPLYMAP_NEO4J_DATABASE", graph.database)
    else:
        monkeypatch.setenv("SUPPLYMAP_HOME", str(server.engine.home))
        monkeypatch.setenv("SUPPLYMAP_ENGINE_DATABASE", graph.database)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
