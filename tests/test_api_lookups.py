"""Every read endpoint on the hand-made N95 chain, with answers worked out by hand.

Enterprises (tests/data/canonical): A Hangzhou Polymer (resin), B Suzhou Meltblown (owned 60%
by A), C Shenzhen Mask Works, D Shanghai Nonwoven, E Wuhan Wire. Trade: A->B (PP-HMF),
B->C (MB-FABRIC), D->C (MB-FABRIC and SB-FABRIC), E->C (NOSE-WIRE). Bill of materials:
PP-HMF -> MB-FABRIC, SB-FABRIC -> N95 <- NOSE-WIRE.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

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


def ok(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()


def tier_rows(body: dict[str, Any]) -> set[tuple[int, str, tuple[str, ...]]]:
    return {(h["tier"], h["id"], tuple(h["path"])) for h in body["items"]}


# ---- health and docs ----------------------------------------------------------------------------


def test_health_reports_the_engine(client: TestClient, graph: Graph) -> None:
    body = ok(client, "/health")
    assert body["status"] == "ok"
    assert body["engine"]["reachable"] is True
    assert body["engine"]["database"] == graph.database
    assert body["engine"]["server"]
    assert body["version"]


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    schema = ok(client, "/openapi.json")
    expected = {
        "/health",
        "/chains",
        "/chains/{id}",
        "/chains/{id}/products",
        "/enterprises/{id}",
        "/enterprises/{id}/suppliers",
        "/enterprises/{id}/customers",
        "/enterprises/{id}/products",
        "/products/{id}",
        "/products/{id}/producers",
        "/products/{id}/upstream",
        "/products/{id}/downstream",
        "/analysis/single-source",
        "/analysis/declared-single-source",
        "/analysis/spof",
        "/analysis/bottlenecks",
        "/analysis/capacity",
        "/analysis/capacities",
        "/analysis/key-enterprises",
        "/scenarios/disruption",
        "/scenarios/disruption/map",
        "/queries",
        "/queries/{name}",
        "/warnings",
        "/stockpiles",
        "/allocations/{id}",
        "/chains/{id}/map",
        "/enterprises/{id}/map",
        "/loads",
        "/loads/{id}",
    }
    assert expected <= set(schema["paths"])
    assert "Problem" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    assert schema["paths"]["/loads"]["post"]["security"] == [{"ApiKey": []}]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


# ---- chains -------------------------------------------------------------------------------------


def test_chains_list_and_detail(client: TestClient) -> None:
    body = ok(client, "/chains")
    assert body["total"] == 1 and body["next_offset"] is None
    assert [(c["id"], c["name"], c["products"]) for c in body["items"]] == [
        ("medical-supplies", "Medical supplies", 5)
    ]
    chain = ok(client, "/chains/medical-supplies")
    assert chain["stages"] == {"upstream": 1, "midstream": 3, "downstream": 1}
    assert (chain["products"], chain["key_enterprises"]) == (5, 1)
    assert chain["description"] == "Masks, protective suits and ventilators"
    assert chain["source"] == "chains.csv" and chain["load_id"].startswith("L")


def test_chain_products_by_stage_and_pages(client: TestClient) -> None:
    mid = ok(client, "/chains/medical-supplies/products?stage=midstream")
    assert [p["id"] for p in mid["items"]] == ["MB-FABRIC", "NOSE-WIRE", "SB-FABRIC"]
    assert {p["stage"] for p in mid["items"]} == {"midstream"}
    first = ok(client, "/chains/medical-supplies/products?limit=2")
    second = ok(client, f"/chains/medical-supplies/products?limit=2&offset={first['next_offset']}")
    third = ok(client, f"/chains/medical-supplies/products?limit=2&offset={second['next_offset']}")
    ids = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert ids == ["MB-FABRIC", "N95", "NOSE-WIRE", "PP-HMF", "SB-FABRIC"]
    assert (first["total"], third["next_offset"]) == (5, None)


# ---- enterprises --------------------------------------------------------------------------------


def test_enterprise_detail(client: TestClient) -> None:
    c = ok(client, f"/enterprises/{C}")
    assert (c["name"], c["suppliers"], c["customers"], c["products"]) == (
        "Shenzhen Mask Works",
        3,
        0,
        1,
    )
    assert c["region"] == {"code": "440300", "name": "Shenzhen", "level": "city"}
    assert c["parent"] is None and c["lat"] == pytest.approx(22.54)
    b = ok(client, f"/enterprises/{B}")
    assert b["parent"] == {"id": A, "name": "Hangzhou Polymer Co.", "share": 0.6}
    assert (b["suppliers"], b["customers"]) == (1, 1)
    a = ok(client, f"/enterprises/{A}")
    assert a["aliases"] == ["HZ Polymer", "杭州聚合"] and a["tags"] == ["resin"]
    d = ok(client, f"/enterprises/{D}")
    assert d["region"] is None and d["customers"] == 1  # two SUPPLIES edges, one customer


def test_suppliers_by_tier_with_paths(client: TestClient) -> None:
    one = ok(client, f"/enterprises/{C}/suppliers?tiers=1")
    assert tier_rows(one) == {(1, D, (D, C)), (1, B, (B, C)), (1, E, (E, C))}
    two = ok(client, f"/enterprises/{C}/suppliers?tiers=2")
    assert tier_rows(two) == tier_rows(one) | {(2, A, (A, B, C))}
    products = {h["id"]: h["product"] for h in two["items"]}
    assert (products[B], products[E], products[A]) == ("MB-FABRIC", "NOSE-WIRE", "PP-HMF")
    assert products[D] == "MB-FABRIC"  # D supplies two products; the first by id is reported
    default = ok(client, f"/enterprises/{C}/suppliers")  # 3 tiers
    assert tier_rows(default) == tier_rows(two)


def test_suppliers_pages_nearest_tier_first(client: TestClient) -> None:
    p1 = ok(client, f"/enterprises/{C}/suppliers?tiers=2&limit=2")
    assert [h["id"] for h in p1["items"]] == [D, B]
    assert (p1["total"], p1["limit"], p1["offset"], p1["next_offset"]) == (4, 2, 0, 2)
    p2 = ok(client, f"/enterprises/{C}/suppliers?tiers=2&limit=2&offset=2")
    assert [h["id"] for h in p2["items"]] == [E, A]
    assert p2["next_offset"] is None
    past = ok(client, f"/enterprises/{C}/suppliers?tiers=2&offset=10")
    assert (past["items"], past["total"], past["next_offset"]) == ([], 4, None)


def test_customers_by_tier(client: TestClient) -> None:
    body = ok(client, f"/enterprises/{A}/customers?tiers=3")
    assert tier_rows(body) == {(1, B, (A, B)), (2, C, (A, B, C))}
    assert [h["product"] for h in body["items"]] == ["PP-HMF", "MB-FABRIC"]
    assert ok(client, f"/enterprises/{C}/customers")["total"] == 0


def test_enterprise_products(client: TestClient) -> None:
    body = ok(client, f"/enterprises/{D}/products")
    assert [
        (p["id"], p["capacity_per_day"], p["output_per_day"], p["unit"], p["as_of"])
        for p in body["items"]
    ] == [("MB-FABRIC", 3.0, 3.0, "t", "2022-12-01"), ("SB-FABRIC", 10.0, 7.0, "t", "2022-12-01")]
    assert body["total"] == 2


# ---- products -----------------------------------------------------------------------------------


def test_product_detail(client: TestClient) -> None:
    n95 = ok(client, "/products/N95")
    assert (n95["name"], n95["hs_code"], n95["category"], n95["unit"]) == (
        "N95 respirator",
        "630790",
        "final",
        "piece",
    )
    assert n95["chains"] == [
        {"id": "medical-supplies", "name": "Medical supplies", "stage": "downstream"}
    ]
    assert (n95["producer_count"], n95["inputs"], n95["outputs"]) == (1, 3, 0)
    resin = ok(client, "/products/PP-HMF")
    assert (resin["hs_code"], resin["inputs"], resin["outputs"]) == ("390210", 0, 2)
    # Results the analyses write back are absent until they run.
    assert n95["sourcing"] is None and n95["warning_level"] is None


def test_producers_largest_capacity_first(client: TestClient) -> None:
    body = ok(client, "/products/MB-FABRIC/producers")
    assert [(p["id"], p["capacity_per_day"], p["region"]) for p in body["items"]] == [
        (B, 8.0, "320500"),
        (D, 3.0, None),
    ]
    page = ok(client, "/products/MB-FABRIC/producers?limit=1&offset=1")
    assert [p["id"] for p in page["items"]] == [D] and page["next_offset"] is None


def test_product_upstream_and_downstream(client: TestClient) -> None:
    up = ok(client, "/products/N95/upstream?tiers=2")
    assert tier_rows(up) == {
        (1, "MB-FABRIC", ("MB-FABRIC", "N95")),
        (1, "NOSE-WIRE", ("NOSE-WIRE", "N95")),
        (1, "SB-FABRIC", ("SB-FABRIC", "N95")),
        (2, "PP-HMF", ("PP-HMF", "MB-FABRIC", "N95")),
    }
    down = ok(client, "/products/PP-HMF/downstream?tiers=5")
    assert tier_rows(down) == {
        (1, "MB-FABRIC", ("PP-HMF", "MB-FABRIC")),
        (1, "SB-FABRIC", ("PP-HMF", "SB-FABRIC")),
        (2, "N95", ("PP-HMF", "MB-FABRIC", "N95")),
    }


# ---- loads (read side) --------------------------------------------------------------------------


def test_load_records(client: TestClient) -> None:
    body = ok(client, "/loads?limit=3")
    assert body["total"] == 9 and len(body["items"]) == 3 and body["next_offset"] == 3
    record = body["items"][0]
    assert record["status"] == "completed" and "/" not in record["file"]
    one = ok(client, f"/loads/{record['id']}")
    assert one == record
    assert ok(client, "/loads?status=rejected")["total"] == 0
    kinds = {r["kind"] for r in ok(client, "/loads")["items"]}
    assert kinds == {
        "regions",
        "chains",
        "enterprises",
        "products",
        "bom",
        "supplies",
        "capacity",
        "inventory",
        "key_enterprises",
    }


# ---- unknown ids and bad parameters -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("/chains/no-such-chain", "chain"),
        ("/chains/no-such-chain/products", "chain"),
        ("/enterprises/NOPE", "enterprise"),
        ("/enterprises/NOPE/suppliers", "enterprise"),
        ("/enterprises/NOPE/customers", "enterprise"),
        ("/enterprises/NOPE/products", "enterprise"),
        ("/enterprises/n95/suppliers", "enterprise"),  # ids are case-sensitive
        ("/products/NOPE", "product"),
        ("/products/NOPE/producers", "product"),
        ("/products/NOPE/upstream", "product"),
        ("/products/NOPE/downstream", "product"),
        (f"/products/{C}", "product"),  # an enterprise is not a product
        ("/loads/L20240101T000000-00000000", "load"),
    ],
)
def test_unknown_ids_are_404_problems(client: TestClient, url: str, what: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "urn:supplymap:problem:not-found"
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert f"no {what} with id" in body["detail"]
    assert body["instance"] == r.request.url.path


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (f"/enterprises/{C}/suppliers?tiers=0", "tiers"),
        (f"/enterprises/{C}/suppliers?tiers=21", "tiers"),
        (f"/enterprises/{C}/suppliers?tiers=three", "tiers"),
        (f"/enterprises/{C}/customers?tiers=-1", "tiers"),
        ("/products/N95/upstream?tiers=1.5", "tiers"),
        ("/chains?limit=0", "limit"),
        ("/chains?limit=1001", "limit"),
        ("/chains?offset=-1", "offset"),
        ("/chains?offset=99999999", "offset"),
        ("/products/MB-FABRIC/producers?limit=abc", "limit"),
        ("/chains/medical-supplies/products?stage=retail", "stage"),
        ("/loads?status=done", "status"),
        ("/loads/not-a-load-id", "id"),
        ("/chains/bad%20chain", "id"),
        ("/enterprises/" + "x" * 201, "id"),
        ("/enterprises/%20leading-space", "id"),
        ("/products/tab%09inside", "id"),
    ],
)
def test_bad_parameters_are_422_problems(client: TestClient, url: str, name: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "urn:supplymap:problem:invalid-parameters"
    assert [e["name"] for e in body["errors"]] == [name]
    assert name in body["detail"]


def test_unknown_endpoint_and_method_are_problems(client: TestClient) -> None:
    r = client.get("/nowhere")
    assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
    assert "no such endpoint" in r.json()["detail"]
    r = client.delete("/chains")
    assert (r.status_code, r.headers["content-type"]) == (405, "application/problem+json")


def test_tiers_has_one_range_in_the_cli_and_the_api(client: TestClient) -> None:
    from typer.testing import CliRunner

    from api.params import MAX_TIERS as API_MAX
    from kg.cli import app
    from kg.tiers import MAX_TIERS

    assert API_MAX == MAX_TIERS
    too_many = CliRunner().invoke(app, ["suppliers", "X", "--tiers", str(MAX_TIERS + 1)])
    assert too_many.exit_code == 2 and f"less than or equal to {MAX_TIERS}" in too_many.output
    assert client.get(f"/enterprises/X/suppliers?tiers={MAX_TIERS + 1}").status_code == 422
    schema = client.get("/openapi.json").json()
    params = schema["paths"]["/enterprises/{id}/suppliers"]["get"]["parameters"]
    tiers = next(p for p in params if p["name"] == "tiers")
    assert (tiers["schema"]["minimum"], tiers["schema"]["maximum"]) == (1, MAX_TIERS)


def test_search_enterprises_by_text_region_and_chain(client: TestClient) -> None:
    def ids(url: str) -> set[str]:
        body = client.get(url).json()
        assert body["total"] == len(body["items"]), body
        return {e["id"] for e in body["items"]}

    assert ids("/enterprises?q=NONWOVEN") == {"91310000MA1E45678E"}
    assert ids("/enterprises?q=hz%20polymer") == {"91330100MA2B123450"}  # an alias
    assert ids("/enterprises?q=杭州") == {"91330100MA2B123450"}
    # Zhejiang holds Hangzhou, which holds the polymer plant
    assert ids("/enterprises?region=330000") == {"91330100MA2B123450"}
    assert ids("/enterprises?region=330000&q=mask") == set()
    made = ids("/enterprises?chain=medical-supplies")
    assert {"91330100MA2B123450", "91320500MA1C23456M", "91440300MA5D34567E"} <= made
    first = client.get("/enterprises?limit=2").json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2 and first["total"] >= 5
    names = [e["name"] for e in first["items"]]
    assert names == sorted(names)
    rest = client.get(f"/enterprises?limit=1000&offset={first['next_offset']}").json()
    assert rest["next_offset"] is None
    assert len(rest["items"]) == first["total"] - 2
    assert client.get("/enterprises?region=bad code!").status_code == 422
    assert client.get("/enterprises?q=").status_code == 422


def test_search_products(client: TestClient) -> None:
    body = client.get("/products?q=560312").json()  # an HS code
    assert [(p["id"], p["chains"]) for p in body["items"]] == [("MB-FABRIC", ["medical-supplies"])]
    fabrics = client.get("/products?q=nonwoven&chain=medical-supplies").json()
    assert {p["id"] for p in fabrics["items"]} == {"MB-FABRIC", "SB-FABRIC"}
    assert client.get("/products?chain=no-such-chain").json()["total"] == 0
