"""The analyses find what the shipped sample plants on purpose (loaders/sample, planted.json).

The manifest lists, for every key product, each enterprise and region whose loss makes it
unavailable (input products without substitutes are left out there, as trivial), the sole,
regional, group and declared single sources, the inputs that must *not* carry a single point
of failure, and the bottleneck of the mask chain. The analyses must report exactly that.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kg.analysis import Context, capacities, project, single_sources, spof
from kg.connection import Graph
from loaders.kinds import KINDS
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import CANONICAL_FILES, DATA_DIR, MONITORING_FILES, SampleManifest

pytestmark = pytest.mark.integration

MANIFEST = SampleManifest.read(DATA_DIR / "planted.json")
READY = all(name.removesuffix(".csv") in KINDS for name in MONITORING_FILES)
FILES = [DATA_DIR / n for n in (*CANONICAL_FILES, *(MONITORING_FILES if READY else ()))]


@pytest.fixture(scope="module")
def ctx(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Context:
    rejects = tmp_path_factory.mktemp("rejects") / "rejects.csv"
    reports = Loader(graph).load_files(FILES, LoadOptions(rejects=rejects))
    assert all(r.status == "completed" for r in reports), [
        (Path(r.file).name, r.message) for r in reports
    ]
    return Context(project(graph))


def test_key_products(ctx: Context) -> None:
    keys = {ctx.proj.product_ids[k] for k in ctx.keys().indices}
    assert keys == {k["product"] for k in MANIFEST.key_products}


def test_every_planted_single_point_of_failure_and_no_other(ctx: Context) -> None:
    found = {(s.product, s.kind, s.node) for s in spof(ctx) if s.kind in ("enterprise", "region")}
    planted = {(s["product"], s["kind"].lower(), s["id"]) for s in MANIFEST.spofs}
    assert found == planted


def test_explaining_paths_run_through_the_planted_inputs(ctx: Context) -> None:
    proj = ctx.proj
    edges = {
        (proj.product_ids[a], proj.product_ids[b])
        for a, b in zip(proj.bom_in.tolist(), proj.bom_out.tolist(), strict=True)
    }
    paths = {(s.product, s.node): s.path for s in spof(ctx)}
    for s in MANIFEST.spofs:
        if s["kind"] != "Enterprise":
            continue
        path = paths[(s["product"], s["id"])]
        # every step after the enterprise is a bill-of-materials edge ...
        assert all(step in edges for step in itertools.pairwise(path[1:])), path
        # ... through the products the manifest names, in its order (the manifest may skip a
        # step: its car paths go MCU-AUTO -> CAR-ICE, the bill of materials via ECU)
        it = iter(path)
        assert all(x in it for x in s["path"]), (s["path"], path)


def test_sole_regional_and_group_single_sources(ctx: Context) -> None:
    rows = {r.product: r for r in single_sources(ctx).products}
    for s in MANIFEST.sole_sources:
        assert rows[s["product"]].sourcing == "sole", s
    for r in MANIFEST.regional_single_sources:
        at_level = {x.product: x for x in single_sources(ctx, region_level=r["level"]).products}
        row = at_level[r["product"]]
        assert (row.regional_single_source, row.region) == (True, r["region"]), r
        assert row.sourcing == "multiple"
    for g in MANIFEST.group_single_sources:
        row = rows[g["product"]]
        assert (row.sourcing, row.group_single_source, row.group) == ("multiple", True, g["group"])


def test_declared_single_sources(ctx: Context) -> None:
    found = {
        (d.customer, d.product, d.suppliers[0])
        for d in single_sources(ctx).declared
        if d.single_source
    }
    planted = {
        (d["customer"], d["product"], d["supplier"]) for d in MANIFEST.declared_single_sources
    }
    assert planted <= found


def test_no_single_point_of_failure_runs_through_a_multi_sourced_input(ctx: Context) -> None:
    multi = {m["product"] for m in MANIFEST.multi_sourced}
    through = {
        (s.product, s.node, m)
        for s in spof(ctx)
        if s.kind in ("enterprise", "region")
        for m in multi
        if m in s.path[1:-1]
    }
    assert through == set()


def test_the_mask_bottleneck(ctx: Context) -> None:
    b = MANIFEST.bottleneck
    rows = {r.product: r for r in single_sources(ctx).products}
    mb = rows[b["product"]]
    assert mb.hhi == pytest.approx(b["hhi"])
    assert mb.effective_sources == pytest.approx(b["effective_sources"], abs=0.01)
    caps = {c.product: c for c in capacities(ctx)}
    for limit in b["limits"]:
        row = caps[limit["product"]]
        assert (row.limited_by, row.limiting_input) == ("input", b["product"])
        assert row.achievable_per_day == pytest.approx(limit["allowed_by_input_per_day"])
