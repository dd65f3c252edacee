"""The manifest of the sample (planted.json): what was planted, with the ids in the files.

Each section states a finding an analysis of the sample must make, in terms of the ids in the
CSV files, with the reason. The figures in it (shares, days of cover, supply gaps) are
arithmetic on the generated rows, so a reader can check them by hand.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loaders.sample import catalogue, enterprises, planted
from loaders.sample.catalogue import BY_ID as PRODUCTS
from loaders.sample.regions import BY_CODE as REGIONS
from loaders.sample.regions import ancestors, province_of
from loaders.sample.world import World, is_part

Row = dict[str, Any]


@dataclass
class SampleManifest:
    seed: int
    scale: int
    reference_date: str
    files: dict[str, int]
    key_products: list[Row]
    calibration: list[Row]
    sole_sources: list[Row]
    spofs: list[Row]
    regional_single_sources: list[Row]
    group_single_sources: list[Row]
    declared_single_sources: list[Row]
    multi_sourced: list[Row]
    substitutes: list[Row]
    bottleneck: Row
    warnings: Row
    stockpiles: Row
    demand: list[Row]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    def write(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> SampleManifest:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def spof_ids(self, product: str) -> set[tuple[str, str]]:
        """(node kind, id) of every listed SPOF of a key product."""
        return {(s["kind"], s["id"]) for s in self.spofs if s["product"] == product}


def top_parent(world: World, key: str) -> str:
    seen = set()
    while world.enterprises[key].parent is not None and key not in seen:
        seen.add(key)
        parent = world.enterprises[key].parent
        assert parent is not None
        key = parent
    return key


def _ent(world: World, key: str) -> Row:
    e = world.enterprises[key]
    return {"id": e.id, "name": e.name, "region": e.region}


def _spofs(world: World) -> list[Row]:
    found: dict[tuple[str, str, str], Row] = {}

    def add(product: str, kind: str, node: str, name: str, path: list[str], reason: str) -> None:
        slot = (product, kind, node)
        if slot in found:
            if reason not in found[slot]["reasons"]:
                found[slot]["reasons"].append(reason)
            return
        level = REGIONS[node].level if kind == "Region" else "enterprise"
        found[slot] = {
            "product": product,
            "kind": kind,
            "id": node,
            "name": name,
            "level": level,
            "path": path,
            "reasons": [reason],
        }

    for cause in planted.SPOF_CAUSES:
        for product in cause.products:
            via = [*cause.via, product] if cause.via[-1] != product else list(cause.via)
            if cause.kind == "Enterprise":
                ent = world.enterprises[cause.node]
                add(product, "Enterprise", ent.id, ent.name, [ent.id, *via], cause.reason)
                regions = ancestors(ent.region)
                why = f"contains {ent.name}: {cause.reason}"
            else:
                regions = ancestors(cause.node)
                why = cause.reason
            for code in regions:
                add(product, "Region", code, REGIONS[code].name, [code, *via], why)
    for product in catalogue.KEY_PRODUCTS:
        reason = planted.DOMESTIC_ONLY_REASON.format(product=product)
        add(product, "Region", "CN", "China", ["CN", product], reason)
    order = {p: i for i, p in enumerate(catalogue.KEY_PRODUCTS)}
    kinds = {"Enterprise": 0, "Region": 1}
    return sorted(found.values(), key=lambda r: (order[r["product"]], kinds[r["kind"]], r["id"]))


def _sole_sources(world: World) -> list[Row]:
    out = []
    for spec in catalogue.PRODUCTS:
        producers = world.producers(spec.id)
        if len(producers) == 1:
            out.append(
                {
                    "product": spec.id,
                    "name": spec.name,
                    "producer": _ent(world, producers[0].enterprise),
                    "note": spec.note,
                }
            )
    return out


def _regional(world: World) -> list[Row]:
    out = []
    for product, region in planted.REGIONAL_SINGLE:
        out.append(
            {
                "product": product,
                "region": region,
                "region_name": REGIONS[region].name,
                "level": REGIONS[region].level,
                "producers": [world.eid(p.enterprise) for p in world.producers(product)],
            }
        )
    return out


def _group(world: World) -> list[Row]:
    out = []
    for product, group in planted.GROUP_SINGLE:
        out.append(
            {
                "product": product,
                "group": world.eid(group),
                "group_name": world.enterprises[group].name,
                "producers": [world.eid(p.enterprise) for p in world.producers(product)],
                "note": "several producers, one owner: no diversification, yet no single "
                "enterprise or region is a point of failure",
            }
        )
    return out


def _declared(world: World) -> list[Row]:
    reasons = {(c, p): why for c, p, _, why in planted.DECLARED_SINGLE}
    suppliers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for link in world.links:
        suppliers[(link.customer, link.product)].append(link.supplier)
    out = []
    for (customer, product), sups in sorted(suppliers.items()):
        if len(sups) != 1:
            continue
        planted_reason = reasons.get((customer, product))
        out.append(
            {
                "customer": world.eid(customer),
                "product": product,
                "supplier": world.eid(sups[0]),
                "planted": planted_reason is not None,
                "reason": planted_reason
                or (
                    "the only producer"
                    if len(world.producers(product)) == 1
                    else "the only other producer"
                ),
            }
        )
    return out


def _multi(world: World) -> list[Row]:
    out = []
    for product, note in planted.MULTI_SOURCED:
        producers = world.producers(product)
        provinces = sorted({province_of(world.enterprises[p.enterprise].region) for p in producers})
        groups = sorted({world.eid(top_parent(world, p.enterprise)) for p in producers})
        out.append(
            {
                "product": product,
                "producers": [world.eid(p.enterprise) for p in producers],
                "groups": len(groups),
                "provinces": provinces,
                "note": note,
                "expect": "no enterprise, province, city or county whose loss makes it "
                "unavailable, so no SPOF of a key product runs through it",
            }
        )
    return out


def _substitutes() -> list[Row]:
    out = []
    for output, group, rescues in planted.SUBSTITUTES:
        inputs = [b.input for b in catalogue.inputs_of(output) if b.alt_group == group]
        out.append({"output": output, "alt_group": group, "inputs": inputs, "rescues": rescues})
    return out


def supply_gap(world: World, product: str) -> tuple[float, float, float]:
    """(capacity, need, gap): need is what the output of every product it goes into uses."""
    capacity = sum(p.capacity for p in world.producers(product))
    need = 0.0
    for line in catalogue.outputs_of(product):
        need += sum(p.output for p in world.producers(line.output)) * line.qty
    gap = (capacity - need) / need if need else float("inf")
    return capacity, need, gap


def _hhi(values: dict[str, float]) -> float:
    total = sum(values.values())
    return sum((v / total) ** 2 for v in values.values())


def _bottleneck(world: World) -> Row:
    product = planted.BOTTLENECK
    producers = world.producers(product)
    total = sum(p.capacity for p in producers)
    by_region: dict[str, float] = defaultdict(float)
    for p in producers:
        by_region[province_of(world.enterprises[p.enterprise].region)] += p.capacity
    hhi = _hhi({p.enterprise: p.capacity for p in producers})
    capacity, need, gap = supply_gap(world, product)
    limits = []
    for key in planted.BOTTLENECK_FOR:
        line = next(b for b in catalogue.inputs_of(key) if b.input == product)
        own = sum(p.capacity for p in world.producers(key))
        limits.append(
            {
                "product": key,
                "capacity_per_day": own,
                "allowed_by_input_per_day": round(capacity / line.qty),
                "note": f"{product} capacity / qty_per_unit is below {key}'s own capacity and "
                "below what every other input allows",
            }
        )
    return {
        "product": product,
        "chain": catalogue.MEDICAL,
        "producers": [
            {
                **_ent(world, p.enterprise),
                "capacity_per_day": p.capacity,
                "share": round(p.capacity / total, 4),
            }
            for p in sorted(producers, key=lambda p: -p.capacity)
        ],
        "hhi": round(hhi, 4),
        "effective_sources": round(1 / hhi, 2),
        "hhi_province": round(_hhi(by_region), 4),
        "capacity_per_day": capacity,
        "need_per_day": round(need, 3),
        "supply_gap": round(gap, 4),
        "limits": limits,
        "upstream_spofs": [
            c.node if c.kind == "Region" else world.eid(c.node)
            for c in planted.SPOF_CAUSES
            if set(c.products) == set(planted.BOTTLENECK_FOR)
        ],
        "why": "few producers, 55% of capacity in one plant, 40% short of what mask output "
        "needs, the limiting input of N95 and surgical masks, red stock at every mask maker, "
        "and single points of failure upstream (a peroxide plant, the province of Zhejiang)",
    }


def level_of(product: str, days: float) -> str | None:
    if is_part(product):
        return "red" if days < planted.THRESHOLDS["parts"]["red"] else None
    for level in ("red", "yellow", "blue"):
        if days < planted.THRESHOLDS["raw_materials"][level]:
            return level
    return None


def current_holdings(world: World) -> dict[tuple[str, str], tuple[float, float, str]]:
    """(holder key, product) -> (stock, daily_use, as_of) of the latest snapshot."""
    latest: dict[tuple[str, str], tuple[float, float, str]] = {}
    for h in world.holdings:
        slot = (h.holder, h.product)
        if slot not in latest or h.as_of > latest[slot][2]:
            latest[slot] = (h.stock, h.daily_use, h.as_of)
    return latest


def _warnings(world: World) -> Row:
    latest = current_holdings(world)
    holder = []
    national_stock: dict[str, float] = defaultdict(float)
    national_use: dict[str, float] = defaultdict(float)
    for (key, product), (stock, use, as_of) in sorted(latest.items()):
        if as_of != planted.REFERENCE_DATE:
            continue
        national_stock[product] += stock
        national_use[product] += use
        days = stock / use
        level = level_of(product, days)
        if level:
            holder.append(
                {
                    "holder": world.eid(key),
                    "holder_name": world.enterprises[key].name,
                    "product": product,
                    "class": "parts" if is_part(product) else "raw_materials",
                    "days_of_cover": round(days, 2),
                    "level": level,
                }
            )
    national = []
    for product in sorted(national_stock):
        if is_part(product):
            continue
        days = national_stock[product] / national_use[product]
        level = level_of(product, days)
        if level:
            national.append({"product": product, "days_of_cover": round(days, 2), "level": level})
    gaps = []
    for spec in catalogue.PRODUCTS:
        if is_part(spec.id):
            continue
        capacity, need, gap = supply_gap(world, spec.id)
        if need and gap < 0.1:
            level = "red" if gap < -0.2 else "yellow" if gap < -0.05 else "blue"
            gaps.append(
                {
                    "product": spec.id,
                    "capacity_per_day": capacity,
                    "need_per_day": round(need, 3),
                    "gap": round(gap, 4),
                    "level": level,
                }
            )
    stale = [
        {"holder": world.eid(k), "product": p, "as_of": planted.STALE_DATE}
        for k, p in planted.STALE_INVENTORY
    ]
    return {
        "thresholds": planted.THRESHOLDS,
        "supply_gap_thresholds": {"red": -0.2, "yellow": -0.05, "blue": 0.1},
        "reference_date": planted.REFERENCE_DATE,
        "holder": holder,
        "national": national,
        "supply_gap": gaps,
        "stale": stale,
        "note": "levels as the monitoring defaults define them (kg/monitor/rules.yaml); the "
        "supply gap counts every bill-of-materials edge, alternatives included",
    }


def _stockpiles(world: World) -> Row:
    under = []
    latest: dict[tuple[str, str], tuple[float, float, str]] = {}
    for s in world.stockpiles:
        slot = (s.reserve, s.product)
        if slot not in latest or s.as_of > latest[slot][2]:
            latest[slot] = (s.stock, s.target, s.as_of)
    for (reserve, product), (stock, target, as_of) in sorted(latest.items()):
        if stock < target:
            under.append(
                {
                    "reserve": world.eid(reserve),
                    "reserve_name": world.enterprises[reserve].name,
                    "product": product,
                    "stock": stock,
                    "target": target,
                    "ratio": round(stock / target, 3),
                    "as_of": as_of,
                }
            )
    stale = [
        {"reserve": world.eid(r), "product": p, "as_of": planted.STALE_STOCKPILE_DATE}
        for r, p in planted.STALE_STOCKPILE
    ]
    return {"under_target": under, "stale": stale}


def _demand(world: World) -> list[Row]:
    out = []
    for product in planted.DEMAND:
        available = sum(p.output for p in world.producers(product))
        by_priority: dict[int, float] = defaultdict(float)
        for d in world.demand:
            if d.product == product:
                by_priority[d.priority] += d.daily_demand
        left = available
        rows = []
        for priority in sorted(by_priority):
            demand = by_priority[priority]
            served = min(demand, left)
            left -= served
            rows.append(
                {
                    "priority": priority,
                    "demand": demand,
                    "served": round(served, 3),
                    "share_served": round(served / demand, 4) if demand else 1.0,
                }
            )
        out.append(
            {
                "product": product,
                "available_per_day": available,
                "demand_per_day": sum(by_priority.values()),
                "short": sum(by_priority.values()) > available,
                "by_priority": rows,
            }
        )
    return out


def _calibration(world: World) -> list[Row]:
    out = []
    for product, fld, value, what in planted.CALIBRATION:
        ids = product.split("+")
        if fld == "lead_time_days":
            actual = float(PRODUCTS[product].lead_time_days or 0)
        else:
            attr = "capacity" if fld == "capacity_per_day" else "output"
            actual = sum(getattr(p, attr) for i in ids for p in world.producers(i))
        out.append(
            {
                "products": ids,
                "field": fld,
                "published": value,
                "in_data": actual,
                "what": what,
                "source": planted.CALIBRATION_SOURCE,
            }
        )
    return out


def build_manifest(world: World, files: dict[str, int]) -> SampleManifest:
    key_products = [
        {
            "product": p,
            "name": PRODUCTS[p].name,
            "chains": list(PRODUCTS[p].chains),
            "producers": len(world.producers(p)),
            "national_demand_per_day": PRODUCTS[p].demand_per_day,
            "unit": PRODUCTS[p].unit,
        }
        for p in catalogue.KEY_PRODUCTS
    ]
    return SampleManifest(
        seed=world.seed,
        scale=world.scale,
        reference_date=planted.REFERENCE_DATE,
        files=files,
        key_products=key_products,
        calibration=_calibration(world),
        sole_sources=_sole_sources(world),
        spofs=_spofs(world),
        regional_single_sources=_regional(world),
        group_single_sources=_group(world),
        declared_single_sources=_declared(world),
        multi_sourced=_multi(world),
        substitutes=_substitutes(),
        bottleneck=_bottleneck(world),
        warnings=_warnings(world),
        stockpiles=_stockpiles(world),
        demand=_demand(world),
        notes=[
            "Key products are the final products and the products with demand_per_day (the "
            "two microcontrollers); SPOFs are listed for them.",
            "A region is a SPOF when removing it with its sub-regions removes every way to "
            "make the product; China is one for every key product (domestic data set).",
            "SPOFs list enterprises and regions; an input product without substitutes is "
            "trivially one of its outputs and is not listed.",
            "Enterprise names are invented; places, products, HS codes and the calibrated "
            "totals are real.",
            f"Reserves: {', '.join(r.name for r in enterprises.RESERVES)}.",
        ],
    )
