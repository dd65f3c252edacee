"""Enterprise maps of a graph whose trade is known only by inference: every supplier the tier
walk finds is drawn with the links it was found by (dotted, "inferred" in the tooltip), whether
the walk inferred them on the fly or `supplymap infer` wrote them into the graph."""

from __future__ import annotations

import pytest
from maps_fixtures import CANONICAL, HANGZHOU, SHANGHAI, SHENZHEN, SUZHOU, WUHAN

from kg.connection import Graph
from kg.inferred_links import infer
from kg.maps.data import enterprise_data
from kg.maps.layout import map_layout
from kg.maps.render import network
from kg.maps.style import legend
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

# Canonical N95 chain without its trade file: Hangzhou makes PP-HMF (into both fabrics), Suzhou
# melt-blown, Shanghai melt-blown and spunbond, Wuhan nose wire, Shenzhen the respirator.
INFERRED = {
    (SUZHOU, SHENZHEN, "MB-FABRIC"),
    (SHANGHAI, SHENZHEN, "MB-FABRIC"),
    (SHANGHAI, SHENZHEN, "SB-FABRIC"),
    (WUHAN, SHENZHEN, "NOSE-WIRE"),
    (HANGZHOU, SUZHOU, "PP-HMF"),
    (HANGZHOU, SHANGHAI, "PP-HMF"),
}


@pytest.fixture(scope="module")
def untraded(graph: Graph) -> Graph:
    files = sorted(f for f in CANONICAL.glob("*.csv") if f.name != "supplies.csv")
    reports = Loader(graph).load_files(files, LoadOptions())
    assert {r.status for r in reports} == {"completed"}, [r.message for r in reports]
    return graph


def _links(graph: Graph) -> set[tuple[str, str, str | None, bool]]:
    data = enterprise_data(graph, SHENZHEN, 2, explore=False)
    assert {n.id for n in data.nodes} == {SHENZHEN, SUZHOU, SHANGHAI, WUHAN, HANGZHOU}
    drawing = network(data, map_layout(data))
    ids = [n.id for n in data.nodes]
    pairs = zip(drawing.links["from"], drawing.links["to"], strict=True)
    drawn = {(ids[a], ids[b]) for a, b in pairs}
    # every supplier on the map is drawn with its links, and every link is drawn
    assert drawn == {(s, t) for s, t, _ in INFERRED}
    assert all("inferred, not declared" in tip for tip in drawing.link_tips)
    assert any(item.kind == "dotted" for _, items in legend(data, False) for item in items)
    return {
        (e.source.split(":")[1], e.target.split(":")[1], e.product, e.inferred) for e in data.edges
    }


def test_suppliers_inferred_on_the_fly_are_drawn_with_their_links(untraded: Graph) -> None:
    assert _links(untraded) == {(s, t, p, True) for s, t, p in INFERRED}


def test_links_written_by_infer_are_drawn_once_as_inferred(untraded: Graph) -> None:
    report = infer(untraded)
    assert report.written >= len(INFERRED)
    assert _links(untraded) == {(s, t, p, True) for s, t, p in INFERRED}
