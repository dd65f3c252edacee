"""GET /queries and POST /queries/{name}: the Cypher catalogue by name, never free Cypher."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client, fingerprint

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions
from queries import catalogue

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
A, B, C = "91330100MA2B123450", "91320500MA1C23456M", "91440300MA5D34567E"
D, E = "91310000MA1E45678E", "91420100MA4F56789C"


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    with api_client(server, graph) as c:
        yield c


def run(client: TestClient, name: str, url_query: str = "", **params: Any) -> Any:
    r = client.post(f"/queries/{name}{url_query}", json={"parameters": params})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_catalogue_is_listed_with_its_parameters(client: TestClient) -> None:
    body = client.get("/queries?limit=1000").json()
    assert body["total"] == len(catalogue()) and body["total"] >= 10
    by_name = {q["name"]: q for q in body["items"]}
    tiers = {p["name"]: p for p in by_name["suppliers_by_tier"]["parameters"]}
    assert tiers["id"] == {
        "name": "id",
        "type": "str",
        "required": True,
        "default": None,
        "description": tiers["id"]["description"],
    }
    assert (tiers["tiers"]["type"], tiers["tiers"]["required"], tiers["tiers"]["default"]) == (
        "int",
        False,
        3,
    )
    one = client.get("/queries/producers").json()
    assert one["name"] == "producers" and "$id" in one["cypher"] and one["answers"]


def test_producers(client: TestClient) -> None:
    body = run(client, "producers", id="MB-FABRIC")
    # B makes 8 t/day and D 3 t/day: shares 8/11 and 3/11, largest first.
    assert [(row["enterprise"], row["capacity_per_day"]) for row in body["items"]] == [
        (B, 8.0),
        (D, 3.0),
    ]
    assert body["items"][0]["share"] == pytest.approx(8 / 11)
    assert "enterprise" in body["columns"] and body["name"] == "producers"


def test_suppliers_by_tier_pages(client: TestClient) -> None:
    body = run(client, "suppliers_by_tier", id=C, tiers=2)
    assert {(row["tier"], row["id"]) for row in body["items"]} == {
        (1, B),
        (1, D),
        (1, E),
        (2, A),
    }
    first = run(client, "suppliers_by_tier", "?limit=2", id=C, tiers=2)
    rest = run(client, "suppliers_by_tier", "?limit=2&offset=2", id=C, tiers=2)
    assert (first["total"], first["next_offset"], rest["next_offset"]) == (4, 2, None)
    assert first["items"] + rest["items"] == body["items"]


def _example(example: str) -> dict[str, str]:
    words = shlex.split(example)
    return dict(w.split("=", 1) for i, w in enumerate(words) if i and words[i - 1] == "-p")


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_catalogue_query_runs_with_its_example(
    client: TestClient, graph: Graph, name: str
) -> None:
    query = catalogue()[name]
    params = {
        p.name: p.parse(v)
        for p in query.params
        for k, v in _example(query.example).items()
        if k == p.name
    }
    before = fingerprint(graph)
    r = client.post(f"/queries/{name}", json={"parameters": params})
    assert r.status_code == 200, r.text
    assert fingerprint(graph) == before


@pytest.mark.parametrize(
    ("name", "body", "status", "field"),
    [
        ("producers", {"parameters": {}}, 422, "parameters.id"),
        ("producers", {"parameters": {"id": 7}}, 422, "parameters.id"),
        ("producers", {"parameters": {"id": "x" * 201}}, 422, "parameters.id"),
        ("producers", {"parameters": {"id": "a\nb"}}, 422, "parameters.id"),
        ("producers", {"parameters": {"id": "N95", "extra": 1}}, 422, "parameters.extra"),
        ("suppliers_by_tier", {"parameters": {"id": C, "tiers": "2"}}, 422, "parameters.tiers"),
        ("suppliers_by_tier", {"parameters": {"id": C, "tiers": True}}, 422, "parameters.tiers"),
        ("suppliers_by_tier", {"parameters": {"id": C, "tiers": 10**12}}, 422, "parameters.tiers"),
        ("producers", {"cypher": "MATCH (n) DETACH DELETE n"}, 422, "cypher"),
        ("producers", {"parameters": "id=N95"}, 422, "parameters"),
    ],
)
def test_bad_parameters_are_422(
    client: TestClient, graph: Graph, name: str, body: Any, status: int, field: str
) -> None:
    before = fingerprint(graph)
    r = client.post(f"/queries/{name}", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["name"] for e in r.json()["errors"]]
    assert fingerprint(graph) == before


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("post", "/queries/no_such_query", 404),
        ("get", "/queries/no_such_query", 404),
        ("post", "/queries/DROP%20INDEX", 422),
        ("post", "/queries/producers;MATCH", 422),
        ("post", "/queries", 405),  # free Cypher has nowhere to go
    ],
)
def test_unknown_and_malformed_names(
    client: TestClient, graph: Graph, method: str, url: str, status: int
) -> None:
    before = fingerprint(graph)
    body = {"cypher": "MATCH (n) DETACH DELETE n"} if url == "/queries" else {"parameters": {}}
    r = client.request(method.upper(), url, json=body)
    assert r.status_code == status, r.text
    assert fingerprint(graph) == before


@pytest.mark.parametrize(
    "value",
    ["x' OR 1=1 //", "N95'}) DETACH DELETE p //", "`Product`", "$id", "日本語", "{id: 'N95'}"],
)
def test_injection_in_values_finds_nothing_and_changes_nothing(
    client: TestClient, graph: Graph, value: str
) -> None:
    before = fingerprint(graph)
    assert run(client, "producers", id=value)["total"] == 0
    assert fingerprint(graph) == before


def test_no_catalogue_query_writes() -> None:
    for q in catalogue().values():
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("//"))
        assert not re.search(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP)\b", body, re.I), q.name
