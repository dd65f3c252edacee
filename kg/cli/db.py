"""`supplymap db start|stop|status`: the local engine."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from kg.cli.common import friendly, settings
from kg.cli.output import console, err
from kg.connection import Graph, GraphConnectionError, local_engine

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


@app.command()
@friendly
def status(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Where the graph is and how to connect: Bolt URI, user, database, password file."""
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
            "database": s.neo4j_database,
            "password_file": None,
        }
        extra = {}
    if as_json:
        sys.stdout.write(json.dumps(info) + "\n")
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
    if info["running"] and s.uses_local_engine:
        console.print(
            f"connect: cypher-shell -a {info['uri']} -u {info['user']} -d {info['database']} "
            f'-p "$(cat {info["password_file"]})"',
            highlight=False,
            soft_wrap=True,
        )
