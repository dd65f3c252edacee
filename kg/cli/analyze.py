"""`supplymap analyze ...` and `supplymap disrupt`: the analyses, as tables, CSV or JSON.

Every command reads the graph once. `analyze all` runs every analysis and writes the results
into the graph (properties, SPOF_FOR and KEY_RANK_IN relationships) for Cypher users; the
other commands show one analysis and write nothing.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.markup import escape

from kg.cli.common import RichProgress, friendly, open_graph
from kg.cli.output import Format, FormatOpt, console, emit, err
from kg.model import DEFAULT_REGION_LEVEL, REGION_LEVELS

if TYPE_CHECKING:
    from kg.analysis import Context
# kg.analysis (numpy, scipy, rustworkx) is imported inside the commands: the command line
# starts fast for every other command.

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Analyse the graph: single sources, single points of failure, bottlenecks, capacity "
    "and key enterprises (`analyze all` writes every result into the graph).",
    no_args_is_help=True,
)

ChainOpt = Annotated[
    str | None, typer.Option("--chain", help="only this chain (its products, key products)")
]
ProductOpt = Annotated[str | None, typer.Option("--product", help="only this product")]
LevelOpt = Annotated[
    str,
    typer.Option(
        "--region-level", help=f"level for regional single sources: {', '.join(REGION_LEVELS)}"
    ),
]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, help="at most this many rows")]


def analysis_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Unknown ids, bad options and empty scenarios: one line on stderr, exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from kg.analysis import AnalysisOptionError, ScenarioError, UnknownIdError

        try:
            return func(*args, **kwargs)
        except (UnknownIdError, AnalysisOptionError, ScenarioError) as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from exc

    return wrapper


@contextmanager
def analysis() -> Iterator[Context]:
    """Read the graph once (with a note on stderr) and hand out an analysis context."""
    from kg.analysis import Context, project

    with open_graph() as graph:
        err.print("reading the graph...", highlight=False)
        ctx = Context(project(graph))
        proj = ctx.proj
        err.print(
            f"read {proj.n_products:,} products, {proj.n_enterprises:,} enterprises, "
            f"{proj.n_regions:,} regions and {proj.n_edges:,} relationships "
            f"in {proj.read_seconds:.1f}s",
            highlight=False,
        )
        for warning in proj.warnings:
            err.print(f"warning: {escape(warning)}", highlight=False)
        yield ctx


def _flat(rows: list[dict[str, Any]], fmt: Format, **joins: str) -> list[dict[str, Any]]:
    """For a table, show these list columns as text joined by their separator (the table
    would draw any list as a path with arrows)."""
    if fmt is not Format.table:
        return rows
    return [{**r, **{c: sep.join(map(str, r[c])) for c, sep in joins.items()}} for r in rows]


AllOpt = Annotated[
    bool, typer.Option("--all", help="every row in the table, not only the ones that matter")
]


def _leading(
    pairs: list[tuple[dict[str, Any], bool]], fmt: Format, everything: bool, rest: str
) -> list[dict[str, Any]]:
    """The rows to show: in a table the leading ones (and a count of the rest on stderr, with
    what they are); CSV, JSON and xlsx always carry every row, with a ``leads`` column."""
    if fmt is not Format.table:
        return [{**row, "leads": leads} for row, leads in pairs]
    shown = [row for row, leads in pairs if leads or everything]
    hidden = len(pairs) - len(shown)
    if hidden:
        err.print(f"{hidden} more row(s) not shown: {rest}; --all lists them", highlight=False)
    return shown


def _title(what: str, chain: str | None, product: str | None = None) -> str:
    scope = f" of {product}" if product else (f" in chain {chain}" if chain else "")
    return what + scope


@app.command("single-source")
@friendly
@analysis_errors
def single_source_cmd(
    chain: ChainOpt = None,
    product: ProductOpt = None,
    region_level: LevelOpt = DEFAULT_REGION_LEVEL,
    all_products: Annotated[
        bool, typer.Option("--all", help="every product, not only the single sources")
    ] = False,
    declared: Annotated[
        bool, typer.Option("--declared", help="declared single sources along SUPPLIES instead")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Sole, regional and group single sources, with concentration (HHI) per product."""
    from kg.analysis import single_sources

    with analysis() as ctx:
        report = single_sources(ctx, chain=chain, region_level=region_level)
        if product is not None:
            ctx.proj.product(product)
    if declared:
        rows = _flat(
            [d.as_dict() for d in report.declared if product in (None, d.product)],
            fmt,
            suppliers=", ",
        )
        cols = ["customer", "customer_name", "product", "suppliers", "single_source"]
        emit(rows, [*cols, "group_single_source", "hhi"], fmt, _title("declared sources", chain))
        return
    chosen = [
        s
        for s in report.products
        if (product is None or s.product == product)
        and (all_products or product is not None or s.single_source or s.sourcing == "none")
    ]
    emit(
        [s.as_dict() for s in chosen],
        [
            "product",
            "name",
            "sourcing",
            "producers",
            "regional_single_source",
            "region",
            "group_single_source",
            "group",
            "hhi",
            "hhi_region",
            "effective_sources",
        ],
        fmt,
        _title(f"single sources (regions at {region_level} level)", chain, product),
    )


@app.command("spof")
@friendly
@analysis_errors
def spof_cmd(
    chain: ChainOpt = None,
    product: Annotated[
        str | None, typer.Option("--product", help="any product (default: every key product)")
    ] = None,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Hidden single points of failure of the key products (or of one product), with the path
    that explains each: enterprises, regions and concentrated inputs first."""
    from kg.analysis import spof
    from kg.analysis.leading import order_spof

    with analysis() as ctx:
        pairs = order_spof(ctx, spof(ctx, product=product, chain=chain))
    rows = _leading(
        [(link.as_dict(), leads) for link, leads in pairs],
        fmt,
        everything,
        "inputs with no substitute that have several producers in several regions",
    )
    emit(
        rows,
        ["product", "kind", "node", "name", "hidden", "reason", "path"]
        + (["leads"] if fmt is not Format.table else []),
        fmt,
        _title("single points of failure", chain, product),
    )


@app.command("bottlenecks")
@friendly
@analysis_errors
def bottlenecks_cmd(
    chain: ChainOpt = None,
    region_level: LevelOpt = DEFAULT_REGION_LEVEL,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="rows in the table (CSV/JSON: every row)")
    ] = 10,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The bottleneck ranking: score = share of key products a node stops x its concentration
    + share of key products whose output it limits today (see README, "Bottleneck ranking")."""
    from kg.analysis import rank_bottlenecks

    with analysis() as ctx:
        ranked = rank_bottlenecks(ctx, chain=chain, region_level=region_level)
    pairs = [(r.as_dict(), r.rank <= limit) for r in ranked]
    rows = _leading(pairs, fmt, everything, "lower in the ranking")
    if fmt is Format.table:
        rows = [
            {
                **r,
                "score": f"{r['score']:.3f}",
                "also": "; ".join(r["also"]),
            }
            for r in rows
        ]
    emit(
        rows,
        ["rank", "node", "kind", "name", "score", "why", "also"]
        + (
            ["spof_share", "concentration", "binding_share", "spof_for", "limits", "leads"]
            if fmt is not Format.table
            else []
        ),
        fmt,
        _title(f"bottleneck ranking (regions at {region_level} level)", chain),
    )


@app.command("capacity")
@friendly
@analysis_errors
def capacity_cmd(
    chain: ChainOpt = None,
    product: ProductOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Achievable daily output from capacities and the bill of materials, and what limits it:
    the binding products first. With --product: its producers and what each input supplies."""
    from kg.analysis import capacities, capacity
    from kg.analysis.leading import order_capacity

    with analysis() as ctx:
        if product is not None:
            report = capacity(ctx, product)
            rows: list[dict[str, Any]] = [report.row.as_dict()]
            producers = [p.__dict__ for p in report.producers]
            inputs = [i.as_dict() for i in report.inputs]
        else:
            scope = None
            if chain is not None:
                scope = {
                    ctx.proj.product_ids[p] for p in ctx.proj.chain_products[ctx.proj.chain(chain)]
                }
            chosen = [r for r in capacities(ctx) if scope is None or r.product in scope]
            pairs = [(r.as_dict(), leads) for r, leads in order_capacity(ctx, chosen)]
            rows = _leading(
                pairs, fmt, everything, "products that no input limits (--product for one)"
            )
    cols = [
        "product",
        "name",
        "unit",
        "available",
        "achievable_per_day",
        "producer_capacity_per_day",
        "limited_by",
        "limiting_input",
    ]
    if product is None:
        emit(
            rows,
            cols + (["leads"] if fmt is not Format.table else []),
            fmt,
            _title("capacity", chain),
        )
        return
    if fmt is not Format.table:
        emit(
            [{**rows[0], "producers": producers, "inputs": inputs}],
            [*cols, "producers", "inputs"],
            fmt,
        )
        return
    emit(rows, cols, fmt, _title("capacity", None, product))
    emit(producers, ["enterprise", "name", "capacity_per_day", "share", "live"], fmt, "producers")
    emit(
        inputs,
        ["group", "inputs", "qty_per_unit", "supply_per_day"],
        fmt,
        "input supply (in units of the product)",
    )


@app.command("key-enterprises")
@friendly
@analysis_errors
def key_enterprises_cmd(
    chain: ChainOpt = None,
    limit: LimitOpt = 30,
    fmt: FormatOpt = Format.table,
) -> None:
    """Each chain's key enterprises, ranked by bottleneck score, capacity criticality and
    capacity share, with the reasons."""
    from kg.analysis import key_enterprises

    with analysis() as ctx:
        rows = key_enterprises(ctx, chain=chain, limit=limit)
    emit(
        _flat([r.as_dict() for r in rows], fmt, reasons="; "),
        [
            "chain",
            "rank",
            "enterprise",
            "name",
            "bottleneck_score",
            "capacity_criticality",
            "capacity_share",
            "listed",
            "reasons",
        ],
        fmt,
        _title("key enterprises", chain),
    )


class _Steps:
    """Feeds run_all's steps into a progress bar."""

    STEPS = ("read graph", "single source", "spof", "capacity", "bottlenecks", "key enterprises")

    def __init__(self, bar: RichProgress) -> None:
        self.bar = bar
        self.seen = 0

    def __call__(self, step: str) -> None:
        if step == "write back":
            self.finish()
            return
        if self.seen == 0:
            self.bar.start("analysing", len(self.STEPS))
        else:
            self.bar.advance(1)
        self.seen += 1

    def finish(self) -> None:
        if 0 < self.seen <= len(self.STEPS):
            self.bar.advance(len(self.STEPS) - self.seen + 1)
            self.seen = len(self.STEPS) + 1
        self.bar.stop()


@app.command("all")
@friendly
@analysis_errors
def all_cmd(
    region_level: LevelOpt = DEFAULT_REGION_LEVEL,
    write: Annotated[
        bool, typer.Option("--write/--no-write", help="write the results into the graph")
    ] = True,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="compare with every stored value, not only each row's digest "
            "(repairs results edited by hand; a slower read)",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run every analysis over the whole graph and write the results back into it."""
    from kg.analysis import run_all

    with open_graph() as graph:
        bar = RichProgress()
        steps = _Steps(bar)
        try:
            result = run_all(
                graph,
                region_level=region_level,
                write=write,
                progress=RichProgress(),
                on_step=steps,
                verify=verify,
            )
        finally:
            steps.finish()
    emit(
        result.summary(), ["step", "seconds", "count", "what"], fmt, f"analysis run {result.run_id}"
    )
    if fmt is Format.table:
        if result.written:
            parts = ", ".join(f"{n:,} {what}" for what, n in result.written.items())
            console.print(f"written: {parts}", highlight=False)
        for warning in result.warnings:
            err.print(f"warning: {escape(warning)}", highlight=False)


@friendly
@analysis_errors
def disrupt(
    enterprise: Annotated[
        list[str] | None, typer.Option("--enterprise", "-e", help="remove this enterprise")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option("--region", "-r", help="remove this region, with the regions inside it"),
    ] = None,
    product: Annotated[
        list[str] | None, typer.Option("--product", "-p", help="remove this product")
    ] = None,
    key_only: Annotated[
        bool, typer.Option("--key-only", help="only key products in the table")
    ] = False,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """What a disruption cuts off: key products lost or reduced, capacity lost, and days of
    cover (stock / daily use) against days to recover."""
    from kg.analysis import disrupt as run_disruption

    with analysis() as ctx:
        impact = run_disruption(
            ctx, enterprises=enterprise or (), regions=region or (), products=product or ()
        )
    rows = [r for r in impact.rows() if r["key"] or not key_only]
    if fmt is Format.json:
        sys.stdout.write(
            json.dumps(
                {
                    "headline": impact.headline(),
                    "scenario": {
                        "enterprises": list(impact.enterprises),
                        "regions": list(impact.regions),
                        "products": list(impact.products),
                    },
                    "summary": impact.summary(),
                    "products": rows,
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            + "\n"
        )
        return
    if fmt is Format.table:
        console.print(impact.headline(), highlight=False)
        rows = _leading(
            [(r, bool(r["key"] or r["status"] == "lost")) for r in rows],
            fmt,
            everything,
            "other products with less output",
        )
    else:
        err.print(impact.headline(), highlight=False)
    emit(rows, DISRUPT_COLUMNS, fmt, "impact")


DISRUPT_COLUMNS = [
    "product",
    "key",
    "status",
    "cause",
    "before_per_day",
    "after_per_day",
    "remaining_share",
    "producer_capacity_lost",
    "days_of_cover",
    "days_to_recover",
    "at_risk",
]
