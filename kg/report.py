"""The demo's Markdown report: what was loaded, and every finding with the reason for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.connection import Graph
from kg.findings import HEADLINE, Findings


def num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:
            return "-"
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _cell(value: Any) -> str:
    text = (
        num(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else ("-" if value is None else str(value))
    )
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(
    graph: Graph,
    findings: Findings,
    loaded: Sequence[tuple[str, str, int, int]],
    maps: Sequence[Path],
    out: Path,
    planning: str | None = None,
) -> str:
    """The report; ``planning``: the planning section (kg/plan/headlines.py), if any."""
    f = findings
    a = f.analysis
    parts = [
        "# supplymap demo report\n",
        f"Analysis run `{a.run_id}` at {a.analysed_at:%Y-%m-%d %H:%M} UTC; warnings, stockpiles "
        f"and allocations as of {f.at:%Y-%m-%d}, the date of the sample's snapshots. Every "
        "figure below is also in the graph (properties and SPOF_FOR links stamped with the run "
        "id) for Cypher users.\n",
        "## Data loaded\n",
        table(["file", "status", "rows read", "records written"], loaded),
        "## Sole sources\n",
        "Inputs with exactly one live producer in the graph.\n",
        table(
            ["product", "name", "producer", "region", "key product"],
            [
                (
                    r["product"],
                    r["name"],
                    r["producer_name"],
                    r["region"],
                    "yes" if r["key"] else "",
                )
                for r in f.sole_sources(graph)
            ],
        ),
        "## Hidden single points of failure\n",
        "Enterprises and regions whose loss makes a key product unavailable although that "
        "product has several producers (country-level regions left out). The path explains the "
        "flag: material flows from the first node to the product.\n",
        table(
            ["kind", "node", "name", "key products", "path", "why"],
            [
                (
                    r["kind"],
                    r["node"],
                    r["name"],
                    ", ".join(r["products"]),
                    " → ".join(r["path"]),
                    r["reason"],
                )
                for r in f.hidden_spofs()
            ],
        ),
        "## Several producers, one region or one owner\n",
        table(
            ["product", "name", "producers", "all in region", "all in group", "HHI"],
            [
                (r["product"], r["name"], r["producers"], r["one_region"], r["one_group"], r["hhi"])
                for r in f.concentrated()
            ],
        ),
        "## Bottlenecks\n",
        "The bottleneck ranking (`supplymap analyze bottlenecks`, kg/analysis/ranking.py): "
        "score = share of key products a node is a single point of failure of x its "
        "concentration (1 for an enterprise or region; for a product the HHI of its producers "
        "by enterprise x by region) + share of key products whose output it limits today.\n",
        table(
            ["rank", "kind", "node", "name", "score", "why", "same failure"],
            [
                (
                    r["rank"],
                    r["kind"],
                    r["node"],
                    r["name"],
                    r["score"],
                    r["why"],
                    "; ".join(r["also"]),
                )
                for r in f.bottlenecks()[:20]
            ],
        ),
        "## Capacity limits\n",
        "Products whose producers could make more than their inputs allow.\n",
        table(
            ["product", "name", "achievable/day", "producer capacity/day", "limited by"],
            [
                (
                    r["product"],
                    r["name"],
                    r["achievable_per_day"],
                    r["producer_capacity_per_day"],
                    f"{r['limiting_input']} ({r['limiting_input_name']})",
                )
                for r in f.capacity_limits()
            ],
        ),
    ]
    counts = f.warning_counts()
    parts += [
        "## Early warnings\n",
        f"{counts['red']} red, {counts['yellow']} yellow, {counts['blue']} blue "
        "(`supplymap warnings` lists them all; rules: kg/monitor/rules.yaml).\n",
        table(
            ["level", "rule", "product", "reason"],
            [(w.level, w.rule, w.product, w.reason) for w in f.product_warnings()],
        ),
        "## Stockpiles under target\n",
        "Products whose reserves together hold less than their target:\n",
        table(
            ["product", "name", "stock", "target", "filled", "days of national demand"],
            [
                (x.product, x.product_name, x.stock, x.target, pct(x.fill), x.days_of_demand)
                for x in f.stockpiles.by_product
                if x.under_target
            ],
        ),
        "Reserves under their own target:\n",
        table(
            ["reserve", "region", "product", "stock", "target", "filled"],
            [
                (
                    x.reserve_name or x.reserve,
                    x.region_name or x.region,
                    x.product,
                    x.stock,
                    x.target,
                    pct(x.fill),
                )
                for x in f.stockpiles.reserves
                if x.under_target
            ],
        ),
        "## Allocation of scarce supply to priority areas\n",
        "Priorities are served in order, pro rata within the first priority that does not fit.\n",
        table(
            ["product", "supply/day", "demand/day", "unmet/day", "by priority"],
            [
                (al.product, al.supply, al.demand, al.unmet, "; ".join(s.note for s in al.steps))
                for al in f.allocations
            ],
        ),
    ]
    for sc in f.scenarios:
        i = sc.impact
        parts += [
            f"## Disruption ({sc.chain}): loss of {sc.node['name']}\n",
            f"Why this one: {sc.node['reason']} (path {' → '.join(sc.node['path'])}). "
            f"Key-product output lost: {pct(i.key_output_lost)}. Time to survive (stock over "
            "daily use) against time to recover (lead time):\n",
            table(
                ["product", "status", "remaining", "days of cover", "days to recover", "at risk"],
                [
                    (
                        p.product,
                        p.status,
                        pct(p.remaining_share),
                        p.days_of_cover,
                        p.days_to_recover,
                        "yes" if p.at_risk else "",
                    )
                    for p in i.lost + i.reduced
                ],
            ),
        ]
    parts.append("## Key enterprises by chain\n")
    for chain, rows in f.key_enterprises().items():
        parts.append(f"### {chain}\n")
        parts.append(
            table(
                ["rank", "enterprise", "name", "score", "criticality", "why"],
                [
                    (
                        r["rank"],
                        r["enterprise"],
                        r["name"],
                        r["bottleneck_score"],
                        pct(r["capacity_criticality"]),
                        "; ".join(r["reasons"]),
                    )
                    for r in rows[:HEADLINE]
                ],
            )
        )
    if planning:
        parts.append(planning)
    parts += [
        "## Maps\n",
        "Self-contained HTML, open offline:\n",
        "".join(f"- [{p.name}]({p.relative_to(out).as_posix()})\n" for p in maps),
    ]
    return "\n".join(parts)
