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
  by region, a product's published regional shares of world output (SHARE_OF_OUTPUT, e.g.
  a country holding 70% of an input) take the place of producer capacity wherever they are
  on record, also for a product with no producer on record (shares summing above 1 are
  scaled to 1; below 1, the regions not listed are left out, a lower bound);
  when any live producer's capacity is unknown the shares are equal; producers with no known
  region at the level share one "unknown" bucket (this can only overstate concentration);
  effective number of sources = 1 / HHI by enterprise;
- declared single source: a customer that buys a product from exactly one supplier along
  SUPPLIES; group single source likewise when all its suppliers of the product are one
  group. Supply HHI uses the declared shares, else volumes, else equal shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from kg.analysis.arrays import group_sum
from kg.analysis.keys import key_products, scope_products
from kg.analysis.projection import Projection
from kg.connection import Graph
from kg.model import DEFAULT_REGION_LEVEL

if TYPE_CHECKING:
    from kg.analysis.context import Context

    Source: TypeAlias = Graph | Projection | Context
from kg.model import REGION_LEVELS


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


def product_sourcing(proj: Projection, region_level: str | None) -> list[Sourcing]:
    """Sourcing of every product (index order), computed column-wise."""
    check_level(region_level)
    n = proj.n_products
    keys = key_products(proj)
    live_ids = np.flatnonzero(proj.live)
    lp, le, cap = proj.pr_prod[live_ids], proj.pr_ent[live_ids], proj.pr_cap[live_ids]
    n_live = np.bincount(lp, minlength=n)
    on_record = np.bincount(proj.pr_prod, minlength=n)
    known = ~np.isnan(cap)
    capsum = np.bincount(lp, weights=np.where(known, cap, 0.0), minlength=n)
    use_cap = (np.bincount(lp, weights=known.astype(float), minlength=n) == n_live) & (capsum > 0)
    share = np.where(
        use_cap[lp], np.where(known, cap, 0.0) / np.where(capsum[lp] > 0, capsum[lp], 1.0), 0.0
    )
    share = np.where(use_cap[lp], share, 1.0 / np.maximum(n_live[lp], 1))
    hhi = np.bincount(lp, weights=share * share, minlength=n)

    group = proj.ent_group[le]
    gp, gg, (gs,) = group_sum((lp, group), share)
    hhi_g = np.bincount(gp, weights=gs * gs, minlength=n)
    n_groups = np.bincount(gp, minlength=n)
    one_group = np.full(n, -1, dtype=np.int64)
    one_group[gp] = gg

    at = proj.enterprise_region_at(region_level)
    region_of = np.asarray([-1 if r is None else r for r in at], dtype=np.int64)[le]
    bucket = np.where(region_of >= 0, region_of, proj.n_regions)  # one "unknown" bucket
    rp, rr, (rs,) = group_sum((lp, bucket), share)
    hhi_r = np.bincount(rp, weights=rs * rs, minlength=n)
    known_r = rr < proj.n_regions
    n_regions = np.bincount(rp[known_r], minlength=n)
    n_unknown = np.bincount(lp[region_of < 0], minlength=n)
    one_region = np.full(n, -1, dtype=np.int64)
    one_region[rp[known_r]] = rr[known_r]

    is_input = (proj.n_outputs > 0).tolist()
    n_live_l, on_record_l = n_live.tolist(), on_record.tolist()
    n_regions_l, n_unknown_l = n_regions.tolist(), n_unknown.tolist()
    one_region_l, one_group_l, n_groups_l = (
        one_region.tolist(),
        one_group.tolist(),
        n_groups.tolist(),
    )
    published = published_region_hhi(proj)
    hhi_r = np.where(np.isnan(published), hhi_r, published)
    hhi_l, hhi_g_l, hhi_r_l = hhi.tolist(), hhi_g.tolist(), hhi_r.tolist()
    key_set = set(keys.indices)
    codes, ents = proj.region_codes, proj.enterprise_ids
    out: list[Sourcing] = []
    for p, (pid, name, category) in enumerate(
        zip(proj.product_ids, proj.product_name, proj.product_category, strict=True)
    ):
        lines = n_live_l[p]
        if on_record_l[p] == 0:
            sourcing = "unknown"
        elif lines == 0:
            sourcing = "none"
        else:
            sourcing = "sole" if lines == 1 else "multiple"
        regional: bool | None = None
        grouped: bool | None = None
        region = group_id = None
        h = hg = hr = eff = None
        if lines:
            if n_regions_l[p] > 1:
                regional = False
            elif n_regions_l[p] == 1 and n_unknown_l[p] == 0:
                regional = True
                region = codes[one_region_l[p]]
            grouped = n_groups_l[p] == 1
            if grouped:
                group_id = ents[one_group_l[p]]
            h, hg, hr = hhi_l[p], hhi_g_l[p], hhi_r_l[p]
            eff = 1.0 / h if h > 0 else None
        elif hhi_r_l[p] == hhi_r_l[p]:  # not NaN: published regional shares only
            hr = hhi_r_l[p]
        out.append(
            Sourcing(
                product=pid,
                name=name,
                category=category,
                producers=lines,
                producers_on_record=on_record_l[p],
                sourcing=sourcing,
                regional_single_source=regional,
                region=region,
                group_single_source=grouped,
                group=group_id,
                hhi=h,
                hhi_group=hg,
                hhi_region=hr,
                effective_sources=eff,
                is_input=is_input[p],
                key=p in key_set,
            )
        )
    return out


def published_region_hhi(proj: Projection) -> npt.NDArray[np.float64]:
    """HHI by region from published shares of world output, per product (NaN: none)."""
    n = proj.n_products
    out = np.full(n, np.nan)
    if not len(proj.rs_prod):
        return out
    total = np.bincount(proj.rs_prod, weights=proj.rs_share, minlength=n)
    scale = np.where(total > 1.0, total, 1.0)
    share = proj.rs_share / scale[proj.rs_prod]
    hhi = np.bincount(proj.rs_prod, weights=share * share, minlength=n)
    listed = np.bincount(proj.rs_prod, minlength=n) > 0
    out[listed] = hhi[listed]
    return out


def declared_sources(proj: Projection) -> list[DeclaredSource]:
    """Suppliers of each (customer, product) along SUPPLIES."""
    m = len(proj.sup_from)
    if m == 0:
        return []
    codes = pd.factorize(pd.Series(proj.sup_product, dtype=object), use_na_sentinel=False)[0]
    codes = codes.astype(np.int64)
    pair = proj.sup_to * (int(codes.max()) + 1) + codes
    pair_id = np.unique(pair, return_inverse=True)[1].astype(np.int64)
    n_pairs = int(pair_id.max()) + 1
    share, volume = proj.sup_share, proj.sup_volume
    count = np.bincount(pair_id, minlength=n_pairs).astype(float)

    def usable(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        known = np.bincount(pair_id, weights=(~np.isnan(values)).astype(float), minlength=n_pairs)
        total = np.bincount(pair_id, weights=np.nan_to_num(values), minlength=n_pairs)
        out: npt.NDArray[np.bool_] = (known == count) & (total > 0)
        return out

    by_share, by_volume = usable(share), usable(volume)
    weight = np.where(
        by_share[pair_id],
        np.nan_to_num(share),
        np.where(by_volume[pair_id], np.nan_to_num(volume), 1.0),
    )
    total = np.bincount(pair_id, weights=weight, minlength=n_pairs)
    part = weight / total[pair_id]
    hhi = np.bincount(pair_id, weights=part * part, minlength=n_pairs)
    gp, _, _ = group_sum((pair_id, proj.ent_group[proj.sup_from]), part)
    n_groups = np.bincount(gp, minlength=n_pairs)

    order = np.lexsort((proj.sup_from, pair_id))
    bounds = np.flatnonzero(np.r_[True, pair_id[order][1:] != pair_id[order][:-1]])
    ends = np.r_[bounds[1:], m]
    ids = proj.enterprise_ids
    names = proj.enterprise_name
    sup_from = proj.sup_from[order].tolist()
    firsts = order[bounds]
    pair_l = pair_id[firsts].tolist()
    cust_l = proj.sup_to[firsts].tolist()
    prod_l = [proj.sup_product[k] for k in firsts.tolist()]
    one_group = (n_groups == 1).tolist()
    hhi_l = hhi.tolist()
    out: list[DeclaredSource] = []
    for start, end, g, customer, product in zip(
        bounds.tolist(), ends.tolist(), pair_l, cust_l, prod_l, strict=True
    ):
        if end - start == 1:
            suppliers: tuple[str, ...] = (ids[sup_from[start]],)
        else:
            suppliers = tuple(sorted({ids[x] for x in sup_from[start:end]}))
        out.append(
            DeclaredSource(
                customer=ids[customer],
                customer_name=names[customer],
                product=product,
                suppliers=suppliers,
                single_source=len(suppliers) == 1,
                group_single_source=one_group[g],
                hhi=hhi_l[g],
            )
        )
    out.sort(key=lambda d: (d.customer, d.product or ""))
    return out


def single_sources(
    source: Source,
    chain: str | None = None,
    region_level: str | None = DEFAULT_REGION_LEVEL,
) -> SingleSourceReport:
    """Sourcing of every product (of one chain) and the declared single sources."""
    from kg.analysis.context import ensure_context

    proj = ensure_context(source).proj
    rows = product_sourcing(proj, region_level)
    declared = declared_sources(proj)
    if chain is not None:
        scope = set(scope_products(proj, chain))
        rows = [r for i, r in enumerate(rows) if i in scope]
        ids = {proj.product_ids[p] for p in scope}
        declared = [d for d in declared if d.product in ids]
    return SingleSourceReport(region_level, rows, declared)
