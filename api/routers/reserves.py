"""Stockpiles against their targets, and allocation of scarce output to priority areas
(kg.monitor), computed on request and never written back."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from api.auth import ReadAccess
from api.deps import GraphDep, PageDep, whole_graph
from api.models import Paged, paged
from api.params import ProductId
from api.problems import ProblemError, responses
from api.values import plain
from kg.monitor import AllocationError, StockpileReport, allocate, stockpile_report

router = APIRouter(
    tags=["warnings"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

AsOf = Annotated[
    dt.date | None,
    Query(description="reference date YYYY-MM-DD (default today): later snapshots are ignored"),
]


class StockpilePage(Paged[dict[str, Any]]):
    as_of: dt.date
    under_target: list[str] = Field(description="products whose reserves hold less than target")


def _date(value: dt.date | None) -> dt.date | None:
    if value is not None and not dt.date(1900, 1, 1) <= value <= dt.date(2999, 12, 31):
        raise ProblemError(422, "invalid-parameters", "as_of must be a date in 1900-2999")
    return value


@router.get(
    "/stockpiles",
    response_model=StockpilePage,
    summary="Strategic reserves against their targets",
)
def stockpiles(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    by: Annotated[
        Literal["reserve", "product", "region"],
        Query(description="one row per reserve and product, per product, or per region"),
    ] = "product",
    as_of: AsOf = None,
) -> StockpilePage:
    """Stock against target (fill, shortfall, under_target) and the days of national demand
    it covers, from the latest stockpile snapshot of each reserve."""
    at = _date(as_of)
    whole = whole_graph(request)
    report: StockpileReport = request.app.state.cache.get(
        graph, ("stockpiles", at), lambda: stockpile_report(whole, at)
    )
    lines = {"reserve": report.reserves, "product": report.by_product, "region": report.by_region}
    rows = lines[by]
    window = [plain(line.as_dict()) for line in rows[page.offset : page.offset + page.limit]]
    body = paged(window, len(rows), page.limit, page.offset)
    return StockpilePage(**body.model_dump(), as_of=report.at, under_target=report.under_target)


class AllocationOut(Paged[dict[str, Any]]):
    """Each area's demand, allocation and unmet demand (one page of areas), with the totals
    and what happened at each priority."""

    product: str
    product_name: str | None
    unit: str | None
    supply: float
    supply_note: str
    whole_units: bool
    demand: float
    allocated: float
    unmet: float
    left_over: float
    steps: list[dict[str, Any]]
    notes: list[str]


@router.get(
    "/allocations/{id}",
    response_model=AllocationOut,
    summary="Allocate a product's scarce output to areas by priority",
)
def allocation(
    id: ProductId,
    graph: GraphDep,
    page: PageDep,
    supply: Annotated[
        float | None,
        Query(ge=0, le=1e15, description="units per day to share (default: from producers)"),
    ] = None,
    basis: Annotated[
        Literal["output", "capacity"],
        Query(description="default supply: producers' current output or their capacity"),
    ] = "output",
    whole_units: Annotated[
        bool, Query(description="whole units, split by largest remainder")
    ] = False,
    as_of: AsOf = None,
) -> AllocationOut:
    """Priorities are served in order (1 first); the first that does not fit in full is
    served pro rata, later ones get nothing. Deterministic; each step is explained."""
    try:
        result = allocate(graph, id, supply, basis, whole_units, _date(as_of))
    except AllocationError as exc:
        raise ProblemError(422, "invalid-parameters", str(exc)) from exc
    areas = result.areas
    window = [plain(a.as_dict()) for a in areas[page.offset : page.offset + page.limit]]
    body = paged(window, len(areas), page.limit, page.offset)
    return AllocationOut(
        **body.model_dump(),
        product=result.product,
        product_name=result.product_name,
        unit=result.unit,
        supply=result.supply,
        supply_note=result.supply_note,
        whole_units=result.whole_units,
        demand=result.demand,
        allocated=result.allocated,
        unmet=result.unmet,
        left_over=result.left_over,
        steps=[plain(s.as_dict()) for s in result.steps],
        notes=result.notes,
    )
