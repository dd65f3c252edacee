"""`supplymap demo`: load the sample, run every analysis, write the maps and a report.

The main job of a fresh install: it starts the local engine if needed, loads the shipped
sample (three chains with planted findings) into a database of its own, runs the analyses
and the monitoring, writes the chain maps, a disruption map and a Markdown report to the
output folder, and prints the headline findings.
"""

from __future__ import annotations

import datetime as dt
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kg.cli.common import RichProgress, friendly, settings
from kg.cli.output import console, err
from kg.connection import Graph, local_engine
from kg.engine import ENGINE_USER
from kg.settings import Settings
from loaders.sample import DATA_DIR, DEFAULT_SEED, MANIFEST, SampleManifest, generate, sample_files

if TYPE_CHECKING:
    from kg.findings import Findings
    from kg.plan.headlines import PlanHeadlines
# The analyses, maps, monitoring and loaders (pandas, scipy, pyvis) are imported when the demo
# runs, so that every other command starts fast.


DEMO_DATABASE = "demo"


class DemoError(ValueError):
    """The demo cannot run as asked; the message says what to do."""


@contextmanager
def demo_graph(s: Settings, database: str, reset: bool) -> Iterator[Graph]:
    """A fresh database on the local engine; on Neo4j the configured one, if empty or reset."""
    if s.uses_local_engine:
        engine = local_engine(s)
        if not engine.status().running:
            err.print(f"starting the local engine (data in {engine.data_dir})...")
        status = engine.ensure_running()
        assert status.uri is not None
        with Graph.connect(status.uri, ENGINE_USER, engine.password(), engine.database) as base:
            existing = {r["name"] for r in base.query("SHOW DATABASES YIELD name RETURN name")}
        if database in existing:
            if database != DEMO_DATABASE and not reset:
                with Graph.connect(status.uri, ENGINE_USER, engine.password(), database) as g:
                    count = g.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
                if count:
                    raise DemoError(
                        f"database {database!r} already holds {count:,} nodes; the demo "
                        "recreates the database it writes to. Leave out --database (the demo "
                        f"then uses {DEMO_DATABASE!r}), name an empty or new database, or pass "
                        "--reset to wipe it"
                    )
            engine.drop_database(database)
        engine.create_database(database)
        with Graph.connect(status.uri, ENGINE_USER, engine.password(), database) as graph:
            yield graph
        return
    with Graph.from_settings(s) as graph:
        count = graph.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
        if count and not reset:
            raise DemoError(
                f"the Neo4j database {s.graph_database!r} already holds {count:,} nodes; the demo "
                "loads sample data into it. Point SUPPLYMAP_NEO4J_DATABASE at an empty database, "
                "pass --reset to wipe it first, or unset SUPPLYMAP_NEO4J_URI to use the local "
                "engine"
            )
        if count:
            while graph.write(
                "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted"
            )[0]["deleted"]:
                pass
        yield graph


def _step(name: str, started: float) -> None:
    console.print(f"[green]✓[/green] {name} [dim]({time.perf_counter() - started:.1f} s)[/dim]")


def _headlines(findings: Findings, graph: Graph) -> None:
    from kg.findings import HEADLINE
    from kg.report import num, pct

    f = findings
    sole = f.sole_sources(graph)
    table = Table(title="Sole sources (one live producer)", title_justify="left")
    for col in ("product", "producer", "region"):
        table.add_column(col)
    for r in sole[:HEADLINE]:
        table.add_row(
            Text(f"{r['name']} [{r['product']}]"),
            Text(str(r["producer_name"])),
            Text(str(r["region"] or "-")),
        )
    console.print(table)

    hidden = f.hidden_spofs()
    table = Table(title="Hidden single points of failure of key products", title_justify="left")
    for col in ("node", "stops", "because"):
        table.add_column(col, overflow="fold")
    for r in hidden[:HEADLINE]:
        table.add_row(
            Text(f"{r['name']} ({r['kind']})"),
            Text(", ".join(r["products"])),
            Text(" → ".join(r["path"])),
        )
    console.print(table)

    table = Table(title="Top bottlenecks (`supplymap analyze bottlenecks`)", title_justify="left")
    for col in ("rank", "node", "score", "why"):
        table.add_column(col, overflow="fold")
    for r in f.bottlenecks()[:HEADLINE]:
        table.add_row(
            str(r["rank"]),
            Text(f"{r['name']} ({r['kind']})"),
            f"{r['score']:.3f}",
            Text(str(r["why"])),
        )
    console.print(table)

    table = Table(title="Capacity limits", title_justify="left")
    for col in ("product", "achievable/day", "producers could make/day", "limited by"):
        table.add_column(col, overflow="fold")
    for r in f.capacity_limits()[:HEADLINE]:
        table.add_row(
            Text(str(r["name"])),
            num(r["achievable_per_day"]),
            num(r["producer_capacity_per_day"]),
            Text(str(r["limiting_input_name"])),
        )
    console.print(table)

    counts = f.warning_counts()
    console.print(
        f"[bold]Early warnings[/bold] as of {f.at}: [red]{counts['red']} red[/red], "
        f"[yellow]{counts['yellow']} yellow[/yellow], [blue]{counts['blue']} blue[/blue]"
    )
    for w in f.product_warnings()[:HEADLINE]:
        colour = {"red": "red", "yellow": "yellow", "blue": "blue"}.get(w.level, "white")
        console.print(f"  [{colour}]{w.level}[/{colour}] {escape(w.reason)}", highlight=False)
    under = [x for x in f.stockpiles.by_product if x.under_target]
    if under:
        console.print(
            "[bold]Stockpiles under target:[/bold] "
            + ", ".join(escape(f"{x.product_name or x.product} ({pct(x.fill)})") for x in under),
            highlight=False,
        )
    short = [a for a in f.allocations if a.unmet > 0]
    for al in short[:HEADLINE]:
        console.print(
            f"[bold]Allocation[/bold] {escape(al.product)}: {num(al.supply)}/day for "
            f"{num(al.demand)}/day wanted; unmet {num(al.unmet)}/day "
            f"({escape(al.steps[-1].note if al.steps else '')})",
            highlight=False,
        )
    for sc in f.scenarios:
        lost = ", ".join(p.product for p in sc.impact.key_lost) or "none"
        console.print(
            f"[bold]{escape(sc.chain)}: if {escape(sc.node['name'])} stops[/bold], key products "
            f"lost: {escape(lost)}; key-product output lost {pct(sc.impact.key_output_lost)}",
            highlight=False,
        )
    table = Table(title="Key enterprises by chain", title_justify="left")
    for col in ("chain", "rank", "enterprise", "why"):
        table.add_column(col, overflow="fold")
    for chain, rows in f.key_enterprises().items():
        for r in rows[:3]:
            table.add_row(
                chain,
                str(r["rank"]),
                Text(str(r["name"])),
                Text(r["reasons"][0] if r["reasons"] else ""),
            )
    console.print(table)


@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the maps and report")] = Path(
        "demo-out"
    ),
    scale: Annotated[int, typer.Option(min=1, max=50, help="sample size multiplier")] = 1,
    seed: Annotated[int, typer.Option(help="the sample's random seed")] = DEFAULT_SEED,
    reset: Annotated[
        bool,
        typer.Option(help="wipe the chosen database first when it already holds other data"),
    ] = False,
) -> None:
    """Load the sample supply chains, run every analysis, write maps and a report.

    On the local engine the demo writes to database `demo` (recreated each run) unless
    --database or SUPPLYMAP_DATABASE names another; on Neo4j to the configured database. It
    ends with next commands that work as printed.
    """
    started = time.perf_counter()
    s = settings()
    database = s.database or DEMO_DATABASE
    out.mkdir(parents=True, exist_ok=True)
    if scale == 1 and seed == DEFAULT_SEED:
        data_dir, manifest = DATA_DIR, SampleManifest.read(DATA_DIR / MANIFEST)
    else:
        data_dir = out / "sample"
        manifest = generate(data_dir, scale, seed)
    at = dt.date.fromisoformat(manifest.reference_date)
    try:
        with demo_graph(s, database, reset) as graph:
            _run(graph, s, data_dir, at, out, started)
    except DemoError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _run(graph: Graph, s: Settings, data_dir: Path, at: dt.date, out: Path, started: float) -> None:
    from kg.analysis import run_all
    from kg.findings import collect
    from kg.monitor import evaluate_warnings, stockpile_report, write_warnings
    from kg.plan.headlines import markdown_section as plan_markdown
    from kg.plan.headlines import summary_lines as plan_lines
    from kg.report import markdown
    from loaders.pipeline import Loader, LoadOptions

    t = time.perf_counter()
    reports = Loader(graph, RichProgress()).load_files(
        sample_files(data_dir), LoadOptions(batch_size=s.batch_size, force=True)
    )
    failed = [r for r in reports if r.status != "completed"]
    if failed:
        raise DemoError(f"the sample did not load: {failed[0].file}: {failed[0].message}")
    rows = sum(r.rows_read for r in reports)
    _step(f"loaded {len(reports)} files, {rows:,} rows, into database {graph.database!r}", t)

    t = time.perf_counter()
    result = run_all(graph)
    _step(
        f"analyses: {len(result.spof):,} single-point-of-failure links, "
        f"{len(result.bottlenecks):,} bottleneck rows, written back",
        t,
    )

    t = time.perf_counter()
    report = evaluate_warnings(graph, at=at)
    write_warnings(graph, report)
    stock = stockpile_report(graph, at=at)
    findings = collect(graph, result, report.warnings, stock, at)
    _step(
        f"monitoring as of {at}: {len(report.warnings):,} warnings, "
        f"{len(findings.allocations)} allocations",
        t,
    )

    plan = _plan(graph)

    t = time.perf_counter()
    maps = _write_maps(graph, findings, out / "maps")
    _step(f"{len(maps)} maps in {out / 'maps'}", t)

    loaded = [(Path(r.file).name, r.status, r.rows_read, r.rows_written) for r in reports]
    report_path = out / "report.md"
    planning = None if plan is None else plan_markdown(plan)
    report_path.write_text(
        markdown(graph, findings, loaded, maps, out, planning=planning), encoding="utf-8"
    )
    console.print()
    _headlines(findings, graph)
    if plan is not None:
        console.print()
        for line in plan_lines(plan):
            console.print(line, highlight=False, markup=False)
    console.print()
    console.print(
        f"report: {report_path}   maps: {out / 'maps'}   "
        f"graph: database {graph.database!r}   total {time.perf_counter() - started:.1f} s",
        highlight=False,
    )
    _next_steps(graph, findings, s)


def next_commands(graph: Graph, findings: Findings) -> list[str]:
    """Commands to try next, on the demo's database, with ids from its own findings."""
    db = f"--database {shlex.quote(graph.database)}"
    enterprise = _with_suppliers(
        graph, [r["enterprise"] for rows in findings.key_enterprises().values() for r in rows]
    )
    commands = [f"supplymap {db} db status", f"supplymap {db} chains"]
    if enterprise:
        commands.append(f"supplymap {db} suppliers {shlex.quote(str(enterprise))} --tiers 3")
    commands += [
        f"supplymap {db} analyze bottlenecks",
        f"supplymap {db} warnings",
    ]
    if findings.scenarios:
        node = str(findings.scenarios[0].node["node"])
        commands.append(f"supplymap {db} disrupt --enterprise {shlex.quote(node)}")
    product = shlex.quote(_first_product(graph, findings))
    commands.append(f"supplymap {db} query producers -p id={product}")
    return commands


def _with_suppliers(graph: Graph, preferred: list[str]) -> str | None:
    """The first of ``preferred`` (else any enterprise) with declared suppliers, most first."""
    rows = graph.query(
        "MATCH (s:Enterprise)-[:SUPPLIES]->(e:Enterprise) "
        "WITH e, count(DISTINCT s) AS n, e.id IN $preferred AS key "
        "RETURN e.id AS id ORDER BY key DESC, n DESC, id LIMIT 1",
        {"preferred": preferred},
    )
    return str(rows[0]["id"]) if rows else None


def _first_product(graph: Graph, findings: Findings) -> str:
    """The input that limits a key product's output the most, else any product made."""
    limits = findings.capacity_limits()
    if limits and limits[0].get("limiting_input"):
        return str(limits[0]["limiting_input"])
    rows = graph.query(
        "MATCH (:Enterprise)-[:PRODUCES]->(p:Product) RETURN p.id AS id ORDER BY id LIMIT 1"
    )
    return str(rows[0]["id"]) if rows else "N95"


def _next_steps(graph: Graph, findings: Findings, s: Settings) -> None:
    console.print()
    console.print("[bold]Next[/bold] (each works as printed):")
    for command in next_commands(graph, findings):
        console.print(f"  {escape(command)}", highlight=False, soft_wrap=True)
    console.print(
        f"  (or `export SUPPLYMAP_DATABASE={graph.database}` and leave out --database)",
        highlight=False,
        soft_wrap=True,
    )
    if s.uses_local_engine:
        console.print(
            "The local graph engine keeps running in the background (a Java process, about "
            "550 MB of memory) so that the next commands answer at once; "
            "`supplymap db stop` stops it.",
            highlight=False,
            soft_wrap=True,
        )


def _plan(graph: Graph) -> PlanHeadlines | None:
    """The planning headlines (kg/plan/headlines.py); None when the graph has no medical chain."""
    from kg.analysis import Context, UnknownIdError, project
    from kg.plan import PlanContext, PlanError, read_plan_data
    from kg.plan.headlines import CHAIN, plan_headlines

    t = time.perf_counter()
    proj = project(graph)
    try:
        plan = plan_headlines(PlanContext(Context(proj), read_plan_data(graph, proj)), CHAIN)
    except (UnknownIdError, PlanError) as exc:
        err.print(f"planning skipped: {escape(str(exc))}", highlight=False)
        return None
    _step(
        f"planning: joint capacity, ramp-up and the resumption white list of {CHAIN}",
        t,
    )
    return plan


def _write_maps(graph: Graph, findings: Findings, folder: Path) -> list[Path]:
    from kg.maps import chain_map_html, disruption_map_html
    from kg.maps.impact import Impact as MapImpact

    folder.mkdir(parents=True, exist_ok=True)
    maps: list[Path] = []
    for chain in graph.query("MATCH (c:Chain) RETURN c.id AS id ORDER BY id"):
        path = folder / f"chain-{chain['id']}.html"
        path.write_text(chain_map_html(graph, chain["id"]), encoding="utf-8")
        maps.append(path)
    for sc in findings.scenarios:
        impact = MapImpact.from_scenario(sc.impact, title=f"Loss of {sc.node['name']}")
        path = folder / f"disruption-{sc.chain}.html"
        path.write_text(disruption_map_html(graph, impact), encoding="utf-8")
        maps.append(path)
    return maps
