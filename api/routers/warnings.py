"""Warnings: early warnings on inventories and raw-material supply, and their cascade.

Computed by kg.monitor from the dated snapshots in the graph, with the shipped rules (or
SUPPLYMAP_API_RULES_FILE laid over them), and never written back: a GET changes nothing
(`supplymap warnings` writes them to the graph).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from api.auth import ReadAccess
from api.deps import GraphDep, PageDep, whole_graph
from api.models import Out, Paged
from api.params import check_slug
from api.problems import ProblemError, responses
from api.values import plain
from kg.monitor import (
    Rules,
    UnknownChainError,
    WarningReport,
    evaluate_warnings,
    resolve_as_of,
)

router = APIRouter(
    prefix="/warnings",
    tags=["warnings"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

Level = Literal["red", "yellow", "blue"]
ChainFilter = Annotated[
    str | None, Query(description="only warnings about products of this chain"), check_slug
]


class WarningOut(Out):
    level: str = Field(description="red, yellow or blue")
    rule: str = Field(description="the rule that raised it, e.g. parts-cover or raw-gap")
    subject: str = Field(description="holding, product, enterprise or area")
    product: str
    enterprise: str | None = Field(default=None, description="the holder, producer or reserve")
    area: str | None = None
    as_of: dt.date | None = Field(default=None, description="date of the data it rests on")
    value: float | None = Field(
        default=None, description="days of cover, supply gap or age in days"
    )
    threshold: float | None = None
    runs_out: dt.date | None = None
    reason: str
    path: list[str] = Field(description="cascade: products from the warned input to this one")
    source: str | None = Field(default=None, description="cascade: the warning it follows")
    chains: list[str]


class WarningPage(Paged[WarningOut]):
    as_of: dt.date = Field(description="the reference date: snapshots after it are ignored")
    counts: dict[str, int] = Field(description="every warning of the run by level, unfiltered")
    rules: str = Field(description="where the rules came from")
    notes: list[str]


def _report(request: Request, graph: GraphDep, at: dt.date | None) -> WarningReport:
    rules: Rules = request.app.state.rules
    cache = request.app.state.cache
    whole = whole_graph(request)
    at = cache.get(graph, ("warnings-as-of", at), lambda: resolve_as_of(whole, at)[0])
    report: WarningReport = cache.get(
        graph, ("warnings", at), lambda: evaluate_warnings(whole, rules, at)
    )
    return report


@router.get("", response_model=WarningPage, summary="Early warnings, most severe first")
def list_warnings(
    request: Request,
    graph: GraphDep,
    page: PageDep,
    level: Annotated[
        Level | None, Query(description="this level and the more severe (red > yellow > blue)")
    ] = None,
    chain: ChainFilter = None,
    as_of: Annotated[
        dt.date | None,
        Query(
            description="reference date YYYY-MM-DD (default: the data's latest snapshot, as "
            "`supplymap warnings` does) to replay another day"
        ),
    ] = None,
) -> WarningPage:
    """Parts red lights (days of cover), raw-material levels (cover and supply gap), stale
    data, and the cascade to the products downstream, with the date each runs out."""
    if as_of is not None and not dt.date(1900, 1, 1) <= as_of <= dt.date(2999, 12, 31):
        raise ProblemError(422, "invalid-parameters", "as_of must be a date in 1900-2999")
    report = _report(request, graph, as_of)
    try:
        shown = report.select(level, chain)
    except UnknownChainError as exc:
        raise ProblemError(404, "not-found", str(exc)) from exc
    window = shown[page.offset : page.offset + page.limit]
    items = [WarningOut.model_validate(plain(w.as_dict())) for w in window]
    nxt = page.offset + len(items)
    return WarningPage(
        items=items,
        total=len(shown),
        limit=page.limit,
        offset=page.offset,
        next_offset=nxt if nxt < len(shown) and items else None,
        as_of=report.at,
        counts=report.counts(),
        rules=report.rules.origin,
        notes=report.notes,
    )
