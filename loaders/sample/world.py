"""Build the sample in memory: enterprises, capacities, trade links, stocks and demand.

Every random choice draws from its own stream, seeded by (seed, purpose, key), so a choice
about one enterprise does not shift when another is added: the core plants keep their ids,
places and capacities at every scale, and only what involves fillers changes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from loaders.sample import catalogue, enterprises, planted
from loaders.sample.catalogue import BY_ID as PRODUCTS
from loaders.sample.naming import brand, enterprise_id, filler_name
from loaders.sample.regions import BY_CODE as REGIONS
from loaders.sample.regions import country_of

COUNTABLE = {"pcs", "units", "sets", "tablets", "bottles"}


@dataclass
class Enterprise:
    key: str
    id: str
    name: str
    region: str
    lat: float
    lon: float
    scale: str
    role: str  # producer, holding, reserve
    core: bool
    parent: str | None = None  # key
    parent_share: float | None = None
    makes: list[str] = field(default_factory=list)


@dataclass
class Production:
    enterprise: str  # key
    product: str
    capacity: float
    output: float


@dataclass
class Link:
    supplier: str  # key
    customer: str  # key
    product: str
    share: float
    volume: float  # units per year
    lead_time_days: float
    since: str


@dataclass
class Holding:
    holder: str  # key
    product: str
    stock: float
    daily_use: float
    as_of: str


@dataclass
class Stockpile:
    reserve: str  # key
    product: str
    stock: float
    target: float
    as_of: str


@dataclass
class Demand:
    area: str
    area_name: str
    sector: str
    region: str
    product: str
    priority: int
    daily_demand: float
    as_of: str


@dataclass
class World:
    seed: int
    scale: int
    enterprises: dict[str, Enterprise]
    production: list[Production]
    links: list[Link]
    holdings: list[Holding]
    stockpiles: list[Stockpile]
    demand: list[Demand]

    def producers(self, product: str) -> list[Production]:
        return [p for p in self.production if p.product == product]

    def eid(self, key: str) -> str:
        return self.enterprises[key].id


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


# ---- numbers --------------------------------------------------------------------------------


def resolution(total: float, unit: str) -> float:
    """The step figures of a product are rounded to: about five significant digits."""
    if total <= 0:
        return 1.0
    res = 10.0 ** (math.floor(math.log10(total)) - 4)
    if unit in COUNTABLE and total >= 1000:
        res = max(res, 1.0)
    return res


def _decimals(res: float) -> int:
    return max(0, -math.floor(math.log10(res) + 1e-9))


def apportion(
    total: float, weights: list[float], res: float, caps: list[float] | None = None
) -> list[float]:
    """Split ``total`` by ``weights`` in steps of ``res``, the parts adding up exactly
    (largest remainder); a part never exceeds its cap."""
    units = round(total / res)
    wsum = sum(weights)
    raw = [units * w / wsum for w in weights]
    base = [math.floor(x) for x in raw]
    cap_units = [math.floor(c / res + 1e-9) for c in caps] if caps else None
    if cap_units:
        base = [min(b, c) for b, c in zip(base, cap_units, strict=True)]
    left = units - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
    while left > 0:
        moved = False
        for i in order:
            if left == 0:
                break
            if cap_units and base[i] + 1 > cap_units[i]:
                continue
            base[i] += 1
            left -= 1
            moved = True
        if not moved:
            raise ValueError(f"cannot apportion {total} within the caps")
    d = _decimals(res)
    return [round(b * res, d) for b in base]


def sig(x: float, digits: int = 3) -> float:
    """Round to ``digits`` significant digits."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


# ---- enterprises ---------------------------------------------------------------------------


def _place(seed: int, key: str, region: str) -> tuple[float, float]:
    rng = _rng(seed, "place", key)
    spec = REGIONS[region]
    spread = 0.12 if spec.level in ("city", "county") else 0.6
    lat = round(spec.lat + rng.uniform(-spread, spread), 4)
    lon = round(spec.lon + rng.uniform(-spread, spread), 4)
    return max(-90.0, min(90.0, lat)), max(-180.0, min(180.0, lon))


def _enterprise(seed: int, plant: enterprises.Plant, core: bool) -> Enterprise:
    lat, lon = _place(seed, plant.key, plant.region)
    return Enterprise(
        key=plant.key,
        id=enterprise_id(seed, plant.key, plant.region, plant.role),
        name=plant.name,
        region=plant.region,
        lat=lat,
        lon=lon,
        scale=plant.scale,
        role=plant.role,
        core=core,
        parent=plant.parent,
        parent_share=plant.parent_share,
    )


def _fillers(seed: int, scale: int) -> list[tuple[Enterprise, str, float]]:
    """Filler producers: (enterprise, product, weight within the filler share)."""
    taken = {p.name for p in (*enterprises.PLANTS, *enterprises.HOLDINGS, *enterprises.RESERVES)}
    out = []
    for spec in enterprises.FILLERS:
        product = PRODUCTS[spec.product]
        for i in range(enterprises.filler_count(spec, scale)):
            key = f"{spec.product.lower()}-f{i + 1:03d}"
            region = spec.regions[i % len(spec.regions)]
            rng = _rng(seed, "filler", key)
            name = ""
            for _ in range(50):
                name = filler_name(region, brand(rng), product.trade)
                if name not in taken:
                    break
            else:
                name = f"{name} No. {i + 1}"
            taken.add(name)
            plant = enterprises.Plant(key, name, region, {}, scale=spec.scale)
            out.append((_enterprise(seed, plant, core=False), spec.product, rng.uniform(0.6, 1.4)))
    return out


# ---- capacity ------------------------------------------------------------------------------


def _production(seed: int, fillers: list[tuple[Enterprise, str, float]]) -> list[Production]:
    by_product: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for plant in enterprises.PLANTS:
        for product, share in plant.makes.items():
            by_product[product].append((plant.key, share))
    filler_weights: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for ent, product, weight in fillers:
        filler_weights[product].append((ent.key, weight))
    for product, members in filler_weights.items():
        share = enterprises.FILLER_BY_PRODUCT[product].share
        total = sum(w for _, w in members)
        by_product[product].extend((k, share * w / total) for k, w in members)

    out: list[Production] = []
    for spec in catalogue.PRODUCTS:
        members = by_product[spec.id]
        res = resolution(spec.capacity, spec.unit)
        caps = apportion(spec.capacity, [s for _, s in members], res)
        # Utilisation varies a little between plants; the total output is kept exact.
        rng = _rng(seed, "utilisation", spec.id)
        base = spec.total_output / spec.capacity
        weights = [c * min(0.99, base * rng.uniform(0.92, 1.08)) for c in caps]
        outputs = apportion(spec.total_output, weights, res, caps)
        for (key, _), cap, output in zip(members, caps, outputs, strict=True):
            out.append(Production(key, spec.id, cap, output))
    return out


# ---- trade links ---------------------------------------------------------------------------


def _shares(rng: random.Random, k: int) -> list[float]:
    """k shares in steps of 0.05 adding up to 1, largest first."""
    weights = sorted((rng.uniform(0.5, 1.5) for _ in range(k)), reverse=True)
    parts = apportion(1.0, weights, 0.05)
    return [round(p, 2) for p in parts]


def _pick(rng: random.Random, candidates: list[Production], k: int) -> list[Production]:
    pool = list(candidates)
    chosen = []
    for _ in range(k):
        total = sum(p.capacity for p in pool)
        x = rng.uniform(0, total)
        acc = 0.0
        for i, p in enumerate(pool):
            acc += p.capacity
            if x <= acc or i == len(pool) - 1:
                chosen.append(pool.pop(i))
                break
    return chosen


def _lead_time(
    supplier: Enterprise, customer: Enterprise, product: str, rng: random.Random
) -> float:
    spec = PRODUCTS[product]
    if product == "SUIT":
        return 2.0  # after sterilisation was cut from 7 days to 1-2 (calibration)
    days = max(2.0, (spec.lead_time_days or 7) * rng.uniform(0.5, 0.9))
    if country_of(supplier.region) != country_of(customer.region):
        days += 25  # shipping and customs
    return float(round(days))


def _since(rng: random.Random) -> str:
    start = dt.date(2012, 1, 1)
    return (start + dt.timedelta(days=rng.randrange(0, 3650))).isoformat()


def chosen_inputs(seed: int, customer: str, output: str) -> list[catalogue.BomLine]:
    """The bill-of-materials lines a producer uses: one alternative of each alt_group."""
    lines = catalogue.inputs_of(output)
    groups: dict[str, list[catalogue.BomLine]] = defaultdict(list)
    chosen = []
    for line in lines:
        if line.alt_group:
            groups[line.alt_group].append(line)
        else:
            chosen.append(line)
    for group, options in sorted(groups.items()):
        rng = _rng(seed, "alt", customer, output, group)
        chosen.append(options[rng.randrange(len(options))])
    return chosen


def _links(seed: int, ents: dict[str, Enterprise], production: list[Production]) -> list[Link]:
    producers: dict[str, list[Production]] = defaultdict(list)
    for p in production:
        producers[p.product].append(p)
    makes: dict[str, set[str]] = defaultdict(set)
    for p in production:
        makes[p.enterprise].add(p.product)
    planted_single = {(c, prod): s for c, prod, s, _ in planted.DECLARED_SINGLE}

    needs: dict[tuple[str, str], float] = defaultdict(float)  # (customer, input) -> per day
    for p in production:
        for line in chosen_inputs(seed, p.enterprise, p.product):
            if line.input not in makes[p.enterprise]:
                needs[(p.enterprise, line.input)] += p.output * line.qty
    # Reserves buy the products they stockpile.
    for reserve in enterprises.RESERVES:
        for product, target in planted.STOCKPILE_TARGETS.items():
            provincial = "Provincial" in reserve.name
            needs[(reserve.key, product)] += (target / 3 if provincial else target) / 180

    out: list[Link] = []
    for (customer, product), need in sorted(needs.items()):
        rng = _rng(seed, "link", customer, product)
        candidates = [p for p in producers[product] if p.enterprise != customer]
        if (customer, product) in planted_single:
            supplier = planted_single[(customer, product)]
            suppliers = [p for p in candidates if p.enterprise == supplier]
            if not suppliers:
                raise ValueError(f"planted supplier {supplier} does not make {product}")
        elif len(candidates) == 1:
            suppliers = candidates
        else:
            k = min(len(candidates), rng.choice((2, 2, 3)))
            suppliers = _pick(rng, candidates, k)
        shares = _shares(rng, len(suppliers)) if len(suppliers) > 1 else [1.0]
        for p, share in zip(suppliers, shares, strict=True):
            sup, cus = ents[p.enterprise], ents[customer]
            out.append(
                Link(
                    supplier=p.enterprise,
                    customer=customer,
                    product=product,
                    share=share,
                    volume=sig(need * share * 365),
                    lead_time_days=_lead_time(sup, cus, product, rng),
                    since=_since(rng),
                )
            )
    return out


# ---- inventory, stockpiles, demand ---------------------------------------------------------


def is_part(product: str) -> bool:
    return PRODUCTS[product].category in ("component", "equipment", "final")


def _holdings(seed: int, production: list[Production]) -> list[Holding]:
    use: dict[tuple[str, str], float] = defaultdict(float)
    for p in production:
        for line in chosen_inputs(seed, p.enterprise, p.product):
            if PRODUCTS[line.input].category == "equipment":
                continue
            use[(p.enterprise, line.input)] += p.output * line.qty
    planted_cover = {(h, prod): (now, before) for h, prod, now, before in planted.INVENTORY_PLANTED}
    stale = set(planted.STALE_INVENTORY)
    out: list[Holding] = []
    for (holder, product), daily in sorted(use.items()):
        if daily <= 0:
            continue
        rng = _rng(seed, "stock", holder, product)
        if (holder, product) in planted_cover:
            now, before = planted_cover[(holder, product)]
        elif product == planted.BOTTLENECK:
            now, before = rng.uniform(*planted.BOTTLENECK_COVER), rng.uniform(8.0, 14.0)
        elif is_part(product):
            now, before = rng.uniform(10, 40), rng.uniform(10, 40)
        else:
            now, before = rng.uniform(60, 120), rng.uniform(60, 120)
        daily_use = sig(daily, 4)
        if (holder, product) in stale:
            out.append(
                Holding(holder, product, sig(daily_use * now, 4), daily_use, planted.STALE_DATE)
            )
            continue
        out.append(
            Holding(holder, product, sig(daily_use * before, 4), daily_use, planted.PREVIOUS_DATE)
        )
        out.append(
            Holding(holder, product, sig(daily_use * now, 4), daily_use, planted.REFERENCE_DATE)
        )
    return out


def _stockpiles(seed: int) -> list[Stockpile]:
    under = {(r, p): ratio for r, p, ratio in planted.STOCKPILE_UNDER}
    stale = set(planted.STALE_STOCKPILE)
    out: list[Stockpile] = []
    for reserve in enterprises.RESERVES:
        provincial = "Provincial" in reserve.name
        for product, national_target in planted.STOCKPILE_TARGETS.items():
            target = national_target / 3 if provincial else national_target
            target = sig(target, 3)
            rng = _rng(seed, "reserve", reserve.key, product)
            before = rng.uniform(1.0, 1.3)
            now = under.get((reserve.key, product), rng.uniform(1.0, 1.3))
            if (reserve.key, product) in stale:
                out.append(
                    Stockpile(
                        reserve.key,
                        product,
                        sig(target * before, 3),
                        target,
                        planted.STALE_STOCKPILE_DATE,
                    )
                )
                continue
            out.append(
                Stockpile(
                    reserve.key,
                    product,
                    sig(target * before, 3),
                    target,
                    planted.STOCKPILE_PREVIOUS_DATE,
                )
            )
            out.append(
                Stockpile(
                    reserve.key, product, sig(target * now, 3), target, planted.REFERENCE_DATE
                )
            )
    return out


def area_id(sector: str, province: str) -> str:
    return f"{sector.replace(' ', '-')}-{province}"


def _demand() -> list[Demand]:
    out: list[Demand] = []
    priority = dict(planted.SECTORS)
    weights = [w for _, w in planted.AREA_PROVINCES]
    for product, by_sector in planted.DEMAND.items():
        for sector, total in by_sector.items():
            parts = apportion(total, weights, 1.0)
            for (province, _), amount in zip(planted.AREA_PROVINCES, parts, strict=True):
                out.append(
                    Demand(
                        area=area_id(sector, province),
                        area_name=f"{REGIONS[province].name} {sector}",
                        sector=sector,
                        region=province,
                        product=product,
                        priority=priority[sector],
                        daily_demand=amount,
                        as_of=planted.REFERENCE_DATE,
                    )
                )
    return sorted(out, key=lambda d: (d.priority, d.area, d.product))


# ---- the whole sample ----------------------------------------------------------------------


def build(seed: int, scale: int) -> World:
    if scale < 1:
        raise ValueError(f"scale must be a whole number of at least 1, not {scale}")
    ents: dict[str, Enterprise] = {}
    for plant in (*enterprises.HOLDINGS, *enterprises.PLANTS, *enterprises.RESERVES):
        ents[plant.key] = _enterprise(seed, plant, core=True)
    fillers = _fillers(seed, scale)
    for ent, _, _ in fillers:
        ents[ent.key] = ent
    ids = [e.id for e in ents.values()]
    if len(set(ids)) != len(ids):
        raise RuntimeError("two enterprises drew the same id; change the seed")
    production = _production(seed, fillers)
    for p in production:
        ents[p.enterprise].makes.append(p.product)
    world = World(
        seed=seed,
        scale=scale,
        enterprises=ents,
        production=production,
        links=_links(seed, ents, production),
        holdings=_holdings(seed, production),
        stockpiles=_stockpiles(seed),
        demand=_demand(),
    )
    _check_planted(world)
    return world


def _check_planted(world: World) -> None:
    """Fail loudly if a planted declaration did not come true (e.g. after editing a table)."""
    held = {(h.holder, h.product) for h in world.holdings}
    for holder, product, *_ in planted.INVENTORY_PLANTED:
        if (holder, product) not in held:
            raise ValueError(f"planted inventory ({holder}, {product}): {holder} does not use it")
    for holder, product in planted.STALE_INVENTORY:
        if (holder, product) not in held:
            raise ValueError(f"planted stale inventory ({holder}, {product}) is not held")
    reserves = {(s.reserve, s.product) for s in world.stockpiles}
    wanted = [(r, p) for r, p, _ in planted.STOCKPILE_UNDER] + list(planted.STALE_STOCKPILE)
    for reserve, product in wanted:
        if (reserve, product) not in reserves:
            raise ValueError(f"planted stockpile ({reserve}, {product}) is not held")
    for cause in planted.SPOF_CAUSES:
        if cause.kind == "Enterprise" and cause.node not in world.enterprises:
            raise ValueError(f"planted SPOF {cause.node} is not an enterprise")
        if cause.kind == "Region" and cause.node not in REGIONS:
            raise ValueError(f"planted SPOF {cause.node} is not a region")
