"""`supplymap db start|stop|status`: the local engine."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from neo4j.exceptions import Neo4jError
from rich.table import Table

from kg.cli.common import friendly, settings
from kg.cli.output import console, err
from kg.connection import Graph, GraphConnectionError, local_engine
from kg.engine import ENGINE_USER
from kg.settings import Settings

app = typer.Typer(help="Start, stop and inspect the local graph engine.", no_args_is_help=True)


@app.command()
@friendly
def start() -> None:
    """Start the local engine (or find the one already running) and print how to connect."""
    s = settings()
    if not s.uses_local_engine:
        err.print(f"SUPPLYMAP_NEO4J_URI is set ({s.neo4j_uri}); there is no local engine to start")
        raise typer.Exit(2)
    engine = local_engine(s)
    before = engine.status()
    status = engine.ensure_running()
    verb = "already running" if before.running else "started"
    console.print(
        f"local engine {verb}: {status.uri} (database {status.database}, pid {status.pid})"
    )


@app.command()
@friendly
def stop() -> None:
    """Stop the local engine gracefully."""
    engine = local_engine(settings())
    if engine.stop():
        console.print("local engine stopped")
    else:
        console.print("the local engine was not running")


def _counts(graph: Graph) -> dict[str, int]:
    nodes = graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
    links = graph.query("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    return {"nodes": int(nodes), "links": int(links)}


def list_databases(s: Settings) -> list[dict[str, object]]:
    """Every user database on the configured server, with its node and link counts.

    The local engine must be running (this never starts it); on Neo4j the list comes from the
    system database, and only the configured database is listed when that is not allowed.
    """
    if s.uses_local_engine:
        engine = local_engine(s)
        st = engine.status()
        if not st.running or st.uri is None:
            return []
        uri, user, password = st.uri, ENGINE_USER, engine.password()
        with Graph.connect(uri, user, password, s.graph_database) as base:
            names = [r["name"] for r in base.query("SHOW DATABASES YIELD name RETURN name")]
    else:
        assert s.neo4j_uri is not None
        uri, user, password = s.neo4j_uri, s.neo4j_user, s.neo4j_password.get_secret_value()
        try:
            with Graph.connect(uri, user, password, "system") as system:
                names = [
                    r["name"]
                    for r in system.query(
                        "SHOW DATABASES YIELD name, type WHERE type <> 'system' RETURN name"
                    )
                ]
        except Neo4jError:
            names = [s.graph_database]
    rows: list[dict[str, object]] = []
    for name in sorted(set(names)):
        with Graph.connect(uri, user, password, name) as graph:
            rows.append({"name": name, **_counts(graph), "current": name == s.graph_database})
    return rows


@app.command()
@friendly
def status(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Where the graph is, how to connect, and every database with its node and link counts."""
    s = settings()
    if s.uses_local_engine:
        st = local_engine(s).status()
        info = {
            "running": st.running,
            "uri": st.uri,
            "user": st.user,
            "database": st.database,
            "password_file": st.password_file,
        }
        extra = {"pid": st.pid, "log_file": st.log_file, "data_dir": st.data_dir}
    else:
        try:
            Graph.from_settings(s).close()
            running = True
        except GraphConnectionError:
            running = False
        info = {
            "running": running,
            "uri": s.neo4j_uri,
            "user": s.neo4j_user,
            "database": s.graph_database,
            "password_file": None,
        }
        extra = {}
    databases = list_databases(s) if info["running"] else []
    if as_json:
        sys.stdout.write(json.dumps({**info, "databases": databases}) + "\n")
        return
    state = "[green]running[/green]" if info["running"] else "[yellow]not running[/yellow]"
    console.print(
        f"engine:        {'local ArcadeDB' if s.uses_local_engine else 'Neo4j'} ({state})"
    )
    for key in ("uri", "user", "database", "password_file"):
        console.print(
            f"{key + ':':<14} {info[key] if info[key] is not None else '-'}", highlight=False
        )
    for key, value in extra.items():
        console.print(f"{key + ':':<14} {value if value is not None else '-'}", highlight=False)
    if databases:
        table = Table(title="databases (--database NAME or SUPPLYMAP_DATABASE picks one)")
        for col in ("database", "nodes", "links", ""):
            table.add_column(col, justify="right" if col in ("nodes", "links") else "left")
        for d in databases:
            table.add_row(
                str(d["name"]),
                f"{d['nodes']:,}",
                f"{d['links']:,}",
                "in use" if d["current"] else "",
            )
        console.print(table)
    if info["running"] and s.uses_local_engine:
        console.print(
            f"connect: cypher-shell -a {info['uri']} -u {info['user']} -d {info['database']} "
            f'-p "$(cat {info["password_file"]})"',
            highlight=False,
            soft_wrap=True,
        )
