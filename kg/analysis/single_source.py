"""Single sources and concentration of every product's supply.

Definitions (DESIGN.md, "Analyses"), with the choices made where it leaves one:
- sourcing: ``sole`` (exactly one live producer), ``multiple``, ``unknown`` (no producer on
  record: made by an unknown producer, never reported as a single source), or ``none``
  (producers on record, but every one has capacity 0);
- regional single source: every live producer sits in one region at the chosen level
  (default province). A producer whose region is not known at that level leaves the answer
  open (None) unless the known ones already sit in two regions (False);
- group single source: every live producer belongs to one ownership group (the top parent
  along OWNED_BY); two plants of one parent company are one source;
- both are also true for a sole source: filter on ``sourcing = 'multiple'`` for the hidden
  ones;
- HHI: the sum of squared capacity shares (0..1) by enterprise, by group and by region;
  when any live producer's capacity is unknown the shares are equal; producers with no known
  region at the level share one "unknown" bucket (this can only overstate concentration);
  effective number of sources = 1 / HHI by enterprise;
- declared single source: a customer that buys a product from exactly one supplier along
  SUPPLIES; group single source likewise when all its suppliers of the product are one
  group. Supply HHI uses the declared shares, else volumes, else equal shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from kg.analysis.keys import key_products, scope_products
from kg.analysis.projection import Projection, ensure_projection
from kg.connection import Graph
from kg.model import REGION_LEVELS

DEFAULT_REGION_LEVEL = "province"


class AnalysisOptionError(ValueError):
    """An analysis option is out of range; the message names the allowed values."""


def check_level(level: str | None) -> str | None:
    if level is not None and level not in REGION_LEVELS:
        raise AnalysisOptionError(
            f"unknown region level {level!r}; use one of {', '.join(REGION_LEVELS)}"
        )
    return level


@dataclass(frozen=True)
class Sourcing:
    product: str
    name: str | None
    category: str | None
    producers: int  # live producers
    producers_on_record: int
    sourcing: str  # sole, multiple, unknown or none
    regional_single_source: bool | None
    region: str | None  # the one region, when regional single source
    group_single_source: bool | None
    group: str | None  # the one group's top parent, when group single source
    hhi: float | None
    hhi_group: float | None
    hhi_region: float | None
    effective_sources: float | None
    is_input: bool  # goes into another product
    key: bool

    @property
    def single_source(self) -> bool:
        """Sole, regional or group single source."""
        return bool(
            self.sourcing == "sole" or self.regional_single_source or self.group_single_source
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class DeclaredSource:
    customer: str
    customer_name: str | None
    product: str | None
    suppliers: tuple[str, ...]
    single_source: bool
    group_single_source: bool
    hhi: float

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "suppliers": list(self.suppliers)}


@dataclass(frozen=True)
class SingleSourceReport:
    region_level: str | None
    products: list[Sourcing]
    declared: list[DeclaredSource]

    def single_sources(self) -> list[Sourcing]:
        return [s for s in self.products if s.single_source]


def _hhi(shares: Sequence[float]) -> float:
    return float(sum(s * s for s in shares))


def _shares(caps: list[float]) -> list[float]:
    if caps and all(not math.isnan(c) for c in caps) and sum(caps) > 0:
        total = sum(caps)
        return [c / total for c in caps]
    return [1.0 / len(caps)] * len(caps) if caps else []


def _bucket_hhi(keys: Sequence[object], shares: Sequence[float]) -> float:
    acc: dict[object, float] = {}
    for k, s in zip(keys, shares, strict=True):
        acc[k] = acc.get(k, 0.0) + s
    return _hhi(list(acc.values()))


def product_sourcing(proj: Projection, region_level: str | None) -> list[Sourcing]:
    """Sourcing of every product (index order)."""
    check_level(region_level)
    region_at = proj.enterprise_region_at(region_level)
    keys = key_products(proj)
    live = proj.live.tolist()
    out: list[Sourcing] = []
    for p in range(proj.n_products):
        on_record = proj.producers_of[p]
        lines = [k for k in on_record if live[k]]
        ents = [int(proj.pr_ent[k]) for k in lines]
        caps = [float(proj.pr_cap[k]) for k in lines]
        if not on_record:
            sourcing = "unknown"
        elif not lines:
            sourcing = "none"
        else:
            sourcing = "sole" if len(lines) == 1 else "multiple"
        regional: bool | None = None
        region: str | None = None
        grouped: bool | None = None
        group: str | None = None
        hhi = hhi_g = hhi_r = eff = None
        if lines:
            regions = [region_at[e] for e in ents]
            known = {r for r in regions if r is not None}
            if len(known) > 1:
                regional = False
            elif len(known) == 1 and None not in regions:
                regional = True
                region = proj.region_codes[next(iter(known))]
            groups = {int(proj.ent_group[e]) for e in ents}
            grouped = len(groups) == 1
            if grouped:
                group = proj.enterprise_ids[next(iter(groups))]
            shares = _shares(caps)
            hhi = _hhi(shares)
            hhi_g = _bucket_hhi([int(proj.ent_group[e]) for e in ents], shares)
            hhi_r = _bucket_hhi([-1 if r is None else r for r in regions], shares)
            eff = 1.0 / hhi if hhi > 0 else None
        out.append(
            Sourcing(
                product=proj.product_ids[p],
                name=proj.product_name[p],
                category=proj.product_category[p],
                producers=len(lines),
                producers_on_record=len(on_record),
                sourcing=sourcing,
                regional_single_source=regional,
                region=region,
                group_single_source=grouped,
                group=group,
                hhi=hhi,
                hhi_group=hhi_g,
                hhi_region=hhi_r,
                effective_sources=eff,
                is_input=bool(proj.outputs_of[p]),
                key=p in keys,
            )
        )
    return out


def declared_sources(proj: Projection) -> list[DeclaredSource]:
    """Suppliers of each (customer, product) along SUPPLIES."""
    by_pair: dict[tuple[int, str | None], list[int]] = {}
    for k, (c, product) in enumerate(zip(proj.sup_to.tolist(), proj.sup_product, strict=True)):
        by_pair.setdefault((c, product), []).append(k)
    out: list[DeclaredSource] = []
    for (c, product), ks in by_pair.items():
        suppliers = sorted({int(proj.sup_from[k]) for k in ks})
        shares = [float(proj.sup_share[k]) for k in ks]
        volumes = [float(proj.sup_volume[k]) for k in ks]
        if all(not math.isnan(s) for s in shares) and sum(shares) > 0:
            weights = shares
        elif all(not math.isnan(v) for v in volumes) and sum(volumes) > 0:
            weights = volumes
        else:
            weights = [1.0] * len(ks)
        total = sum(weights)
        by_supplier: dict[int, float] = {}
        for k, w in zip(ks, weights, strict=True):
            s = int(proj.sup_from[k])
            by_supplier[s] = by_supplier.get(s, 0.0) + w / total
        groups = {int(proj.ent_group[s]) for s in suppliers}
        out.append(
            DeclaredSource(
                customer=proj.enterprise_ids[c],
                customer_name=proj.enterprise_name[c],
                product=product,
                suppliers=tuple(proj.enterprise_ids[s] for s in suppliers),
                single_source=len(suppliers) == 1,
                group_single_source=len(groups) == 1,
                hhi=_hhi(list(by_supplier.values())),
            )
        )
    out.sort(key=lambda d: (d.customer, d.product or ""))
    return out


def single_sources(
    source: Graph | Projection,
    chain: str | None = None,
    region_level: str | None = DEFAULT_REGION_LEVEL,
) -> SingleSourceReport:
    """Sourcing of every product (of one chain) and the declared single sources."""
    proj = ensure_projection(source)
    rows = product_sourcing(proj, region_level)
    declared = declared_sources(proj)
    if chain is not None:
        scope = set(scope_products(proj, chain))
        rows = [r for i, r in enumerate(rows) if i in scope]
        ids = {proj.product_ids[p] for p in scope}
        declared = [d for d in declared if d.product in ids]
    return SingleSourceReport(region_level, rows, declared)
