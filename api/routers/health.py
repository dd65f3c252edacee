"""GET /health: is the graph reachable, and which version answers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from neo4j.exceptions import DriverError, Neo4jError

from api.deps import GraphDep, SettingsDep
from api.models import EngineInfo, Health
from kg import __version__

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    summary="Service and graph status",
    responses={503: {"model": Health, "description": "the graph database is unreachable"}},
)
def health(settings: SettingsDep, graph: GraphDep, response: Response, request: Request) -> Health:
    """Always open (no key), for load balancers and compose healthchecks: 200 when the graph
    answers a query, 503 when it does not. A graph that moved (the local engine restarted on
    new ports) is found again here."""
    engine = EngineInfo(
        reachable=False,
        kind="local" if settings.uses_local_engine else "neo4j",
        database=graph.database,
    )
    try:
        try:
            graph.query("RETURN 1 AS ok")
        except (DriverError, Neo4jError, OSError):
            reconnect = getattr(request.app.state, "reconnect", None)
            if reconnect is None or not reconnect():
                raise
            graph = request.app.state.read_graph
            graph.query("RETURN 1 AS ok")
        engine.server = graph.driver.get_server_info().agent
        engine.reachable = True
    except (DriverError, Neo4jError, OSError) as exc:
        engine.error = type(exc).__name__
        response.status_code = 503
    return Health(
        status="ok" if engine.reachable else "unavailable", version=__version__, engine=engine
    )
