"""POST /loads: uploads go through the same pipeline, validation and rejects as the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiclient import KEY, TestClient, api_client, fingerprint

from kg.connection import Graph

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"
CANONICAL = DATA / "canonical"
AUTH = {"X-API-Key": KEY}

BAD_ENTERPRISES = (
    "id,name,lat,lon,scale,parent_id\n"
    "E-GOOD-1,Good One,30.1,120.2,large,\n"
    "E-BAD-LAT,Bad Latitude,95,120.2,small,\n"
    "E-GOOD-2,Good Two,,,medium,E-GOOD-1\n"
    "E-SELF,Own Parent,,,micro,E-SELF\n"
)
CHAIN_MAPPING = """\
name: my-chains
description: chains from a registry export with its own column names
outputs:
  - kind: chains
    columns:
      id: {from: code, case: lower}
      name: label
"""


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    with api_client(server, graph, api_keys=KEY, api_max_upload_mb=1) as c:
        yield c


def count(graph: Graph, label: str) -> int:
    rows = {
        "Enterprise": "MATCH (n:Enterprise) RETURN count(n) AS c",
        "Product": "MATCH (n:Product) RETURN count(n) AS c",
        "Chain": "MATCH (n:Chain) RETURN count(n) AS c",
        "INPUT_TO": "MATCH (:Product)-[r:INPUT_TO]->(:Product) RETURN count(r) AS c",
        "SUPPLIES": "MATCH (:Enterprise)-[r:SUPPLIES]->(:Enterprise) RETURN count(r) AS c",
    }
    return int(graph.query(rows[label])[0]["c"])


def upload(paths: list[Path]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (p.name, p.read_bytes(), "text/csv")) for p in paths]


def problem(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["type"] == f"urn:supplymap:problem:{kind}"
    return body


def test_canonical_files_in_one_request(client: TestClient, graph: Graph) -> None:
    files = sorted(CANONICAL.glob("*.csv"))
    r = client.post("/loads", files=upload(files), headers=AUTH)
    assert r.status_code == 200, r.text
    reports = {rep["file"]: rep for rep in r.json()["reports"]}
    assert set(reports) == {p.name for p in files}
    assert {rep["status"] for rep in reports.values()} == {"completed"}
    assert reports["enterprises.csv"]["written"] == {
        "Enterprise": 5,
        "LOCATED_IN": 3,
        "OWNED_BY": 1,
    }
    assert reports["supplies.csv"]["written"] == {"SUPPLIES": 5}
    assert reports["bom.csv"]["kinds"] == ["bom"]
    assert all(rep["rejects"] == [] and rep["rejects_total"] == 0 for rep in reports.values())
    assert (count(graph, "Enterprise"), count(graph, "SUPPLIES")) == (5, 5)
    # Loaded data answers at once.
    suppliers = client.get("/enterprises/91440300MA5D34567E/suppliers?tiers=1").json()
    assert suppliers["total"] == 3
    # The same files again: recognised and skipped; forced: loaded again, unchanged.
    again = client.post("/loads", files=upload(files), headers=AUTH).json()["reports"]
    assert {rep["status"] for rep in again} == {"skipped"}
    assert "force=true" in again[0]["message"] and "--force" not in again[0]["message"]
    before = fingerprint(graph)
    forced = client.post(
        "/loads", files=upload([CANONICAL / "bom.csv"]), data={"force": "true"}, headers=AUTH
    )
    assert forced.json()["reports"][0]["status"] == "completed"
    assert count(graph, "INPUT_TO") == 5
    assert fingerprint(graph) != before  # provenance (load_id) moved on, nothing duplicated


def test_a_file_with_bad_rows_is_rejected_whole(client: TestClient, graph: Graph) -> None:
    before = count(graph, "Enterprise")
    files = {"file": ("enterprises-batch2.csv", BAD_ENTERPRISES.encode(), "text/csv")}
    r = client.post("/loads", files=files, data={"kind": "enterprises"}, headers=AUTH)
    body = problem(r, 422, "load-rejected")
    assert "enterprises-batch2.csv (rejected)" in body["detail"]
    (report,) = body["reports"]
    assert report["status"] == "rejected" and report["rows_written"] == 0
    assert (report["rows_read"], report["rows_rejected"]) == (4, 2)
    found = {(x["line"], x["column"]) for x in report["rejects"]}
    assert (3, "lat") in found  # line 3: the header is line 1
    assert any(line == 5 for line, _ in found)
    assert "on_error=skip" in report["message"]
    assert all(x["file"] == "enterprises-batch2.csv" for x in report["rejects"])
    # Nothing from the file was written (only the (:Load) record of the rejection is).
    assert count(graph, "Enterprise") == before
    assert graph.query("MATCH (e:Enterprise) WHERE e.id STARTS WITH 'E-' RETURN e.id") == []
    rejected = client.get("/loads?status=rejected").json()
    assert rejected["total"] == 1 and rejected["items"][0]["id"] == report["load_id"]


def test_skip_loads_the_good_rows_and_lists_the_rest(client: TestClient, graph: Graph) -> None:
    files = {"file": ("enterprises-batch2.csv", BAD_ENTERPRISES.encode(), "text/csv")}
    r = client.post(
        "/loads", files=files, data={"kind": "enterprises", "on_error": "skip"}, headers=AUTH
    )
    assert r.status_code == 200, r.text
    (report,) = r.json()["reports"]
    assert report["status"] == "completed" and report["rows_rejected"] == 2
    assert {x["line"] for x in report["rejects"]} == {3, 5}
    ids = {
        row["id"]
        for row in graph.query("MATCH (e:Enterprise) WHERE e.id STARTS WITH 'E-' RETURN e.id AS id")
    }
    assert ids == {"E-GOOD-1", "E-GOOD-2"}
    owner = client.get("/enterprises/E-GOOD-2").json()["parent"]
    assert owner == {"id": "E-GOOD-1", "name": "Good One", "share": None}


def test_shipped_mapping(client: TestClient, graph: Graph) -> None:
    path = DATA / "willems_01.csv"
    r = client.post(
        "/loads",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        data={"mapping": "willems"},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    (report,) = r.json()["reports"]
    assert report["kinds"] == ["products", "bom"]
    chain = client.get("/chains/willems_01").json()
    assert chain["products"] == 8
    # Willems stage ids are namespaced by chain: willems_01:Retail_0002.
    up = client.get("/products/willems_01:Retail_0002/upstream?tiers=2").json()
    assert {(h["tier"], h["id"]) for h in up["items"]} == {
        (1, "willems_01:Manuf_0001"),
        (1, "willems_01:Manuf_0002"),
        (2, "willems_01:Part_0001"),
        (2, "willems_01:Part_0002"),
        (2, "willems_01:Part_0003"),
    }


def test_uploaded_mapping_file(client: TestClient, graph: Graph) -> None:
    data = b"code,label\nREG-ONE,Registry chain one\nREG-TWO,Registry chain two\n"
    r = client.post(
        "/loads",
        files=[
            ("file", ("registry-export.csv", data, "text/csv")),
            ("mapping_file", ("registry.yaml", CHAIN_MAPPING.encode(), "application/yaml")),
        ],
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert client.get("/chains/reg-two").json()["name"] == "Registry chain two"


def test_json_files_load_too(client: TestClient, graph: Graph) -> None:
    rows = [{"id": "json-chain", "name": "From JSON", "description": "a JSON upload"}]
    r = client.post(
        "/loads",
        files={"file": ("chains.json", json.dumps(rows).encode(), "application/json")},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert client.get("/chains/json-chain").json()["description"] == "a JSON upload"


@pytest.mark.parametrize(
    ("files", "data", "kind", "words"),
    [
        ([("file", ("export.csv", b"id,name\nx,y\n", "text/csv"))], {}, "unreadable-input", "kind"),
        ([("file", ("chains.csv", b"", "text/csv"))], {}, "unreadable-input", "empty"),
        (
            [("file", ("chains.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "text/csv"))],
            {},
            "unreadable-input",
            "chains.csv",
        ),
        (
            [("file", ("chains.docx", b"id,name\n", "text/csv"))],
            {"kind": "chains"},
            "unreadable-input",
            "extension",
        ),
        (
            [("file", ("chains.csv", b"id,name\n", "text/csv"))],
            {"kind": "chains", "mapping": "willems"},
            "invalid-parameters",
            "not both",
        ),
        (
            [
                ("file", ("chains.csv", b"id,name\n", "text/csv")),
                ("mapping_file", ("m.yaml", b"name: x\n", "application/yaml")),
            ],
            {"mapping": "willems"},
            "invalid-parameters",
            "not both",
        ),
        (
            [
                ("file", ("chains.csv", b"id,name\n", "text/csv")),
                ("mapping_file", ("m.txt", b"name: x\n", "text/plain")),
            ],
            {},
            "invalid-parameters",
            ".yaml",
        ),
        (
            [
                ("file", ("chains.csv", b"id,name\n", "text/csv")),
                ("mapping_file", ("m.yaml", b"name: [unclosed\n", "application/yaml")),
            ],
            {},
            "unreadable-input",
            "YAML",
        ),
        (
            [
                ("file", ("chains.csv", b"id,name\n", "text/csv")),
                ("mapping_file", ("m.yaml", b"name: x\noutputs: []\n", "application/yaml")),
            ],
            {},
            "unreadable-input",
            "outputs",
        ),
        (
            [("file", ("a.csv", b"id\n", "text/csv")), ("file", ("a.csv", b"id\n", "text/csv"))],
            {"kind": "chains"},
            "invalid-parameters",
            "same name",
        ),
        ([], {"kind": "chains"}, "invalid-parameters", "file"),
    ],
)
def test_bad_uploads_are_422_with_a_clear_message(
    client: TestClient,
    graph: Graph,
    files: list[Any],
    data: dict[str, str],
    kind: str,
    words: str,
) -> None:
    before = count(graph, "Chain")
    r = client.post("/loads", files=files or None, data=data, headers=AUTH)
    body = problem(r, 422, kind)
    assert words in body["detail"], body["detail"]
    assert "/tmp" not in body["detail"] and "supplymap-upload" not in body["detail"]
    assert count(graph, "Chain") == before


def test_uploads_over_the_limit_are_413(client: TestClient, graph: Graph) -> None:
    before = fingerprint(graph)
    big = b"id,name\n" + b"big-chain,Big\n" * 100_000  # about 1.4 MB, the limit is 1 MB
    r = client.post("/loads", files={"file": ("chains.csv", big, "text/csv")}, headers=AUTH)
    body = problem(r, 413, "upload-too-large")
    assert "1 MB" in body["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="chains.csv"\r\n'
        yield b"Content-Type: text/csv\r\n\r\nid,name\n"
        for _ in range(200):
            yield b"x" * 10_000
        yield b"\r\n--b--\r\n"

    r = client.post(
        "/loads",
        content=chunks(),
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"},
    )
    problem(r, 413, "upload-too-large")
    assert fingerprint(graph) == before


def test_a_mapping_of_two_inputs_and_its_counts_through_the_api(
    client: TestClient, graph: Graph
) -> None:
    folder = DATA / "mappings" / "semiconductor"
    r = client.post(
        "/loads",
        files=[
            *upload([folder / "providers.csv", folder / "provision.csv"]),
            (
                "mapping_file",
                (
                    "semiconductor.yaml",
                    (folder / "semiconductor.yaml").read_bytes(),
                    "application/yaml",
                ),
            ),
        ],
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    (report,) = r.json()["reports"]
    assert report["status"] == "completed" and report["file"] == "providers.csv + provision.csv"
    assert [
        (o["output"], o["rows_in"], o["filtered"], o["rejected"], o["written"])
        for o in report["outputs"]
    ] == [
        ("1:regions", 11, 5, 0, 6),
        ("2:enterprises", 11, 6, 0, 10),  # 5 enterprises and where each sits
        ("3:products", 12, 0, 0, 3),
        ("4:capacity", 12, 7, 0, 5),
        ("5:region_shares", 12, 5, 0, 7),
    ]
