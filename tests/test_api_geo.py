"""GET /maps/geo and POST /scenarios/disruption/geo: the geographic map, served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client, fingerprint

from kg.connection import Graph
from kg.maps.basemap import basemap
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
WUHAN = "91420100MA4F56789C"  # its name becomes markup below
NASTY = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    graph.write("MATCH (e:Enterprise {id: $id}) SET e.name = $name", {"id": WUHAN, "name": NASTY})
    with api_client(server, graph) as c:
        yield c


def payload(page: str) -> dict[str, Any]:
    text = page.split('<script type="application/json" id="geo-data">', 1)[1]
    data = json.loads(text.split("</script>", 1)[0])
    assert isinstance(data, dict)
    return data


def served(client: TestClient, method: str, url: str, **kwargs: Any) -> str:
    r = client.request(method, url, **kwargs)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert NASTY not in r.text  # only escaped
    return r.text


def test_every_enterprise_and_one_chain(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    everything = payload(served(client, "GET", "/maps/geo"))
    placed = graph.query("MATCH (e:Enterprise) WHERE e.lat IS NOT NULL RETURN e.id AS id")
    assert set(everything["points"]["id"]) == {r["id"] for r in placed}
    chain = payload(served(client, "GET", "/maps/geo?chain=medical-supplies"))
    makers = graph.query(
        "MATCH (:Chain {id: 'medical-supplies'})<-[:IN_CHAIN]-(:Product)<-[:PRODUCES]-(e) "
        "RETURN DISTINCT e.id AS id, e.lat IS NOT NULL AS placed"
    )
    assert {r["id"] for r in makers if r["placed"]} <= set(chain["points"]["id"])
    unplaced = sum(1 for r in makers if not r["placed"])
    assert unplaced and any(
        n.startswith(f"{unplaced} enterprise(s) have no") for n in chain["notes"]
    )
    assert NASTY in chain["points"]["n"]  # the name, as data
    assert fingerprint(graph) == before


def test_a_scenario_shades_its_region(client: TestClient) -> None:
    page = served(client, "POST", "/scenarios/disruption/geo", json={"regions": ["320000"]})
    data = payload(page)
    jiangsu = basemap().shape_of("320000")
    assert jiangsu in {s[0] for s in data["shades"]["disruption"]}
    assert data["shade"] == "disruption"


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", "/maps/geo?chain=no-such-chain", None, 404),
        ("GET", "/maps/geo?chain=bad%20id", None, 422),
        ("POST", "/scenarios/disruption/geo", {}, 422),
        ("POST", "/scenarios/disruption/geo", {"regions": ["999999"]}, 404),
    ],
)
def test_errors_are_problems(
    client: TestClient, method: str, url: str, body: Any, status: int
) -> None:
    r = client.request(method, url, json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
