"""Search: enterprises by text, region and chain; products by text and chain; one page at a time.

`GET /enterprises?q=&region=&chain=` and `GET /products?q=&chain=` (mounted on those routers).
Text matches any part of the id, the name or an alias (enterprises) or the HS code (products),
in any case; a region includes the regions inside it. Results are ordered by name, then id.
"""

from __future__ import annotations

from typing import Annotated, LiteralString

from fastapi import Query
from pydantic import Field

from api.deps import GraphDep, PageDep
from api.models import Out, Paged, paged
from api.params import check_code, check_slug
from api.values import plain_row

SearchText = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="part of the id, name or alias, any case"),
]
RegionFilter = Annotated[
    str | None,
    Query(description="only enterprises in this region (or the regions inside it)"),
    check_code,
]
ChainFilter = Annotated[
    str | None, Query(description="only those making a product of this chain"), check_slug
]

_ENTERPRISE_MATCH: LiteralString = (
    "MATCH (e:Enterprise) "
    "WHERE ($q IS NULL OR toLower(e.id) CONTAINS toLower($q) "
    "  OR toLower(coalesce(e.name, '')) CONTAINS toLower($q) "
    "  OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) CONTAINS toLower($q))) "
    "AND ($region IS NULL OR EXISTS { MATCH (e)-[:LOCATED_IN]->(r:Region) "
    "  WHERE r.code = $region OR EXISTS { (r)-[:PART_OF*1..10]->(:Region {code: $region}) } }) "
    "AND ($chain IS NULL "
    "  OR EXISTS { (e)-[:PRODUCES]->(:Product)-[:IN_CHAIN]->(:Chain {id: $chain}) }) "
)
_ENTERPRISE_COUNT: LiteralString = _ENTERPRISE_MATCH + "RETURN count(e) AS total"
_ENTERPRISE_PAGE: LiteralString = (
    _ENTERPRISE_MATCH + "WITH e ORDER BY e.name, e.id SKIP $offset LIMIT $limit "
    "RETURN e.id AS id, e.name AS name, e.region AS region, e.aliases AS aliases"
)
_PRODUCT_MATCH: LiteralString = (
    "MATCH (p:Product) "
    "WHERE ($q IS NULL OR toLower(p.id) CONTAINS toLower($q) "
    "  OR toLower(coalesce(p.name, '')) CONTAINS toLower($q) "
    "  OR toLower(coalesce(p.hs_code, '')) CONTAINS toLower($q)) "
    "AND ($chain IS NULL OR EXISTS { (p)-[:IN_CHAIN]->(:Chain {id: $chain}) }) "
)
_PRODUCT_COUNT: LiteralString = _PRODUCT_MATCH + "RETURN count(p) AS total"
_PRODUCT_PAGE: LiteralString = (
    _PRODUCT_MATCH + "WITH p ORDER BY p.name, p.id SKIP $offset LIMIT $limit "
    "RETURN p.id AS id, p.name AS name, p.category AS category, p.hs_code AS hs_code, "
    "p.unit AS unit, [(p)-[:IN_CHAIN]->(c:Chain) | c.id] AS chains"
)


class EnterpriseHit(Out):
    id: str
    name: str | None = None
    region: str | None = Field(default=None, description="the enterprise's own region code")
    aliases: list[str] = Field(default_factory=list)


class ProductHit(Out):
    id: str
    name: str | None = None
    category: str | None = None
    hs_code: str | None = None
    unit: str | None = None
    chains: list[str] = Field(default_factory=list)


def search_enterprises(
    graph: GraphDep,
    page: PageDep,
    q: SearchText = None,
    region: RegionFilter = None,
    chain: ChainFilter = None,
) -> Paged[EnterpriseHit]:
    """Enterprises whose id, name or an alias contains ``q``, in ``region`` (with the regions
    inside it), making a product of ``chain``; every filter is optional."""
    params = {"q": q, "region": region, "chain": chain}
    total = int(graph.query(_ENTERPRISE_COUNT, params)[0]["total"])
    rows = graph.query(_ENTERPRISE_PAGE, {**params, "offset": page.offset, "limit": page.limit})
    items = [
        EnterpriseHit.model_validate({**plain_row(r), "aliases": r["aliases"] or []}) for r in rows
    ]
    return paged(items, total, page.limit, page.offset)


def search_products(
    graph: GraphDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="part of the id, name or HS code"),
    ] = None,
    chain: Annotated[
        str | None, Query(description="only products of this chain"), check_slug
    ] = None,
) -> Paged[ProductHit]:
    """Products whose id, name or HS code contains ``q`` (any case), of ``chain``."""
    params = {"q": q, "chain": chain}
    total = int(graph.query(_PRODUCT_COUNT, params)[0]["total"])
    rows = graph.query(_PRODUCT_PAGE, {**params, "offset": page.offset, "limit": page.limit})
    items = [ProductHit.model_validate({**plain_row(r), "chains": r["chains"] or []}) for r in rows]
    return paged(items, total, page.limit, page.offset)
