"""Stockpile sizing: the reserve that bridges time to recover and time to survive.

For a key product q and a scenario (a disruption: enterprises and regions stopped):

    reserve(q, s) = max(0, demand_q - joint_q(s)) x max(0, TTR_q(s) - TTS_q(s))

that is, demand per day x max(0, TTR - TTS) less what joint capacity still makes over that
time (Simchi-Levi, Wang and Wei; the TTR/TTS framework of Simchi-Levi et al., Interfaces 2015):
- demand_q: demand_per_day, else the areas' demand (data.py), else the monitoring's figure;
- joint_q(s): q's output in the joint plan (lp.py) with the scenario's enterprises stopped;
- TTS and TTR: days of cover and days to recover of the disruption analysis
  (kg/analysis/disruption.py); a product the analysis finds neither lost nor reduced but
  short in the joint plan (a shared input) recovers in its lead time, with its stock over
  the shortfall as cover;
- the reserve a product needs is its largest over the scenarios, set against today's reserve
  targets and stocks (kg/monitor/stockpiles.py), and shared among today's holders in
  proportion to their targets (by holder and by region).

Scenarios come from a YAML file (``scenarios: [{name, regions: [...], enterprises: [...]}]``)
or, by default: a lockdown of each region (at the province level) holding a producer of a
key product, and the loss of each sole source of a key product or of an input up its bill
of materials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kg.analysis.disruption import impact
from kg.model import DEFAULT_REGION_LEVEL
from kg.monitor.stockpiles import StockpileReport
from kg.plan.context import PlanContext
from kg.plan.joint import finite
from kg.plan.lp import Objective, PlanError, Weights, solve
from kg.plan.resume import capacity_running, stopped_enterprises


@dataclass(frozen=True)
class Scenario:
    name: str
    enterprises: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "enterprises": list(self.enterprises),
            "regions": list(self.regions),
        }


def load_scenarios(path: Path) -> list[Scenario]:
    """Scenarios from a YAML file; every mistake names the file and the entry."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the scenario file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML ({exc})") from exc
    items = doc.get("scenarios") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise PlanError(
            f"{path}: expected a list of scenarios under 'scenarios:', each with a name and "
            "regions and/or enterprises"
        )
    out = []
    for i, item in enumerate(items, start=1):
        where = f"{path}: scenario {i}"
        if not isinstance(item, dict):
            raise PlanError(f"{where}: expected a mapping with name, regions, enterprises")
        unknown = set(item) - {"name", "regions", "enterprises"}
        if unknown:
            raise PlanError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("regions", "enterprises"):
            value = item.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                raise PlanError(f"{where}: '{key}' must be a list of ids")
            lists[key] = tuple(str(v) for v in value)
        if not (lists["regions"] or lists["enterprises"]):
            raise PlanError(f"{where}: names no region and no enterprise")
        out.append(
            Scenario(
                str(item.get("name") or f"scenario {i}"), lists["enterprises"], lists["regions"]
            )
        )
    return out


def default_scenarios(
    pc: PlanContext, chain: str | None = None, level: str = DEFAULT_REGION_LEVEL
) -> list[Scenario]:
    """A lockdown of each region of the key producers, and the loss of each sole source."""
    proj = pc.proj
    keys = pc.keys(chain)
    live = proj.live
    regions: set[int] = set()
    at_level = proj.enterprise_region_at(level)
    for q in keys.indices:
        for k in proj.producers_of[q]:
            r = at_level[int(proj.pr_ent[k])]
            if live[k] and r is not None:
                regions.add(r)
    out = [
        Scenario(
            f"lockdown of {proj.region_name[r] or proj.region_codes[r]}",
            (),
            (proj.region_codes[r],),
        )
        for r in sorted(regions, key=lambda r: proj.region_codes[r])
    ]
    sole: dict[int, list[int]] = {}
    for q in sorted(pc.ctx.upstream_products(set(keys.indices))):
        lines = [k for k in proj.producers_of[q] if live[k]]
        if len(lines) == 1:
            sole.setdefault(int(proj.pr_ent[lines[0]]), []).append(q)
    for e, prods in sorted(sole.items(), key=lambda kv: proj.enterprise_ids[kv[0]]):
        names = ", ".join(proj.product_ids[q] for q in prods)
        out.append(
            Scenario(
                f"loss of sole source {proj.enterprise_ids[e]} ({names})", (proj.enterprise_ids[e],)
            )
        )
    return out


@dataclass(frozen=True)
class ReserveNeed:
    product: str
    scenario: str
    demand_per_day: float | None
    joint_after_per_day: float
    shortfall_per_day: float | None
    days_to_survive: float | None
    days_to_recover: float | None
    reserve_needed: float | None  # None: demand or recovery time unknown

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class HolderShare:
    reserve: str
    name: str | None
    region: str | None
    stock: float
    target: float
    needed: float | None  # its share of the reserve needed, in proportion to today's targets

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ReserveSizing:
    product: str
    name: str | None
    demand_per_day: float | None
    reserve_needed: float | None  # the largest over the scenarios
    worst_scenario: str | None
    target_today: float
    stock_today: float
    gap_to_target: float | None  # reserve needed - today's target (above 0: raise the target)
    holders: tuple[HolderShare, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["holders"] = [h.as_dict() for h in self.holders]
        return out


@dataclass
class StockpilePlan:
    scenarios: list[Scenario] = field(default_factory=list)
    needs: list[ReserveNeed] = field(default_factory=list)
    products: list[ReserveSizing] = field(default_factory=list)

    def by_region(self) -> list[dict[str, Any]]:
        """Reserve needed and today's target per region and product."""
        acc: dict[tuple[str, str], list[float]] = {}
        for p in self.products:
            for h in p.holders:
                row = acc.setdefault((h.region or "", p.product), [0.0, 0.0, 0.0])
                row[0] += h.needed or 0.0
                row[1] += h.target
                row[2] += h.stock
        return [
            {
                "region": r or None,
                "product": p,
                "reserve_needed": v[0],
                "target_today": v[1],
                "stock_today": v[2],
            }
            for (r, p), v in sorted(acc.items())
        ]


def size_stockpiles(
    pc: PlanContext,
    reserves: StockpileReport | None = None,
    scenarios: Sequence[Scenario] | None = None,
    chain: str | None = None,
    objective: Objective = Objective.demand_share,
    weights: Weights = Weights.demand,
) -> StockpilePlan:
    """Size each key product's reserve over the scenarios (see the module text)."""
    proj = pc.proj
    chosen = list(scenarios) if scenarios is not None else default_scenarios(pc, chain)
    keys, w, ref = pc.objective_arrays(chain, objective, weights)
    key_list = [q for q in keys.indices if math.isfinite(pc.single[q])]
    by_product = {line.product: line for line in reserves.by_product} if reserves else {}
    holders: dict[str, list[Any]] = {}
    for line in reserves.reserves if reserves else []:
        holders.setdefault(line.product, []).append(line)
    demand: dict[int, float | None] = {}
    for q in key_list:
        d = float(pc.demand[q])
        if not (math.isfinite(d) and d > 0):
            known = by_product.get(proj.product_ids[q])
            d = known.national_demand if known and known.national_demand else math.nan
        demand[q] = d if math.isfinite(d) and d > 0 else None
    stock = np.zeros(proj.n_products)
    needs: list[ReserveNeed] = []
    scale = pc.share_scale(ref)
    for sc in chosen:
        try:
            stopped = stopped_enterprises(pc, sc.enterprises, sc.regions)
        except LookupError as exc:
            raise PlanError(f"scenario {sc.name!r}: {exc}") from exc
        running = np.ones(proj.n_enterprises, dtype=bool)
        running[stopped] = False
        after = solve(pc.net, capacity_running(pc, running), w, ref, scale).x
        regs = [proj.region(r) for r in sc.regions]
        imp = impact(pc.ctx, [proj.enterprise(e) for e in sc.enterprises], regs, [])
        found = {p.product: p for p in [*imp.lost, *imp.reduced]}
        stock[:] = 0.0
        for e, p, s in zip(
            proj.hold_ent.tolist(), proj.hold_prod.tolist(), proj.hold_stock.tolist(), strict=True
        ):
            if running[e] and math.isfinite(s):
                stock[p] += s
        for q in key_list:
            pid = proj.product_ids[q]
            dq = demand[q]
            x = float(after[q])
            short = max(0.0, dq - x) if dq is not None else None
            hit = found.get(pid)
            tts: float | None
            ttr: float | None
            if hit is not None:
                tts, ttr = hit.days_of_cover, hit.days_to_recover
            elif short:
                lead = float(proj.lead_time[q])
                tts, ttr = float(stock[q]) / short, (lead if math.isfinite(lead) else None)
            else:
                tts, ttr = None, None
            if short is None:
                need = None
            elif short == 0:
                need = 0.0
            elif ttr is None:
                need = None
            else:
                need = short * max(0.0, ttr - (tts or 0.0))
            needs.append(
                ReserveNeed(
                    product=pid,
                    scenario=sc.name,
                    demand_per_day=dq,
                    joint_after_per_day=x,
                    shortfall_per_day=short,
                    days_to_survive=finite(tts) if tts is not None else None,
                    days_to_recover=ttr,
                    reserve_needed=need,
                )
            )
    products = []
    for q in key_list:
        pid = proj.product_ids[q]
        mine = [n for n in needs if n.product == pid and n.reserve_needed is not None]
        worst = max(mine, key=lambda n: n.reserve_needed or 0.0, default=None)
        most = worst.reserve_needed if worst is not None else None
        lines = holders.get(pid, [])
        total_target = sum(h.target for h in lines)
        shares = tuple(
            HolderShare(
                reserve=h.reserve or "",
                name=h.reserve_name,
                region=h.region,
                stock=h.stock,
                target=h.target,
                needed=(need * h.target / total_target)
                if need is not None and total_target > 0
                else None,
            )
            for h in lines
        )
        products.append(
            ReserveSizing(
                product=pid,
                name=proj.product_name[q],
                demand_per_day=demand[q],
                reserve_needed=most,
                worst_scenario=worst.scenario if worst is not None and most else None,
                target_today=total_target,
                stock_today=sum(h.stock for h in lines),
                gap_to_target=None if most is None else most - total_target,
                holders=shares,
            )
        )
    return StockpilePlan(chosen, needs, products)
