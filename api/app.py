"""The application factory: ``create_app(settings)`` builds the service.

One driver per process: the lifespan opens the graph (starting or reusing the local engine
when no Neo4j URI is configured) and closes it on shutdown. Reads go through a read-only view
of that driver; only the keyed write endpoints get the writable graph.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from neo4j.exceptions import DriverError, Neo4jError
from starlette.concurrency import run_in_threadpool

from api import problems
from api.cache import ResultCache
from api.problems import Problem
from api.readonly import ReadOnlyGraph
from api.routers import (
    analysis,
    catalogue,
    chains,
    enterprises,
    geo,
    health,
    loads,
    maps,
    plans,
    products,
    reserves,
    warnings,
)
from api.uploads import BodyLimit
from kg import __version__
from kg.connection import Graph
from kg.monitor import load_rules
from kg.settings import Settings
from loaders.pipeline import mark_interrupted

log = logging.getLogger("supplymap.api")

DESCRIPTION = """\
Supplier-chain lookups, analyses and named queries over the supplymap graph.

* Reads are open, or need an API key in the `X-API-Key` header when
  `SUPPLYMAP_API_READ_OPEN=false`; writes (`POST /loads`) always need one.
* Every list is paged: `limit` (1-1000, default 100) and `offset`; the answer carries `total`
  and `next_offset` (null on the last page).
* Errors are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
  `status`, `detail`, `instance`, and `errors` listing each bad parameter.
"""


def create_app(
    settings: Settings, *, connect: Callable[[Settings], Graph] | None = None
) -> FastAPI:
    """Build the service for ``settings``.

    Bad warning rules (SUPPLYMAP_API_RULES_FILE) raise kg.monitor.RulesError here, before
    anything starts. ``connect`` opens the graph at start-up (default: Graph.from_settings,
    which starts or reuses the local engine when SUPPLYMAP_NEO4J_URI is empty).
    """
    opener = connect or Graph.from_settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        graph = await run_in_threadpool(opener, settings)
        app.state.graph = graph
        app.state.read_graph = ReadOnlyGraph.over(graph, timeout=settings.api_query_timeout)

        def reconnect() -> bool:
            """After the engine restarted (new ports): a new driver, and reads over it."""
            if not graph.reconnect():
                return False
            app.state.read_graph = ReadOnlyGraph.over(graph, timeout=settings.api_query_timeout)
            log.info("supplymap API reconnected to %s", graph.uri)
            return True

        app.state.reconnect = reconnect
        log.info("supplymap API connected to %s (database %s)", graph.uri, graph.database)
        try:
            for load_id in await run_in_threadpool(mark_interrupted, graph):
                log.warning("load %s was left running by a process that died: interrupted", load_id)
        except (Neo4jError, DriverError) as exc:  # the service still starts
            log.warning("could not check for interrupted loads: %s", exc)
        try:
            yield
        finally:
            graph.close()

    # Swagger UI (/docs) and ReDoc (/redoc) from the assets fastapi-offline ships (served under
    # /static-offline-docs): the docs open with no network, as the maps do.
    app = FastAPIOffline(
        title="supplymap",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.settings = settings
    app.state.rules = load_rules(settings.api_rules_file)  # RulesError: refuse to start
    app.state.cache = ResultCache(settings.api_cache_seconds)
    problems.install(app)
    for module in (
        health,
        chains,
        enterprises,
        products,
        analysis,
        catalogue,
        warnings,
        reserves,
        maps,
        geo,
        loads,
        plans,
    ):
        app.include_router(module.router)
    app.include_router(analysis.scenarios)
    app.include_router(geo.scenarios)
    app.add_middleware(BodyLimit, limit=settings.api_max_upload_mb << 20, prefixes=("/loads",))
    app.add_middleware(
        BodyLimit, limit=settings.api_max_body_kb << 10, prefixes=("/",), exclude=("/loads",)
    )
    # A redirect to the same path with or without its trailing slash would be built from the
    # request's Host header (which a client chooses): answer 404 instead.
    app.router.redirect_slashes = False
    _document_problems(app)
    return app


def app_from_environment() -> FastAPI:
    """The app for SUPPLYMAP_* settings from the environment (uvicorn's factory, one per
    worker process: `supplymap serve --workers N`)."""
    from kg.settings import get_settings

    return create_app(get_settings())


def _document_problems(app: FastAPI) -> None:
    """Put the Problem schema into the OpenAPI components the error responses refer to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            license_info=app.license_info,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
