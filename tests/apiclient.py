"""Helpers for the API tests: a TestClient over a module's graph, and a graph fingerprint."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette asks for httpx2 in its TestClient; httpx works the same for these tests.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from api import create_app
from kg.connection import Graph
from kg.settings import Settings

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "second-key-fedcba9876543210"


def settings_for(server: Any, graph: Graph, **overrides: Any) -> Settings:
    """Settings that point at the session's server and this module's database."""
    base: dict[str, Any]
    if server.engine is None:
        base = {
            "neo4j_uri": server.uri,
            "neo4j_user": server.user,
            "neo4j_password": server.password,
            "neo4j_database": graph.database,
        }
    else:
        base = {"home": server.engine.home, "engine_database": graph.database}
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("SUPPLYMAP_"):
                mp.delenv(name)
        return Settings(**{**base, **overrides})


@contextmanager
def api_client(server: Any, graph: Graph, **overrides: Any) -> Iterator[TestClient]:
    """A client of a freshly built app; the lifespan opens (and closes) its own driver."""
    app = create_app(settings_for(server, graph, **overrides))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def fingerprint(graph: Graph) -> str:
    """A digest of every node and relationship with their labels and properties."""
    nodes = graph.query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, properties(r) AS props, "
        "properties(a) AS a, properties(b) AS b"
    )
    items = sorted(json.dumps(x, sort_keys=True, default=str) for x in [*nodes, *rels])
    return hashlib.sha256("\n".join(items).encode()).hexdigest()
