"""Connecting through the settings: a database the server does not have is a clear error; a
server that goes away is a clear error within SUPPLYMAP_UNREACHABLE_TIMEOUT."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest
from conftest import Server
from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable

from kg.connection import Graph, GraphConnectionError, GraphUnreachableError, engine_gone
from kg.settings import Settings

pytestmark = pytest.mark.integration


def test_a_missing_database_says_which_and_what_to_do(server: Server) -> None:
    settings = Settings(
        neo4j_uri=server.uri,
        neo4j_user=server.user,
        neo4j_password=server.password,  # type: ignore[arg-type]
        neo4j_database="no_such_db",
    )
    with pytest.raises(GraphConnectionError, match=r"no database 'no_such_db'.*DATABASE"):
        Graph.from_settings(settings)


def test_the_configured_database_connects(server: Server) -> None:
    settings = Settings(
        neo4j_uri=server.uri,
        neo4j_user=server.user,
        neo4j_password=server.password,  # type: ignore[arg-type]
        neo4j_database=server.database,
    )
    with Graph.from_settings(settings) as graph:
        assert graph.query("RETURN 1 AS one") == [{"one": 1}]


def test_no_server_notifications_for_names_the_graph_lacks(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """Neo4j warns about labels, types and properties a graph does not hold yet; our queries
    name them on purpose, so no such warning reaches the log (or a user's terminal)."""
    caplog.set_level(logging.DEBUG, logger="neo4j.notifications")
    with Graph.connect(server.uri, server.user, server.password, server.database) as graph:
        rows = graph.query(
            "MATCH (x:NoSuchLabelYet)-[r:NO_SUCH_TYPE_YET]->(y) "
            "RETURN x.no_such_property_yet AS p, r.nor_this AS q"
        )
    assert rows == []
    assert not [r for r in caplog.records if "notification" in r.getMessage().lower()]


@pytest.mark.parametrize("scheme", ["bolt", "bolt+s", "neo4j", "neo4j+s", "neo4j+ssc"])
def test_every_uri_scheme_is_accepted(scheme: str) -> None:
    """Direct and routing URIs, with or without TLS (a cluster, Aura), get as far as the
    network: nothing in our driver configuration conflicts with a scheme."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(GraphConnectionError, match="cannot reach"):
        Graph.connect(f"{scheme}://127.0.0.1:{port}", "neo4j", "secret-secret", "neo4j")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _graph_at(uri: str, **kw: Any) -> Graph:
    """A graph on a server that does not answer (nothing listens there), built without the
    connectivity check of Graph.connect: as a graph is after its server went away."""
    driver = GraphDatabase.driver(uri, auth=("neo4j", "secret-secret"), connection_timeout=2)
    return Graph(driver, "neo4j", uri=uri, **kw)


def test_a_server_that_went_away_fails_within_the_unreachable_timeout() -> None:
    """Not the driver's retries (about a minute per transaction): the first transaction
    tries for SUPPLYMAP_UNREACHABLE_TIMEOUT, later ones once more, then a clear error."""
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    with _graph_at(uri, unreachable_timeout=2.0) as graph:
        started = time.monotonic()
        with pytest.raises(GraphUnreachableError, match=r"(?s)has not answered for 2 s.*running"):
            graph.write("MERGE (n:Probe {id: 1})")
        first = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(GraphUnreachableError, match="SUPPLYMAP_UNREACHABLE_TIMEOUT"):
            graph.query("RETURN 1 AS one")
        later = time.monotonic() - started
    assert 2.0 <= first < 10, first
    assert later < 5, later  # one retry after a second, not another full wait


def test_a_server_known_to_be_gone_fails_at_once() -> None:
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    said: list[str] = []

    def gone(at: str) -> str:
        said.append(at)
        return "the local engine has stopped; start it with `supplymap db start`"

    with _graph_at(uri, unreachable_timeout=60.0, gone=gone) as graph:
        started = time.monotonic()
        with pytest.raises(GraphUnreachableError, match="supplymap db start") as caught:
            graph.write_batches("UNWIND $rows AS r MERGE (:Probe {id: r})", [1, 2], batch_size=1)
        assert time.monotonic() - started < 5
    assert said == [uri]
    # Whatever handles an unavailable server handles it; the CLI prints it as one line.
    assert isinstance(caught.value, ServiceUnavailable | GraphConnectionError)


def test_a_graph_whose_server_answers_again_recovers(server: Server) -> None:
    """A failure to reach the server does not stick to the graph: once it answers, every
    transaction gets the whole wait again."""
    with Graph.connect(server.uri, server.user, server.password, server.database) as graph:
        graph.unreachable_timeout = 0.01
        graph._unreachable_since = time.monotonic() - 3600  # a failure of long ago
        assert graph.query("RETURN 1 AS one") == [{"one": 1}]
        assert graph._unreachable_since is None


def test_the_local_engine_is_gone_once_its_process_is(server: Server) -> None:
    if server.engine is None:
        pytest.skip("about the local engine; an external server is not managed by supplymap")
    gone = engine_gone(server.engine)
    assert gone(server.uri) is None
    other = f"bolt://127.0.0.1:{_closed_port()}"  # the engine restarted elsewhere, or died
    said = gone(other)
    assert said is not None and "supplymap db start" in said and other in said
