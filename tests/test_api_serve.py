"""`supplymap serve` end to end: a real uvicorn process on 127.0.0.1 over this module's graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from apiclient import KEY, api_client
from served import serve, server_env

from kg.connection import Graph

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(server: Any, graph: Graph) -> Iterator[str]:
    # The database through the settings of each engine (not --database): both paths stay used.
    database = (
        {"SUPPLYMAP_NEO4J_DATABASE": graph.database}
        if server.engine is None
        else {"SUPPLYMAP_ENGINE_DATABASE": graph.database}
    )
    with serve([], server_env(server, SUPPLYMAP_API_KEYS=KEY, **database)) as base:
        yield base


def test_serve_answers_on_loopback(served: str, graph: Graph) -> None:
    client = httpx.Client(base_url=served, timeout=60)
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["engine"]["database"] == graph.database
    r = client.post(
        "/loads",
        files={"file": ("chains.csv", b"id,name\nserved,Served chain\n", "text/csv")},
        headers={"X-API-Key": KEY},
    )
    assert r.status_code == 200, r.text
    chains = client.get("/chains").json()
    assert [(c["id"], c["name"]) for c in chains["items"]] == [("served", "Served chain")]
    assert "server" not in {k.lower() for k in client.get("/health").headers}
    client.close()


def test_the_driver_is_closed_on_shutdown(server: Any, graph: Graph) -> None:
    with api_client(server, graph) as client:
        assert client.get("/health").status_code == 200
        driver = client.app.state.graph.driver
    with pytest.raises(Exception, match=r"(?i)closed"):
        driver.verify_connectivity()
