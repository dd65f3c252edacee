"""Tier-by-tier lookups shared by the enterprise and product routers.

These are the service's busiest endpoints, so a request does the least work it can: the
endpoint runs on the event loop and makes one trip to a worker thread for the whole lookup
(its READ transaction, the walk and the page); the page goes straight from plain values to
JSON bytes with orjson, without building the TierPage model and validating it again on the
way out. The bytes are those the TierPage model gives for the same values
(tests/test_api_tier_bytes.py); the values come from kg.tiers, not from the client.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Page
from api.readonly import ReadOnlyGraph, RequestGraph
from kg.connection import Graph
from kg.tiers import Direction, NodeKind, Walk, lookup


def tier_dict(
    graph: Graph,
    node_id: str,
    direction: Direction,
    n: int,
    kind: NodeKind,
    page: Page,
    *,
    walk: Walk = "material",
    inferred: bool | None = None,
) -> dict[str, Any]:
    """Every node within ``n`` tiers (nearest tier first, then by id), one page of them, with
    the walk, whether inferred links counted, and the answer's notes: a TierPage's fields.

    An unknown id raises kg.tiers.NotFoundError, which the service answers with 404.
    """
    answer = lookup(graph, node_id, direction, n, kind, walk=walk, inferred=inferred)
    hits = answer.hits
    items = [h.as_dict() for h in hits[page.offset : page.offset + page.limit]]
    nxt = page.offset + len(items)
    return {
        "items": items,
        "total": len(hits),
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": nxt if nxt < len(hits) and items else None,
        "walk": answer.walk,
        "inferred": answer.inferred,
        "notes": list(answer.notes),
    }


def _tier_body(
    base: ReadOnlyGraph,
    node_id: str,
    direction: Direction,
    n: int,
    kind: NodeKind,
    page: Page,
    walk: Walk,
    inferred: bool | None,
) -> bytes:
    # One READ transaction for the request's statements, rolled back at the end.
    graph = RequestGraph(base.driver, base.database, uri=base.uri, timeout=base.timeout)
    try:
        values = tier_dict(graph, node_id, direction, n, kind, page, walk=walk, inferred=inferred)
    finally:
        graph.close()
    return orjson.dumps(values)


async def tier_response(
    request: Request,
    node_id: str,
    direction: Direction,
    n: int,
    kind: NodeKind,
    page: Page,
    *,
    walk: Walk = "material",
    inferred: bool | None = None,
) -> Response:
    """The page as a JSON response (see tier_dict), read through the service's read-only
    graph. The endpoints take the request rather than a graph or page dependency: FastAPI
    resolves every dependency again on each request, at a cost comparable to the lookup's."""
    graph: ReadOnlyGraph = request.app.state.read_graph
    body = await run_in_threadpool(
        _tier_body, graph, node_id, direction, n, kind, page, walk, inferred
    )
    return Response(body, media_type="application/json")
