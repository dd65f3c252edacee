"""Planning (kg.plan), computed on request and never written back: joint capacity with shadow
prices, line conversion and ramp-up, the resumption white list, stockpile sizing.

The service keeps one planning context (the analyses' context, today's output per line, the
conversions and the areas' demand) per graph version, like the analyses, and solves one plan
at a time per process (they are CPU-bound). Definitions: README, "Planning".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import ReadAccess
from api.deps import GraphDep, whole_graph
from api.params import check_code, check_each, check_id, check_slug
from api.problems import ProblemError, responses
from api.routers.analysis import _LOCK
from api.values import plain
from kg.analysis import Context, UnknownIdError, project
from kg.connection import Graph
from kg.monitor.stockpiles import stockpile_report
from kg.plan import (
    Minimise,
    Objective,
    PlanContext,
    PlanError,
    Scenario,
    Weights,
    joint_capacity,
    rampup,
    read_plan_data,
    resume,
    size_stockpiles,
)
from kg.plan.rampup import MAX_HORIZON

T = TypeVar("T")

router = APIRouter(
    prefix="/plans",
    tags=["plans"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

ChainFilter = Annotated[str | None, Query(description="only this chain's key products"), check_slug]
ObjectiveParam = Annotated[
    Literal["output", "demand-share"],
    Query(description="output: weighted key output; demand-share: smallest share of demand met"),
]
WeightsParam = Annotated[
    Literal["demand", "equal", "priority"],
    Query(description="weights of the key products in the output"),
]
MAX_IDS = 1000
MAX_TIME_LIMIT = 60.0


def _context(request: Request, graph: Graph) -> PlanContext:
    whole = whole_graph(request)
    cache = request.app.state.cache

    def build() -> PlanContext:
        ctx: Context = cache.get(graph, ("analysis-context",), lambda: Context(project(whole)))
        return PlanContext(ctx, read_plan_data(whole, ctx.proj))

    plan: PlanContext = cache.get(graph, ("plan-context",), build)
    return plan


def _run(request: Request, graph: Graph, fn: Callable[[PlanContext], T]) -> T:
    """Run ``fn`` on the cached planning context; unknown ids are 404, bad plans 422."""
    with _LOCK:
        pc = _context(request, graph)
        try:
            return fn(pc)
        except UnknownIdError as exc:
            raise ProblemError(404, "not-found", str(exc)) from exc
        except PlanError as exc:
            raise ProblemError(422, "invalid-parameters", str(exc)) from exc


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [plain(x.as_dict()) for x in items]


class JointPlan(BaseModel):
    objective: str
    weights: str
    chain: str | None
    smallest_share: float | None = Field(description="demand-share: smallest share of demand met")
    weighted_output: float | None
    shadow_unit: str = Field(description="what a shadow price counts per extra unit/day")
    products: list[dict[str, Any]] = Field(
        description="per product: joint_per_day, single_product_per_day (the product alone), "
        "binding_inputs, shadow_price"
    )
    shadow_prices: list[dict[str, Any]] = Field(description="inputs worth shoring up, first")


@router.get("/capacity", response_model=JointPlan, summary="Joint capacity of the key products")
def capacity_plan(
    request: Request,
    graph: GraphDep,
    chain: ChainFilter = None,
    objective: ObjectiveParam = "output",
    weights: WeightsParam = "demand",
    everything: Annotated[
        bool, Query(alias="all", description="every product, not only the key products")
    ] = False,
) -> JointPlan:
    """What the key products can make together when they share inputs (a linear programme
    solved with HiGHS), against the single-product figure, with binding inputs and each
    input's shadow price (objective gained per extra unit/day of its capacity)."""
    rep = _run(
        request,
        graph,
        lambda pc: joint_capacity(
            pc, Objective(objective), Weights(weights), chain=chain, all_products=everything
        ),
    )
    return JointPlan(
        **plain(rep.summary()),
        products=_dicts(rep.rows),
        shadow_prices=_dicts(rep.shadow_prices),
    )


class RampPlan(BaseModel):
    horizon: int
    objective: str
    product: str | None
    all_met_day: int | None = Field(description="first day every planned demand is met")
    products: list[dict[str, Any]]
    conversions: list[dict[str, Any]] = Field(description="most needed first")
    days: list[dict[str, Any]] = Field(description="day by day, per product")


@router.get("/rampup", response_model=RampPlan, summary="Line conversion and ramp-up, by day")
def rampup_plan(
    request: Request,
    graph: GraphDep,
    product: Annotated[
        list[str] | None,
        Query(description="one or more products (default: the key products)", max_length=100),
    ] = None,
    chain: ChainFilter = None,
    horizon: Annotated[int, Query(ge=0, le=MAX_HORIZON, description="days to plan")] = 30,
    objective: ObjectiveParam = "demand-share",
    weights: WeightsParam = "demand",
    default_ramp_days: Annotated[
        float, Query(ge=0, le=365, description="existing producers' ramp when not on record")
    ] = 7.0,
) -> RampPlan:
    """The joint achievable output day by day as converted lines (CAN_PRODUCE) and existing
    producers ramp up; the first day demand is met; which conversions matter most."""
    for p in product or []:
        _check(check_id, p, "product")
    rep = _run(
        request,
        graph,
        lambda pc: rampup(
            pc,
            horizon=horizon,
            product=product or None,
            chain=chain,
            objective=Objective(objective),
            weights=Weights(weights),
            default_ramp_days=default_ramp_days,
        ),
    )
    return RampPlan(
        **plain(rep.summary()),
        products=_dicts(rep.products),
        conversions=_dicts(rep.conversions),
        days=_dicts(rep.days),
    )


def _check(check: Any, value: str, what: str) -> None:
    try:
        check.func(value)
    except ValueError as exc:
        raise ProblemError(422, "invalid-parameters", f"{what} {value!r}: {exc}") from exc


class Disruption(BaseModel):
    """Who stops: enterprises, and every enterprise in the regions (with their sub-regions)."""

    model_config = ConfigDict(extra="forbid")

    enterprises: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    regions: list[str] = Field(default_factory=list, max_length=MAX_IDS)

    @field_validator("enterprises")
    @classmethod
    def _valid_ids(cls, values: list[str]) -> list[str]:
        return check_each(check_id, values)

    @field_validator("regions")
    @classmethod
    def _valid_codes(cls, values: list[str]) -> list[str]:
        return check_each(check_code, values)


class ResumeRequest(Disruption):
    target_share: float = Field(0.8, gt=0, le=1, description="of each key product's normal output")
    minimise: Literal["enterprises", "capacity"] = "enterprises"
    keep_stopped: list[str] = Field(
        default_factory=list, max_length=MAX_IDS, description="enterprises that cannot restart"
    )
    chain: Annotated[str | None, check_slug] = None
    time_limit: float = Field(30.0, gt=0, le=MAX_TIME_LIMIT, description="seconds for HiGHS")

    @field_validator("keep_stopped")
    @classmethod
    def _valid_kept(cls, values: list[str]) -> list[str]:
        return check_each(check_id, values)


class ResumePlan(BaseModel):
    target_share: float
    minimise: str
    stopped: int
    candidates: int
    restart: int
    status: str = Field(description="optimal, time limit (with mip_gap), nothing to restart")
    mip_gap: float | None
    seconds: float
    unreachable: list[str] = Field(description="cannot reach target with everything restarted")
    white_list: list[dict[str, Any]] = Field(description="in restart order, upstream first")
    products: list[dict[str, Any]]


@router.post("/resume", response_model=ResumePlan, summary="The resumption white list")
def resume_plan(request: Request, graph: GraphDep, body: ResumeRequest) -> ResumePlan:
    """The fewest stopped enterprises (or least capacity) to restart so every key product
    reaches its target share of normal output (a mixed-integer programme, HiGHS)."""
    rep = _run(
        request,
        graph,
        lambda pc: resume(
            pc,
            enterprises=body.enterprises,
            regions=body.regions,
            target_share=body.target_share,
            minimise=Minimise(body.minimise),
            keep_stopped=body.keep_stopped,
            chain=body.chain,
            time_limit=body.time_limit,
        ),
    )
    return ResumePlan(
        **plain(rep.summary()), white_list=_dicts(rep.white_list), products=_dicts(rep.products)
    )


class NamedDisruption(Disruption):
    name: str = Field(min_length=1, max_length=200)


class StockpileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenarios: list[NamedDisruption] | None = Field(
        default=None,
        max_length=200,
        description="default: each region of the key producers and each sole source",
    )
    chain: Annotated[str | None, check_slug] = None


class StockpileSizing(BaseModel):
    scenarios: list[dict[str, Any]]
    products: list[dict[str, Any]] = Field(description="reserve needed against today's targets")
    needs: list[dict[str, Any]] = Field(description="per product and scenario")
    by_region: list[dict[str, Any]]


@router.post("/stockpiles", response_model=StockpileSizing, summary="Stockpile sizing")
def stockpile_plan(
    request: Request, graph: GraphDep, body: StockpileRequest | None = None
) -> StockpileSizing:
    """The reserve each key product needs: demand per day x max(0, TTR - TTS) less what joint
    capacity still makes, the largest over the scenarios, against today's reserve targets."""
    body = body or StockpileRequest()
    chosen = (
        [Scenario(s.name, tuple(s.enterprises), tuple(s.regions)) for s in body.scenarios]
        if body.scenarios is not None
        else None
    )
    if chosen is not None and any(not (s.enterprises or s.regions) for s in chosen):
        raise ProblemError(
            422, "invalid-parameters", "every scenario names an enterprise or region"
        )
    reserves = stockpile_report(whole_graph(request))
    plan = _run(request, graph, lambda pc: size_stockpiles(pc, reserves, chosen, body.chain))
    return StockpileSizing(
        scenarios=[s.as_dict() for s in plan.scenarios],
        products=_dicts(plan.products),
        needs=_dicts(plan.needs),
        by_region=[plain(r) for r in plan.by_region()],
    )
