"""Connecting through the settings: a database the server does not have is a clear error."""

from __future__ import annotations

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
