"""The shipped mappings for public data sets, on small extracts in tests/data (see its README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.mapping import load_mapping, shipped_mappings

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"


def rows(graph: Graph, query: str) -> set[tuple[Any, ...]]:
    return {
        tuple(tuple(v) if isinstance(v, list) else v for v in r.values())
        for r in graph.query(query)
    }


def test_every_shipped_mapping_is_valid() -> None:
    assert {"willems", "apple_suppliers", "oar_facilities"} <= set(shipped_mappings())
    for name in shipped_mappings():
        assert load_mapping(name).digest


def test_apple_supplier_list_spellings_become_one_supplier(graph: Graph, cli: CliRunner) -> None:
    path = DATA / "apple_suppliers_extract.csv"
    result = cli.invoke(app, ["load", str(path), "--mapping", "apple_suppliers"])
    assert result.exit_code == 0, result.output
    assert rows(
        graph, "MATCH (e:Enterprise) WHERE e.source = 'apple-supplier-list' RETURN e.id, e.name"
    ) == {
        ("APPLE", "Apple Inc."),
        ("HON HAI PRECISION INDUSTRY", "Hon Hai Precision Industry Company Limited (Foxconn)"),
        ("COMPEQ MANUFACTURING", "Compeq Manufacturing Company Limited"),
        ("SEIKO EPSON", "Seiko Epson Corp."),
    }
    assert rows(
        graph,
        "MATCH (s)-[x:SUPPLIES]->(a:Enterprise {id: 'APPLE'}) RETURN s.id, x.product, "
        "x.years_listed, x.first_year, x.last_year, x.site_countries",
    ) == {
        (
            "HON HAI PRECISION INDUSTRY",
            "apple-supply",
            4,
            2012,
            2022,
            ("BR", "CN", "IN", "TW", "US", "VN"),
        ),
        ("COMPEQ MANUFACTURING", "apple-supply", 2, 2013, 2021, ("CN", "TW")),
        ("SEIKO EPSON", "apple-supply", 1, 2014, 2014, ("JP", "MY", "TH")),
    }


def test_open_apparel_registry_lists_in_one_command(graph: Graph, cli: CliRunner) -> None:
    folder = DATA / "oar_extract"
    result = cli.invoke(
        app, ["load", str(folder / "15.csv"), str(folder / "2.csv"), "--mapping", "oar_facilities"]
    )
    assert result.exit_code == 0, result.output
    assert rows(
        graph,
        "MATCH (e:Enterprise)-[:LOCATED_IN]->(r:Region) WHERE e.source = 'open-apparel-registry' "
        "RETURN e.id, r.code, e.tags, round(e.lat, 4)",
    ) == {
        ("BOX RING", "PK", ("oar-list-15",), 32.4784),
        ("INDUSTRIAS QUIMICAS PERLACOS S L", "ES", ("oar-list-15",), 40.4175),
        ("JIANGSU FEILONG PLASTIC CO LTD", "CN", ("oar-list-15",), 31.732),
        ("A SCHMIED S R O", "CZ", ("oar-list-15",), 48.8423),
        ("DAITATSU CO LTD", "JP", ("oar-list-15",), 34.8829),
        ("WENZHOU JIETU AOLUN SHOES FACTORY", "CN", ("oar-list-2",), 27.9668),
        ("QUANZHOU XINXING FOOTWEAR CO LTD", "CN", ("oar-list-2",), 24.881),
        ("QIANG XING FOOTWEAR LTD", "CN", ("oar-list-2",), 22.4701),
        (
            "SHANTOU CITY OVERSEAS CHINESE UNION TEXTILES ARTS LIMITED",
            "CN",
            ("oar-list-2",),
            23.3748,
        ),
        ("JIAXING ZHUOCHEN TRADE CO LTD", "CN", ("oar-list-2",), 30.6242),
        ("XIN CHANG CHANG KNITTING FACTORY", "CN", ("oar-list-2",), 23.0822),
    }
    address = graph.query(
        "MATCH (e:Enterprise {id: 'QUANZHOU XINXING FOOTWEAR CO LTD'}) RETURN e.address AS a"
    )
    assert address == [
        {"a": "WUYI INDUSTIAL ZONE, BAIQI VILLAGE, HUI'AN COUNTY,QUANZHOU CITY, FUJIAN PROVINCE□"}
    ]
