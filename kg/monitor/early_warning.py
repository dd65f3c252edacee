"""Early warnings: the rules applied to the current snapshots, then the cascade.

Rules (thresholds from kg/monitor/rules.yaml or a user's file; a level applies when the value
is below its threshold):

- parts-cover (a holding of a part): red when its days of cover (stock / daily_use) are below
  parts.red_below_days.
- raw-cover (a holding of a raw material): red / yellow / blue from its days of cover.
- raw-cover-total (a raw material): red / yellow / blue from the national days of cover,
  total stock / total daily use over every current holder.
- raw-gap (a raw material): red / yellow / blue from the supply-demand gap,
  (supply - demand) / demand (see Snapshots.supply and Snapshots.demand_of).
- stale-inventory, stale-capacity, stale-stockpiles, stale-demand: the current snapshot is
  older than stale.max_age_days on the reference date (capacity: or has no as_of); reported
  at stale.level, never cascaded.
- cascade: the products and enterprises the warnings above put at risk (kg/monitor/cascade.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kg.connection import Graph
from kg.monitor.rules import LEVELS, Level, ProductRules, Rules, load_rules, severity
from kg.monitor.snapshots import Snapshots, add_days, read_snapshots

Subject = Literal["holding", "product", "enterprise", "area"]
RULES: tuple[str, ...] = (
    "parts-cover",
    "raw-cover",
    "raw-cover-total",
    "raw-gap",
    "cascade",
    "stale-inventory",
    "stale-capacity",
    "stale-stockpiles",
    "stale-demand",
)
CASCADING: frozenset[str] = frozenset({"parts-cover", "raw-cover", "raw-cover-total", "raw-gap"})


class UnknownChainError(LookupError):
    """``--chain`` names no chain of the graph."""


@dataclass(frozen=True)
class EarlyWarning:
    """One warning: what it is about, how severe, why, and when the stock or supply runs out."""

    level: Level
    rule: str
    subject: Subject
    product: str
    enterprise: str | None = None  # the holder, producer or reserve
    area: str | None = None
    as_of: dt.date | None = None  # the date of the data the warning rests on
    value: float | None = None  # days of cover, supply gap or age in days
    threshold: float | None = None
    runs_out: dt.date | None = None
    reason: str = ""
    path: tuple[str, ...] = ()  # cascade: products from the warned input to this one
    source: str | None = None  # cascade: the warning it follows from
    chains: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        return (
            severity(self.level),
            self.runs_out or dt.date.max,
            RULES.index(self.rule) if self.rule in RULES else len(RULES),
            self.product,
            self.enterprise or "",
            self.area or "",
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = list(self.path)
        out["chains"] = list(self.chains)
        return out


def num(value: float) -> str:
    """A figure for a sentence: 1,234 / 12.5 / 0.004."""
    if math.isinf(value):
        return "unlimited"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def days(value: float) -> str:
    return "unlimited" if math.isinf(value) else f"{value:.1f} days"


def _unit(snap: Snapshots, product: str) -> str:
    info = snap.products.get(product)
    return f" {info.unit}" if info and info.unit else ""


def _label(snap: Snapshots, pid: str) -> str:
    name = snap.product_name(pid)
    return pid if name == pid else f"{pid} ({name})"


def _ent(snap: Snapshots, eid: str) -> str:
    name = snap.enterprise_name(eid)
    return eid if name == eid else f"{name} [{eid}]"


@dataclass
class RuleContext:
    snap: Snapshots
    rules: Rules
    _cache: dict[str, ProductRules] = field(default_factory=dict)

    def for_product(self, pid: str) -> ProductRules:
        got = self._cache.get(pid)
        if got is None:
            info = self.snap.products.get(pid)
            got = self.rules.for_product(
                info.category if info else None, info.chains if info else ()
            )
            self._cache[pid] = got
        return got

    def chains(self, pid: str) -> tuple[str, ...]:
        info = self.snap.products.get(pid)
        return info.chains if info else ()


def _holding_warnings(ctx: RuleContext) -> Iterable[EarlyWarning]:
    snap = ctx.snap
    for (holder, pid), h in sorted(snap.holdings.items()):
        pr = ctx.for_product(pid)
        cover = h.cover_days
        held = (
            f"{_ent(snap, holder)} holds {num(h.stock)}{_unit(snap, pid)} of {_label(snap, pid)}, "
            f"{days(cover)} of its use ({num(h.daily_use)}/day) on {h.as_of}"
        )
        if pr.product_class == "parts":
            threshold = pr.parts.red_below_days
            if cover < threshold:
                yield EarlyWarning(
                    "red",
                    "parts-cover",
                    "holding",
                    pid,
                    enterprise=holder,
                    as_of=h.as_of,
                    value=cover,
                    threshold=threshold,
                    runs_out=h.runs_out,
                    reason=(
                        f"parts red light: {held}, below {num(threshold)} days; "
                        f"runs out on {h.runs_out} unless restocked"
                    ),
                    chains=ctx.chains(pid),
                )
        elif pr.product_class == "raw_materials":
            thresholds = pr.raw_materials.days_of_cover
            level = thresholds.level(cover)
            if level is not None:
                threshold = thresholds.threshold(level)
                yield EarlyWarning(
                    level,
                    "raw-cover",
                    "holding",
                    pid,
                    enterprise=holder,
                    as_of=h.as_of,
                    value=cover,
                    threshold=threshold,
                    runs_out=h.runs_out,
                    reason=(
                        f"raw material {level}: {held}, below {num(threshold)} days; "
                        f"runs out on {h.runs_out} unless restocked"
                    ),
                    chains=ctx.chains(pid),
                )
        stale = _stale(
            ctx,
            pid,
            "stale-inventory",
            "holding",
            h.as_of,
            pr.stale.max_age_days.inventory,
            f"the latest inventory snapshot of {_label(snap, pid)} at {_ent(snap, holder)}",
            enterprise=holder,
        )
        if stale is not None:
            yield stale


def _product_warnings(ctx: RuleContext) -> Iterable[EarlyWarning]:
    snap = ctx.snap
    for pid in sorted(snap.products):
        pr = ctx.for_product(pid)
        if pr.product_class != "raw_materials":
            continue
        raw = pr.raw_materials
        holders = snap.holders_of.get(pid, [])
        if holders:
            stock = sum(h.stock for h in holders)
            use = sum(h.daily_use for h in holders)
            cover = stock / use
            level = raw.days_of_cover.level(cover)
            if level is not None:
                as_of = max(h.as_of for h in holders)
                threshold = raw.days_of_cover.threshold(level)
                runs_out = add_days(as_of, cover)
                yield EarlyWarning(
                    level,
                    "raw-cover-total",
                    "product",
                    pid,
                    as_of=as_of,
                    value=cover,
                    threshold=threshold,
                    runs_out=runs_out,
                    reason=(
                        f"raw material {level}: the {len(holders)} holder(s) of "
                        f"{_label(snap, pid)} hold {num(stock)}{_unit(snap, pid)} together, "
                        f"{days(cover)} of their combined use ({num(use)}/day), below "
                        f"{num(threshold)} days; runs out on {runs_out} unless restocked"
                    ),
                    chains=ctx.chains(pid),
                )
        supply = snap.supply(pid, raw.supply)
        demand = snap.demand_of(pid)
        if supply is None or demand.total <= 0:
            continue
        gap = (supply.total - demand.total) / demand.total
        level = raw.supply_gap.level(gap)
        if level is None:
            continue
        threshold = raw.supply_gap.threshold(level)
        parts = []
        if demand.direct_source != "none":
            source = "area demand" if demand.direct_source == "areas" else "demand_per_day"
            parts.append(f"{source} {num(demand.direct)}")
        parts.extend(f"{num(v)} for {o}" for o, v in demand.derived_from)
        missing = (
            f"; {supply.unknown} producer(s) without figures count as 0" if supply.unknown else ""
        )
        dates = [d for d in (supply.as_of, demand.as_of) if d is not None]
        yield EarlyWarning(
            level,
            "raw-gap",
            "product",
            pid,
            as_of=max(dates) if dates else None,
            value=gap,
            threshold=threshold,
            reason=(
                f"raw material {level}: supply-demand gap {gap:+.0%} for {_label(snap, pid)}: "
                f"{raw.supply} {num(supply.total)}/day from {supply.producers} producer(s) "
                f"against demand {num(demand.total)}/day ({' + '.join(parts)}), below "
                f"{threshold:+.0%}{missing}"
            ),
            chains=ctx.chains(pid),
        )


def _stale(
    ctx: RuleContext,
    pid: str,
    rule: str,
    subject: Subject,
    as_of: dt.date | None,
    max_age: int,
    what: str,
    *,
    enterprise: str | None = None,
    area: str | None = None,
) -> EarlyWarning | None:
    """A stale-data warning when the snapshot of ``what`` is older than ``max_age`` days on
    the reference date, or has no date at all; None when it is recent enough."""
    if as_of is None:
        age: int | None = None
        age_text = "has no as_of date"
    else:
        age = (ctx.snap.at - as_of).days
        if age <= max_age:
            return None
        age_text = f"is {age} days old ({as_of})"
    return EarlyWarning(
        ctx.for_product(pid).stale.level,
        rule,
        subject,
        pid,
        enterprise=enterprise,
        area=area,
        as_of=as_of,
        value=None if age is None else float(age),
        threshold=float(max_age),
        reason=f"stale data: {what} {age_text}; the rules ask for one within {max_age} days",
        chains=ctx.chains(pid),
    )


def _stale_other(ctx: RuleContext) -> Iterable[EarlyWarning]:
    """Stale capacity (or undated), stockpile and demand snapshots."""
    snap = ctx.snap
    candidates = [
        _stale(
            ctx,
            pid,
            "stale-capacity",
            "enterprise",
            c.as_of,
            ctx.for_product(pid).stale.max_age_days.capacity,
            f"the capacity figure of {_label(snap, pid)} at {_ent(snap, eid)}",
            enterprise=eid,
        )
        for (eid, pid), c in sorted(snap.capacity.items())
    ]
    candidates += [
        _stale(
            ctx,
            pid,
            "stale-stockpiles",
            "enterprise",
            s.as_of,
            ctx.for_product(pid).stale.max_age_days.stockpiles,
            f"the latest stockpile snapshot of {_label(snap, pid)} at reserve {_ent(snap, eid)}",
            enterprise=eid,
        )
        for (eid, pid), s in sorted(snap.stockpiles.items())
    ]
    candidates += [
        _stale(
            ctx,
            pid,
            "stale-demand",
            "area",
            d.as_of,
            ctx.for_product(pid).stale.max_age_days.demand,
            f"the latest demand snapshot of {_label(snap, pid)} for area {d.area_name or area}",
            area=area,
        )
        for (area, pid), d in sorted(snap.demand.items())
    ]
    return [w for w in candidates if w is not None]


def rule_warnings(snap: Snapshots, rules: Rules) -> list[EarlyWarning]:
    """Every warning the rules raise on the snapshots, before the cascade."""
    ctx = RuleContext(snap, rules)
    out = [*_holding_warnings(ctx), *_product_warnings(ctx), *_stale_other(ctx)]
    return sorted(out, key=EarlyWarning.sort_key)


@dataclass
class WarningReport:
    """All warnings of one run, with the snapshots and rules they came from."""

    at: dt.date
    rules: Rules
    snapshots: Snapshots
    warnings: list[EarlyWarning]
    notes: list[str] = field(default_factory=list)

    def chains(self) -> set[str]:
        return {c for p in self.snapshots.products.values() for c in p.chains}

    def select(self, level: Level | None = None, chain: str | None = None) -> list[EarlyWarning]:
        """Warnings at ``level`` or more severe, about products of ``chain``."""
        if chain is not None and chain not in self.chains():
            known = ", ".join(sorted(self.chains())) or "none loaded"
            raise UnknownChainError(
                f"no product is in chain {chain!r}; chains with products: {known}"
            )
        out = self.warnings
        if level is not None:
            out = [w for w in out if severity(w.level) <= severity(level)]
        if chain is not None:
            out = [w for w in out if chain in w.chains]
        return out

    def counts(self) -> dict[str, int]:
        return {level: sum(1 for w in self.warnings if w.level == level) for level in LEVELS}


def evaluate(snap: Snapshots, rules: Rules) -> WarningReport:
    """Rule warnings and their cascade on a projection (no graph access)."""
    from kg.monitor.cascade import cascade  # cascade.py builds on this module's warnings

    found = rule_warnings(snap, rules)
    found.extend(cascade(snap, found, rules.cascade.levels))
    found.sort(key=EarlyWarning.sort_key)
    report = WarningReport(snap.at, rules, snap, found)
    in_graph = report.chains()
    for chain in sorted(rules.chains_named() - in_graph):
        report.notes.append(f"the rules override chain {chain!r}, which has no products")
    return report


def evaluate_warnings(
    graph: Graph, rules: Rules | None = None, at: dt.date | None = None
) -> WarningReport:
    """Read the graph once and evaluate every rule and the cascade, as of ``at`` (today)."""
    return evaluate(read_snapshots(graph, at), rules or load_rules())


def compute_warnings(
    graph: Graph,
    rules: Rules | None = None,
    chain: str | None = None,
    level: Level | None = None,
    at: dt.date | None = None,
) -> list[EarlyWarning]:
    """The warnings at ``level`` or above about products of ``chain``, most severe first."""
    return evaluate_warnings(graph, rules, at).select(level, chain)
