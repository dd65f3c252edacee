"""Monitoring: early warnings and their cascade, stockpiles against targets, allocation.

The functions the command line, the API and the demo call:

- ``compute_warnings(graph, rules=None, chain=None, level=None, at=None)``: the warnings at
  ``level`` or above about products of ``chain``, most severe and most urgent first.
- ``evaluate_warnings(graph, rules=None, at=None)``: every warning, as a WarningReport
  (``.select(level, chain)`` filters it); ``write_warnings(graph, report)`` writes it back.
- ``stockpile_report(graph, at=None)``: reserves against targets by reserve, product, region.
- ``allocate(graph, product, supply=None, basis="output", whole_units=False, at=None)``.
- ``load_rules(path=None)``: the shipped rules, or a user's rules file laid over them.
- ``resolve_as_of(graph, at)``: the date to judge on: the one given, else the data's latest
  snapshot (``latest_snapshot_date``), else today. The command line and the API use it.
"""

from kg.monitor.allocation import Allocation, AllocationError, allocate, split_supply
from kg.monitor.early_warning import (
    EarlyWarning,
    UnknownChainError,
    WarningReport,
    compute_warnings,
    evaluate,
    evaluate_warnings,
)
from kg.monitor.rules import LEVELS, Level, Rules, RulesError, load_rules, rules_from_mapping
from kg.monitor.snapshots import (
    Snapshots,
    latest_snapshot_date,
    read_snapshots,
    resolve_as_of,
)
from kg.monitor.stockpiles import StockpileReport, stockpile_report
from kg.monitor.writeback import WriteSummary, clear_warnings, write_warnings

__all__ = [
    "LEVELS",
    "Allocation",
    "AllocationError",
    "EarlyWarning",
    "Level",
    "Rules",
    "RulesError",
    "Snapshots",
    "StockpileReport",
    "UnknownChainError",
    "WarningReport",
    "WriteSummary",
    "allocate",
    "clear_warnings",
    "compute_warnings",
    "evaluate",
    "evaluate_warnings",
    "latest_snapshot_date",
    "load_rules",
    "read_snapshots",
    "resolve_as_of",
    "rules_from_mapping",
    "split_supply",
    "stockpile_report",
    "write_warnings",
]
