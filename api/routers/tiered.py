"""Tier-by-tier lookups shared by the enterprise and product routers."""

from __future__ import annotations

from api.deps import Page
from api.models import Paged, TierHitOut, paged
from kg.connection import Graph
from kg.tiers import Direction, NodeKind, tiers


def tier_page(
    graph: Graph, node_id: str, direction: Direction, n: int, kind: NodeKind, page: Page
) -> Paged[TierHitOut]:
    """Every node within ``n`` tiers (nearest tier first, then by id), one page of them.

    An unknown id raises kg.tiers.NotFoundError, which the service answers with 404.
    """
    hits = tiers(graph, node_id, direction, n, kind)
    window = hits[page.offset : page.offset + page.limit]
    items = [TierHitOut(**h.as_dict()) for h in window]
    return paged(items, len(hits), page.limit, page.offset)
