"""Graphs the map tests draw: the canonical N95 chain with result properties set on it, and a
chain whose every name, id and heading is an injection attempt.

Result properties (what the analyses and monitoring write back) are set here with
parameterised writes: test data, chosen by hand, not computed.
"""

from __future__ import annotations

from pathlib import Path

from kg.connection import Graph
from kg.schema import ensure_schema
from loaders.pipeline import Loader, LoadOptions

CANONICAL = Path(__file__).parent / "data" / "canonical"

HANGZHOU = "91330100MA2B123450"  # makes PP-HMF (raw material), tier 2 of Shenzhen
SUZHOU = "91320500MA1C23456M"  # makes MB-FABRIC
SHENZHEN = "91440300MA5D34567E"  # makes N95
SHANGHAI = "91310000MA1E45678E"  # makes MB-FABRIC and SB-FABRIC
WUHAN = "91420100MA4F56789C"  # makes NOSE-WIRE

# Injection attempts: HTML in text, in attributes, in script, in JSON and in JS strings.
IMG = "<img src=x onerror=alert(1)>"
ATTR = '"><script>alert(2)</script>'
SCRIPT_END = "</script><script>alert(3)</script>"
SVG = "<svg/onload=alert(4)>"
JS_STRING = "'-alert(5)-'\";alert(5);//"
SEPARATORS = "\u2028</ScRiPt ><img src=x onerror=alert(6)>\u2029"
TEMPLATE = "{{7*7}}${alert(7)}$title"
URL = "javascript:alert(8)"
COMMENT = "<!--<script>alert(9)</script>-->"
PAYLOADS = (IMG, ATTR, SCRIPT_END, SVG, JS_STRING, SEPARATORS, TEMPLATE, URL, COMMENT)

EVIL_CHAIN = "inject<chain>"
EVIL_PRODUCT = ATTR  # an id
EVIL_RAW = "raw" + SVG  # an id
EVIL_MAKER = URL  # an enterprise id
EVIL_TRADER = SEPARATORS  # an enterprise id
EVIL_REGION = "<b>R1</b>"


def load_canonical(graph: Graph) -> None:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(reports), [r.message for r in reports]


def set_results(graph: Graph) -> None:
    """Results as the analyses and monitoring would write them, chosen by hand."""
    graph.write(
        "UNWIND $rows AS r MATCH (p:Product {id: r.id}) SET p += r.props",
        {
            "rows": [
                {
                    "id": "PP-HMF",
                    "props": {
                        "producers": 1,
                        "sourcing": "sole",
                        "hhi": 1.0,
                        "effective_sources": 1.0,
                        "is_spof": True,
                        "bottleneck_score": 2.0,
                        "capacity_criticality": 1.0,
                    },
                },
                {
                    "id": "MB-FABRIC",
                    "props": {
                        "producers": 2,
                        "sourcing": "multiple",
                        "hhi": 0.603,
                        "effective_sources": 1.66,
                        "warning_level": "red",
                        "warning_reason": "3 days of cover at Shenzhen Mask Works",
                        "warning_as_of": "2022-12-08",
                    },
                },
                {"id": "SB-FABRIC", "props": {"producers": 1, "sourcing": "sole", "hhi": 1.0}},
                {"id": "NOSE-WIRE", "props": {"producers": 1, "sourcing": "sole"}},
                {
                    "id": "N95",
                    "props": {"producers": 1, "sourcing": "sole", "warning_level": "yellow"},
                },
            ]
        },
    )
    graph.write(
        "UNWIND $rows AS r MATCH (e:Enterprise {id: r.id}) SET e += r.props",
        {
            "rows": [
                {
                    "id": HANGZHOU,
                    "props": {
                        "is_spof": True,
                        "bottleneck_score": 2.0,
                        "capacity_criticality": 1.0,
                    },
                },
                {"id": SUZHOU, "props": {"is_spof": False, "capacity_criticality": 0.27}},
            ]
        },
    )
    graph.write(
        "UNWIND $rows AS r MATCH (:Enterprise {id: r.s})-[x:SUPPLIES {product: r.p}]->"
        "(:Enterprise {id: r.t}) SET x.single_source = true",
        {
            "rows": [
                {"s": HANGZHOU, "t": SUZHOU, "p": "PP-HMF"},
                {"s": SHANGHAI, "t": SHENZHEN, "p": "SB-FABRIC"},
                {"s": WUHAN, "t": SHENZHEN, "p": "NOSE-WIRE"},
            ]
        },
    )


def load_evil(graph: Graph) -> None:
    """A chain whose heading, ids, names, categories, regions and reasons are all attacks."""
    ensure_schema(graph)
    graph.write(
        "MERGE (c:Chain {id: $id}) SET c.name = $name, c.description = $description",
        {"id": EVIL_CHAIN, "name": IMG, "description": SCRIPT_END},
    )
    graph.write(
        "UNWIND $rows AS r MERGE (p:Product {id: r.id}) "
        "SET p.name = r.name, p.category = r.category, p.warning_level = r.level, "
        "p.warning_reason = r.reason "
        "WITH p, r MATCH (c:Chain {id: $chain}) MERGE (p)-[x:IN_CHAIN]->(c) SET x.stage = r.stage",
        {
            "chain": EVIL_CHAIN,
            "rows": [
                {
                    "id": EVIL_PRODUCT,
                    "name": IMG,
                    "category": "final",
                    "level": "red",
                    "reason": JS_STRING,
                    "stage": COMMENT,
                },
                {
                    "id": EVIL_RAW,
                    "name": SVG,
                    "category": SEPARATORS,
                    "level": None,
                    "reason": None,
                    "stage": "upstream",
                },
            ],
        },
    )
    graph.write(
        "MATCH (a:Product {id: $a}), (b:Product {id: $b}) MERGE (a)-[x:INPUT_TO]->(b) "
        "SET x.alt_group = $alt",
        {"a": EVIL_RAW, "b": EVIL_PRODUCT, "alt": TEMPLATE},
    )
    graph.write(
        "MERGE (g:Region {code: $code}) SET g.name = $name, g.level = 'province'",
        {"code": EVIL_REGION, "name": COMMENT},
    )
    graph.write(
        "UNWIND $rows AS r MERGE (e:Enterprise {id: r.id}) "
        "SET e.name = r.name, e.region = r.region "
        "WITH e MATCH (g:Region {code: $code}) MERGE (e)-[:LOCATED_IN]->(g)",
        {
            "code": EVIL_REGION,
            "rows": [
                {"id": EVIL_MAKER, "name": SCRIPT_END, "region": EVIL_REGION},
                {"id": EVIL_TRADER, "name": TEMPLATE, "region": COMMENT},
            ],
        },
    )
    graph.write(
        "MATCH (e:Enterprise {id: $e}), (p:Product {id: $p}) MERGE (e)-[x:PRODUCES]->(p) "
        "SET x.capacity_per_day = 10.0, x.unit = $unit",
        {"e": EVIL_MAKER, "p": EVIL_PRODUCT, "unit": IMG},
    )
    graph.write(
        "MATCH (s:Enterprise {id: $s}), (t:Enterprise {id: $t}) "
        "MERGE (s)-[x:SUPPLIES {product: $p}]->(t) SET x.share = 1.0, x.single_source = true",
        {"s": EVIL_TRADER, "t": EVIL_MAKER, "p": EVIL_PRODUCT},
    )


def load_synthetic(graph: Graph, chain: str, n_products: int, seed: int = 7) -> int:
    """A layered chain of ``n_products`` products (more raw materials than final products),
    one to three makers each, and the trade links between makers. Returns the node count a
    chain map of it draws (products plus enterprises).
    """
    import random

    ensure_schema(graph)
    rng = random.Random(seed)
    levels = 5
    weights = [0.34, 0.26, 0.2, 0.12, 0.08]
    counts = [max(1, round(n_products * w)) for w in weights]
    counts[0] += n_products - sum(counts)
    categories = ["raw material", "material", "component", "equipment", "final"]
    by_level: list[list[str]] = []
    products = []
    for level, count in enumerate(counts):
        ids = [f"{chain}-L{level}-{i:05d}" for i in range(count)]
        by_level.append(ids)
        products += [
            {"id": pid, "name": f"{categories[level]} {i}", "category": categories[level]}
            for i, pid in enumerate(ids)
        ]
    bom = []
    for level in range(1, levels):
        for pid in by_level[level]:
            for src in rng.sample(by_level[level - 1], min(3, len(by_level[level - 1]))):
                bom.append({"a": src, "b": pid})
    makers: dict[str, list[str]] = {}
    enterprises = []
    produces = []
    for p in products:
        for _ in range(rng.choice((1, 1, 2, 3))):
            eid = f"{chain}-E{len(enterprises):05d}"
            enterprises.append({"id": eid, "name": f"Maker {len(enterprises)} of {p['name']}"})
            makers.setdefault(p["id"], []).append(eid)
            produces.append({"e": eid, "p": p["id"], "cap": float(rng.randint(10, 500))})
    supplies = []
    for edge in bom:
        for customer in makers[edge["b"]]:
            supplier = rng.choice(makers[edge["a"]])
            supplies.append({"s": supplier, "t": customer, "p": edge["a"]})
    graph.write("MERGE (c:Chain {id: $id}) SET c.name = $name", {"id": chain, "name": chain})
    graph.write_batches(
        "UNWIND $rows AS r MERGE (p:Product {id: r.id}) SET p.name = r.name, "
        "p.category = r.category WITH p MATCH (c:Chain {id: $chain}) MERGE (p)-[:IN_CHAIN]->(c)",
        products,
        batch_size=2000,
        params={"chain": chain},
    )
    graph.write_batches(
        "UNWIND $rows AS r MERGE (e:Enterprise {id: r.id}) SET e.name = r.name",
        enterprises,
        batch_size=2000,
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (a:Product {id: r.a}) MATCH (b:Product {id: r.b}) "
        "MERGE (a)-[:INPUT_TO]->(b)",
        bom,
        batch_size=2000,
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (e:Enterprise {id: r.e}) MATCH (p:Product {id: r.p}) "
        "MERGE (e)-[x:PRODUCES]->(p) SET x.capacity_per_day = r.cap",
        produces,
        batch_size=2000,
    )
    graph.write_batches(
        "UNWIND $rows AS r MATCH (s:Enterprise {id: r.s}) MATCH (t:Enterprise {id: r.t}) "
        "MERGE (s)-[x:SUPPLIES {product: r.p}]->(t)",
        supplies,
        batch_size=2000,
    )
    return len(products) + len(enterprises)
