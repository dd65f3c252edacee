"""The command line: the composition root that wires kg/, loaders/ and queries/ together.

One graph everywhere: ``--database NAME`` may stand anywhere on the command line (before or
after the command) and points every command, ``serve`` and the demo at that database, as
``SUPPLYMAP_DATABASE`` does. The root group takes it off the arguments before any command
parses them (:class:`SupplymapGroup`), so a command added here gets it without a line of its
own: it reads the database through ``kg.cli.common.settings()`` / ``open_graph()``.

Fast start: the commands are imported when they run, not when the command line starts
(``COMMANDS`` names each one's module and the one-line help ``--help`` shows), so
``supplymap --help`` imports neither the driver nor pandas, and a lookup imports only what
it needs. A command registered on ``app`` the usual way (``app.command(...)``,
``app.add_typer(...)``) works too; it is just imported at start.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

DATABASE_OPTION = "--database"

# name -> (module, attribute: a command function or a typer.Typer, the help --help lists)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "kg.cli.demo",
        "demo",
        "Load the sample supply chains, run every analysis, write maps and a report.",
    ),
    "db": ("kg.cli.db", "app", "Start, stop and inspect the local graph engine."),
    "load": (
        "kg.cli.load",
        "load",
        "Load enterprise, product, BOM, trade, capacity and inventory files into the graph.",
    ),
    "loads": (
        "kg.cli.loads",
        "loads",
        "List loads: what was loaded, when, how many rows, and how each ended.",
    ),
    "chains": (
        "kg.cli.chains",
        "chains",
        "List the chains: products by stage, producer links, listed key enterprises.",
    ),
    "suppliers": (
        "kg.cli.lookup",
        "suppliers",
        "Suppliers of an enterprise (SUPPLIES, following the material) or inputs of a product "
        "(bill of materials), by tier, each with every product on the way and one route.",
    ),
    "customers": (
        "kg.cli.lookup",
        "customers",
        "Customers of an enterprise (following the material) or the products an input goes "
        "into, by tier.",
    ),
    "infer": (
        "kg.cli.infer",
        "infer",
        "Write inferred SUPPLIES links: e supplies f product i where e PRODUCES i, f PRODUCES "
        "q, i is an INPUT_TO q, and nothing declared says so.",
    ),
    "warnings": (
        "kg.cli.monitor",
        "warnings",
        "Early warnings: parts red lights, raw-material levels and the cascade, judged as of "
        "the data's latest snapshot (or --as-of); read-only unless --write.",
    ),
    "stockpiles": (
        "kg.cli.monitor",
        "stockpiles",
        "Strategic stockpiles against targets, with the days of national demand they cover.",
    ),
    "allocate": (
        "kg.cli.monitor",
        "allocate",
        "Allocate a product's scarce daily supply to demand areas, priority 1 first.",
    ),
    "map": (
        "kg.cli.maps",
        "app",
        "Interactive supply-chain maps: self-contained HTML that opens offline.",
    ),
    "analyze": (
        "kg.cli.analyze",
        "app",
        "Analyse the graph: single sources, single points of failure, bottlenecks, capacity "
        "and key enterprises (`analyze all` writes every result into the graph).",
    ),
    "disrupt": (
        "kg.cli.analyze",
        "disrupt",
        "What a disruption cuts off: key products lost or reduced, capacity lost, and days of "
        "cover (stock / daily use) against days to recover.",
    ),
    "query": (
        "kg.cli.query",
        "query",
        "Run a named, parameterised query from the Cypher catalogue.",
    ),
    "cypher": (
        "kg.cli.cypher",
        "cypher",
        "A Cypher shell on the configured graph: history, multi-line statements, tables, "
        ":param, CSV/JSON output; read-only unless --write. -c QUERY runs one statement.",
    ),
    "export": (
        "kg.cli.export",
        "export",
        "Write a chain (products, bill of materials, producers, trade links) or an "
        "enterprise's suppliers/customers N tiers away as GraphML or GEXF, through networkx.",
    ),
    "serve": (
        "kg.cli.serve",
        "serve",
        "Serve the HTTP API: lookups, analyses, named queries and loads (docs at /docs).",
    ),
}


# Commands that never hand numpy or pandas values to the driver: for them the neo4j driver is
# imported without numpy, pandas and pyarrow (it imports them, when installed, for
# Result.to_df and to pack numpy values, which these commands never use), which saves more
# than a third of a lookup's start-up time.
WITHOUT_PANDAS = frozenset({"suppliers", "customers", "chains", "query", "cypher", "export", "db"})


def _driver_without_pandas() -> None:
    if "neo4j" in sys.modules or "pandas" in sys.modules or "numpy" in sys.modules:
        return
    blocked = [name for name in ("numpy", "pandas", "pyarrow") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        importlib.import_module("neo4j")
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                del sys.modules[name]


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


def load_command(name: str) -> Any:
    """The click command of a lazily registered command (imports its module)."""
    module_name, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer()
    single.command(name)(target)
    command = typer.main.get_command(single)
    command.name = name
    return command


class SupplymapGroup(TyperGroup):
    """The root group: applies the global ``--database`` wherever it stands, and imports each
    command only when it runs (``--help`` lists them from ``COMMANDS``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        database, rest = take_database(list(args))
        # Each run starts from SUPPLYMAP_DATABASE again; kg.settings (pydantic) is imported
        # only when it is needed or already loaded.
        if database is not None or "kg.settings" in sys.modules:
            from kg.settings import use_database

            use_database(database)
        return super().parse_args(ctx, rest)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in WITHOUT_PANDAS:
            _driver_without_pandas()
        if name in COMMANDS and name not in self.commands:
            self.commands[name] = load_command(name)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        # for the help listing: the command's line of help, without importing it
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name][2])


app = typer.Typer(
    name="supplymap",
    cls=SupplymapGroup,
    help="Industrial supply-chain knowledge graph: load, look up, analyse and map supply chains.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain help for the root: rendering it with rich (typer.rich_utils, rich.markdown) costs
    # more than everything else `supplymap --help` does; each command's own help stays rich
    rich_markup_mode=None,
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


def main() -> None:
    app()
