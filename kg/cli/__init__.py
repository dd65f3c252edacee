"""The command line: the composition root that wires kg/, loaders/ and queries/ together."""

from __future__ import annotations

import typer

from kg.cli import analyze, db, demo, load, lookup, maps, monitor, plan, query, serve

app = typer.Typer(
    name="supplymap",
    help="Industrial supply-chain knowledge graph: load, look up, analyse and map supply chains.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
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
app.add_typer(plan.app, name="plan")
app.command("query")(query.query)
app.command("serve")(serve.serve)


def main() -> None:
    app()
