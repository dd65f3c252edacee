"""Capacity bottlenecks and red outlines read from a real graph: the canonical N95 chain with
results set by hand, and the chain whose every name is an injection attempt.

Worked by hand from tests/data/canonical: N95 needs 0.000008 t of spunbond per piece, and the
only spunbond maker (Shanghai Nonwoven) makes 10 t a day, enough for 1,250,000 respirators,
against Shenzhen Mask Works' 2,000,000 a day; melt-blown (11 t / 0.000004 = 2,750,000) and nose
wire (500 km / 0.00012) allow more. So SB-FABRIC is N95's limiting input at 62.5%
(1,250,000 / 2,000,000; shown rounded half to even, "62%"). The SPOF_FOR links set here: Hangzhou
Polymer and the region Hangzhou through PP-HMF -> SB-FABRIC (behind the bottleneck), Wuhan Wire
through NOSE-WIRE (not behind it).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from maps_fixtures import (
    EVIL_CHAIN,
    EVIL_MAKER,
    EVIL_PRODUCT,
    EVIL_RAW,
    HANGZHOU,
    IMG,
    PAYLOADS,
    SCRIPT_END,
    SVG,
    WUHAN,
    load_canonical,
    load_evil,
    set_results,
)

from kg.connection import Graph
from kg.maps import chain_map_html
from kg.maps.data import Bottleneck, Limit, Upstream, chain_data
from kg.maps.style import BOTTLENECK_SIZE, RISK_RED

pytestmark = pytest.mark.integration

P = "product:"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_canonical(graph)
    set_results(graph)
    graph.write(
        "MATCH (p:Product {id: 'N95'}) SET p.limiting_input = 'SB-FABRIC', "
        "p.achievable_per_day = 1250000.0, p.producer_capacity_per_day = 2000000.0, "
        "p.limited_by = 'input'"
    )
    # an input that is a SPOF only for want of a substitute: no outline
    graph.write("MATCH (p:Product {id: 'MB-FABRIC'}) SET p.is_spof = true")
    for label, key, x, path in (
        ("Enterprise", "id", HANGZHOU, [HANGZHOU, "PP-HMF", "SB-FABRIC", "N95"]),
        ("Region", "code", "330100", ["330100", HANGZHOU, "PP-HMF", "SB-FABRIC", "N95"]),
        ("Enterprise", "id", WUHAN, [WUHAN, "NOSE-WIRE", "N95"]),
    ):
        graph.write(
            f"MATCH (x:{label} {{{key}: $x}}), (p:Product {{id: 'N95'}}) "
            "MERGE (x)-[s:SPOF_FOR]->(p) SET s.path = $path",
            {"x": x, "path": path},
        )
    load_evil(graph)
    graph.write(
        "MATCH (p:Product {id: $p}) SET p.limiting_input = $raw, p.achievable_per_day = 4.0, "
        "p.producer_capacity_per_day = 10.0",
        {"p": EVIL_PRODUCT, "raw": EVIL_RAW},
    )
    graph.write(
        "MATCH (x:Enterprise {id: $x}), (p:Product {id: $p}) MERGE (x)-[s:SPOF_FOR]->(p) "
        "SET s.path = $path",
        {"x": EVIL_MAKER, "p": EVIL_PRODUCT, "path": [EVIL_MAKER, EVIL_RAW, EVIL_PRODUCT]},
    )
    return graph


def test_chain_data_reads_the_bottleneck_and_what_stands_behind_it(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    assert data.bottlenecks == [
        Bottleneck(
            (P + "SB-FABRIC",),
            (Limit(P + "N95", 1_250_000.0, 2_000_000.0),),
            (
                Upstream("enterprise", HANGZHOU, "Hangzhou Polymer Co.", "PP-HMF"),
                Upstream("region", "330100", "Hangzhou", "PP-HMF"),
            ),
        )
    ]
    assert data.node_map()[P + "N95"].producer_capacity == 2_000_000.0


class Page(HTMLParser):
    """The callout's text and the map's data block of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.callout: list[str] = []
        self.in_data = False
        self.data = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or ("class", "callout") in attrs:
            self.depth += 1
        self.in_data = ("id", "map-data") in attrs

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)
        self.in_data = False

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.callout.append(data)
        if self.in_data:
            self.data += data


def read_page(html: str) -> tuple[str, dict[str, Any]]:
    parser = Page()
    parser.feed(html)
    return "".join(parser.callout), json.loads(parser.data)


def test_page_calls_out_the_bottleneck_and_outlines_only_single_points(loaded: Graph) -> None:
    text, payload = read_page(chain_map_html(loaded, "medical-supplies"))
    assert text == (
        "Capacity bottleneck: Spunbond nonwoven limits N95 respirator to 1,250,000/day "
        "(62% of its makers' 2,000,000). show on map"
        "Single points of failure behind it: Hangzhou Polymer Co. (enterprise, through "
        "High-melt-flow polypropylene); Hangzhou (region, through High-melt-flow polypropylene)."
    )
    nodes = payload["nodes"]
    groups = payload["options"]["groups"]
    ids = [s[1] for s in payload["search"]]
    style = {ids[n["id"]]: groups[n["group"]] for n in nodes}
    # the bottleneck is the largest node
    assert style["SB-FABRIC"]["size"] == BOTTLENECK_SIZE
    assert all(s["size"] < BOTTLENECK_SIZE for i, s in style.items() if i != "SB-FABRIC")
    # red outlines: the products with a single source (sole: PP-HMF, SB-FABRIC, NOSE-WIRE,
    # N95), the enterprise that is a SPOF (Hangzhou); not MB-FABRIC, a SPOF for want of a
    # substitute
    red = {i for i, s in style.items() if s["color"]["border"] == RISK_RED}
    assert red == {"PP-HMF", "SB-FABRIC", "NOSE-WIRE", "N95", HANGZHOU}
    # the one thick red link: SB-FABRIC -> N95
    links, styles = payload["links"], payload["linkStyles"]
    red_links = {
        (ids[f], ids[t])
        for f, t, s in zip(links["from"], links["to"], links["style"], strict=True)
        if styles[s]["color"] == RISK_RED
    }
    assert red_links == {("SB-FABRIC", "N95")}
    assert payload["bottlenecks"] == [
        {"inputs": [ids.index("SB-FABRIC")], "limits": [[ids.index("N95"), 1250000.0, 2000000.0]]}
    ]


def test_callout_shows_attacks_as_text(loaded: Graph) -> None:
    html = chain_map_html(loaded, EVIL_CHAIN)
    for attack in PAYLOADS:
        if any(c in attack for c in "<>&\"'"):
            assert attack not in html
    text, _ = read_page(html)
    assert text.startswith(
        f"Capacity bottleneck: {SVG} limits {IMG} to 4/day (40% of its makers' 10)."
    )
    assert f"{SCRIPT_END} (enterprise, through {SVG})." in text
