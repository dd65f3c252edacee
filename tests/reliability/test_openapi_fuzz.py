"""Schemathesis against /openapi.json: generated requests to every operation (a bounded number
per operation) never get a 5xx, and every answer matches the documented schema; the graph is
unchanged afterwards."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from apiclient import api_client
from helpers import CANONICAL, fingerprint
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 8  # per operation: bounded for CI on 2 cores


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    return graph


def test_generated_requests_never_break_the_service(server: Any, loaded: Graph) -> None:
    before = fingerprint(loaded)
    failures: list[str] = []
    tried = 0
    # Writes stay disabled (no keys): the fuzz exercises every read and every refusal.
    with api_client(server, loaded, api_cache_seconds=0, api_max_body_kb=64) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 20
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case: Any) -> None:
                nonlocal tried
                tried += 1
                try:
                    case.call_and_validate(
                        checks=[
                            not_a_server_error,
                            response_schema_conformance,
                            content_type_conformance,
                        ]
                    )
                except Exception as exc:
                    failures.append(f"{case.operation.label}: {str(exc)[:300]}")
                    raise

            with contextlib.suppress(Exception):
                run()
    assert failures == [], "\n".join(failures[:10])
    assert tried > len(operations)
    print(f"schemathesis: {tried} requests over {len(operations)} operations")
    assert fingerprint(loaded) == before
