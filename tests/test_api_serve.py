"""`supplymap serve` end to end: a real uvicorn process on 127.0.0.1 over this module's graph."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apiclient import KEY, api_client

from kg.connection import Graph

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(server: Any, graph: Graph) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPLYMAP_")}
    if server.engine is None:
        env.update(
            SUPPLYMAP_NEO4J_URI=server.uri,
            SUPPLYMAP_NEO4J_USER=server.user,
            SUPPLYMAP_NEO4J_PASSWORD=server.password,
            SUPPLYMAP_NEO4J_DATABASE=graph.database,
        )
    else:
        env.update(SUPPLYMAP_HOME=str(server.engine.home), SUPPLYMAP_ENGINE_DATABASE=graph.database)
    env["SUPPLYMAP_API_KEYS"] = KEY
    port = _free_port()
    exe = Path(sys.executable).with_name("supplymap")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "supplymap serve did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
