"""`supplymap warnings|stockpiles|allocate`: early warnings, reserves and allocation."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.markup import escape

from kg.cli.common import friendly, open_graph, settings
from kg.cli.output import Format, FormatOpt, emit, err
from kg.monitor import (
    AllocationError,
    RulesError,
    UnknownChainError,
    evaluate_warnings,
    load_rules,
    resolve_as_of,
    stockpile_report,
    write_warnings,
)
from kg.monitor.allocation import allocate as allocate_supply
from kg.monitor.early_warning import EarlyWarning, num

P = ParamSpec("P")
R = TypeVar("R")

AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="reference date (default: the data's latest snapshot): snapshots after it are ignored",
    ),
]


class LevelChoice(StrEnum):
    red = "red"
    yellow = "yellow"
    blue = "blue"


class ByChoice(StrEnum):
    reserve = "reserve"
    product = "product"
    region = "region"


class BasisChoice(StrEnum):
    output = "output"
    capacity = "capacity"


def monitor_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Bad rules, an unknown chain or an impossible allocation: one line, exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (RulesError, UnknownChainError, AllocationError) as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc

    return wrapper


def _for_table(rows: list[dict[str, Any]], percent: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Figures as text for a table: 60,000 / 7.06 / 75% (CSV and JSON keep the numbers)."""
    out = []
    for row in rows:
        shown = dict(row)
        for key, value in row.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            shown[key] = f"{value:.0%}" if key in percent else num(float(value))
        out.append(shown)
    return out


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _measure(w: EarlyWarning) -> str:
    if w.value is None:
        return ""
    if w.rule == "raw-gap":
        return f"gap {w.value:+.0%}"
    if w.rule.startswith("stale"):
        return f"{w.value:.0f} days old"
    return f"{w.value:.1f} days cover"


WARNING_COLUMNS = ["level", "rule", "subject", "product", "who", "measure", "as_of", "runs_out"]
WARNING_FIELDS = [
    "level",
    "rule",
    "subject",
    "product",
    "enterprise",
    "area",
    "value",
    "threshold",
    "as_of",
    "runs_out",
    "reason",
    "path",
    "source",
    "chains",
]


@friendly
@monitor_errors
def warnings(
    level: Annotated[
        LevelChoice | None,
        typer.Option(help="show this level and the more severe ones (red > yellow > blue)"),
    ] = None,
    chain: Annotated[
        str | None, typer.Option(help="only warnings about products of this chain")
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(help="a rules YAML laid over the shipped defaults (kg/monitor/rules.yaml)"),
    ] = None,
    as_of: AsOfOpt = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write/--no-write",
            help="also store every warning of the run (whatever --level and --chain show) in "
            "the graph, clearing those of earlier runs; without it nothing is written",
        ),
    ] = False,
    stale: Annotated[
        bool,
        typer.Option("--stale", help="list the stale-data notes one by one (default: a count)"),
    ] = False,
    reasons: Annotated[bool, typer.Option(help="add the reason column to the table")] = True,
    fmt: FormatOpt = Format.table,
) -> None:
    """Early warnings: parts red lights, raw-material levels and the cascade, judged as of the
    data's latest snapshot (or --as-of); read-only unless --write."""
    rule_set = load_rules(rules)
    with open_graph() as graph:
        at, basis = resolve_as_of(graph, _date(as_of))
        report = evaluate_warnings(graph, rule_set, at)
        shown = report.select(level.value if level else None, chain)
        summary = write_warnings(graph, report, settings().batch_size) if write else None
    stale_notes = [w for w in shown if is_stale(w)]
    if not stale:
        shown = [w for w in shown if not is_stale(w)]
    rows: list[dict[str, Any]] = []
    for w in shown:
        row = w.as_dict()
        row["who"] = w.enterprise or w.area or ""
        row["measure"] = _measure(w)
        rows.append(row)
    if fmt is Format.table:
        columns = WARNING_COLUMNS + (["reason"] if reasons else [])
        title = f"warnings as of {report.at} ({_basis_text(basis)}; {rule_set.origin})"
    else:
        columns = WARNING_FIELDS
        title = f"warnings as of {report.at}"
    if rows or fmt is not Format.table:
        emit(rows, columns, fmt, title)
    counts = report.counts()
    err.print(
        f"as of {report.at} ({_basis_text(basis)}): {len(shown)} shown of "
        f"{len(report.warnings)} warnings ({counts['red']} red, {counts['yellow']} yellow, "
        f"{counts['blue']} blue)",
        highlight=False,
    )
    if stale_notes and not stale:
        oldest = min((w.as_of for w in stale_notes if w.as_of is not None), default=None)
        err.print(
            f"{len(stale_notes)} stale-data note(s) not listed: snapshots older than the rules "
            "allow" + (f" (the oldest from {oldest})" if oldest else "") + "; --stale lists them",
            highlight=False,
        )
    for note in report.notes:
        err.print(f"note: {escape(note)}", highlight=False)
    if summary is None:
        err.print("read-only: not written to the graph (--write stores these warnings)")
    else:
        cleared = sum(summary.cleared.values())
        err.print(
            f"written to the graph (run {summary.run}): {summary.products} products, "
            f"{summary.enterprises} enterprises, {summary.holdings} HOLDS snapshots; "
            f"{cleared} earlier warning(s) cleared",
            highlight=False,
        )


def is_stale(w: EarlyWarning) -> bool:
    """A stale-data note (stale-inventory, -capacity, -stockpiles, -demand)."""
    return w.rule.startswith("stale")


def _basis_text(basis: str) -> str:
    return {
        "given": "--as-of",
        "latest snapshot": "the data's latest snapshot; --as-of for another day",
        "today": "today: no dated snapshots",
    }.get(basis, basis)


STOCKPILE_COLUMNS: dict[ByChoice, list[str]] = {
    ByChoice.reserve: [
        "product",
        "reserve",
        "reserve_name",
        "region",
        "stock",
        "target",
        "fill",
        "shortfall",
        "under_target",
        "days_of_demand",
        "as_of",
    ],
    ByChoice.product: [
        "product",
        "product_name",
        "reserves",
        "stock",
        "target",
        "fill",
        "shortfall",
        "under_target",
        "national_demand",
        "days_of_demand",
        "as_of",
    ],
    ByChoice.region: [
        "region",
        "region_name",
        "product",
        "reserves",
        "stock",
        "target",
        "fill",
        "shortfall",
        "under_target",
        "days_of_demand",
        "as_of",
    ],
}


@friendly
@monitor_errors
def stockpiles(
    by: Annotated[ByChoice, typer.Option(help="one row per reserve, product or region")] = (
        ByChoice.reserve
    ),
    under_target: Annotated[
        bool, typer.Option("--under-target", help="only rows below their target")
    ] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Strategic stockpiles against targets, with the days of national demand they cover."""
    with open_graph() as graph:
        report = stockpile_report(graph, resolve_as_of(graph, _date(as_of))[0])
    lines = {
        ByChoice.reserve: report.reserves,
        ByChoice.product: report.by_product,
        ByChoice.region: report.by_region,
    }[by]
    if under_target:
        lines = [line for line in lines if line.under_target]
    rows = [line.as_dict() for line in lines]
    if fmt is Format.table:
        rows = _for_table(rows, percent=("fill",))
    emit(rows, STOCKPILE_COLUMNS[by], fmt, f"stockpiles by {by.value} as of {report.at}")
    under = report.under_target
    err.print(
        f"{len(report.reserves)} reserve holdings of {len(report.by_product)} products; "
        + (f"under target: {', '.join(under)}" if under else "no product under target"),
        highlight=False,
    )


AREA_COLUMNS = [
    "priority",
    "area",
    "area_name",
    "sector",
    "region",
    "demand",
    "allocated",
    "unmet",
    "fill",
]


@friendly
@monitor_errors
def allocate(
    product: Annotated[str, typer.Argument(help="product id")],
    supply: Annotated[
        float | None,
        typer.Option(help="daily supply to allocate (default: the producers' current output)"),
    ] = None,
    basis: Annotated[
        BasisChoice, typer.Option(help="producers' output or capacity, when --supply is not given")
    ] = BasisChoice.output,
    whole_units: Annotated[
        bool, typer.Option("--whole-units", help="allocate whole units only")
    ] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Allocate a product's scarce daily supply to demand areas, priority 1 first."""
    with open_graph() as graph:
        result = allocate_supply(
            graph,
            product,
            supply=supply,
            basis="output" if basis is BasisChoice.output else "capacity",
            whole_units=whole_units,
            at=resolve_as_of(graph, _date(as_of))[0],
        )
    if fmt is Format.json:
        emit([result.as_dict()], list(result.as_dict()), fmt)
        return
    rows = [a.as_dict() for a in result.areas]
    if fmt in (Format.csv, Format.xlsx):
        emit(rows, [*AREA_COLUMNS, "as_of", "note"], fmt)
    else:
        emit(
            _for_table([s.as_dict() for s in result.steps]),
            ["priority", "areas", "demand", "available", "allocated", "note"],
            fmt,
            f"allocation of {product} by priority",
        )
        emit(
            _for_table(rows, percent=("fill",)),
            AREA_COLUMNS,
            fmt,
            f"allocation of {product} by area",
        )
    err.print(
        f"supply {num(result.supply)}/day ({escape(result.supply_note)}); demand "
        f"{num(result.demand)}, allocated {num(result.allocated)}, unmet {num(result.unmet)}, "
        f"left over {num(result.left_over)}",
        highlight=False,
    )
    for note in result.notes:
        err.print(f"note: {escape(note)}", highlight=False)
