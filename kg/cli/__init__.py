"""The command line: the composition root that wires kg/, loaders/ and queries/ together.

One graph everywhere: ``--database NAME`` may stand anywhere on the command line (before or
after the command) and points every command, ``serve`` and the demo at that database, as
``SUPPLYMAP_DATABASE`` does. The root group takes it off the arguments before any command
parses them (:class:`SupplymapGroup`), so a command added to ``app`` gets it without a line of
its own: it reads the database through ``kg.cli.common.settings()`` / ``open_graph()``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kg.cli import (
    analyze,
    chains,
    cypher,
    db,
    demo,
    export,
    load,
    lookup,
    maps,
    monitor,
    query,
    serve,
)
from kg.settings import use_database

DATABASE_OPTION = "--database"


def take_database(args: list[str]) -> tuple[str | None, list[str]]:
    """Split ``--database NAME`` / ``--database=NAME`` off ``args`` (before any ``--``).

    The last one given wins; a ``--database`` with no name is left for the parser to reject.
    """
    database: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == DATABASE_OPTION and i + 1 < len(args) and not args[i + 1].startswith("-"):
            database = args[i + 1]
            i += 2
            continue
        if arg.startswith(DATABASE_OPTION + "=") and len(arg) > len(DATABASE_OPTION) + 1:
            database = arg.split("=", 1)[1]
            i += 1
            continue
        rest.append(arg)
        i += 1
    return database, rest


class SupplymapGroup(TyperGroup):
    """The root group: applies the global ``--database`` wherever it stands, for every command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        database, rest = take_database(list(args))
        use_database(database)  # None: back to SUPPLYMAP_DATABASE (each run starts clean)
        return super().parse_args(ctx, rest)


app = typer.Typer(
    name="supplymap",
    cls=SupplymapGroup,
    help="Industrial supply-chain knowledge graph: load, look up, analyse and map supply chains.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="NAME",
            help="the graph database every command uses, before or after the command "
            "(default SUPPLYMAP_DATABASE, else the engine's own; `supplymap db status` lists them)",
        ),
    ] = None,
) -> None:
    """Industrial supply-chain knowledge graph: load, look up, analyse and map supply chains."""
    # SupplymapGroup.parse_args has already applied --database; this option is for --help.


app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
app.command("load")(load.load)
app.command("suppliers")(lookup.suppliers)
app.command("customers")(lookup.customers)
app.command("warnings")(monitor.warnings)
app.command("stockpiles")(monitor.stockpiles)
app.command("allocate")(monitor.allocate)
app.add_typer(maps.app, name="map")
app.add_typer(analyze.app, name="analyze")
app.command("disrupt")(analyze.disrupt)
app.command("chains")(chains.chains)
app.command("query")(query.query)
app.command("cypher")(cypher.cypher)
app.command("export")(export.export)
app.command("serve")(serve.serve)


def main() -> None:
    app()
