"""The tier lookups write their JSON with orjson from plain values, without the TierPage model:
the bytes must be those the model gives (what the service sent before), on the hand-made
mask chain (declared, any-link and inferred links with their float evidence, notes, an empty
answer, a product's bill of materials) and on the shipped sample, through the HTTP API."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from apiclient import TestClient, api_client

from api.deps import Page
from api.models import TierPage
from api.routers.tiered import tier_dict
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR

pytestmark = pytest.mark.integration

TIERS = Path(__file__).parent / "data" / "tiers"


@pytest.fixture(scope="module")
def client(server: Any, graph: Graph) -> Iterator[TestClient]:
    files = [*sorted(TIERS.glob("*.csv")), *(DATA_DIR / n for n in CANONICAL_FILES)]
    for batch in (files[:5], files[5:]):
        reports = Loader(graph).load_files(batch, LoadOptions(on_error="skip"))
        assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    with api_client(server, graph) as c:
        yield c


def model_bytes(values: dict[str, Any]) -> bytes:
    """What FastAPI sent for a TierPage response model: the model's own JSON."""
    return TierPage.model_validate(values).model_dump_json(by_alias=True).encode()


CASES = [
    ("enterprises", "MASKCO", "suppliers", {"tiers": 3}),
    ("enterprises", "MASKCO", "suppliers", {"tiers": 3, "walk": "any"}),
    ("enterprises", "MASKCO", "suppliers", {"tiers": 2, "inferred": "true"}),
    ("enterprises", "PX", "customers", {"tiers": 3, "inferred": "true"}),
    ("enterprises", "PX", "customers", {"tiers": 3, "limit": 1, "offset": 1}),
    ("enterprises", "PX", "suppliers", {"tiers": 2}),  # none: the notes say why
    ("products", "MB-FABRIC", "upstream", {"tiers": 3}),
    ("products", "PP", "downstream", {"tiers": 2}),
]


@pytest.mark.parametrize(("kind", "node", "way", "params"), CASES)
def test_the_bytes_are_the_models(
    client: TestClient, graph: Graph, kind: str, node: str, way: str, params: dict[str, Any]
) -> None:
    r = client.get(f"/{kind}/{node}/{way}", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    direction = "upstream" if way in ("suppliers", "upstream") else "downstream"
    inferred = True if params.get("inferred") == "true" else None
    values = tier_dict(
        graph,
        node,
        direction,  # type: ignore[arg-type]
        params["tiers"],
        "enterprise" if kind == "enterprises" else "product",
        Page(params.get("limit", 100), params.get("offset", 0)),
        walk=params.get("walk", "material"),
        inferred=inferred,
    )
    assert r.content == model_bytes(values) == orjson.dumps(values)
    if inferred:
        assert any(s["evidence"] for h in values["items"] for s in h["links"])


def test_the_bytes_are_the_models_on_the_sample(client: TestClient, graph: Graph) -> None:
    ids = sorted(
        str(r["id"])
        for r in graph.query("MATCH (e:Enterprise) WHERE e.id STARTS WITH '9' RETURN e.id AS id")
    )
    rng = random.Random(7)
    checked = 0
    for node in rng.sample(ids, 25):
        for way, direction in (("suppliers", "upstream"), ("customers", "downstream")):
            r = client.get(f"/enterprises/{node}/{way}", params={"tiers": 3})
            assert r.status_code == 200, r.text
            values = tier_dict(graph, node, direction, 3, "enterprise", Page(100, 0))  # type: ignore[arg-type]
            assert r.content == model_bytes(values)
            checked += bool(values["items"])
    assert checked > 10


def test_an_unknown_id_is_still_a_problem(client: TestClient) -> None:
    r = client.get("/enterprises/NOPE-404/suppliers")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "no enterprise with id 'NOPE-404'" in r.json()["detail"]
