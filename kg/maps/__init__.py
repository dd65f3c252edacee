"""Interactive supply-chain maps: self-contained HTML pages drawn with vis-network (pyvis).

Three maps, each a function returning the page as a string (the command line writes it to a
file, the API serves it):

- :func:`chain_map_html`: a categorised chain, raw materials on the left, final products on
  the right, with the enterprises that make each product;
- :func:`enterprise_map_html`: an enterprise and its suppliers N tiers up (or customers down);
- :func:`disruption_map_html`: what a scenario (an :class:`Impact`) removes, loses and reduces;
- :func:`geo_map_html`: the geographic map (kg/maps/geo.py): enterprises at their coordinates,
  trade as arcs, regions shaded; chain and disruption maps carry it under a "Places" tab.

Above ``max_nodes`` a map is aggregated (see kg/maps/aggregate.py) and says so on the page.
"""

from __future__ import annotations

from typing import Any

from kg.connection import Graph
from kg.maps.aggregate import DEFAULT_MAX_NODES, aggregate
from kg.maps.data import MapData, chain_data, enterprise_data, has_results
from kg.maps.impact import Impact, ImpactError, disruption_data
from kg.maps.render import Explore, page
from kg.tiers import MAX_TIERS, Direction

__all__ = [
    "DEFAULT_MAX_NODES",
    "Explore",
    "Impact",
    "ImpactError",
    "MapData",
    "chain_map_html",
    "disruption_map_html",
    "enterprise_map_html",
    "geo_map_html",
    "html_for",
]


def html_for(
    data: MapData,
    max_nodes: int = DEFAULT_MAX_NODES,
    explore: Explore | None = None,
    places: dict[str, Any] | None = None,
) -> str:
    """Aggregate when needed, lay out and render a map read from the graph (``places``: its
    geographic view, under a tab)."""
    results = has_results(data.nodes)
    return page(aggregate(data, max_nodes), has_results=results, explore=explore, places=places)


def places_payload(graph: Graph, data: MapData) -> dict[str, Any]:
    """The geographic view of a map read from the graph, for its "Places" tab."""
    from kg.maps.geo import places

    return places(graph, data).payload()


def chain_map_html(graph: Graph, chain_id: str, *, max_nodes: int = DEFAULT_MAX_NODES) -> str:
    data = chain_data(graph, chain_id, trade_up_to=max_nodes)
    return html_for(data, max_nodes, places=places_payload(graph, data))


def enterprise_map_html(
    graph: Graph,
    enterprise_id: str,
    tiers: int = 3,
    *,
    direction: Direction = "upstream",
    max_nodes: int = DEFAULT_MAX_NODES,
    served: str | None = None,
) -> str:
    """``served``: the page is served by the API at this path prefix ("" at the root) and
    fetches further tiers from it on a click; otherwise (a file) it embeds the next tier."""
    if served is None:
        return html_for(enterprise_data(graph, enterprise_id, tiers, direction), max_nodes)
    data = enterprise_data(graph, enterprise_id, tiers, direction, explore=False)
    explore = Explore(served, enterprise_id, direction, tiers, MAX_TIERS)
    return html_for(data, max_nodes, explore)


def disruption_map_html(graph: Graph, impact: Impact, *, max_nodes: int = DEFAULT_MAX_NODES) -> str:
    data = disruption_data(graph, impact)
    return html_for(data, max_nodes, places=places_payload(graph, data))


def geo_map_html(graph: Graph, data: MapData | None = None) -> str:
    """The geographic map of ``data`` (default: every enterprise and trade link)."""
    from kg.maps.geo import all_data, geo_page, places

    return geo_page(places(graph, data if data is not None else all_data(graph)))
