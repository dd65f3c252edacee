"""The headline findings of a loaded, analysed graph, gathered for the demo and its report.

Everything here is read from results the analyses and monitoring computed (and wrote back);
nothing is decided here except which rows make a headline and in what order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kg.analysis import AnalysisResult, Impact, disrupt
from kg.connection import Graph
from kg.monitor import Allocation, EarlyWarning, StockpileReport, allocate
from queries import get

Row = dict[str, Any]
HEADLINE = 8


@dataclass(frozen=True)
class Scenario:
    """A disruption the demo plays out: the chain's first key enterprise stops."""

    chain: str
    node: Row  # {kind, node, name, products, path, reason}
    impact: Impact


@dataclass
class Findings:
    analysis: AnalysisResult
    warnings: list[EarlyWarning]
    stockpiles: StockpileReport
    allocations: list[Allocation]
    scenarios: list[Scenario]
    at: dt.date
    country_regions: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)

    # ---- single sources -----------------------------------------------------------------

    def sole_sources(self, graph: Graph) -> list[Row]:
        rows = []
        for s in self.analysis.sourcing:
            if s.sourcing != "sole":
                continue
            producers = get("producers").run(graph, {"id": s.product})
            live = [p for p in producers if (p["capacity_per_day"] or 0) > 0] or producers
            maker = live[0] if live else {}
            rows.append(
                {
                    "product": s.product,
                    "name": s.name,
                    "producer": maker.get("enterprise"),
                    "producer_name": maker.get("name"),
                    "region": maker.get("region"),
                    "key": s.key,
                }
            )
        return sorted(rows, key=lambda r: (not r["key"], r["product"]))

    def concentrated(self) -> list[Row]:
        """Several producers that are no diversification: one region or one owner."""
        rows = []
        for s in self.analysis.sourcing:
            if s.sourcing != "multiple":
                continue
            if s.regional_single_source or s.group_single_source:
                rows.append(
                    {
                        "product": s.product,
                        "name": s.name,
                        "producers": s.producers,
                        "one_region": s.region if s.regional_single_source else None,
                        "one_group": s.group if s.group_single_source else None,
                        "hhi": s.hhi,
                    }
                )
        return rows

    # ---- single points of failure ---------------------------------------------------------

    def hidden_spofs(self) -> list[Row]:
        """Enterprises and regions whose loss stops a key product that has several producers.

        Country-level regions are left out of the headline: every key product of a domestic
        data set depends on its country.
        """
        by_node: dict[tuple[str, str], Row] = {}
        for link in self.analysis.spof:
            if link.kind not in ("enterprise", "region") or not link.hidden:
                continue
            if link.kind == "region" and link.node in self.country_regions:
                continue
            row = by_node.setdefault(
                (link.kind, link.node),
                {
                    "kind": link.kind,
                    "node": link.node,
                    "name": link.name,
                    "products": [],
                    "path": link.path,
                    "reason": link.reason,
                },
            )
            row["products"].append(link.product)
        return sorted(by_node.values(), key=lambda r: (-len(r["products"]), r["kind"], r["node"]))

    def bottlenecks(self) -> list[Row]:
        """The bottleneck ranking (kg/analysis/ranking.py), in its own order."""
        return [r.as_dict() for r in self.analysis.ranking]

    def capacity_limits(self) -> list[Row]:
        rows = []
        for c in self.analysis.capacity:
            if c.limited_by != "input" or not c.limiting_input:
                continue
            rows.append(
                {
                    "product": c.product,
                    "name": c.name,
                    "achievable_per_day": c.achievable_per_day,
                    "producer_capacity_per_day": c.producer_capacity_per_day,
                    "limiting_input": c.limiting_input,
                    "limiting_input_name": self.names.get(c.limiting_input, c.limiting_input),
                    "unit": c.unit,
                }
            )
        return rows

    # ---- monitoring -------------------------------------------------------------------------

    def warning_counts(self) -> dict[str, int]:
        counts = {"red": 0, "yellow": 0, "blue": 0}
        for w in self.warnings:
            counts[w.level] = counts.get(w.level, 0) + 1
        return counts

    def product_warnings(self) -> list[EarlyWarning]:
        """Warnings on products (national cover, supply gap, cascade), most severe first."""
        order = {"red": 0, "yellow": 1, "blue": 2}
        found = [w for w in self.warnings if w.subject == "product"]
        return sorted(found, key=lambda w: (order.get(w.level, 3), w.product or ""))

    def key_enterprises(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for k in self.analysis.key_enterprises:
            out.setdefault(k.chain, []).append(k.as_dict())
        return {chain: sorted(rows, key=lambda r: r["rank"]) for chain, rows in sorted(out.items())}


def collect(
    graph: Graph,
    analysis: AnalysisResult,
    warnings: list[EarlyWarning],
    stockpiles: StockpileReport,
    at: dt.date,
) -> Findings:
    """Gather the findings, run the allocations and the headline disruption scenario."""
    countries = {
        r["code"]
        for r in graph.query("MATCH (r:Region) WHERE r.level = 'country' RETURN r.code AS code")
    }
    names = {
        r["id"]: r["name"]
        for r in graph.query("MATCH (p:Product) RETURN p.id AS id, p.name AS name")
    }
    demanded = [
        r["id"]
        for r in graph.query(
            "MATCH (:Area)-[:DEMANDS]->(p:Product) RETURN DISTINCT p.id AS id ORDER BY id"
        )
    ]
    allocations = [allocate(graph, product, at=at) for product in demanded]
    findings = Findings(analysis, warnings, stockpiles, allocations, [], at, countries, names)
    hidden = {r["node"]: r for r in findings.hidden_spofs() if r["kind"] == "enterprise"}
    played: set[str] = set()
    for chain, ranked in findings.key_enterprises().items():
        # One scenario per chain: its first key enterprise that is a hidden single point of
        # failure and not yet played out for another chain, else its first key enterprise.
        fresh = [r for r in ranked if r["enterprise"] not in played]
        first = next((r for r in fresh if r["enterprise"] in hidden), fresh[0] if fresh else None)
        if first is None:
            continue
        played.add(first["enterprise"])
        node = hidden.get(first["enterprise"]) or {
            "kind": "enterprise",
            "node": first["enterprise"],
            "name": first["name"],
            "products": [],
            "path": [],
            "reason": first["reasons"][0] if first["reasons"] else "key enterprise",
        }
        impact = disrupt(graph, enterprises=[node["node"]])
        findings.scenarios.append(Scenario(chain, node, impact))
    return findings
