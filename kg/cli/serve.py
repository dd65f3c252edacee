"""`supplymap serve`: the HTTP API (FastAPI under uvicorn)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.common import friendly, settings
from kg.cli.output import err
from kg.monitor import RulesError


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@friendly
def serve(
    host: Annotated[
        str | None, typer.Option(help="address to bind (default SUPPLYMAP_API_HOST, 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="port (default SUPPLYMAP_API_PORT, 8000)"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="worker processes, each with its own driver (default 1)"),
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="critical, error, warning, info or debug")
    ] = "info",
) -> None:
    """Serve the HTTP API: lookups, analyses, named queries and loads (docs at /docs)."""
    import uvicorn

    from api.app import create_app

    if log_level not in ("critical", "error", "warning", "info", "debug"):
        raise typer.BadParameter(
            "use critical, error, warning, info or debug", param_hint="--log-level"
        )
    s = settings()
    bind = host or s.api_host
    if not s.api_keys and not s.api_read_open:
        err.print(
            "[red]error:[/red] SUPPLYMAP_API_READ_OPEN is false (reads need an API key) but "
            "SUPPLYMAP_API_KEYS is empty, so every request would be refused. Set "
            "SUPPLYMAP_API_KEYS, or SUPPLYMAP_API_READ_OPEN=true for open reads.",
            highlight=False,
        )
        raise typer.Exit(2)
    if not s.api_keys:
        err.print("note: no SUPPLYMAP_API_KEYS set, so writes (POST /loads) are disabled")
    if not _loopback(bind) and s.api_read_open:
        err.print(
            f"note: reads are open to anyone who can reach {bind}; set "
            "SUPPLYMAP_API_READ_OPEN=false to require an API key for them too"
        )
    if s.database:
        os.environ["SUPPLYMAP_DATABASE"] = s.database  # worker processes read the environment
    err.print(f"serving database {s.graph_database!r}", highlight=False)
    if s.uses_local_engine:
        err.print(f"using the local engine (data in {s.home}); starting it if needed...")
    # One worker: this process's app. Several: each worker process builds its own app (and
    # driver) from the same environment.
    try:
        app = create_app(s)  # checks the rules file before anything starts
    except RulesError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    uvicorn.run(
        app if workers == 1 else "api.app:app_from_environment",
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=bind,
        port=port or s.api_port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
    )
