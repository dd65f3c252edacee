"""Analyses and disruption scenarios (kg.analysis), computed on request, never written back.

Every analysis reads the graph once into a projection; the service keeps one analysis context
(projection, feasibility circuit, required sets, capacity model) per graph version and reuses
it until a load changes the graph or SUPPLYMAP_API_CACHE_SECONDS pass, so the first request
after a load pays for the read and the others answer from memory. `supplymap analyze` writes
the results back to the graph for Cypher users; a GET never does.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import ReadAccess
from api.deps import GraphDep, PageDep, whole_graph
from api.models import Paged, paged
from api.params import check_code, check_each, check_id, check_slug
from api.problems import ProblemError, responses
from api.routers.maps import HTML, MaxNodes, html_page
from api.values import plain
from kg.analysis import (
    AnalysisOptionError,
    Context,
    Impact,
    ScenarioError,
    UnknownIdError,
    capacities,
    capacity,
    disrupt,
    key_enterprises,
    project,
    rank_bottlenecks,
    single_sources,
    spof,
)
from kg.analysis.leading import order_capacity, order_spof
from kg.connection import Graph
from kg.maps import DEFAULT_MAX_NODES, disruption_map_html
from kg.maps import Impact as MapImpact

T = TypeVar("T")

router = APIRouter(
    prefix="/analysis",
    tags=["analysis"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)
scenarios = APIRouter(
    prefix="/scenarios",
    tags=["analysis"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

RegionLevel = Literal["country", "province", "city", "county", "town"]  # kg.model.REGION_LEVELS
ChainFilter = Annotated[
    str | None, Query(description="only this chain (its key products)"), check_slug
]
ProductFilter = Annotated[str | None, Query(description="only this product"), check_id]
MAX_SCENARIO_IDS = 1000
# One analysis at a time per process: they are CPU-bound and share one cached context.
_LOCK = threading.Lock()


def _run(request: Request, graph: Graph, fn: Callable[[Context], T]) -> T:
    """Run ``fn`` on the cached analysis context; unknown ids are 404, bad options 422."""
    with _LOCK:
        whole = whole_graph(request)
        ctx: Context = request.app.state.cache.get(
            graph, ("analysis-context",), lambda: Context(project(whole))
        )
        try:
            return fn(ctx)
        except (UnknownIdError, ScenarioError) as exc:
            raise ProblemError(404, "not-found", str(exc)) from exc
        except AnalysisOptionError as exc:
            raise ProblemError(422, "invalid-parameters", str(exc)) from exc


def _rows(items: Sequence[Any], page: Any) -> Paged[dict[str, Any]]:
    window = items[page.offset : page.offset + page.limit]
    return paged([plain(x.as_dict()) for x in window], len(items), page.limit, page.offset)


def _led(pairs: Sequence[tuple[Any, bool]], page: Any) -> Paged[dict[str, Any]]:
    """Rows in the order of kg/analysis/leading.py, each with its ``leads`` flag."""
    window = pairs[page.offset : page.offset + page.limit]
    items = [plain({**x.as_dict(), "leads": leads}) for x, leads in window]
    return paged(items, len(pairs), page.limit, page.offset)


@router.get(
    "/single-source",
    response_model=Paged[dict[str, Any]],
    summary="Single-source products: sole, regional and group single sources, HHI",
)
def single_source(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    chain: ChainFilter = None,
    region_level: Annotated[
        RegionLevel, Query(description="the level at which 'one region' is judged")
    ] = "province",
    everything: Annotated[
        bool, Query(alias="all", description="every product, not only the single-sourced ones")
    ] = False,
) -> Paged[dict[str, Any]]:
    """Each product with its live producers, sourcing (sole, multiple, unknown),
    regional_single_source (region), group_single_source (group), hhi, hhi_group,
    hhi_region and effective_sources. Single sources only, unless all=true."""
    report = _run(request, graph, lambda ctx: single_sources(ctx, chain, region_level))
    products = report.products if everything else report.single_sources()
    return _rows(products, page)


@router.get(
    "/declared-single-source",
    response_model=Paged[dict[str, Any]],
    summary="Declared single sources: customers buying an input from one supplier",
)
def declared_single_source(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    chain: ChainFilter = None,
    everything: Annotated[
        bool, Query(alias="all", description="every customer and product, not only single")
    ] = False,
) -> Paged[dict[str, Any]]:
    """Each customer and product with its suppliers, single_source, group_single_source (all
    suppliers in one ownership group) and the HHI of their shares."""
    report = _run(request, graph, lambda ctx: single_sources(ctx, chain))
    rows = [d for d in report.declared if everything or d.single_source or d.group_single_source]
    return _rows(rows, page)


@router.get(
    "/spof",
    response_model=Paged[dict[str, Any]],
    summary="Hidden single points of failure of key products, each with its path",
)
def single_points_of_failure(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    product: ProductFilter = None,
    chain: ChainFilter = None,
) -> Paged[dict[str, Any]]:
    """Each (product, node) where losing the node (an enterprise, region or input product)
    makes the product unavailable, with the path that explains it, the reason, and whether it
    is hidden (reaches the product through its inputs, not its own producers). In the order
    of `supplymap analyze spof`: enterprises, regions and concentrated inputs first
    (leads=true), then inputs with no substitute that have several producers."""
    return _led(_run(request, graph, lambda ctx: order_spof(ctx, spof(ctx, product, chain))), page)


@router.get(
    "/bottlenecks",
    response_model=Paged[dict[str, Any]],
    summary="The bottleneck ranking: single points of failure, capacity limits, concentration",
)
def bottleneck_ranking(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    chain: ChainFilter = None,
    region_level: Annotated[
        RegionLevel, Query(description="the level at which regions are ranked")
    ] = "province",
) -> Paged[dict[str, Any]]:
    """The ranking of `supplymap analyze bottlenecks` (kg/analysis/ranking.py): score =
    spof_share (share of key products the node stops) x concentration + binding_share (share
    of key products whose output it limits today), with why and the nodes folded into it."""
    return _rows(_run(request, graph, lambda ctx: rank_bottlenecks(ctx, chain, region_level)), page)


@router.get(
    "/capacity",
    response_model=dict[str, Any],
    summary="Achievable daily output of a product and the input that limits it",
)
def product_capacity(
    request: Request,
    graph: GraphDep,
    product: Annotated[str, Query(description="the product"), check_id],
) -> dict[str, Any]:
    """Achievable output per day from producer capacities and bill-of-materials quantities,
    what limits it (capacity, an input, or nothing on record), the supply of each input group
    and each producer's line."""
    report = _run(request, graph, lambda ctx: capacity(ctx, product))
    result: dict[str, Any] = plain(
        {
            **report.row.as_dict(),
            "producers": [dataclasses.asdict(p) for p in report.producers],
            "inputs": [i.as_dict() for i in report.inputs],
        }
    )
    return result


@router.get(
    "/capacities",
    response_model=Paged[dict[str, Any]],
    summary="Achievable daily output of every product",
)
def all_capacities(request: Request, graph: GraphDep, page: PageDep) -> Paged[dict[str, Any]]:
    """Every product in the order of `supplymap analyze capacity`: the binding ones (limited
    by an input) first, with leads=true."""
    return _led(_run(request, graph, lambda ctx: order_capacity(ctx, capacities(ctx))), page)


@router.get(
    "/key-enterprises",
    response_model=Paged[dict[str, Any]],
    summary="Key enterprises of each chain, ranked, with the reasons",
)
def key_enterprise_ranking(
    request: Request, graph: GraphDep, page: PageDep, chain: ChainFilter = None
) -> Paged[dict[str, Any]]:
    """Enterprises ranked per chain by bottleneck score and capacity share, with what they
    are a SPOF or sole producer of, whether they are on the chain's white list, and why."""
    return _rows(_run(request, graph, lambda ctx: key_enterprises(ctx, chain)), page)


# ---- disruption scenarios -------------------------------------------------------------------


class Scenario(BaseModel):
    """What to remove: enterprises, regions (with their sub-regions) and products."""

    model_config = ConfigDict(extra="forbid")

    enterprises: list[str] = Field(default_factory=list, max_length=MAX_SCENARIO_IDS)
    regions: list[str] = Field(default_factory=list, max_length=MAX_SCENARIO_IDS)
    products: list[str] = Field(default_factory=list, max_length=MAX_SCENARIO_IDS)

    @field_validator("enterprises", "products")
    @classmethod
    def _valid_ids(cls, values: list[str]) -> list[str]:
        return check_each(check_id, values)

    @field_validator("regions")
    @classmethod
    def _valid_codes(cls, values: list[str]) -> list[str]:
        return check_each(check_code, values)


class ImpactPage(Paged[dict[str, Any]]):
    """The products lost (first) and reduced, one page of them, and the scenario's totals."""

    enterprises: list[str]
    regions: list[str]
    products: list[str]
    enterprises_removed: int = Field(description="including those inside the regions")
    regions_removed: int = Field(description="including the regions inside them")
    lost: int = Field(description="products no longer available")
    reduced: int = Field(description="products with less achievable output")
    key_output_lost: float | None = Field(
        default=None, description="weighted share of key-product output lost, 0..1"
    )
    headline: str = Field(description="the scenario in one sentence, as `supplymap disrupt`")


def _impact(request: Request, graph: Graph, scenario: Scenario) -> Impact:
    if not (scenario.enterprises or scenario.regions or scenario.products):
        raise ProblemError(
            422, "invalid-parameters", "name at least one enterprise, region or product"
        )
    return _run(
        request,
        graph,
        lambda ctx: disrupt(ctx, scenario.enterprises, scenario.regions, scenario.products),
    )


@scenarios.post(
    "/disruption",
    response_model=ImpactPage,
    summary="What removing enterprises, regions or products would cut off",
)
def disruption(request: Request, graph: GraphDep, page: PageDep, scenario: Scenario) -> ImpactPage:
    """The products lost and reduced (key products flagged), output before and after,
    capacity lost, and time to survive (days of stock cover) against time to recover.
    Reads only: nothing is written. Up to 1,000 ids of each kind."""
    impact = _impact(request, graph, scenario)
    rows = impact.ordered()  # the order of `supplymap disrupt` and the report
    body = _rows(rows, page)
    return ImpactPage(
        **body.model_dump(),
        enterprises=list(impact.enterprises),
        regions=list(impact.regions),
        products=list(impact.products),
        enterprises_removed=len(impact.enterprises_removed),
        regions_removed=len(impact.regions_removed),
        lost=len(impact.lost),
        reduced=len(impact.reduced),
        key_output_lost=plain(impact.key_output_lost),
        headline=impact.headline(),
    )


@scenarios.post(
    "/disruption/map",
    response_class=HTMLResponse,
    responses=HTML,
    summary="The same scenario as a map: what is removed, lost and reduced",
)
def disruption_map(
    request: Request, graph: GraphDep, scenario: Scenario, max_nodes: MaxNodes = DEFAULT_MAX_NODES
) -> HTMLResponse:
    impact = _impact(request, graph, scenario)
    return html_page(
        disruption_map_html(graph, MapImpact.from_scenario(impact), max_nodes=max_nodes)
    )
