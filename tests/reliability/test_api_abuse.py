"""API abuse: oversized and malformed bodies, injection in every parameter, negative counts,
a forged Host header; the graph is unchanged after each (fingerprint)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from apiclient import TestClient, api_client
from helpers import CANONICAL, fingerprint

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

INJECTIONS = [
    "x' OR 1=1 //",
    "x}) DETACH DELETE n //",
    "'); MATCH (n) DETACH DELETE n; //",
    "${jndi:ldap://x}",
    "\u0000\u001f",
    "../../etc/passwd",
    "a" * 5000,
]


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    with api_client(server, graph, api_max_body_kb=64) as c:
        yield c


def test_every_body_is_bounded(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    big = b'{"parameters": {"q": "' + b"a" * (200 << 10) + b'"}}'
    r = client.post(
        "/queries/enterprise_search", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert "SUPPLYMAP_API_MAX_BODY_KB" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'{"parameters": {"q": "'
        for _ in range(100):
            yield b"a" * 4096
        yield b'"}}'

    r = client.post(
        "/queries/enterprise_search", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert fingerprint(graph) == before


@pytest.mark.parametrize(
    "body", [b"{", b"[]", b'{"parameters": 5}', b"\xff\xfe", b'{"parameters": {"limit": -1}}']
)
def test_malformed_bodies_are_422(client: TestClient, body: bytes) -> None:
    r = client.post(
        "/queries/top_bottlenecks", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_negative_limit_in_a_named_query_is_422(client: TestClient) -> None:
    r = client.post("/queries/enterprise_search", json={"parameters": {"q": "a", "limit": -5}})
    assert r.status_code == 422, r.text
    assert "0 or more" in r.text


def test_injection_in_every_parameter_changes_nothing(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    statuses: set[int] = set()
    for text in INJECTIONS:
        for method, url, kw in [
            ("GET", f"/enterprises/{quote(text)}", {}),
            ("GET", f"/products/{quote(text)}/upstream", {}),
            ("GET", f"/chains/{quote(text)}", {}),
            ("GET", "/loads", {"params": {"status": text}}),
            ("GET", "/enterprises", {"params": {"q": text}}),
            ("POST", "/queries/enterprise_search", {"json": {"parameters": {"q": text}}}),
            ("POST", f"/queries/{quote(text)}", {"json": {}}),
        ]:
            r = client.request(method, url, **kw)
            statuses.add(r.status_code)
            assert r.status_code < 500, (url, r.status_code, r.text)
    assert statuses <= {200, 404, 405, 413, 422}
    assert fingerprint(graph) == before


def test_the_host_header_is_never_echoed_into_a_redirect(client: TestClient) -> None:
    r = client.get("/chains/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert "evil.example" not in r.headers.get("location", "")
    assert r.status_code in (404, 200)


def test_datetimes_carry_a_time_zone(client: TestClient) -> None:
    r = client.get("/loads")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    for item in items:
        for key in ("started_at", "ended_at"):
            if item.get(key):
                assert item[key].endswith(("Z", "+00:00")), item[key]
