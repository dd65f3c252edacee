"""The geographic map (kg/maps/geo.py) served as text/html: every enterprise or one chain's
(GET /maps/geo), or a disruption scenario's (POST /scenarios/disruption/geo, the body of
POST /scenarios/disruption). Self-contained pages, served with the maps' headers
(api/routers/maps.py): they run their inline script and nothing else, and fetch nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import ReadAccess
from api.deps import GraphDep
from api.params import check_slug
from api.problems import responses
from api.routers.analysis import Scenario, _impact
from api.routers.maps import HTML, html_page
from kg.maps import Impact as MapImpact
from kg.maps.data import chain_data
from kg.maps.impact import disruption_data

router = APIRouter(
    tags=["maps"], dependencies=[ReadAccess], responses=responses(401, 404, 422, 503)
)
scenarios = APIRouter(
    prefix="/scenarios",
    tags=["analysis"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)


@router.get(
    "/maps/geo",
    response_class=HTMLResponse,
    responses=HTML,
    summary="The geographic map: enterprises at their coordinates, trade as arcs",
)
def geo_map(
    graph: GraphDep,
    chain: Annotated[
        str | None, Query(description="only this chain's makers and trade"), check_slug
    ] = None,
) -> HTMLResponse:
    """Every enterprise (or one chain's) at its latitude and longitude, trade links as arcs
    (bundled between provinces and countries past 400), regions shaded by the worst warning
    among their enterprises, demand areas of the chain's products. The base map ships with
    the service (Natural Earth): nothing is fetched."""
    from kg.maps.geo import all_data, geo_page, places

    data = chain_data(graph, chain) if chain is not None else all_data(graph)
    return html_page(geo_page(places(graph, data)))


@scenarios.post(
    "/disruption/geo",
    response_class=HTMLResponse,
    responses=HTML,
    summary="A disruption scenario on the geographic map: removed regions shaded",
)
def disruption_geo(request: Request, graph: GraphDep, scenario: Scenario) -> HTMLResponse:
    """What POST /scenarios/disruption computes, on the map: removed regions shaded, the
    enterprises removed and those making what is lost or reduced, the trade links cut."""
    from kg.maps.geo import geo_page, places

    impact = _impact(request, graph, scenario)
    data = disruption_data(graph, MapImpact.from_scenario(impact))
    return html_page(geo_page(places(graph, data)))
