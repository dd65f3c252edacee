"""`supplymap plan ...`: joint capacity, ramp-up, the resumption white list, stockpile sizing.

Every command reads the graph once (the analyses' projection, today's output per line and the
conversions) and writes nothing. With ``--format json`` each prints one JSON object; with
``--format csv`` the main table only.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.markup import escape

from kg.cli.common import friendly, open_graph
from kg.cli.output import Format, console, emit, err

if TYPE_CHECKING:
    from kg.connection import Graph
    from kg.plan import PlanContext
# kg.plan (numpy, scipy) is imported inside the commands: the command line starts fast.

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Plan from the graph: joint capacity with shadow prices, line conversion and ramp-up, "
    "the resumption white list after a disruption, and stockpile sizing.",
    no_args_is_help=True,
)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")]
ChainOpt = Annotated[str | None, typer.Option("--chain", help="only this chain's key products")]
ObjectiveOpt = Annotated[
    str,
    typer.Option(
        "--objective",
        help="output (weighted key output) or demand-share (the smallest share of demand met)",
    ),
]
WeightsOpt = Annotated[
    str,
    typer.Option(
        "--weights",
        help="demand (relative demand, as the analyses), equal, or priority (1 / the most "
        "urgent priority of the areas demanding it)",
    ),
]


def plan_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Unknown ids, bad options and solver failures: one line on stderr, exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from kg.analysis import UnknownIdError
        from kg.plan import PlanError

        try:
            return func(*args, **kwargs)
        except (UnknownIdError, PlanError) as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from exc

    return wrapper


@contextmanager
def planning() -> Iterator[tuple[PlanContext, Graph]]:
    """Read the graph once (with a note on stderr) and hand out a planning context."""
    from kg.analysis import Context, project
    from kg.plan import PlanContext, read_plan_data

    with open_graph() as graph:
        err.print("reading the graph...", highlight=False)
        proj = project(graph)
        pc = PlanContext(Context(proj), read_plan_data(graph, proj))
        err.print(
            f"read {proj.n_products:,} products, {proj.n_enterprises:,} enterprises, "
            f"{len(pc.data.conversions):,} conversion line(s) in {proj.read_seconds:.1f}s",
            highlight=False,
        )
        for warning in proj.warnings:
            err.print(f"warning: {escape(warning)}", highlight=False)
        yield pc, graph


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(
            f"{value!r}; choose one of {', '.join(allowed)}", param_hint=option
        )
    return value


def _json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("capacity")
@friendly
@plan_errors
def capacity_cmd(
    chain: ChainOpt = None,
    objective: ObjectiveOpt = "output",
    weights: WeightsOpt = "demand",
    all_products: Annotated[
        bool, typer.Option("--all", help="every product, not only the key products")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Joint achievable output of the key products sharing their inputs (a linear programme),
    against the single-product figure, with binding inputs and each input's shadow price."""
    from kg.plan import Objective, Weights, joint_capacity

    obj = Objective(_choice(objective, ("output", "demand-share"), "--objective"))
    how = Weights(_choice(weights, ("demand", "equal", "priority"), "--weights"))
    with planning() as (pc, _):
        rep = joint_capacity(pc, obj, how, chain=chain, all_products=all_products)
    rows = [r.as_dict() for r in rep.rows]
    prices = [s.as_dict() for s in rep.shadow_prices]
    if fmt is Format.json:
        _json({**rep.summary(), "products": rows, "shadow_prices": prices})
        return
    cols = [
        "product",
        "key",
        "demand_per_day",
        "joint_per_day",
        "single_product_per_day",
        "producer_capacity_per_day",
        "share_of_demand",
        "binding_inputs",
    ]
    if fmt is Format.csv:
        emit(rows, [*cols, "shadow_price"], fmt)
        return
    share = rep.smallest_share
    console.print(
        f"objective {rep.objective} (weights {rep.weights}): weighted key output "
        f"{rep.weighted_output:,.6g}"
        + (f"; smallest share of demand met {share:.1%}" if share is not None else ""),
        highlight=False,
    )
    table_rows = [{**r.as_dict(), "binding_inputs": ", ".join(r.binding_inputs)} for r in rep.rows]
    emit(table_rows, cols, fmt, "joint capacity (single-product figure: the product alone)")
    emit(
        [{**p.as_dict(), "feeds": ", ".join(p.feeds)} for p in rep.shadow_prices],
        ["product", "shadow_price", "capacity_per_day", "used_per_day", "feeds"],
        fmt,
        f"shadow prices ({rep.shadow_unit})",
    )


@app.command("rampup")
@friendly
@plan_errors
def rampup_cmd(
    product: Annotated[
        list[str] | None,
        typer.Option(
            "--product",
            help="a product (repeat to plan several together; default: every key product)",
        ),
    ] = None,
    chain: ChainOpt = None,
    horizon: Annotated[int, typer.Option("--horizon", min=0, help="days to plan")] = 30,
    objective: ObjectiveOpt = "demand-share",
    weights: WeightsOpt = "demand",
    default_ramp_days: Annotated[
        float,
        typer.Option(
            "--default-ramp-days",
            min=0,
            help="days an existing producer takes from today's output to its capacity, when "
            "no conversions row says",
        ),
    ] = 7.0,
    daily: Annotated[bool, typer.Option("--daily", help="the day-by-day table too")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Day-by-day joint output as converted lines and producers ramp up; the day demand is first
    met, and which conversions matter most."""
    from kg.plan import Objective, Weights, rampup

    obj = Objective(_choice(objective, ("output", "demand-share"), "--objective"))
    how = Weights(_choice(weights, ("demand", "equal", "priority"), "--weights"))
    with planning() as (pc, _):
        rep = rampup(
            pc,
            horizon=horizon,
            product=product or None,
            chain=chain,
            objective=obj,
            weights=how,
            default_ramp_days=default_ramp_days,
        )
    products = [p.as_dict() for p in rep.products]
    convs = [c.as_dict() for c in rep.conversions]
    days = [d.as_dict() for d in rep.days]
    if fmt is Format.json:
        _json({**rep.summary(), "products": products, "conversions": convs, "days": days})
        return
    if fmt is Format.csv:
        emit(days, ["day", "product", "output_per_day", "capacity_per_day", "demand_per_day"], fmt)
        return
    met = rep.all_met_day
    console.print(
        f"horizon {rep.horizon} days, objective {rep.objective}: "
        + (f"demand met on day {met}" if met is not None else "demand not met within the horizon"),
        highlight=False,
    )
    emit(
        products,
        ["product", "demand_per_day", "today_per_day", "at_horizon_per_day", "day_met"],
        fmt,
        "ramp-up",
    )
    emit(
        convs,
        [
            "enterprise",
            "product",
            "capacity_per_day",
            "ramp_days",
            "existing_producer",
            "unmet_demand_added",
            "day_met_without",
        ],
        fmt,
        "conversions, most needed first (unmet demand added without each, units x days)",
    )
    if daily:
        emit(
            days,
            ["day", "product", "output_per_day", "capacity_per_day", "share_of_demand"],
            fmt,
            "day by day",
        )


@app.command("resume")
@friendly
@plan_errors
def resume_cmd(
    enterprise: Annotated[
        list[str] | None, typer.Option("--enterprise", "-e", help="a stopped enterprise")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option("--region", "-r", help="a region locked down, with the regions inside it"),
    ] = None,
    share: Annotated[
        float, typer.Option("--share", help="target share of each key product's normal output")
    ] = 0.8,
    minimise: Annotated[
        str, typer.Option("--minimise", help="enterprises (fewest) or capacity (least restarted)")
    ] = "enterprises",
    keep_stopped: Annotated[
        list[str] | None,
        typer.Option("--keep-stopped", help="an enterprise that cannot restart"),
    ] = None,
    chain: ChainOpt = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="seconds HiGHS may search", min=0.1)
    ] = 60.0,
    fmt: FormatOpt = Format.table,
) -> None:
    """The resumption white list: the fewest stopped enterprises (or least capacity) to restart
    so every key product reaches its target share of normal output, upstream first."""
    from kg.plan import Minimise, resume

    how = Minimise(_choice(minimise, ("enterprises", "capacity"), "--minimise"))
    with planning() as (pc, _):
        rep = resume(
            pc,
            enterprises=enterprise or (),
            regions=region or (),
            target_share=share,
            minimise=how,
            keep_stopped=keep_stopped or (),
            chain=chain,
            time_limit=time_limit,
        )
    entries = [e.as_dict() for e in rep.white_list]
    products = [p.as_dict() for p in rep.products]
    if fmt is Format.json:
        _json({**rep.summary(), "white_list": entries, "products": products})
        return
    if fmt is Format.csv:
        emit(entries, ["order", "enterprise", "name", "capacity_per_day", "makes", "unlocks"], fmt)
        return
    s = rep.summary()
    gap = s["mip_gap"]
    console.print(
        f"{s['stopped']} enterprise(s) stopped, {s['candidates']} with a line to restart: "
        f"restart {s['restart']} ({rep.status}"
        + (f", MIP gap {gap:.2%}" if isinstance(gap, float) else "")
        + f", {s['seconds']}s)",
        highlight=False,
    )
    if rep.status.startswith("time limit"):
        err.print(
            "warning: HiGHS stopped at its time limit; the list may not be the smallest "
            "(raise --time-limit)",
            highlight=False,
        )
    emit(
        [
            {**e.as_dict(), "makes": ", ".join(e.makes), "unlocks": ", ".join(e.unlocks)}
            for e in rep.white_list
        ],
        ["order", "enterprise", "name", "capacity_per_day", "makes", "unlocks"],
        fmt,
        f"white list (restart in this order; target {rep.target_share:.0%} of normal output)",
    )
    emit(
        reach_cells(products),
        [
            "product",
            "normal_per_day",
            "target_per_day",
            "after_disruption_per_day",
            "with_white_list_per_day",
            "reachable_per_day",
            "reaches_target",
        ],
        fmt,
        "key products",
    )
    if rep.unreachable:
        console.print(
            "cannot reach target even with everything restarted: " + ", ".join(rep.unreachable),
            highlight=False,
        )


NOT_COMPUTED = "not computed (time limit)"
# a resumption's figures that are None when their reach programme ran out of its share of the
# time limit (kg/plan/resume.py, TargetRow)
REACH_FIGURES = (
    "after_disruption_per_day",
    "reachable_per_day",
    "with_white_list_per_day",
    "reaches_target",
)


def reach_cells(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The key products' rows of a resumption for a table: a reach figure that was not
    computed (None) says so in words instead of printing None."""
    return [
        {k: NOT_COMPUTED if k in REACH_FIGURES and v is None else v for k, v in row.items()}
        for row in products
    ]


@app.command("stockpiles")
@friendly
@plan_errors
def stockpiles_cmd(
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            help="a YAML file of disruptions (scenarios: [{name, regions, enterprises}]); "
            "default: each region of the key producers and each sole source",
        ),
    ] = None,
    chain: ChainOpt = None,
    by_scenario: Annotated[
        bool, typer.Option("--by-scenario", help="the reserve each scenario needs too")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reserve each key product needs to bridge time to recover over time to survive, less what
    joint capacity still makes, against today's reserve targets, by holder and region."""
    from kg.monitor.stockpiles import stockpile_report
    from kg.plan import load_scenarios, size_stockpiles

    chosen = load_scenarios(scenarios) if scenarios is not None else None
    with planning() as (pc, graph):
        plan = size_stockpiles(pc, stockpile_report(graph), chosen, chain=chain)
    products = [p.as_dict() for p in plan.products]
    needs = [n.as_dict() for n in plan.needs]
    if fmt is Format.json:
        _json(
            {
                "scenarios": [s.as_dict() for s in plan.scenarios],
                "products": products,
                "needs": needs,
                "by_region": plan.by_region(),
            }
        )
        return
    cols = [
        "product",
        "demand_per_day",
        "reserve_needed",
        "worst_scenario",
        "target_today",
        "stock_today",
        "gap_to_target",
    ]
    if fmt is Format.csv:
        emit(products, cols, fmt)
        return
    console.print(f"{len(plan.scenarios)} scenario(s)", highlight=False)
    emit(products, cols, fmt, "reserve needed (largest over the scenarios) against targets")
    emit(
        plan.by_region(),
        ["region", "product", "reserve_needed", "target_today", "stock_today"],
        fmt,
        "by region (today's holders, in proportion to their targets)",
    )
    if by_scenario:
        emit(
            needs,
            [
                "product",
                "scenario",
                "shortfall_per_day",
                "days_to_survive",
                "days_to_recover",
                "reserve_needed",
            ],
            fmt,
            "by scenario",
        )
