"""Analyses over the supply-chain graph: single sources, hidden single points of failure,
bottlenecks, capacity, disruption scenarios and key enterprises.

Every function takes a Graph (the graph is read once into a Projection), a Projection, or a
Context (which also caches what one analysis computes for the next), and returns dataclasses
with an ``as_dict()``. ``run_all`` runs everything and writes the results back into the graph.

    single_sources(source, chain=None, region_level="province") -> SingleSourceReport
    spof(source, product=None, chain=None) -> list[SpofLink]
    bottlenecks(source, chain=None) -> list[BottleneckRow]   (scores written back)
    rank_bottlenecks(source, chain=None, region_level="province") -> list[RankedNode]
        the one documented bottleneck ranking (kg/analysis/ranking.py)
    capacity(source, product) -> CapacityReport;  capacities(source) -> list[CapacityRow]
    key_enterprises(source, chain=None) -> list[KeyEnterprise]
    disrupt(source, enterprises=(), regions=(), products=()) -> Impact
    run_all(graph, chain=None, region_level="province", write=True) -> AnalysisResult
"""

from kg.analysis.bottleneck import BottleneckRow, bottlenecks
from kg.analysis.capacity import CapacityReport, CapacityRow, capacities, capacity
from kg.analysis.context import Context, Source, ensure_context
from kg.analysis.disruption import Impact, ProductImpact, ScenarioError, disrupt
from kg.analysis.key_enterprises import KeyEnterprise, key_enterprises
from kg.analysis.keys import KeyProducts, key_products
from kg.analysis.projection import Projection, RawGraph, UnknownIdError, from_raw, project
from kg.analysis.ranking import RankedNode, RankingOptionError, rank_bottlenecks
from kg.analysis.run import AnalysisResult, run_all
from kg.analysis.single_source import (
    AnalysisOptionError,
    DeclaredSource,
    SingleSourceReport,
    Sourcing,
    single_sources,
)
from kg.analysis.spof import SpofLink, spof

__all__ = [
    "AnalysisOptionError",
    "AnalysisResult",
    "BottleneckRow",
    "CapacityReport",
    "CapacityRow",
    "Context",
    "DeclaredSource",
    "Impact",
    "KeyEnterprise",
    "KeyProducts",
    "ProductImpact",
    "Projection",
    "RankedNode",
    "RankingOptionError",
    "RawGraph",
    "ScenarioError",
    "SingleSourceReport",
    "Source",
    "Sourcing",
    "SpofLink",
    "UnknownIdError",
    "bottlenecks",
    "capacities",
    "capacity",
    "disrupt",
    "ensure_context",
    "from_raw",
    "key_enterprises",
    "key_products",
    "project",
    "rank_bottlenecks",
    "run_all",
    "single_sources",
    "spof",
]
