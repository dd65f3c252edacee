"""/plans/* on the hand-made planning graph (plan_fixtures): the same answers as the library."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import TestClient, api_client
from plan_fixtures import write_files

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(
    server: Any, graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    files = write_files(Path(tmp_path_factory.mktemp("plan")))
    reports = Loader(graph).load_files(files, LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    with api_client(server, graph) as c:
        yield c


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def test_capacity(client: TestClient) -> None:
    body = ok(client.get("/plans/capacity?chain=plan-share&objective=demand-share"))
    assert body["smallest_share"] == pytest.approx(100 / 120)
    assert {
        (p["product"], p["joint_per_day"], p["single_product_per_day"]) for p in body["products"]
    } == {
        ("N95", 25.0, 50.0),
        ("SURG", 50.0, 90.0),
    }
    assert [(s["product"], s["feeds"]) for s in body["shadow_prices"]] == [("MB", ["N95", "SURG"])]
    body = ok(client.get("/plans/capacity?chain=plan-share&weights=equal"))
    assert {(p["product"], p["joint_per_day"]) for p in body["products"]} == {
        ("N95", 5.0),
        ("SURG", 90.0),
    }
    assert client.get("/plans/capacity?objective=most").status_code == 422
    r = client.get("/plans/capacity?chain=no-such-chain")
    assert r.status_code == 404 and "no chain with id 'no-such-chain'" in r.json()["detail"]


def test_rampup(client: TestClient) -> None:
    body = ok(client.get("/plans/rampup?product=VENT&horizon=20"))
    assert [(p["product"], p["day_met"]) for p in body["products"]] == [("VENT", 12)]
    assert {(d["day"], d["output_per_day"]) for d in body["days"]} == {
        (t, 40.0 + 5 * t) for t in range(21)
    }
    body = ok(client.get("/plans/rampup?product=N95&product=SURG&horizon=12"))
    assert body["all_met_day"] == 10
    assert client.get("/plans/rampup?horizon=9999").status_code == 422
    assert client.get("/plans/rampup?product=NOPE").status_code == 404
    assert client.get("/plans/rampup?product=%20bad").status_code == 422


def test_resume(client: TestClient) -> None:
    body = ok(
        client.post(
            "/plans/resume", json={"regions": ["L"], "chain": "plan-res", "minimise": "capacity"}
        )
    )
    assert [(e["order"], e["enterprise"], e["unlocks"]) for e in body["white_list"]] == [
        (1, "rc", ["R-FIN"]),
        (2, "pa", ["R-FIN"]),
    ]
    assert (body["status"], body["stopped"], body["restart"]) == ("optimal", 4, 2)
    body = ok(
        client.post(
            "/plans/resume", json={"regions": ["L"], "chain": "plan-res", "keep_stopped": ["pa"]}
        )
    )
    assert body["unreachable"] == ["R-FIN"]
    assert client.post("/plans/resume", json={}).status_code == 422
    assert (
        client.post("/plans/resume", json={"regions": ["L"], "target_share": 2}).status_code == 422
    )
    assert client.post("/plans/resume", json={"regions": ["NOWHERE"]}).status_code == 404
    assert client.post("/plans/resume", json={"regions": ["L"], "extra": 1}).status_code == 422


def test_stockpiles(client: TestClient) -> None:
    body = ok(client.post("/plans/stockpiles", json={"chain": "plan-res"}))
    assert {(p["product"], p["reserve_needed"], p["target_today"]) for p in body["products"]} == {
        ("R-FIN", 550.0, 300.0)
    }
    assert body["by_region"] == [
        {
            "region": "O",
            "product": "R-FIN",
            "reserve_needed": 550.0,
            "target_today": 300.0,
            "stock_today": 100.0,
        }
    ]
    body = ok(
        client.post(
            "/plans/stockpiles",
            json={"chain": "plan-res", "scenarios": [{"name": "x", "enterprises": ["fa", "fb"]}]},
        )
    )
    assert [(n["scenario"], n["reserve_needed"]) for n in body["needs"]] == [("x", 250.0)]
    bad = client.post("/plans/stockpiles", json={"scenarios": [{"name": "empty"}]})
    assert bad.status_code == 422


def test_plans_need_a_key(client: TestClient) -> None:
    r = client.get("/plans/capacity", headers={"X-API-Key": "wrong"})
    assert r.status_code == 401
