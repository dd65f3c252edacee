"""/analysis/* and POST /scenarios/disruption on the hand-made N95 chain (tests/data/canonical).

N95 (the one key product: category final) needs melt-blown (B or D), spunbond (D only) and nose
wire (E only); both fabrics need resin (A only); C alone makes N95. Worked out by hand:
- sole sources: PP-HMF (A), SB-FABRIC (D), NOSE-WIRE (E), N95 (C); MB-FABRIC has two;
- losing A, C, D or E makes N95 unavailable; losing B does not (D also makes melt-blown);
- N95 output: spunbond 10 t/day / 0.000008 t per mask = 1,250,000 a day, below C's capacity
  of 2,000,000 and the other inputs' limits (melt-blown 11 / 0.000004 = 2.75M, wire
  500 / 0.00012 = 4.17M): spunbond limits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client, fingerprint

from kg.analysis import bottlenecks, key_enterprises, rank_bottlenecks, spof
from kg.analysis.leading import order_spof
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


def get(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.json()


def test_single_sources(client: TestClient) -> None:
    body = get(client, "/analysis/single-source")
    assert {(p["product"], p["sourcing"]) for p in body["items"]} == {
        ("PP-HMF", "sole"),
        ("SB-FABRIC", "sole"),
        ("NOSE-WIRE", "sole"),
        ("N95", "sole"),
    }
    everything = get(client, "/analysis/single-source?all=true")
    melt = next(p for p in everything["items"] if p["product"] == "MB-FABRIC")
    assert (melt["sourcing"], melt["producers"]) == ("multiple", 2)
    assert everything["total"] == 5


def test_spof_of_n95(client: TestClient, graph: Graph) -> None:
    body = get(client, "/analysis/spof?product=N95&limit=1000")
    nodes = {link["node"] for link in body["items"]}
    assert {A, C, D, E} <= nodes and B not in nodes
    a = next(link for link in body["items"] if link["node"] == A)
    assert a["path"][0] == A and a["path"][-1] == "N95" and a["reason"]
    # The same answer as the library's, row for row, in the order of `analyze spof`.
    ordered = order_spof(graph, spof(graph, "N95"))
    assert body["items"] == [{**x.as_dict(), "leads": leads} for x, leads in ordered]
    leads = [link["leads"] for link in body["items"]]
    assert leads == sorted(leads, reverse=True)  # the rows that matter first


def test_bottlenecks_and_key_enterprises_match_the_library(
    client: TestClient, graph: Graph
) -> None:
    body = get(client, "/analysis/bottlenecks?limit=1000")
    expected = [x.as_dict() for x in rank_bottlenecks(graph)]
    assert body["total"] == len(expected)
    assert [(r["rank"], r["node"], r["score"]) for r in body["items"]] == [
        (r["rank"], r["node"], r["score"]) for r in expected
    ]
    assert [r["rank"] for r in body["items"]] == list(range(1, len(expected) + 1))
    spofs = {r.node for r in bottlenecks(graph) if r.is_spof}
    assert {A, C, D, E} <= spofs and B not in spofs
    ranked = {r["node"] for r in body["items"] if r["spof_for"]}
    assert ranked and ranked <= spofs
    keys = get(client, "/analysis/key-enterprises?chain=medical-supplies&limit=1000")
    assert [r["enterprise"] for r in keys["items"]] == [
        r.enterprise for r in key_enterprises(graph, "medical-supplies")
    ]
    listed = next(r for r in keys["items"] if r["enterprise"] == C)
    assert listed["listed"] is True  # on the chain's key-enterprise white list


def test_capacity_of_n95(client: TestClient) -> None:
    body = get(client, "/analysis/capacity?product=N95")
    assert body["achievable_per_day"] == pytest.approx(1_250_000)
    assert body["limiting_input"] == "SB-FABRIC"
    rows = get(client, "/analysis/capacities")
    assert rows["total"] == 5


def test_disruption_of_the_spunbond_maker(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    r = client.post("/scenarios/disruption", json={"enterprises": [D]})
    assert r.status_code == 200, r.text
    body = r.json()
    lost = {p["product"] for p in body["items"] if p["status"] == "lost"}
    reduced = {p["product"] for p in body["items"] if p["status"] == "reduced"}
    assert {"SB-FABRIC", "N95"} <= lost and "MB-FABRIC" in reduced
    assert body["enterprises"] == [D] and body["enterprises_removed"] == 1
    assert body["lost"] == len(lost) and body["total"] == body["lost"] + body["reduced"]
    assert fingerprint(graph) == before  # a scenario writes nothing


def test_losing_b_loses_nothing(client: TestClient) -> None:
    body = client.post("/scenarios/disruption", json={"enterprises": [B]}).json()
    assert body["lost"] == 0


@pytest.mark.parametrize(
    ("method", "url", "json", "status"),
    [
        ("get", "/analysis/spof?product=NOPE", None, 404),
        ("get", "/analysis/capacity?product=NOPE", None, 404),
        ("get", "/analysis/capacity", None, 422),
        ("get", "/analysis/bottlenecks?chain=no-such-chain", None, 404),
        ("get", "/analysis/single-source?region_level=planet", None, 422),
        ("get", "/analysis/spof?product=%20x", None, 422),
        ("post", "/scenarios/disruption", {}, 422),
        ("post", "/scenarios/disruption", {"enterprises": ["NOPE"]}, 404),
        ("post", "/scenarios/disruption", {"regions": ["bad code!"]}, 422),
        ("post", "/scenarios/disruption", {"enterprises": "x"}, 422),
        ("post", "/scenarios/disruption", {"enterprises": ["x"] * 1001}, 422),
        ("post", "/scenarios/disruption", {"factories": ["x"]}, 422),
        ("post", "/scenarios/disruption", {"products": ["N95' DETACH DELETE n //"]}, 404),
    ],
)
def test_bad_requests(
    client: TestClient, graph: Graph, method: str, url: str, json: Any, status: int
) -> None:
    before = fingerprint(graph)
    r = client.request(method.upper(), url, json=json)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert fingerprint(graph) == before


def test_disruption_map(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    r = client.post("/scenarios/disruption/map", json={"enterprises": [D]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "Spunbond nonwoven" in r.text and "N95 respirator" in r.text
    assert fingerprint(graph) == before
    bad = client.post("/scenarios/disruption/map", json={"enterprises": ["NOPE"]})
    assert bad.status_code == 404 and bad.headers["content-type"] == "application/problem+json"
