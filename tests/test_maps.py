"""Maps read from a real graph: what each map holds, its layout, aggregation, the page itself
(self-contained, escaped) and the `supplymap map` commands.

The N95 chain (tests/data/canonical) worked by hand:
  BOM  PP-HMF -> MB-FABRIC, PP-HMF -> SB-FABRIC, MB-FABRIC/SB-FABRIC/NOSE-WIRE -> N95
  levels  PP-HMF 0, MB-FABRIC 1, SB-FABRIC 1, N95 2; NOSE-WIRE 1 (a bought-in component with
          no inputs sits just before the N95 it goes into, not with the raw materials)
  makers  Hangzhou PP-HMF 60; Suzhou MB 8; Shanghai MB 3, SB 10; Wuhan NOSE 500; Shenzhen N95 2M
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import (
    COMMENT,
    EVIL_CHAIN,
    EVIL_MAKER,
    EVIL_PRODUCT,
    EVIL_RAW,
    EVIL_REGION,
    EVIL_TRADER,
    HANGZHOU,
    IMG,
    JS_STRING,
    PAYLOADS,
    SCRIPT_END,
    SHANGHAI,
    SHENZHEN,
    SUZHOU,
    SVG,
    TEMPLATE,
    WUHAN,
    load_canonical,
    load_evil,
    set_results,
)
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from kg.maps import (
    Impact,
    ImpactError,
    chain_map_html,
    disruption_map_html,
    enterprise_map_html,
)
from kg.maps.aggregate import aggregate
from kg.maps.data import MapData, chain_data, enterprise_data, has_results
from kg.maps.impact import disruption_data
from kg.maps.layout import map_layout
from kg.maps.render import page
from kg.tiers import NotFoundError

pytestmark = pytest.mark.integration

P = "product:"
E = "enterprise:"


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    load_canonical(graph)
    set_results(graph)
    load_evil(graph)
    return graph


def kinds(data: MapData) -> set[tuple[str, str]]:
    return {(n.kind, n.id) for n in data.nodes}


def edges(data: MapData) -> set[tuple[str, str, str]]:
    return {(e.kind, e.source, e.target) for e in data.edges}


# ---- what each map holds -------------------------------------------------------------------


def test_chain_map_holds_products_bom_makers_and_trade(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    products = {"PP-HMF", "MB-FABRIC", "SB-FABRIC", "NOSE-WIRE", "N95"}
    makers = {HANGZHOU, SUZHOU, SHANGHAI, WUHAN, SHENZHEN}
    assert kinds(data) == {("product", p) for p in products} | {("enterprise", e) for e in makers}
    assert edges(data) == {
        ("input", P + "PP-HMF", P + "MB-FABRIC"),
        ("input", P + "PP-HMF", P + "SB-FABRIC"),
        ("input", P + "MB-FABRIC", P + "N95"),
        ("input", P + "SB-FABRIC", P + "N95"),
        ("input", P + "NOSE-WIRE", P + "N95"),
        ("produces", E + HANGZHOU, P + "PP-HMF"),
        ("produces", E + SUZHOU, P + "MB-FABRIC"),
        ("produces", E + SHANGHAI, P + "MB-FABRIC"),
        ("produces", E + SHANGHAI, P + "SB-FABRIC"),
        ("produces", E + WUHAN, P + "NOSE-WIRE"),
        ("produces", E + SHENZHEN, P + "N95"),
        ("supplies", E + HANGZHOU, E + SUZHOU),
        ("supplies", E + SUZHOU, E + SHENZHEN),
        ("supplies", E + SHANGHAI, E + SHENZHEN),
        ("supplies", E + WUHAN, E + SHENZHEN),
    }
    trade = {(e.source, e.product, e.single_source) for e in data.edges if e.kind == "supplies"}
    assert trade == {
        (E + HANGZHOU, "PP-HMF", True),
        (E + SUZHOU, "MB-FABRIC", False),
        (E + SHANGHAI, "MB-FABRIC", False),
        (E + SHANGHAI, "SB-FABRIC", True),
        (E + WUHAN, "NOSE-WIRE", True),
    }
    nodes = data.node_map()
    mb = nodes[P + "MB-FABRIC"]
    assert (mb.capacity, mb.producers) == (
        11.0,
        [("Suzhou Meltblown Ltd.", 8.0), ("Shanghai Nonwoven", 3.0)],
    )
    assert (mb.category, mb.stage) == ("material", "midstream")
    assert nodes[E + SHANGHAI].makes == [
        ("Melt-blown nonwoven", 3.0, "t"),
        ("Spunbond nonwoven", 10.0, "t"),
    ] or sorted(nodes[E + SHANGHAI].makes) == [
        ("Melt-blown nonwoven", 3.0, "t"),
        ("Spunbond nonwoven", 10.0, "t"),
    ]


def test_result_properties_are_read_when_present(loaded: Graph) -> None:
    nodes = chain_data(loaded, "medical-supplies").node_map()
    flagged = {k for k, n in nodes.items() if n.results.flagged}
    # sole sources (PP-HMF, SB-FABRIC, NOSE-WIRE, N95) and the SPOF Hangzhou
    assert flagged == {
        P + "PP-HMF",
        P + "SB-FABRIC",
        P + "NOSE-WIRE",
        P + "N95",
        E + HANGZHOU,
    }
    mb = nodes[P + "MB-FABRIC"].results
    assert (mb.sourcing, mb.producers, mb.hhi, mb.warning_level) == ("multiple", 2, 0.603, "red")
    assert mb.warning_as_of == "2022-12-08"
    assert nodes[E + SUZHOU].results.capacity_criticality == 0.27
    assert not nodes[E + WUHAN].results.any


def test_chain_layout_runs_left_to_right(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    x = {k: xy[0] for k, xy in map_layout(data).positions.items()}
    # makers sit just left of what they make; BOM levels rise to the right
    assert x[E + HANGZHOU] < x[P + "PP-HMF"] < x[E + SUZHOU] < x[P + "MB-FABRIC"]
    assert x[P + "MB-FABRIC"] < x[E + SHENZHEN] < x[P + "N95"]
    assert x[P + "MB-FABRIC"] == x[P + "SB-FABRIC"] == x[P + "NOSE-WIRE"]
    assert x[E + SUZHOU] == x[E + SHANGHAI] == x[E + WUHAN]


def test_enterprise_map_follows_tiers(loaded: Graph) -> None:
    data = enterprise_data(loaded, SHENZHEN, 3)
    tiers = {(n.id, n.tier) for n in data.nodes}
    assert tiers == {(SHENZHEN, 0), (SUZHOU, 1), (SHANGHAI, 1), (WUHAN, 1), (HANGZHOU, 2)}
    assert edges(data) == {
        ("supplies", E + HANGZHOU, E + SUZHOU),
        ("supplies", E + SUZHOU, E + SHENZHEN),
        ("supplies", E + SHANGHAI, E + SHENZHEN),
        ("supplies", E + WUHAN, E + SHENZHEN),
    }
    assert len(data.edges) == 5  # Shanghai supplies two products
    nodes = data.node_map()
    assert nodes[E + SHANGHAI].supplies == "Melt-blown nonwoven, Spunbond nonwoven"
    assert nodes[E + SHANGHAI].category == "material"
    assert nodes[E + HANGZHOU].category == "raw material"
    assert data.root == E + SHENZHEN
    x = {k: xy[0] for k, xy in map_layout(data).positions.items()}
    assert x[E + HANGZHOU] < x[E + SUZHOU] == x[E + WUHAN] < x[E + SHENZHEN]
    one = enterprise_data(loaded, SHENZHEN, 1, explore=False)
    assert {n.id for n in one.nodes} == {SHENZHEN, SUZHOU, SHANGHAI, WUHAN}
    # exploring (the default): the next tier is embedded hidden, each last-tier node unfolds
    # into its own suppliers there and stays
    explored = enterprise_data(loaded, SHENZHEN, 1)
    shown = {n.id for n in explored.nodes if not n.hidden}
    assert shown == {SHENZHEN, SUZHOU, SHANGHAI, WUHAN}
    assert {(n.id, n.tier) for n in explored.nodes if n.hidden} == {(HANGZHOU, 2)}
    assert {(n.id, tuple(n.unfolds)) for n in explored.nodes if n.unfolds} == {
        (SUZHOU, (E + HANGZHOU,))
    }
    assert explored.node_map()[E + SUZHOU].expands
    assert explored.subtitle.endswith(": 3 supplier(s)")


def test_enterprise_map_of_customers_runs_the_other_way(loaded: Graph) -> None:
    data = enterprise_data(loaded, HANGZHOU, 2, "downstream")
    assert {(n.id, n.tier) for n in data.nodes} == {(HANGZHOU, 0), (SUZHOU, 1), (SHENZHEN, 2)}
    assert edges(data) == {
        ("supplies", E + HANGZHOU, E + SUZHOU),
        ("supplies", E + SUZHOU, E + SHENZHEN),
    }
    nodes = data.node_map()
    assert nodes[E + SUZHOU].supplies == "High-melt-flow polypropylene"  # what it buys
    assert data.title == "Customers of Hangzhou Polymer Co."
    x = {k: xy[0] for k, xy in map_layout(data).positions.items()}
    assert x[E + HANGZHOU] < x[E + SUZHOU] < x[E + SHENZHEN]
    html = page(data)
    assert "tier 1 customer · buys High-melt-flow polypropylene" in html


def test_disruption_marks_what_is_removed_lost_and_reduced(loaded: Graph) -> None:
    impact = Impact(removed_enterprises=(SUZHOU,), reduced=(("MB-FABRIC", 0.27), ("N95", 0.27)))
    data = disruption_data(loaded, impact)
    status = {(n.id, n.status, n.remaining) for n in data.nodes if n.status != "normal"}
    assert status == {
        (SUZHOU, "removed", None),
        ("MB-FABRIC", "reduced", 0.27),
        ("N95", "reduced", 0.27),
    }
    # everything upstream of N95 is on the map, with every maker
    assert {n.id for n in data.nodes if n.kind == "product"} == {
        "PP-HMF",
        "MB-FABRIC",
        "SB-FABRIC",
        "NOSE-WIRE",
        "N95",
    }
    assert "Reduced: Melt-blown nonwoven (27% left), N95 respirator (27% left)." in data.notes


def test_disruption_by_region_takes_sub_regions(loaded: Graph) -> None:
    # Suzhou sits in 320500, which is part of Jiangsu (320000)
    data = disruption_data(loaded, Impact(removed_regions=("320000",), lost=("MB-FABRIC",)))
    removed = {(n.kind, n.id) for n in data.nodes if n.status == "removed"}
    assert removed == {("region", "320000"), ("enterprise", SUZHOU)}
    assert ("located", "region:320000", E + SUZHOU) in edges(data)
    assert {n.id for n in data.nodes if n.status == "lost"} == {"MB-FABRIC"}
    assert {n.id for n in data.nodes if n.kind == "product"} == {"PP-HMF", "MB-FABRIC"}


def test_disruption_without_consequences_shows_what_removed_nodes_feed(loaded: Graph) -> None:
    data = disruption_data(loaded, Impact(removed_products=("SB-FABRIC",)))
    assert {n.id for n in data.nodes if n.kind == "product"} == {"SB-FABRIC", "N95"}
    assert any("no lost or reduced products" in note for note in data.notes)


def test_unknown_ids_are_reported(loaded: Graph) -> None:
    with pytest.raises(NotFoundError, match="no chain with id 'nope'"):
        chain_data(loaded, "nope")
    with pytest.raises(NotFoundError, match="no enterprise with id 'nope'"):
        enterprise_data(loaded, "nope", 2)
    with pytest.raises(NotFoundError, match=r"enterprises X1; regions R9; products P9"):
        disruption_data(
            loaded,
            Impact(removed_enterprises=("X1",), removed_regions=("R9",), lost=("P9",)),
        )


# ---- aggregation ---------------------------------------------------------------------------


def test_chain_map_folds_makers_then_groups_products(loaded: Graph) -> None:
    data = chain_data(loaded, "medical-supplies")
    assert aggregate(chain_data(loaded, "medical-supplies"), 10).aggregated is False
    folded = aggregate(chain_data(loaded, "medical-supplies"), 9)
    assert {n.kind for n in folded.nodes} == {"product"} and len(folded.nodes) == 5
    assert {e.kind for e in folded.edges} == {"input"}
    assert any("5 enterprises are folded" in note for note in folded.notes)
    grouped = aggregate(data, 4)
    group = "group:L1/material/product:N95"  # the two materials that go into N95
    assert {n.key for n in grouped.nodes} == {P + "PP-HMF", P + "NOSE-WIRE", P + "N95", group}
    assert {(e.kind, e.source, e.target, e.count) for e in grouped.edges} == {
        ("group", P + "PP-HMF", group, 2),
        ("group", group, P + "N95", 2),
        ("input", P + "NOSE-WIRE", P + "N95", 1),
    }
    g = grouped.node_map()[group]
    assert (g.member_count, g.members) == (2, ["Melt-blown nonwoven", "Spunbond nonwoven"])
    assert g.name == "material for N95 respirator (2)"
    assert g.results.flagged  # SB-FABRIC is a sole source
    assert g.results.warning_level == "red"  # MB-FABRIC has a red warning
    assert any("Aggregated: 10 nodes" in note for note in grouped.notes)


def test_trade_is_not_read_when_the_makers_will_be_folded(loaded: Graph) -> None:
    # 5 products + 5 makers: above a limit of 9 the makers are folded, so no trade is read
    assert {e.kind for e in chain_data(loaded, "medical-supplies", trade_up_to=9).edges} == {
        "input",
        "produces",
    }
    kinds_at_10 = {e.kind for e in chain_data(loaded, "medical-supplies", trade_up_to=10).edges}
    assert "supplies" in kinds_at_10


def test_enterprise_map_groups_suppliers_by_product(loaded: Graph) -> None:
    data = aggregate(enterprise_data(loaded, SHENZHEN, 3), 4)
    group = "group:T1/p/Melt-blown nonwoven"
    assert {n.key for n in data.nodes} == {E + SHENZHEN, E + WUHAN, E + HANGZHOU, group}
    assert {(e.source, e.target, e.count) for e in data.edges} == {
        (E + HANGZHOU, group, 1),
        (group, E + SHENZHEN, 3),
        (E + WUHAN, E + SHENZHEN, 1),
    }
    assert data.node_map()[group].name == "Melt-blown nonwoven suppliers, tier 1 (2)"


def test_disruption_keeps_what_the_scenario_touches(loaded: Graph) -> None:
    impact = Impact(removed_enterprises=(SUZHOU,), reduced=(("N95", 0.5),))
    data = aggregate(disruption_data(loaded, impact), 3)
    keys = {n.key for n in data.nodes}
    assert {E + SUZHOU, P + "N95"} <= keys
    assert E + SHANGHAI not in keys


# ---- the page ------------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._text)))
            self._in_script = None


PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "div", "h1", "p", "label",
    "input", "ul", "button", "main", "aside", "details", "summary", "h2", "li", "span",
    "noscript", "script", "select", "option",
}  # fmt: skip


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def assert_self_contained(html: str) -> dict[str, Any]:
    tags = parse(html)
    names = {t for t, _ in tags.tags}
    assert names <= PAGE_TAGS, names - PAGE_TAGS
    for tag, attrs in tags.tags:
        for attr in ("src", "href", "srcset", "action", "formaction", "poster", "background"):
            assert attr not in attrs, (tag, attrs)
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
    assert [a.get("type") for a, _ in tags.scripts] == ["application/json", None, None]
    css = html[html.index("<style>") : html.index("</style>")]
    assert "@import" not in css and not re.search(r"url\((?!\"?data:)", css)
    vis = tags.scripts[1][1]
    assert vis.startswith("/**\n * vis-network") and "@license" in vis[:1000]
    assert "Apache 2.0" in vis[:1000] and "MIT" in vis[:1000]
    # the CSP allows exactly the page's own two scripts, and nothing to be fetched
    csp = next(
        a["content"] for t, a in tags.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp and "connect-src 'none'" in csp
    for _, body in tags.scripts[1:]:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    payload: dict[str, Any] = json.loads(tags.scripts[0][1])
    return payload


def test_page_is_self_contained_and_carries_the_map(loaded: Graph) -> None:
    html = chain_map_html(loaded, "medical-supplies")
    payload = assert_self_contained(html)
    nodes = payload["nodes"]
    assert isinstance(nodes, list) and len(nodes) == 10
    assert [n["id"] for n in nodes] == list(range(10))
    assert "<h1>Medical supplies</h1>" in html
    tips = payload["tips"]
    assert isinstance(tips, list)
    mb = next(t for t in tips if t.startswith("Melt-blown nonwoven\n"))
    assert "capacity: 11 t/day from 2 producer(s)" in mb
    assert "producers: Suzhou Meltblown Ltd. (8), Shanghai Nonwoven (3)" in mb
    assert "sourcing: multiple (2 producers)" in mb and "HHI 0.60" in mb
    assert "warning: RED: 3 days of cover at Shenzhen Mask Works (as of 2022-12-08)" in mb
    edge_tips = payload["linkTips"]
    assert isinstance(edge_tips, list)
    assert (
        "Hangzhou Polymer Co. supplies High-melt-flow polypropylene to Suzhou Meltblown Ltd. "
        "· 100% of its purchases · 12,000/year\nDECLARED SINGLE SOURCE"
    ) in edge_tips
    links, styles = payload["links"], payload["linkStyles"]
    assert isinstance(links, dict) and isinstance(styles, list)
    assert len(links["from"]) == len(links["to"]) == len(links["style"]) == 16
    dashed = [s for s in links["style"] if "dashes" in styles[s]]
    assert len(dashed) == 3  # the three declared single sources
    assert [s["z"] for s in styles] == sorted(s["z"] for s in styles)  # emphasis drawn last


def test_page_styles_follow_the_results(loaded: Graph) -> None:
    html = chain_map_html(loaded, "medical-supplies")
    payload = assert_self_contained(html)
    groups = payload["options"]["groups"]
    by_label = {n["label"]: groups[n["group"]] for n in payload["nodes"]}
    assert by_label["High-melt-flow polypropylene"]["color"]["border"] == "#d7191c"
    assert by_label["High-melt-flow polypropylene"]["borderWidth"] == 4
    assert by_label["Melt-blown nonwoven"]["color"]["border"] != "#d7191c"
    assert by_label["Melt-blown nonwoven"]["shadow"]["color"].startswith("rgba(215,25,28")
    assert by_label["Melt-blown nonwoven"]["color"]["background"] == "#e69f00"  # material
    # size by criticality: PP-HMF (criticality 1) larger than SB-FABRIC (none)
    assert by_label["High-melt-flow polypropylene"]["size"] > by_label["Spunbond nonwoven"]["size"]
    assert by_label["Hangzhou Polymer Co."]["shape"] == "square"


def test_page_without_results_is_drawn_plainly(graph: Graph) -> None:
    data = MapData("chain", "plain", "", [], [])
    html = page(data, has_results=has_results(data.nodes))
    assert "no analysis results in the graph yet" in html
    assert_self_contained(html)


def strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


def test_injection_stays_text_in_every_map(loaded: Graph) -> None:
    pages = [
        chain_map_html(loaded, EVIL_CHAIN),
        enterprise_map_html(loaded, EVIL_MAKER, 2),
        disruption_map_html(
            loaded,
            Impact(removed_regions=(EVIL_REGION,), lost=(EVIL_PRODUCT,), title=SCRIPT_END),
        ),
        disruption_map_html(loaded, Impact(removed_enterprises=(EVIL_TRADER,), title=IMG)),
    ]
    for html in pages:
        payload = assert_self_contained(html)  # no injected tag, attribute or script
        texts = " ".join(strings(payload))
        for attack in PAYLOADS:
            if any(c in attack for c in "<>&\"'"):
                assert attack not in html  # never written raw, anywhere in the page
        assert any(attack in texts for attack in PAYLOADS)  # but shown, as data
    chain = pages[0]
    assert "<h1>&lt;img src=x onerror=alert(1)&gt;</h1>" in chain
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in chain
    data = assert_self_contained(chain)
    assert {IMG, SVG} <= {n["label"] for n in data["nodes"]}
    ids = {s[1] for s in data["search"]}
    assert {EVIL_PRODUCT, EVIL_RAW, EVIL_MAKER, EVIL_TRADER} <= ids
    assert any(JS_STRING in tip for tip in data["tips"])
    assert any(TEMPLATE in tip for tip in data["linkTips"])
    region_page = assert_self_contained(pages[2])
    assert "✕ " + COMMENT in {n["label"] for n in region_page["nodes"]}


# ---- the command line ----------------------------------------------------------------------


def test_cli_writes_each_map(cli: CliRunner, loaded: Graph, tmp_path: Path) -> None:
    out = tmp_path / "chain.html"
    result = cli.invoke(app, ["map", "chain", "medical-supplies", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "10 nodes, 16 links" in result.output
    assert_self_contained(out.read_text(encoding="utf-8"))

    out = tmp_path / "ent.html"
    result = cli.invoke(app, ["map", "enterprise", SHENZHEN, "--tiers", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 nodes, 5 links" in result.output

    result = cli.invoke(
        app, ["map", "enterprise", HANGZHOU, "--customers", "--tiers", "1", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 nodes, 1 link," in result.output

    out = tmp_path / "agg.html"
    result = cli.invoke(
        app, ["map", "chain", "medical-supplies", "--max-nodes", "4", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "4 nodes, 3 links, aggregated" in result.output
    assert "Aggregated: 10 nodes are more than this map&#x27;s limit of 4" in out.read_text()

    out = tmp_path / "dis.html"
    result = cli.invoke(
        app,
        ["map", "disruption", "--enterprise", SUZHOU, "--reduced", "N95=0.4", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "N95 respirator (40% left)" in out.read_text()

    impact = tmp_path / "impact.json"
    impact.write_text(
        json.dumps({"removed": {"regions": ["320000"]}, "lost": ["MB-FABRIC"]}), encoding="utf-8"
    )
    result = cli.invoke(app, ["map", "disruption", "--impact", str(impact), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Lost: Melt-blown nonwoven." in out.read_text()


def test_cli_disruption_asks_the_analyses_what_is_lost(
    cli: CliRunner, loaded: Graph, tmp_path: Path
) -> None:
    """Runs once the analyses (issue 6) are installed. Hangzhou is the only maker of PP-HMF,
    which both fabrics need, and N95 needs both fabrics (DESIGN.md: feasibility)."""
    pytest.importorskip("kg.analysis", reason="the analyses (issue 6) are not merged yet")
    out = tmp_path / "hangzhou.html"
    result = cli.invoke(app, ["map", "disruption", "--enterprise", HANGZHOU, "-o", str(out)])
    assert result.exit_code == 0, result.output
    payload = assert_self_contained(out.read_text(encoding="utf-8"))
    lost = {n["label"] for n in payload["nodes"] if n["label"].endswith("(lost)")}
    assert lost == {
        "High-melt-flow polypropylene (lost)",
        "Melt-blown nonwoven (lost)",
        "Spunbond nonwoven (lost)",
        "N95 respirator (lost)",
    }


def test_cli_errors_say_what_to_do(cli: CliRunner, loaded: Graph, tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    result = cli.invoke(app, ["map", "chain", "nope", "-o", str(out)])
    assert result.exit_code == 2 and "no chain with id 'nope'" in result.output
    assert not out.exists()
    result = cli.invoke(app, ["map", "disruption", "--reduced", "N95=1.5", "-o", str(out)])
    assert result.exit_code == 2 and "PRODUCT=SHARE_LEFT" in result.output
    result = cli.invoke(app, ["map", "disruption", "-o", str(out)])
    assert result.exit_code == 2 and "--impact FILE" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"removed": {"enterprises": "X"}}', encoding="utf-8")
    result = cli.invoke(app, ["map", "disruption", "--impact", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "removed.enterprises: expected a list of ids" in result.output


# ---- impact descriptions -------------------------------------------------------------------


def test_impact_from_dict_accepts_both_reduced_forms() -> None:
    a = Impact.from_dict({"reduced": {"N95": 0.4}, "removed": {"enterprises": ["E1"]}})
    b = Impact.from_dict(
        {"reduced": [{"product": "N95", "left": 0.4}], "removed": {"enterprises": ["E1"]}}
    )
    assert a == b and a.reduced == (("N95", 0.4),)
    assert Impact.from_dict(a.as_dict()) == a


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "the impact names nothing"),
        ({"lost": "N95"}, "impact.lost: expected a list of ids"),
        ({"lost": [None]}, r"impact.lost\[0\]: expected an id"),
        ({"reduced": {"N95": 2}}, "from 0 to 1, got 2"),
        ({"reduced": {"N95": "half"}}, "must be a number"),
        ({"removed": {"plants": []}}, "unknown key\\(s\\) plants"),
        ({"lost": ["N95"], "extra": 1}, "unknown key\\(s\\) extra"),
    ],
)
def test_impact_errors_name_the_field(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ImpactError, match=message):
        Impact.from_dict(raw)


def test_impact_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ImpactError, match="no such file"):
        Impact.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"lost": [', encoding="utf-8")
    with pytest.raises(ImpactError, match="line 1, column"):
        Impact.from_json(bad)
