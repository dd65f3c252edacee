"""API keys, injection attempts and the read-only guard, against a real graph.

Every injection attempt must come back as 404 (a well-formed id that names nothing) or 422 (a
malformed one), and the graph must be exactly as it was (compared by a fingerprint of every
node and relationship with its properties).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from apiclient import KEY, OTHER_KEY, TestClient, api_client, fingerprint

from api.readonly import ReadOnlyGraph, RequestGraph, WriteRefusedError
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
C = "91440300MA5D34567E"
READS = [
    "/chains",
    "/chains/medical-supplies",
    "/chains/medical-supplies/products",
    f"/enterprises/{C}",
    f"/enterprises/{C}/suppliers",
    f"/enterprises/{C}/customers",
    f"/enterprises/{C}/products",
    "/products/N95",
    "/products/N95/producers",
    "/products/N95/upstream",
    "/products/N95/downstream",
    "/loads",
]


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    return graph


@pytest.fixture(scope="module")
def open_reads(server: Any, loaded: Graph) -> Iterator[TestClient]:
    with api_client(server, loaded, api_keys=f"{KEY},{OTHER_KEY}") as c:
        yield c


@pytest.fixture(scope="module")
def keyed_reads(server: Any, loaded: Graph) -> Iterator[TestClient]:
    with api_client(server, loaded, api_keys=KEY, api_read_open=False) as c:
        yield c


@pytest.fixture(scope="module")
def no_keys(server: Any, loaded: Graph) -> Iterator[TestClient]:
    with api_client(server, loaded) as c:
        yield c


def _csv() -> dict[str, Any]:
    return {"file": ("chains.csv", b"id,name\nnew-chain,New chain\n", "text/csv")}


def problem(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["type"] == f"urn:supplymap:problem:{kind}"
    assert body["status"] == status
    return body


# ---- API keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", READS)
def test_reads_open_by_default(open_reads: TestClient, url: str) -> None:
    assert open_reads.get(url).status_code == 200


@pytest.mark.parametrize("url", READS)
def test_keyed_reads_need_a_key(keyed_reads: TestClient, url: str) -> None:
    body = problem(keyed_reads.get(url), 401, "api-key-required")
    assert "X-API-Key" in body["detail"]
    r = keyed_reads.get(url, headers={"X-API-Key": KEY})
    assert r.status_code == 200


def test_keyed_reads_refuse_a_wrong_key(keyed_reads: TestClient) -> None:
    r = keyed_reads.get("/chains", headers={"X-API-Key": KEY + "x"})
    problem(r, 401, "api-key-invalid")
    assert r.headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
    for wrong in (KEY[:-1], KEY.upper(), "", "x" * 5000, OTHER_KEY):
        r = keyed_reads.get("/chains", headers={"X-API-Key": wrong})
        assert r.status_code == 401, wrong


def test_a_wrong_key_fails_even_where_reads_are_open(open_reads: TestClient) -> None:
    problem(open_reads.get("/chains", headers={"X-API-Key": "guess"}), 401, "api-key-invalid")


def test_health_is_open_even_when_reads_are_keyed(keyed_reads: TestClient) -> None:
    assert keyed_reads.get("/health").json()["status"] == "ok"


def test_writes_need_a_key(open_reads: TestClient, loaded: Graph) -> None:
    before = fingerprint(loaded)
    problem(open_reads.post("/loads", files=_csv()), 401, "api-key-required")
    problem(
        open_reads.post("/loads", files=_csv(), headers={"X-API-Key": "nope"}),
        401,
        "api-key-invalid",
    )
    assert fingerprint(loaded) == before


def test_any_configured_key_may_write(open_reads: TestClient, loaded: Graph) -> None:
    for key in (KEY, OTHER_KEY):
        r = open_reads.post("/loads", files=_csv(), headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
    rows = loaded.query("MATCH (c:Chain {id: 'new-chain'}) RETURN c.name AS name")
    assert rows == [{"name": "New chain"}]


def test_writes_disabled_without_configured_keys(no_keys: TestClient, loaded: Graph) -> None:
    before = fingerprint(loaded)
    body = problem(
        no_keys.post("/loads", files=_csv(), headers={"X-API-Key": "anything"}),
        403,
        "writes-disabled",
    )
    assert "SUPPLYMAP_API_KEYS" in body["detail"]
    assert fingerprint(loaded) == before


# ---- injection attempts -------------------------------------------------------------------------

# Well-formed ids (the loaders would accept them): each must be a plain 404.
WELL_FORMED = [
    "x' OR 1=1 --",
    "N95' }) DETACH DELETE p //",
    '" RETURN 1 //',
    "}) MATCH (n) DETACH DELETE n //",
    "`Product`",
    "{id: 'N95'}",
    "$id",
    "MATCH (n) DETACH DELETE n",
    "N95 UNION MATCH (n) RETURN n",
    "CALL db.labels()",
    "1; CREATE (x:Hacked)",
    "N95\\' OR 1=1",
    "日本語の製品",
    "Ünïcödé 💥",
    "N95\u200b",  # zero-width space
    "ＮＹ５",  # full-width letters
    "%27%20OR%201=1",
    "x" * 200,
]
# Malformed ids: each must be a 422 before any query runs.
MALFORMED = [
    "x" * 201,
    "y" * 20_000,
    " N95",
    "N95 ",
    "N95\x00",
    "N95\nMATCH (n) DETACH DELETE n",
    "\t",
    "a\rb",
]
TEMPLATES = [
    "/enterprises/{}",
    "/enterprises/{}/suppliers?tiers=3",
    "/enterprises/{}/customers",
    "/enterprises/{}/products",
    "/products/{}",
    "/products/{}/producers",
    "/products/{}/upstream",
    "/products/{}/downstream",
]


def test_injection_in_ids_is_404_or_422_and_changes_nothing(
    open_reads: TestClient, loaded: Graph
) -> None:
    before = fingerprint(loaded)
    for template in TEMPLATES:
        for value in WELL_FORMED:
            url = template.format(quote(value, safe=""))
            r = open_reads.get(url)
            # A '/' cannot travel inside one path segment: such ids reach no endpoint (404)
            # or reach one cut short (422 when the rest is malformed).
            expected = {404, 422} if "/" in value else {404}
            assert r.status_code in expected, (url, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        for value in MALFORMED:
            url = template.format(quote(value, safe=""))
            r = open_reads.get(url)
            assert r.status_code == 422, (url, r.text)
            assert r.json()["errors"][0]["name"] == "id"
    assert fingerprint(loaded) == before


@pytest.mark.parametrize(
    "value",
    ["medical-supplies' OR 1=1", "x})-[r]-() DELETE r --", "`Chain`", "链", "a" * 101, "-lead"],
)
def test_injection_in_chain_ids_is_422(open_reads: TestClient, loaded: Graph, value: str) -> None:
    before = fingerprint(loaded)
    for template in ("/chains/{}", "/chains/{}/products"):
        r = open_reads.get(template.format(quote(value, safe="")))
        assert r.status_code == 422, r.text
    assert fingerprint(loaded) == before


@pytest.mark.parametrize(
    "query",
    [
        "tiers=1%20OR%201=1",
        "tiers=3;MATCH%20(n)%20DETACH%20DELETE%20n",
        "tiers=%7B%7D",
        "tiers=99999999999999999999999",
        "limit=1'",
        "offset=0%20UNION",
        "tiers=NaN",
        "tiers=1e2",
    ],
)
def test_injection_in_query_parameters_is_422(
    open_reads: TestClient, loaded: Graph, query: str
) -> None:
    before = fingerprint(loaded)
    r = open_reads.get(f"/enterprises/{C}/suppliers?{query}")
    problem(r, 422, "invalid-parameters")
    assert fingerprint(loaded) == before


def test_ids_with_a_slash_reach_no_endpoint(open_reads: TestClient) -> None:
    for url in ("/enterprises/a%2Fb", "/products/..%2F..%2Fetc%2Fpasswd", "/products/a/b/c"):
        assert open_reads.get(url).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "chains' DETACH DELETE n //"),
        ("kind", "CHAINS"),
        ("mapping", "../../../etc/passwd"),
        ("mapping", "/etc/passwd.yaml"),
        ("mapping", "willems.yaml"),
        ("chain", "x'}) DETACH DELETE c //"),
        ("chain", "c" * 101),
        ("source", "bad\x00source"),
        ("source", "s" * 201),
        ("on_error", "ignore"),
        ("basis", "rumour"),
        ("force", "maybe"),
    ],
)
def test_injection_in_load_fields_is_422(
    open_reads: TestClient, loaded: Graph, field: str, value: str
) -> None:
    before = fingerprint(loaded)
    r = open_reads.post("/loads", files=_csv(), data={field: value}, headers={"X-API-Key": KEY})
    body = problem(r, 422, "invalid-parameters")
    assert [e["name"] for e in body["errors"]] == [field]
    assert fingerprint(loaded) == before


@pytest.mark.parametrize(
    "name",
    [
        "../chains.csv",
        "..\\..\\chains.csv",
        ".hidden.csv",
        "a|b.csv",
        "<x>.csv",
        "x" * 151 + ".csv",
    ],
)
def test_unsafe_upload_names(open_reads: TestClient, loaded: Graph, name: str) -> None:
    before = fingerprint(loaded)
    files = {"file": (name, b"id,name\nevil,Evil\n", "text/csv")}
    r = open_reads.post("/loads", files=files, headers={"X-API-Key": KEY})
    if r.status_code == 200:
        # A path is cut to its base name: "../chains.csv" is saved (and reported) as chains.csv.
        assert name in ("../chains.csv", "..\\..\\chains.csv")
        assert r.json()["reports"][0]["file"] == "chains.csv"
    else:
        problem(r, 422, "invalid-parameters")
        assert fingerprint(loaded) == before


# ---- the read-only guard ------------------------------------------------------------------------


def test_read_only_graph_refuses_and_rolls_back_writes(loaded: Graph) -> None:
    before = fingerprint(loaded)
    ro = ReadOnlyGraph.over(loaded)
    for statement in (
        "MATCH (p:Product {id: 'N95'}) SET p.hacked = true RETURN p.id AS id",
        "CREATE (x:Hacked {id: 'x'}) RETURN x.id AS id",
        "MATCH (p:Product {id: 'N95'}) DETACH DELETE p RETURN 1 AS done",
        "MERGE (c:Chain {id: 'evil'}) RETURN c.id AS id",
        "MATCH (p:Product {id: 'N95'}) REMOVE p.name RETURN p.id AS id",
    ):
        with pytest.raises(WriteRefusedError):
            ro.query(statement)
    with pytest.raises(WriteRefusedError):
        ro.write("CREATE (x:Hacked)")
    assert fingerprint(loaded) == before
    assert ro.query("MATCH (p:Product {id: $id}) RETURN p.name AS name", {"id": "N95"}) == [
        {"name": "N95 respirator"}
    ]
    # Nodes come back as their properties, as Record.data() gives them.
    (row,) = ro.query(
        "MATCH (c:Chain {id: 'medical-supplies'}) RETURN c AS chain, [c] AS chains, 1 AS one"
    )
    assert row["chain"]["id"] == "medical-supplies" and row["one"] == 1
    assert row["chains"][0]["name"] == "Medical supplies"


def test_request_graph_shares_one_transaction_and_refuses_writes(loaded: Graph) -> None:
    before = fingerprint(loaded)
    rg = RequestGraph(loaded.driver, loaded.database)
    try:
        assert rg.query("MATCH (p:Product {id: 'N95'}) RETURN p.id AS id") == [{"id": "N95"}]
        with pytest.raises(WriteRefusedError):
            rg.query("MATCH (p:Product {id: 'N95'}) SET p.hacked = 1 RETURN p.id AS id")
        # The refused write was rolled back; the next statement runs in a fresh transaction.
        rows = rg.query("MATCH (p:Product {id: 'N95'}) RETURN p.hacked AS hacked")
        assert rows == [{"hacked": None}]
    finally:
        rg.close()
    assert fingerprint(loaded) == before
