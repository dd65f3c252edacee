"""The shipped sample data set (loaders/sample) drawn in headless Chromium: the medical
supplies chain, an N95 maker's suppliers and the planted DTBP disruption, with the warnings the
monitoring computes and writes back, and the sole sources, single points of failure and
declared single sources the sample's manifest plants. These are the screenshots to look at for
what a map of a real chain looks like.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from maps_pages import call, hover, node_index, open_map, screenshots
from pagedriver import Chromium, find_chromium

from kg.connection import Graph
from kg.maps import Impact, chain_map_html, disruption_map_html, enterprise_map_html
from kg.monitor import evaluate_warnings, load_rules, write_warnings
from loaders.pipeline import Loader, LoadOptions
from loaders.sample import sample_files

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="Chromium is not installed: apt-get install -y chromium (make test does it as root)",
    ),
]

SAMPLE = Path(__file__).parent.parent / "loaders" / "sample" / "data"
DTBP_PLANT = "91330600MAFXAMNU0U"  # the sample's planted sole DTBP producer (planted.json)


def load_sample(graph: Graph) -> None:
    """The shipped sample with its warnings computed and written by the monitoring (issue 3),
    and the single sources and points of failure its manifest plants set as the analyses
    (issue 6) will write them."""
    reports = Loader(graph).load_files(sample_files(SAMPLE), LoadOptions())
    assert {r.status for r in reports} == {"completed"}, [r.message for r in reports]
    planted = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
    at = dt.date.fromisoformat(planted["reference_date"])
    summary = write_warnings(graph, evaluate_warnings(graph, load_rules(), at))
    assert summary is not None
    graph.write(
        "UNWIND $ids AS id MATCH (p:Product {id: id}) SET p.sourcing = 'sole', p.producers = 1",
        {"ids": [s["product"] for s in planted["sole_sources"]]},
    )
    graph.write(
        "UNWIND $ids AS id MATCH (e:Enterprise {id: id}) SET e.is_spof = true",
        {"ids": [s["id"] for s in planted["spofs"] if s["kind"] == "Enterprise"]},
    )
    graph.write(
        "UNWIND $rows AS r MATCH (:Enterprise {id: r.s})-[x:SUPPLIES {product: r.p}]->"
        "(:Enterprise {id: r.c}) SET x.single_source = true",
        {
            "rows": [
                {"s": d["supplier"], "c": d["customer"], "p": d["product"]}
                for d in planted["declared_single_sources"]
            ]
        },
    )


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_sample(graph)
    return graph


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(width=1600, height=1000) as chromium:
        yield chromium


def test_sample_chain_map(browser: Chromium, loaded: Graph, shots: Path) -> None:
    state = open_map(
        browser, chain_map_html(loaded, "medical-supplies"), shots / "sample-chain.html"
    )
    n_products = loaded.query(
        "MATCH (:Chain {id: 'medical-supplies'})<-[:IN_CHAIN]-(p:Product) RETURN count(p) AS n"
    )[0]["n"]
    assert state["drawn"] > n_products  # the products and their makers
    tip = hover(browser, node_index(browser, "DTBP"))
    assert "sourcing: SOLE SOURCE (one producer)" in tip["text"]
    # the monitoring's warnings are on the map: halo in the styles, level in the tooltips
    warned = loaded.query(
        "MATCH (:Chain {id: 'medical-supplies'})<-[:IN_CHAIN]-(p:Product) "
        "WHERE p.warning_level IS NOT NULL RETURN p.id AS id, p.warning_level AS level"
    )
    assert warned, "the sample plants warnings on the medical chain"
    tips = call(browser, "() => window.supplymapMap.data.tips")
    for row in warned:
        tip_text = tips[node_index(browser, row["id"])]
        assert f"warning: {row['level'].upper()}" in tip_text
    browser.screenshot(shots / "sample-chain-tooltip.png")


def test_sample_enterprise_map(browser: Chromium, loaded: Graph, shots: Path) -> None:
    maker = loaded.query(
        "MATCH (e:Enterprise)-[:PRODUCES]->(:Product {id: 'N95'}) "
        "WHERE EXISTS { (:Enterprise)-[:SUPPLIES]->(e) } RETURN e.id AS id ORDER BY id LIMIT 1"
    )[0]["id"]
    state = open_map(
        browser, enterprise_map_html(loaded, maker, 3), shots / "sample-enterprise.html"
    )
    assert state["drawn"] > 5


def test_sample_disruption_map(browser: Chromium, loaded: Graph, shots: Path) -> None:
    impact = Impact(
        removed_enterprises=(DTBP_PLANT,),
        lost=("DTBP", "PP-MB", "MB-FABRIC", "N95"),
        title="Loss of the only DTBP plant (Shaoxing)",
    )
    open_map(browser, disruption_map_html(loaded, impact), shots / "sample-disruption.html")
    labels = call(browser, "() => window.supplymapMap.data.nodes.map(n => n.label)")
    assert any(label.startswith("✕ ") for label in labels)
    assert sum(label.endswith("(lost)") for label in labels) == 4
