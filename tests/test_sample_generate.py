"""The sample generator: deterministic, scalable, and its manifest true of its files.

Every planted finding is checked by brute force over the CSV files alone (no generator
internals): feasibility is recomputed from capacity.csv and bom.csv after removing each
enterprise and each region in turn, as DESIGN.md defines it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from loaders.sample import (
    ALL_FILES,
    DATA_DIR,
    DEFAULT_SEED,
    MANIFEST,
    SampleManifest,
    differences,
    generate,
)
from loaders.sample import enterprises as plants
from loaders.sample.naming import org_check
from loaders.sample.planted import INVENTORY_PLANTED
from loaders.sample.world import build
from loaders.uscc import looks_like_uscc, uscc_error


def read(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Files:
    """The sample as its files say it is."""

    directory: Path
    manifest: SampleManifest

    def __post_init__(self) -> None:
        d = self.directory
        self.regions = {r["code"]: r for r in read(d, "regions.csv")}
        self.enterprises = {e["id"]: e for e in read(d, "enterprises.csv")}
        self.products = {p["id"]: p for p in read(d, "products.csv")}
        self.bom = read(d, "bom.csv")
        self.capacity = read(d, "capacity.csv")
        self.supplies = read(d, "supplies.csv")
        self.inventory = read(d, "inventory.csv")
        self.stockpiles = read(d, "stockpiles.csv")
        self.demand = read(d, "demand.csv")
        self.producers: dict[str, set[str]] = defaultdict(set)
        for row in self.capacity:
            self.producers[row["product"]].add(row["enterprise"])
        self.inputs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in self.bom:
            self.inputs[row["output"]].append((row["input"], row["alt_group"]))
        self.key_products = [
            p
            for p, row in self.products.items()
            if row["category"] == "final" or row["demand_per_day"]
        ]

    # ---- geography and ownership ------------------------------------------------------

    def ancestors(self, code: str) -> list[str]:
        out = []
        while code:
            out.append(code)
            code = self.regions[code]["parent"]
        return out

    def in_region(self, region: str) -> set[str]:
        return {e for e, row in self.enterprises.items() if region in self.ancestors(row["region"])}

    def top_parent(self, ent: str) -> str:
        while self.enterprises[ent]["parent_id"]:
            ent = self.enterprises[ent]["parent_id"]
        return ent

    # ---- feasibility, exactly as DESIGN.md defines it ---------------------------------

    def available(
        self, lost: Iterable[str] = (), lost_products: Iterable[str] = ()
    ) -> dict[str, bool]:
        dead, gone = set(lost), set(lost_products)
        avail = dict.fromkeys(self.products, False)
        changed = True
        while changed:
            changed = False
            for p in self.products:
                if avail[p] or p in gone:
                    continue
                if self.producers[p] and not (self.producers[p] - dead):
                    continue
                groups: dict[str, bool] = defaultdict(bool)
                ok = True
                for inp, alt in self.inputs[p]:
                    if alt:
                        groups[alt] |= avail[inp]
                    elif not avail[inp]:
                        ok = False
                if ok and all(groups.values()):
                    avail[p] = changed = True
        return avail

    def spofs(self) -> set[tuple[str, str, str]]:
        """(key product, kind, id) for every enterprise and region whose loss kills it."""
        out = set()
        assert all(self.available()[k] for k in self.key_products)
        for ent in self.enterprises:
            avail = self.available([ent])
            out |= {(k, "Enterprise", ent) for k in self.key_products if not avail[k]}
        for code in self.regions:
            avail = self.available(self.in_region(code))
            out |= {(k, "Region", code) for k in self.key_products if not avail[k]}
        return out


@pytest.fixture(scope="module")
def shipped() -> Files:
    return Files(DATA_DIR, SampleManifest.read(DATA_DIR / MANIFEST))


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Files:
    out = tmp_path_factory.mktemp("scale2")
    return Files(out, generate(out, scale=2))


# ---- generation ----------------------------------------------------------------------------


def test_shipped_files_equal_a_fresh_generation() -> None:
    assert differences(DATA_DIR) == [], "regenerate with: python -m loaders.sample"


def test_same_seed_same_bytes_other_seed_other_ids(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=7)
    generate(b, seed=7)
    generate(c, seed=8)
    for name in ALL_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ids_a = {e["id"] for e in read(a, "enterprises.csv")}
    ids_c = {e["id"] for e in read(c, "enterprises.csv")}
    foreign = {i for i in ids_a if i.startswith("F-")}
    assert ids_a & ids_c == foreign  # Chinese ids are drawn from the seed; foreign ids are plain


def test_scale_multiplies_fillers_and_links(shipped: Files, scaled: Files) -> None:
    core = len(plants.HOLDINGS) + len(plants.PLANTS) + len(plants.RESERVES)
    base = core + sum(f.per_scale for f in plants.FILLERS)
    assert len(shipped.enterprises) == base
    assert len(scaled.enterprises) == core + sum(plants.filler_count(f, 2) for f in plants.FILLERS)
    assert len(scaled.enterprises) == pytest.approx(2 * base, rel=0.02)
    for spec in plants.FILLERS:
        extra = len(scaled.producers[spec.product]) - len(shipped.producers[spec.product])
        assert extra == plants.filler_count(spec, 2) - spec.per_scale, spec.product
    ratio = len(scaled.supplies) / len(shipped.supplies)
    assert 1.8 < ratio < 2.8, ratio  # fillers are mostly assemblers buying many inputs
    # The core plants keep their ids; the calibrated totals do not move.
    assert set(shipped.enterprises) - set(scaled.enterprises) == set()
    assert [c["in_data"] for c in scaled.manifest.calibration] == [
        c["published"] for c in scaled.manifest.calibration
    ]


def test_default_scale_is_small(shipped: Files) -> None:
    assert len(shipped.enterprises) < 400
    assert len(shipped.supplies) < 2000


# ---- the files are well formed -------------------------------------------------------------


def test_ids_carry_correct_check_characters(shipped: Files) -> None:
    domestic = [i for i in shipped.enterprises if not i.startswith("F-")]
    assert domestic and all(looks_like_uscc(i) and uscc_error(i) is None for i in domestic)
    assert all(org_check(i[8:16]) == i[16] for i in domestic)  # GB 11714 organisation code
    reserves = {e for e, row in shipped.enterprises.items() if "reserve" in row["tags"]}
    assert reserves and all(e.startswith("12") for e in reserves)


def test_capacity_rows_are_consistent(shipped: Files) -> None:
    for row in shipped.capacity:
        assert 0 < float(row["output_per_day"]) <= float(row["capacity_per_day"]), row
        assert row["unit"] == shipped.products[row["product"]]["unit"]
    assert all(shipped.producers[p] for p in shipped.products), "a product without producers"


def test_links_connect_producers_to_users(shipped: Files) -> None:
    uses: dict[str, set[str]] = defaultdict(set)
    for product, makers in shipped.producers.items():
        for maker in makers:
            uses[maker] |= {inp for inp, _ in shipped.inputs[product]}
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for link in shipped.supplies:
        assert link["supplier"] in shipped.producers[link["product"]], link
        customer = shipped.enterprises[link["customer"]]
        assert link["product"] in uses[link["customer"]] or "reserve" in customer["tags"], link
        shares[(link["customer"], link["product"])] += float(link["share"])
    assert all(abs(s - 1) < 1e-9 for s in shares.values())


def test_monitoring_files_have_the_agreed_columns(shipped: Files) -> None:
    with open(DATA_DIR / "stockpiles.csv", encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == [
            "reserve",
            "product",
            "stock",
            "target",
            "as_of",
        ]
    with open(DATA_DIR / "demand.csv", encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == [
            "area",
            "product",
            "priority",
            "daily_demand",
            "as_of",
            "area_name",
            "sector",
            "region",
        ]
    for row in shipped.stockpiles:
        assert row["reserve"] in shipped.enterprises and row["product"] in shipped.products
        assert float(row["stock"]) >= 0 and float(row["target"]) > 0
    sectors = {"hospitals": 1, "elderly care": 2, "rural clinics": 3, "schools": 4}
    for row in shipped.demand:
        assert int(row["priority"]) == sectors[row["sector"]]
        assert row["region"] in shipped.regions and row["product"] in shipped.products
        assert float(row["daily_demand"]) > 0


# ---- the manifest is true of the files -----------------------------------------------------


def test_calibrated_totals(shipped: Files) -> None:
    def total(product: str, column: str) -> float:
        return sum(float(r[column]) for r in shipped.capacity if r["product"] == product)

    assert total("VENTILATOR", "output_per_day") == 1808
    assert total("O2-CONC", "capacity_per_day") == 20000
    assert total("OXIMETER", "output_per_day") == 460000
    assert total("IBU-TAB", "capacity_per_day") + total("APAP-TAB", "capacity_per_day") == 2e8
    assert total("AZV-TAB", "capacity_per_day") == 744000
    assert float(shipped.products["SUIT"]["lead_time_days"]) == 2
    assert {float(r["lead_time_days"]) for r in shipped.supplies if r["product"] == "SUIT"} == {2}
    rural = sum(
        float(r["daily_demand"])
        for r in shipped.demand
        if r["product"] == "OXIMETER" and r["sector"] == "rural clinics"
    )
    assert rural * 20 == 1_172_000  # two oximeters for each of 586,000 clinics over 20 days


def test_sole_sources_have_exactly_one_producer(shipped: Files) -> None:
    sole = {p: next(iter(e)) for p, e in shipped.producers.items() if len(e) == 1}
    assert sole == {s["product"]: s["producer"]["id"] for s in shipped.manifest.sole_sources}
    assert set(sole) == {"DTBP", "AZV-API", "ARF-SCANNER", "PA12"}


@pytest.mark.parametrize("which", ["shipped", "scaled"])
def test_planted_spofs_are_exactly_the_brute_force_ones(
    which: str, request: pytest.FixtureRequest
) -> None:
    files: Files = request.getfixturevalue(which)
    listed = {(s["product"], s["kind"], s["id"]) for s in files.manifest.spofs}
    assert files.spofs() == listed


def test_spof_paths_start_at_the_node_and_end_at_the_product(shipped: Files) -> None:
    for s in shipped.manifest.spofs:
        assert s["path"][0] == s["id"] and s["path"][-1] == s["product"]
        assert all(step in shipped.products for step in s["path"][1:])
        assert s["reasons"]


def test_melt_blown_bottleneck_is_upstream_of_both_masks(shipped: Files) -> None:
    for mask in ("N95", "SURG-MASK"):
        spofs = shipped.manifest.spof_ids(mask)
        assert ("Region", "330000") in spofs
        dtbp = next(iter(shipped.producers["DTBP"]))
        assert ("Enterprise", dtbp) in spofs
        assert not shipped.available(lost_products=["MB-FABRIC"])[mask]
    b = shipped.manifest.bottleneck
    caps = sorted(
        (float(r["capacity_per_day"]) for r in shipped.capacity if r["product"] == "MB-FABRIC"),
        reverse=True,
    )
    assert len(caps) == 4 and caps[0] / sum(caps) == pytest.approx(0.55)
    assert b["hhi"] == pytest.approx(sum((c / sum(caps)) ** 2 for c in caps), abs=1e-4)
    # The limiting input of each mask: capacity / qty_per_unit lowest of all its inputs.
    for mask in ("N95", "SURG-MASK"):
        allowed = {}
        for row in shipped.bom:
            if row["output"] == mask:
                cap = sum(
                    float(r["capacity_per_day"])
                    for r in shipped.capacity
                    if r["product"] == row["input"]
                )
                allowed[row["input"]] = cap / float(row["qty_per_unit"])
        own = sum(float(r["capacity_per_day"]) for r in shipped.capacity if r["product"] == mask)
        assert min(allowed, key=lambda k: allowed[k]) == "MB-FABRIC"
        assert allowed["MB-FABRIC"] < own


def test_multi_sourced_inputs_survive_any_one_loss(shipped: Files) -> None:
    for entry in shipped.manifest.multi_sourced:
        product = entry["product"]
        makers = shipped.producers[product]
        assert len(makers) >= 2 and entry["groups"] >= 2 and len(entry["provinces"]) >= 2
        assert len({shipped.top_parent(m) for m in makers}) == entry["groups"]
        for ent in shipped.enterprises:
            assert shipped.available([ent])[product], (product, ent)
        for code, region in shipped.regions.items():
            if region["level"] == "country":
                continue
            assert shipped.available(shipped.in_region(code))[product], (product, code)


def test_substitutes_keep_the_output_available(shipped: Files) -> None:
    for entry in shipped.manifest.substitutes:
        assert len(entry["inputs"]) >= 2
        for inp in entry["inputs"]:
            assert shipped.available(lost_products=[inp])[entry["output"]], entry
        assert not shipped.available(lost_products=entry["inputs"])[entry["output"]]


def test_regional_single_sources(shipped: Files) -> None:
    found = set()
    for product, makers in shipped.producers.items():
        if len(makers) < 2:
            continue
        common = set.intersection(
            *(set(shipped.ancestors(shipped.enterprises[m]["region"])) for m in makers)
        )
        found |= {(product, code) for code in common if code != "CN"}
    listed = {(r["product"], r["region"]) for r in shipped.manifest.regional_single_sources}
    assert found == listed


def test_group_single_sources(shipped: Files) -> None:
    found = set()
    for product, makers in shipped.producers.items():
        groups = {shipped.top_parent(m) for m in makers}
        if len(makers) >= 2 and len(groups) == 1:
            found.add((product, groups.pop()))
    listed = {(g["product"], g["group"]) for g in shipped.manifest.group_single_sources}
    assert (
        found
        == listed
        == {
            ("IBB", shipped.top_parent(next(iter(shipped.producers["IBB"])))),
            ("WINDSCREEN", shipped.top_parent(next(iter(shipped.producers["WINDSCREEN"])))),
        }
    )


def test_declared_single_sources(shipped: Files) -> None:
    suppliers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for link in shipped.supplies:
        suppliers[(link["customer"], link["product"])].add(link["supplier"])
    found = {(c, p, s.pop()) for (c, p), s in suppliers.items() if len(s) == 1}
    listed = shipped.manifest.declared_single_sources
    assert found == {(d["customer"], d["product"], d["supplier"]) for d in listed}
    assert sum(d["planted"] for d in listed) == 5


def test_inventory_warnings(shipped: Files) -> None:
    thresholds = shipped.manifest.warnings["thresholds"]
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for row in shipped.inventory:
        slot = (row["holder"], row["product"])
        if slot not in latest or row["as_of"] > latest[slot]["as_of"]:
            latest[slot] = row
    found, stale = set(), set()
    for (holder, product), row in latest.items():
        if row["as_of"] < shipped.manifest.reference_date:
            stale.add((holder, product))
            continue
        days = float(row["stock"]) / float(row["daily_use"])
        if shipped.products[product]["category"] in ("component", "equipment", "final"):
            level = "red" if days < thresholds["parts"]["red"] else None
        else:
            rm = thresholds["raw_materials"]
            level = next((lv for lv in ("red", "yellow", "blue") if days < rm[lv]), None)
        if level:
            found.add((holder, product, level))
    listed = shipped.manifest.warnings["holder"]
    assert found == {(w["holder"], w["product"], w["level"]) for w in listed}
    ids = {k: e.id for k, e in build(DEFAULT_SEED, 1).enterprises.items()}
    expected = {
        "MB-FABRIC": "red",
        "PP-MB": "red",
        "ECU": "red",
        "FLOW-SENSOR": "red",
        "IBU-API": "yellow",
        "NEON": "yellow",
        "PP-HOMO": "blue",
        "LI2CO3": "blue",
    }
    for key, product, *_ in INVENTORY_PLANTED:
        assert (ids[key], product, expected[product]) in found
    assert {w["level"] for w in listed} == {"red", "yellow", "blue"}
    assert stale == {(s["holder"], s["product"]) for s in shipped.manifest.warnings["stale"]}
    # Every mask maker holding melt-blown is in the red.
    mb = {h for (h, p) in latest if p == "MB-FABRIC"} - stale
    assert mb == {h for h, p, lv in found if p == "MB-FABRIC" and lv == "red"}
    assert shipped.manifest.warnings["national"] == [
        {"product": "MB-FABRIC", "days_of_cover": pytest.approx(4, abs=3), "level": "red"}
    ]


def test_supply_gap_only_for_melt_blown(shipped: Files) -> None:
    gaps = {}
    for product, row in shipped.products.items():
        if row["category"] not in ("raw material", "material"):
            continue
        capacity = sum(
            float(r["capacity_per_day"]) for r in shipped.capacity if r["product"] == product
        )
        need = sum(
            float(b["qty_per_unit"])
            * sum(
                float(r["output_per_day"]) for r in shipped.capacity if r["product"] == b["output"]
            )
            for b in shipped.bom
            if b["input"] == product
        )
        if need:
            gaps[product] = (capacity - need) / need
    short = {p for p, g in gaps.items() if g < 0.1}
    assert short == {g["product"] for g in shipped.manifest.warnings["supply_gap"]}
    assert short == {"MB-FABRIC"} and gaps["MB-FABRIC"] == pytest.approx(-0.4, abs=0.02)


def test_stockpiles_under_target(shipped: Files) -> None:
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for row in shipped.stockpiles:
        slot = (row["reserve"], row["product"])
        if slot not in latest or row["as_of"] > latest[slot]["as_of"]:
            latest[slot] = row
    under = {k for k, r in latest.items() if float(r["stock"]) < float(r["target"])}
    listed = shipped.manifest.stockpiles["under_target"]
    assert under == {(u["reserve"], u["product"]) for u in listed} and len(under) == 5
    stale = {k for k, r in latest.items() if r["as_of"] < "2022-11-27"}
    assert stale == {(s["reserve"], s["product"]) for s in shipped.manifest.stockpiles["stale"]}


def test_demand_shortages(shipped: Files) -> None:
    short = {d["product"] for d in shipped.manifest.demand if d["short"]}
    assert short == {"N95", "SURG-MASK", "VENTILATOR", "O2-CONC", "IBU-TAB", "AZV-TAB"}
    vent = next(d for d in shipped.manifest.demand if d["product"] == "VENTILATOR")
    assert vent["by_priority"] == [
        {"priority": 1, "demand": 2400, "served": 1808, "share_served": pytest.approx(0.7533)}
    ]
    for d in shipped.manifest.demand:
        total = sum(
            float(r["daily_demand"]) for r in shipped.demand if r["product"] == d["product"]
        )
        assert total == d["demand_per_day"]


def test_command_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from loaders.sample.__main__ import main

    assert main(["--out", str(tmp_path), "--seed", "11"]) == 0
    assert "306 enterprises" in capsys.readouterr().out
    assert main(["--out", str(tmp_path), "--seed", "11", "--check"]) == 0
    (tmp_path / "bom.csv").write_text("input,output\n", encoding="utf-8")
    assert main(["--out", str(tmp_path), "--seed", "11", "--check"]) == 1
    assert "bom.csv" in capsys.readouterr().err
