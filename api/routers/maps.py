"""Maps: the interactive chain and enterprise maps of kg.maps, served as text/html.

The pages are self-contained (every script and style inlined, no request leaves the page), so
they are served with a Content-Security-Policy that allows nothing else: no network, no
frames, no forms.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.auth import ReadAccess
from api.deps import GraphDep
from api.params import DEFAULT_TIERS, ChainId, EnterpriseId, Tiers
from api.problems import responses
from kg.maps import DEFAULT_MAX_NODES, chain_map_html, enterprise_map_html

router = APIRouter(
    tags=["maps"],
    dependencies=[ReadAccess],
    responses=responses(401, 404, 422, 503),
)

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
MaxNodes = Annotated[
    int,
    Query(
        ge=10,
        le=20_000,
        description="above this many nodes the map is aggregated (and says so on the page)",
    ),
]
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "a self-contained HTML page"}
}


def html_page(html: str) -> HTMLResponse:
    """A map page with headers that let it run its inline code and nothing else."""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get(
    "/chains/{id}/map",
    response_class=HTMLResponse,
    responses=HTML,
    summary="The chain map: raw materials to final products, with their makers",
)
def chain_map(
    id: ChainId, graph: GraphDep, max_nodes: MaxNodes = DEFAULT_MAX_NODES
) -> HTMLResponse:
    """Columns by stage, colours by category, size by criticality, red outlines for sole
    sources and single points of failure, dashed edges for declared single sources."""
    return html_page(chain_map_html(graph, id, max_nodes=max_nodes))


@router.get(
    "/enterprises/{id}/map",
    response_class=HTMLResponse,
    responses=HTML,
    summary="An enterprise's suppliers (or customers) N tiers away, as a map",
)
def enterprise_map(
    id: EnterpriseId,
    graph: GraphDep,
    tiers: Tiers = DEFAULT_TIERS,
    direction: Annotated[
        Literal["upstream", "downstream"],
        Query(description="upstream: suppliers; downstream: customers"),
    ] = "upstream",
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
) -> HTMLResponse:
    return html_page(
        enterprise_map_html(graph, id, tiers, direction=direction, max_nodes=max_nodes)
    )
