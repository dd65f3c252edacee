"""Tier-by-tier lookups shared by the enterprise and product routers."""

from __future__ import annotations

from api.deps import Page
from api.models import TierHitOut, TierPage
from kg.connection import Graph
from kg.tiers import Direction, NodeKind, Walk, lookup


def tier_page(
    graph: Graph,
    node_id: str,
    direction: Direction,
    n: int,
    kind: NodeKind,
    page: Page,
    *,
    walk: Walk = "material",
    inferred: bool | None = None,
) -> TierPage:
    """Every node within ``n`` tiers (nearest tier first, then by id), one page of them, with
    the walk, whether inferred links counted, and the answer's notes.

    An unknown id raises kg.tiers.NotFoundError, which the service answers with 404.
    """
    answer = lookup(graph, node_id, direction, n, kind, walk=walk, inferred=inferred)
    hits = answer.hits
    window = hits[page.offset : page.offset + page.limit]
    items = [TierHitOut.model_validate(h.as_dict()) for h in window]
    nxt = page.offset + len(items)
    return TierPage(
        items=items,
        total=len(hits),
        limit=page.limit,
        offset=page.offset,
        next_offset=nxt if nxt < len(hits) and items else None,
        walk=answer.walk,
        inferred=answer.inferred,
        notes=answer.notes,
    )
