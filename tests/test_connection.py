"""Connecting through the settings: a database the server does not have is a clear error."""

from __future__ import annotations

import logging
import socket

import pytest
from conftest import Server

from kg.connection import Graph, GraphConnectionError
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
