"""Enterprises: one enterprise, its suppliers and customers by tier, what it produces."""

from __future__ import annotations

from typing import LiteralString

from fastapi import APIRouter, Request, Response

from api.auth import ReadAccess
from api.deps import GraphDep, Page, PageDep
from api.models import EnterpriseDetail, EnterpriseProduct, Paged, TierPage, paged
from api.params import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIERS,
    EnterpriseId,
    Inferred,
    Limit,
    Offset,
    Tiers,
    Walk,
)
from api.problems import not_found, responses
from api.routers.search import EnterpriseHit, search_enterprises
from api.routers.tiered import tier_response
from api.values import plain, plain_row

router = APIRouter(
    prefix="/enterprises",
    tags=["enterprises"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

router.get(
    "",
    response_model=Paged[EnterpriseHit],
    summary="Search enterprises by text, region and chain",
)(search_enterprises)

_ONE: LiteralString = (
    "MATCH (e:Enterprise {id: $id}) RETURN e {.*} AS e, "
    "head([(e)-[:LOCATED_IN]->(r:Region) | r {.code, .name, .level}]) AS region, "
    "head([(e)-[o:OWNED_BY]->(p:Enterprise) | {id: p.id, name: p.name, share: o.share}]) "
    "AS parent, "
    "COUNT { MATCH (s:Enterprise)-[x:SUPPLIES]->(e) "
    "WHERE x.basis IS NULL OR x.basis <> 'inferred' RETURN DISTINCT s } AS suppliers, "
    "COUNT { MATCH (e)-[x:SUPPLIES]->(c:Enterprise) "
    "WHERE x.basis IS NULL OR x.basis <> 'inferred' RETURN DISTINCT c } AS customers, "
    "COUNT { MATCH (e)-[:PRODUCES]->(p:Product) RETURN DISTINCT p } AS products"
)
_EXISTS: LiteralString = "MATCH (e:Enterprise {id: $id}) RETURN e.id AS id"
_PRODUCTS_COUNT: LiteralString = (
    "MATCH (:Enterprise {id: $id})-[:PRODUCES]->(p:Product) RETURN count(p) AS total"
)
_PRODUCTS: LiteralString = (
    "MATCH (:Enterprise {id: $id})-[r:PRODUCES]->(p:Product) "
    "WITH p, r ORDER BY p.id SKIP $offset LIMIT $limit "
    "RETURN p.id AS id, p.name AS name, p.category AS category, "
    "r.capacity_per_day AS capacity_per_day, r.output_per_day AS output_per_day, "
    "r.unit AS unit, r.as_of AS as_of"
)


@router.get("/{id}", response_model=EnterpriseDetail, summary="One enterprise")
def get_enterprise(id: EnterpriseId, graph: GraphDep) -> EnterpriseDetail:
    """Its properties, region, owner, how many direct suppliers, customers and products it
    has, and the analysis and warning results written on it."""
    rows = graph.query(_ONE, {"id": id})
    if not rows:
        raise not_found("enterprise", id)
    row = plain(rows[0])
    return EnterpriseDetail.model_validate(
        {
            **row["e"],
            "region": row["region"],
            "parent": row["parent"],
            "suppliers": row["suppliers"],
            "customers": row["customers"],
            "products": row["products"],
        }
    )


@router.get(
    "/{id}/suppliers",
    response_model=TierPage,
    summary="Suppliers by tier, following the material, with the path to each",
)
async def suppliers(
    id: EnterpriseId,
    request: Request,
    tiers: Tiers = DEFAULT_TIERS,
    walk: Walk = "material",
    inferred: Inferred = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    """Every enterprise within ``tiers`` SUPPLIES steps upstream, nearest tier first; each
    once, at its nearest tier, with every product it supplies on the way, the basis of its
    links and one path with the product of every step (supplier first, this enterprise last).
    By default a tier-2 supplier must supply the tier-1 supplier an input of what that one
    supplies this enterprise (``walk=any`` follows every link)."""
    return await tier_response(
        request,
        id,
        "upstream",
        tiers,
        "enterprise",
        Page(limit, offset),
        walk=walk,
        inferred=inferred,
    )


@router.get(
    "/{id}/customers",
    response_model=TierPage,
    summary="Customers by tier, following the material, with the path to each",
)
async def customers(
    id: EnterpriseId,
    request: Request,
    tiers: Tiers = DEFAULT_TIERS,
    walk: Walk = "material",
    inferred: Inferred = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    """Every enterprise within ``tiers`` SUPPLIES steps downstream, nearest tier first (path:
    this enterprise first); a tier-2 customer buys from the tier-1 customer something made
    from what that one bought (``walk=any`` follows every link)."""
    return await tier_response(
        request,
        id,
        "downstream",
        tiers,
        "enterprise",
        Page(limit, offset),
        walk=walk,
        inferred=inferred,
    )


@router.get(
    "/{id}/products",
    response_model=Paged[EnterpriseProduct],
    summary="What an enterprise produces, with its capacity",
)
def products(id: EnterpriseId, graph: GraphDep, page: PageDep) -> Paged[EnterpriseProduct]:
    if not graph.query(_EXISTS, {"id": id}):
        raise not_found("enterprise", id)
    total = graph.query(_PRODUCTS_COUNT, {"id": id})[0]["total"]
    rows = graph.query(_PRODUCTS, {"id": id, "offset": page.offset, "limit": page.limit})
    return paged([EnterpriseProduct(**plain_row(r)) for r in rows], total, page.limit, page.offset)
