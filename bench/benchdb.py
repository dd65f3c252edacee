"""Where a benchmark writes, and which engine it measured.

Every benchmark takes the engine from the same settings as the command line: the local engine
under SUPPLYMAP_HOME, or the Neo4j server in SUPPLYMAP_NEO4J_URI. On the local engine each run
writes into a throw-away database of its own; Neo4j Community has one user database, so there
the configured database is used if it is empty and wiped again afterwards (nodes,
constraints and indexes), never a database that holds data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from kg.connection import Graph, local_engine
from kg.settings import Settings


def engine_label(graph: Graph, settings: Settings) -> str:
    """E.g. 'Neo4j/5.26.30 at neo4j://127.0.0.1:7687' or 'local engine (ArcadeDB ...)'."""
    agent = graph.driver.get_server_info().agent
    if settings.uses_local_engine:
        return f"local engine ({agent})"
    return f"{agent} at {settings.neo4j_uri}"


def wipe(graph: Graph) -> None:
    """Delete every node, and every constraint and index but the token-lookup ones."""
    while graph.write("MATCH (n) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS deleted")[0][
        "deleted"
    ]:
        pass
    run, db = graph.driver.execute_query, graph.database
    for row in graph.query("SHOW CONSTRAINTS YIELD name RETURN name"):
        run("DROP CONSTRAINT $name IF EXISTS", name=row["name"], database_=db)
    for row in graph.query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
        run("DROP INDEX $name IF EXISTS", name=row["name"], database_=db)


def refuse_non_empty(graph: Graph, settings: Settings) -> None:
    count = graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
    if count:
        raise SystemExit(
            f"the Neo4j database {settings.neo4j_database!r} holds {count:,} nodes; benchmarks "
            "write into it and wipe it afterwards. Point SUPPLYMAP_NEO4J_DATABASE at an empty "
            "database (or unset SUPPLYMAP_NEO4J_URI to use the local engine)"
        )


@contextmanager
def scratch_graph(
    settings: Settings, base: Graph, prefix: str, *, keep: bool = False
) -> Iterator[Graph]:
    """A graph to write into: a new database on the local engine (dropped afterwards unless
    ``keep``), or the configured, empty Neo4j database (wiped afterwards unless ``keep``)."""
    if settings.uses_local_engine:
        engine = local_engine(settings)
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        engine.create_database(name)
        try:
            yield Graph(base.driver, name)
        finally:
            if not keep:
                engine.drop_database(name)
        return
    refuse_non_empty(base, settings)
    try:
        yield base
    finally:
        if not keep:
            wipe(base)
