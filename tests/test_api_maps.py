"""GET /chains/{id}/map and /enterprises/{id}/map: self-contained HTML from kg.maps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client, fingerprint

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
C = "91440300MA5D34567E"
NASTY = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    # An enterprise whose name is markup, supplying the mask maker.
    graph.write(
        "MERGE (e:Enterprise {id: 'NASTY-1'}) SET e.name = $name WITH e "
        "MATCH (c:Enterprise {id: $c}) MERGE (e)-[:SUPPLIES {product: 'NOSE-WIRE'}]->(c)",
        {"name": NASTY, "c": C},
    )
    with api_client(server, graph) as c:
        yield c


def html(client: TestClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    return r.text


def external_references(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, flags=re.I)


def test_chain_map(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    page = html(client, "/chains/medical-supplies/map")
    assert "<html" in page.lower()
    for name in ("N95 respirator", "Melt-blown nonwoven", "Shenzhen Mask Works"):
        assert name in page
    assert external_references(page) == []
    assert fingerprint(graph) == before


def test_enterprise_map_escapes_names(client: TestClient) -> None:
    page = html(client, f"/enterprises/{C}/map?tiers=2")
    assert "Suzhou Meltblown Ltd." in page and "Hangzhou Polymer Co." in page
    assert NASTY not in page  # present only escaped
    down = html(client, "/enterprises/91330100MA2B123450/map?direction=downstream&tiers=2")
    assert "Shenzhen Mask Works" in down
    assert external_references(page) == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/chains/no-such-chain/map", 404),
        ("/enterprises/NOPE/map", 404),
        ("/chains/bad%20id/map", 422),
        (f"/enterprises/{C}/map?tiers=21", 422),
        (f"/enterprises/{C}/map?direction=sideways", 422),
        ("/chains/medical-supplies/map?max_nodes=5", 422),
    ],
)
def test_map_errors_are_problems(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
