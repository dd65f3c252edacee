"""GET /warnings on the monitoring fixtures (tests/data/monitor, reference date 2024-03-10).

The expected warnings are the hand-worked ones of tests/test_monitor_warnings.py (see the
arithmetic there); the cascade is switched off by a rules file, as there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import KEY, TestClient, api_client, fingerprint

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

MONITOR = Path(__file__).parent / "data" / "monitor"
AT = "2024-03-10"
RED = {
    ("red", "parts-cover", "holding", "WIRE", "M1", "2024-03-10"),  # 4,000 m at 2,000/day
    ("red", "raw-cover", "holding", "FIB-A", "M1", "2024-03-12"),  # 120 t at 30/day
    ("red", "raw-gap", "product", "RESIN", "", None),  # 40/day against 60
    ("red", "raw-gap", "product", "FIB-B", "", None),  # 30/day against 40
}
YELLOW = {
    ("yellow", "raw-cover", "holding", "RESIN", "P-FIBA", "2024-03-18"),
    ("yellow", "raw-cover-total", "product", "FIB-A", "", "2024-03-18"),
    ("yellow", "raw-gap", "product", "GLUE", "", None),
}


@pytest.fixture(scope="module")
def client(
    server: Any, graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    reports = Loader(graph).load_files(sorted(MONITOR.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    rules = tmp_path_factory.mktemp("rules") / "no-cascade.yaml"
    rules.write_text("cascade: {levels: []}\n", encoding="utf-8")
    with api_client(server, graph, api_keys=KEY, api_rules_file=rules) as c:
        yield c


def rows(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (
            w["level"],
            w["rule"],
            w["subject"],
            w["product"],
            w["enterprise"] or w["area"] or "",
            w["runs_out"],
        )
        for w in body["items"]
    }


def get(client: TestClient, query: str) -> dict[str, Any]:
    r = client.get("/warnings?" + query)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_red_warnings(client: TestClient) -> None:
    body = get(client, f"as_of={AT}&level=red")
    assert rows(body) == RED
    assert body["counts"] == {"red": 4, "yellow": 3, "blue": 10}
    assert body["as_of"] == AT and body["rules"].endswith("no-cascade.yaml")
    wire = next(w for w in body["items"] if w["product"] == "WIRE")
    assert (wire["value"], wire["threshold"], wire["as_of"]) == (2.0, 3.0, "2024-03-08")
    assert "parts red light" in wire["reason"] and wire["chains"] == ["medical"]


def test_levels_include_the_more_severe(client: TestClient) -> None:
    assert rows(get(client, f"as_of={AT}&level=yellow")) == RED | YELLOW
    assert get(client, f"as_of={AT}")["total"] == 17


def test_chain_filter(client: TestClient) -> None:
    assert rows(get(client, f"as_of={AT}&level=yellow&chain=hardware")) == {
        ("yellow", "raw-gap", "product", "GLUE", "", None)
    }


def test_most_severe_first_in_pages(client: TestClient) -> None:
    first = get(client, f"as_of={AT}&limit=3")
    second = get(client, f"as_of={AT}&limit=3&offset=3")
    levels = [w["level"] for w in first["items"] + second["items"]]
    assert levels == ["red"] * 4 + ["yellow"] * 2
    assert (first["total"], first["next_offset"], second["next_offset"]) == (17, 3, 6)
    # Among the reds, the earliest to run out comes first.
    assert [w["product"] for w in first["items"][:2]] == ["WIRE", "FIB-A"]


def test_the_reference_date_replays_another_day(client: TestClient) -> None:
    # On 03-05 M1's latest WIRE snapshot is 9,000 at 2,000/day: 4.5 days, no red light.
    early = get(client, "as_of=2024-03-05&level=red")
    assert not {r for r in rows(early) if r[1] == "parts-cover"}


def test_reads_write_nothing_and_loads_show_at_once(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    get(client, f"as_of={AT}")
    assert fingerprint(graph) == before  # warnings are computed, never written by a GET
    # A new snapshot (through the API) is seen by the next request: 20,000 m of WIRE on
    # 03-09 at 2,000/day is 10 days of cover, so M1's red light goes out.
    csv = b"holder,product,stock,daily_use,as_of\nM1,WIRE,20000,2000,2024-03-09\n"
    r = client.post(
        "/loads",
        files={"file": ("inventory-0309.csv", csv, "text/csv")},
        data={"kind": "inventory"},
        headers={"X-API-Key": KEY},
    )
    assert r.status_code == 200, r.text
    assert rows(get(client, f"as_of={AT}&level=red")) == RED - {
        ("red", "parts-cover", "holding", "WIRE", "M1", "2024-03-10")
    }


@pytest.mark.parametrize(
    ("query", "status", "name"),
    [
        ("level=purple", 422, "level"),
        ("as_of=yesterday", 422, "as_of"),
        ("as_of=2024-02-30", 422, "as_of"),
        ("chain=bad%20chain", 422, "chain"),
        ("chain=medical'%20OR%201=1", 422, "chain"),
        ("limit=5000", 422, "limit"),
    ],
)
def test_bad_parameters(client: TestClient, query: str, status: int, name: str) -> None:
    r = client.get("/warnings?" + query)
    assert r.status_code == status, r.text
    assert [e["name"] for e in r.json()["errors"]] == [name]


def test_unknown_chain_is_404(client: TestClient) -> None:
    r = client.get(f"/warnings?as_of={AT}&chain=no-such-chain")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "no-such-chain" in r.json()["detail"]


def test_default_date_is_the_latest_snapshot(client: TestClient, graph: Graph) -> None:
    from kg.monitor import latest_snapshot_date

    latest = latest_snapshot_date(graph)
    assert latest is not None and latest < dt.date.today()
    assert get(client, "limit=1")["as_of"] == latest.isoformat()  # as `supplymap warnings`


# ---- stockpiles and allocation (hand-worked in tests/test_monitor_allocation.py) -------------


def test_stockpiles_by_reserve_product_and_region(client: TestClient) -> None:
    body = get_path(client, f"/stockpiles?by=reserve&as_of={AT}")
    assert {
        (r["reserve"], r["product"], r["stock"], r["target"], r["shortfall"], r["under_target"])
        for r in body["items"]
    } == {
        ("RES1", "MASK", 20000, 50000, 30000, True),
        ("RES2", "MASK", 40000, 30000, 0, False),
        ("RES1", "RESIN", 500, 400, 0, False),
    }
    assert body["under_target"] == ["MASK"] and body["as_of"] == AT
    products = {r["product"]: r for r in get_path(client, f"/stockpiles?as_of={AT}")["items"]}
    # MASK: 60,000 held against 80,000, national demand 8,500 a day.
    assert (products["MASK"]["stock"], products["MASK"]["target"]) == (60000, 80000)
    assert products["MASK"]["days_of_demand"] == pytest.approx(60000 / 8500)
    regions = get_path(client, f"/stockpiles?by=region&as_of={AT}&limit=1")
    assert (regions["total"], regions["next_offset"]) == (3, 1)


def test_allocation_by_priority(client: TestClient) -> None:
    body = get_path(client, f"/allocations/MASK?as_of={AT}")
    # Output 4,000 a day: priority 1 (1,500 + 500) in full, ELDER gets the 2,000 left (80%),
    # SCHOOL nothing.
    assert {
        (a["area"], a["priority"], a["demand"], a["allocated"], a["unmet"]) for a in body["items"]
    } == {
        ("H-CITY", 1, 1500, 1500, 0),
        ("H-RURAL", 1, 500, 500, 0),
        ("ELDER", 2, 2500, 2000, 500),
        ("SCHOOL", 3, 1000, 0, 1000),
    }
    assert (body["supply"], body["demand"], body["allocated"], body["unmet"]) == (
        4000,
        5500,
        4000,
        1500,
    )
    assert [s["priority"] for s in body["steps"]] == [1, 2, 3]
    given = get_path(client, f"/allocations/MASK?as_of={AT}&supply=1000")
    assert {a["area"]: a["allocated"] for a in given["items"]} == {
        "H-CITY": 750,
        "H-RURAL": 250,
        "ELDER": 0,
        "SCHOOL": 0,
    }


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/allocations/NOPE", 404),
        ("/allocations/MASK?supply=-1", 422),
        ("/allocations/MASK?basis=rumour", 422),
        ("/allocations/%20MASK", 422),
        ("/stockpiles?by=planet", 422),
    ],
)
def test_reserve_errors(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


def get_path(client: TestClient, url: str) -> dict[str, Any]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body
