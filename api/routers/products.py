"""Products: one product, its producers, and its bill of materials by tier."""

from __future__ import annotations

from typing import LiteralString

from fastapi import APIRouter, Request, Response

from api.auth import ReadAccess
from api.deps import GraphDep, Page, PageDep
from api.models import Paged, Producer, ProductDetail, TierPage, paged
from api.params import DEFAULT_PAGE_SIZE, DEFAULT_TIERS, Limit, Offset, ProductId, Tiers
from api.problems import not_found, responses
from api.routers.search import ProductHit, search_products
from api.routers.tiered import tier_response
from api.values import plain, plain_row

router = APIRouter(
    prefix="/products",
    tags=["products"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

router.get("", response_model=Paged[ProductHit], summary="Search products by text and chain")(
    search_products
)

_ONE: LiteralString = (
    "MATCH (p:Product {id: $id}) RETURN p {.*} AS p, "
    "[(p)-[r:IN_CHAIN]->(c:Chain) | {id: c.id, name: c.name, stage: r.stage}] AS chains, "
    "COUNT { MATCH (e:Enterprise)-[:PRODUCES]->(p) RETURN DISTINCT e } AS producer_count, "
    "COUNT { MATCH (i:Product)-[:INPUT_TO]->(p) RETURN DISTINCT i } AS inputs, "
    "COUNT { MATCH (p)-[:INPUT_TO]->(o:Product) RETURN DISTINCT o } AS outputs"
)
_EXISTS: LiteralString = "MATCH (p:Product {id: $id}) RETURN p.id AS id"
_PRODUCERS_COUNT: LiteralString = (
    "MATCH (e:Enterprise)-[:PRODUCES]->(:Product {id: $id}) RETURN count(e) AS total"
)
_PRODUCERS: LiteralString = (
    "MATCH (e:Enterprise)-[r:PRODUCES]->(:Product {id: $id}) "
    "WITH e, r ORDER BY coalesce(r.capacity_per_day, -1.0) DESC, e.id "
    "SKIP $offset LIMIT $limit "
    "RETURN e.id AS id, e.name AS name, e.region AS region, "
    "r.capacity_per_day AS capacity_per_day, r.output_per_day AS output_per_day, "
    "r.unit AS unit, r.as_of AS as_of"
)


@router.get("/{id}", response_model=ProductDetail, summary="One product")
def get_product(id: ProductId, graph: GraphDep) -> ProductDetail:
    """Its properties, chains, counts of producers, inputs and outputs, and the analysis and
    warning results written on it."""
    rows = graph.query(_ONE, {"id": id})
    if not rows:
        raise not_found("product", id)
    row = plain(rows[0])
    chains = sorted(row["chains"], key=lambda c: c["id"])
    return ProductDetail.model_validate(
        {
            **row["p"],
            "chains": chains,
            "producer_count": row["producer_count"],
            "inputs": row["inputs"],
            "outputs": row["outputs"],
        }
    )


@router.get(
    "/{id}/producers",
    response_model=Paged[Producer],
    summary="Who produces a product, largest capacity first",
)
def producers(id: ProductId, graph: GraphDep, page: PageDep) -> Paged[Producer]:
    if not graph.query(_EXISTS, {"id": id}):
        raise not_found("product", id)
    total = graph.query(_PRODUCERS_COUNT, {"id": id})[0]["total"]
    rows = graph.query(_PRODUCERS, {"id": id, "offset": page.offset, "limit": page.limit})
    return paged([Producer(**plain_row(r)) for r in rows], total, page.limit, page.offset)


@router.get(
    "/{id}/upstream",
    response_model=TierPage,
    summary="Inputs by tier through the bill of materials",
)
async def upstream(
    id: ProductId,
    request: Request,
    tiers: Tiers = DEFAULT_TIERS,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    """Every product within ``tiers`` INPUT_TO steps upstream, nearest tier first, with one
    shortest path (input first, this product last)."""
    return await tier_response(request, id, "upstream", tiers, "product", Page(limit, offset))


@router.get(
    "/{id}/downstream",
    response_model=TierPage,
    summary="Products it goes into, by tier",
)
async def downstream(
    id: ProductId,
    request: Request,
    tiers: Tiers = DEFAULT_TIERS,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    """Every product within ``tiers`` INPUT_TO steps downstream (path: this product first)."""
    return await tier_response(request, id, "downstream", tiers, "product", Page(limit, offset))
