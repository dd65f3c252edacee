"""Write the sample as canonical files, plus its manifest (planted.json).

``generate(out_dir, scale, seed)`` writes regions, chains, enterprises, products, bom,
supplies, capacity, inventory and key_enterprises in the canonical kinds (loaders/kinds.py),
stockpiles and demand in the monitoring kinds, conversions (line conversion and ramp-up, for
planning) and planted.json. The same seed and scale give
byte-identical files.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from loaders.sample import catalogue, conversions, enterprises, planted
from loaders.sample.manifest import SampleManifest, build_manifest
from loaders.sample.regions import REGIONS, country_of
from loaders.sample.world import World, build

DEFAULT_SEED = 20221227
DATA_DIR = Path(__file__).parent / "data"
MANIFEST = "planted.json"
# In load order: every file's references are defined by the files before it.
CANONICAL_FILES: tuple[str, ...] = (
    "regions.csv",
    "chains.csv",
    "enterprises.csv",
    "products.csv",
    "bom.csv",
    "supplies.csv",
    "capacity.csv",
    "inventory.csv",
    "key_enterprises.csv",
)
MONITORING_FILES: tuple[str, ...] = ("stockpiles.csv", "demand.csv")
PLANNING_FILES: tuple[str, ...] = ("conversions.csv",)
ALL_FILES: tuple[str, ...] = (*CANONICAL_FILES, *MONITORING_FILES, *PLANNING_FILES, MANIFEST)


def fmt(value: object) -> str:
    """A cell: numbers in plain decimal notation (no exponent, no trailing zeros), '' for None."""
    if value is None:
        return ""
    if isinstance(value, str) or not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    text = format(Decimal(f"{value:.12g}").normalize(), "f")
    return "0" if text in ("-0", "0.0") else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([fmt(v) for v in row])
    return buf.getvalue()


def _regions() -> str:
    rows = [(r.code, r.name, r.level, r.parent or "") for r in REGIONS]
    return _csv(("code", "name", "level", "parent"), rows)


def _chains() -> str:
    rows = [(c.id, c.name, c.description) for c in catalogue.CHAINS]
    return _csv(("id", "name", "description"), rows)


def _enterprises(world: World) -> str:
    rows = []
    for e in world.enterprises.values():
        tags = ["sample", e.role, *sorted(e.makes)]
        if country_of(e.region) != "CN":
            tags.append("import")
        parent = world.enterprises[e.parent].id if e.parent else ""
        rows.append(
            (
                e.id,
                e.name,
                "",
                e.region,
                e.lat,
                e.lon,
                e.scale,
                ";".join(tags),
                parent,
                e.parent_share,
            )
        )
    header = (
        "id",
        "name",
        "aliases",
        "region",
        "lat",
        "lon",
        "scale",
        "tags",
        "parent_id",
        "parent_share",
    )
    return _csv(header, rows)


def _products() -> str:
    rows = [
        (
            p.id,
            p.name,
            p.hs_code or "",
            p.unit,
            p.category,
            p.lead_time_days,
            p.unit_cost,
            catalogue.written_demand(p),
            ";".join(p.chains),
            p.stage,
        )
        for p in catalogue.PRODUCTS
    ]
    header = (
        "id",
        "name",
        "hs_code",
        "unit",
        "category",
        "lead_time_days",
        "unit_cost",
        "demand_per_day",
        "chain",
        "stage",
    )
    return _csv(header, rows)


def _bom() -> str:
    rows = [(b.input, b.output, b.qty, b.alt_group or "", b.basis) for b in catalogue.BOM]
    return _csv(("input", "output", "qty_per_unit", "alt_group", "basis"), rows)


def _supplies(world: World) -> str:
    rows = [
        (
            world.eid(x.supplier),
            world.eid(x.customer),
            x.product,
            x.share,
            x.volume,
            x.lead_time_days,
            x.since,
        )
        for x in world.links
    ]
    header = ("supplier", "customer", "product", "share", "volume", "lead_time_days", "since")
    return _csv(header, rows)


def _capacity(world: World) -> str:
    rows = [
        (
            world.eid(p.enterprise),
            p.product,
            p.capacity,
            p.output,
            catalogue.BY_ID[p.product].unit,
            planted.CAPACITY_DATE,
        )
        for p in world.production
    ]
    header = ("enterprise", "product", "capacity_per_day", "output_per_day", "unit", "as_of")
    return _csv(header, rows)


def _inventory(world: World) -> str:
    rows = [(world.eid(h.holder), h.product, h.stock, h.daily_use, h.as_of) for h in world.holdings]
    return _csv(("holder", "product", "stock", "daily_use", "as_of"), rows)


def _key_enterprises(world: World) -> str:
    rows = [
        (world.eid(k), chain, reason, since)
        for k, chain, reason, since in enterprises.KEY_ENTERPRISES
    ]
    return _csv(("enterprise", "chain", "reason", "since"), rows)


def _stockpiles(world: World) -> str:
    rows = [(world.eid(s.reserve), s.product, s.stock, s.target, s.as_of) for s in world.stockpiles]
    return _csv(("reserve", "product", "stock", "target", "as_of"), rows)


def _demand(world: World) -> str:
    rows = [
        (d.area, d.product, d.priority, d.daily_demand, d.as_of, d.area_name, d.sector, d.region)
        for d in world.demand
    ]
    header = (
        "area",
        "product",
        "priority",
        "daily_demand",
        "as_of",
        "area_name",
        "sector",
        "region",
    )
    return _csv(header, rows)


def _conversions(world: World) -> str:
    """CAN_PRODUCE rows (loaders/sample/conversions.py); an existing line's capacity is the one
    on record."""
    recorded = {(p.enterprise, p.product): p.capacity for p in world.production}
    rows = [
        (
            world.eid(c.enterprise),
            c.product,
            c.capacity_per_day
            if c.capacity_per_day is not None
            else recorded[(c.enterprise, c.product)],
            c.ramp_days,
            conversions.AS_OF,
        )
        for c in conversions.CONVERSIONS
    ]
    return _csv(("enterprise", "product", "capacity_per_day", "ramp_days", "as_of"), rows)


def render(world: World) -> dict[str, str]:
    """Every file's text, by file name (the manifest included)."""
    texts = {
        "regions.csv": _regions(),
        "chains.csv": _chains(),
        "enterprises.csv": _enterprises(world),
        "products.csv": _products(),
        "bom.csv": _bom(),
        "supplies.csv": _supplies(world),
        "capacity.csv": _capacity(world),
        "inventory.csv": _inventory(world),
        "key_enterprises.csv": _key_enterprises(world),
        "stockpiles.csv": _stockpiles(world),
        "demand.csv": _demand(world),
        "conversions.csv": _conversions(world),
    }
    rows = {name: text.count("\n") - 1 for name, text in texts.items()}
    texts[MANIFEST] = build_manifest(world, rows).to_json()
    return texts


def generate(out_dir: Path, scale: int = 1, seed: int = DEFAULT_SEED) -> SampleManifest:
    """Write the sample into ``out_dir`` (created if missing) and return its manifest."""
    texts = render(build(seed, scale))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="\n")
    return SampleManifest.read(out_dir / MANIFEST)


def sample_files(
    directory: Path = DATA_DIR, monitoring: bool = True, planning: bool = True
) -> list[Path]:
    """The sample's data files in load order (stockpiles and demand, then the conversions, if
    asked for)."""
    names = (*CANONICAL_FILES, *MONITORING_FILES) if monitoring else CANONICAL_FILES
    if planning:
        names = (*names, *PLANNING_FILES)
    return [directory / name for name in names]


def differences(directory: Path = DATA_DIR, scale: int = 1, seed: int = DEFAULT_SEED) -> list[str]:
    """Files in ``directory`` that differ from a fresh generation (missing ones included)."""
    texts = render(build(seed, scale))
    out = []
    for name, text in texts.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out
