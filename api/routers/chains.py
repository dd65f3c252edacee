"""Chains: the categorised chain maps and what they contain."""

from __future__ import annotations

from typing import Annotated, LiteralString

from fastapi import APIRouter, Query

from api.auth import ReadAccess
from api.deps import GraphDep, PageDep
from api.models import ChainDetail, ChainProduct, ChainSummary, Paged, paged
from api.params import ChainId, Stage
from api.problems import not_found, responses
from api.values import plain, plain_row
from kg.model import CHAIN_STAGES

router = APIRouter(
    prefix="/chains",
    tags=["chains"],
    dependencies=[ReadAccess],
    responses=responses(401, 422, 503),
)

_COUNT: LiteralString = "MATCH (c:Chain) RETURN count(c) AS total"
_LIST: LiteralString = (
    "MATCH (c:Chain) WITH c ORDER BY c.id SKIP $offset LIMIT $limit "
    "RETURN c.id AS id, c.name AS name, c.description AS description, "
    "COUNT { (:Product)-[:IN_CHAIN]->(c) } AS products"
)
_ONE: LiteralString = (
    "MATCH (c:Chain {id: $id}) RETURN c {.*} AS chain, "
    "COUNT { MATCH (e:Enterprise)-[:KEY_ENTERPRISE_OF]->(c) RETURN DISTINCT e } AS key_enterprises"
)
_STAGES: LiteralString = (
    "MATCH (p:Product)-[r:IN_CHAIN]->(:Chain {id: $id}) RETURN r.stage AS stage, count(p) AS n"
)
_PRODUCTS_COUNT: LiteralString = (
    "MATCH (p:Product)-[r:IN_CHAIN]->(:Chain {id: $id}) "
    "WHERE $stage IS NULL OR r.stage = $stage RETURN count(p) AS total"
)
_PRODUCTS: LiteralString = (
    "MATCH (p:Product)-[r:IN_CHAIN]->(:Chain {id: $id}) "
    "WHERE $stage IS NULL OR r.stage = $stage "
    "WITH p, r ORDER BY p.id SKIP $offset LIMIT $limit "
    "RETURN p.id AS id, p.name AS name, p.category AS category, r.stage AS stage"
)
_EXISTS: LiteralString = "MATCH (c:Chain {id: $id}) RETURN c.id AS id"


@router.get("", response_model=Paged[ChainSummary], summary="List the chains")
def list_chains(graph: GraphDep, page: PageDep) -> Paged[ChainSummary]:
    total = graph.query(_COUNT)[0]["total"]
    rows = graph.query(_LIST, {"offset": page.offset, "limit": page.limit})
    return paged([ChainSummary(**r) for r in rows], total, page.limit, page.offset)


@router.get(
    "/{id}",
    response_model=ChainDetail,
    summary="One chain, its products by stage",
    responses=responses(404),
)
def get_chain(id: ChainId, graph: GraphDep) -> ChainDetail:
    rows = graph.query(_ONE, {"id": id})
    if not rows:
        raise not_found("chain", id)
    stages = {s: 0 for s in CHAIN_STAGES}
    for r in graph.query(_STAGES, {"id": id}):
        key = r["stage"] or "unstaged"
        stages[key] = stages.get(key, 0) + r["n"]
    return ChainDetail.model_validate(
        {
            **plain(rows[0]["chain"]),
            "products": sum(stages.values()),
            "stages": stages,
            "key_enterprises": rows[0]["key_enterprises"],
        }
    )


@router.get(
    "/{id}/products",
    response_model=Paged[ChainProduct],
    summary="The products of a chain",
    responses=responses(404),
)
def chain_products(
    id: ChainId,
    graph: GraphDep,
    page: PageDep,
    stage: Annotated[Stage | None, Query(description="only products at this stage")] = None,
) -> Paged[ChainProduct]:
    if not graph.query(_EXISTS, {"id": id}):
        raise not_found("chain", id)
    params = {"id": id, "stage": stage}
    total = graph.query(_PRODUCTS_COUNT, params)[0]["total"]
    rows = graph.query(_PRODUCTS, {**params, "offset": page.offset, "limit": page.limit})
    return paged([ChainProduct(**plain_row(r)) for r in rows], total, page.limit, page.offset)
