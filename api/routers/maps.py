"""Maps: the interactive chain and enterprise maps of kg.maps, served as text/html.

The pages are self-contained (every script and style inlined), so they are served with a
Content-Security-Policy that allows nothing else: no frames, no forms, and no network, except
that an enterprise map may ask this service (its own origin, ``connect-src 'self'``) for the
next tier of suppliers or customers when a node is clicked (GET /enterprises/{id}/suppliers or
/customers, the material-following walk from the enterprise mapped).

Keyed reads: the page holds no key and no token (the HTML of a map is saved, shared and
cached like any document, so nothing in it may grant access). Its requests are plain
same-origin GETs, so whatever sends X-API-Key for the person who opened the map (a proxy in
front of the service, a browser extension, a client that adds headers) sends it with them too.
When the service answers 401 all the same, the page asks for the key in a password field and
keeps it in the page's memory only (never in the document, storage or a cookie), for this tab
until it is closed or reloaded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
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
# An enterprise map fetches further tiers from this service, and only from it.
EXPLORE_CSP = CSP.replace("connect-src 'none'", "connect-src 'self'")
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


def html_page(html: str, csp: str = CSP) -> HTMLResponse:
    """A map page with headers that let it run its inline code and nothing else."""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": csp,
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
    request: Request,
    tiers: Tiers = DEFAULT_TIERS,
    direction: Annotated[
        Literal["upstream", "downstream"],
        Query(description="upstream: suppliers; downstream: customers"),
    ] = "upstream",
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
) -> HTMLResponse:
    """A click on a node of the last tier fetches its own suppliers (customers) in the next
    tier from this service, material-following from this enterprise."""
    base = str(request.scope.get("root_path", "")).rstrip("/")
    html = enterprise_map_html(
        graph, id, tiers, direction=direction, max_nodes=max_nodes, served=base
    )
    return html_page(html, EXPLORE_CSP)
