"""FastAPI dependencies as Annotated aliases: settings, the graph (read-only or writable), pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.params import DEFAULT_PAGE_SIZE, Limit, Offset
from api.readonly import ReadOnlyGraph, RequestGraph
from kg.connection import Graph
from kg.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_read_graph(request: Request) -> Iterator[ReadOnlyGraph]:
    """A read-only view of the service's one driver for this request: its statements share
    one READ transaction, opened on first use and rolled back when the request ends."""
    base: ReadOnlyGraph = request.app.state.read_graph
    graph = RequestGraph(base.driver, base.database, uri=base.uri, timeout=base.timeout)
    try:
        yield graph
    finally:
        graph.close()


def whole_graph(request: Request) -> ReadOnlyGraph:
    """For reads of the whole graph (analyses, warnings): each statement in its own rolled-back
    READ transaction, so the query timeout applies per statement, not to the whole read."""
    graph: ReadOnlyGraph = request.app.state.read_graph
    return graph


def get_write_graph(request: Request) -> Graph:
    """The writable graph, for the keyed write endpoints only."""
    graph: Graph = request.app.state.graph
    return graph


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def get_page(limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0) -> Page:
    return Page(limit, offset)


SettingsDep = Annotated[Settings, Depends(get_settings)]
GraphDep = Annotated[ReadOnlyGraph, Depends(get_read_graph)]
WriteGraphDep = Annotated[Graph, Depends(get_write_graph)]
PageDep = Annotated[Page, Depends(get_page)]
