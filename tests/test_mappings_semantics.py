"""Mapping semantics: several outputs of one kind, filtered and merged rows, repeats, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration


def test_several_outputs_of_one_kind_are_all_written(graph: Graph, tmp_path: Path) -> None:
    source = tmp_path / "makers.csv"
    source.write_text(
        "maker,maker_name,supplier,supplier_name,parent,parent_name\n"
        "SO-TOY,Toyota,SO-DEN,Denso,SO-TI,Toyota Industries\n"
        "SO-HON,Honda,SO-BOS,Bosch,SO-RBS,Robert Bosch Stiftung\n"
    )
    mapping = tmp_path / "makers.yaml"
    mapping.write_text(
        "name: makers\noutputs:\n"
        "  - kind: enterprises\n    columns: {id: maker, name: maker_name}\n"
        "  - kind: enterprises\n    columns: {id: parent, name: parent_name}\n"
        "  - kind: enterprises\n    columns: {id: supplier, name: supplier_name, parent_id: parent}\n"
    )
    report = Loader(graph).load_files([source], LoadOptions(mapping=str(mapping)))[0]
    assert report.status == "completed", report.rejects
    rows = graph.query(
        "MATCH (e:Enterprise) WHERE e.id STARTS WITH 'SO-' "
        "OPTIONAL MATCH (e)-[:OWNED_BY]->(p:Enterprise) RETURN e.id AS id, e.name AS name, "
        "p.id AS parent"
    )
    assert {(r["id"], r["name"], r["parent"]) for r in rows} == {
        ("SO-TOY", "Toyota", None),
        ("SO-HON", "Honda", None),
        ("SO-TI", "Toyota Industries", None),
        ("SO-RBS", "Robert Bosch Stiftung", None),
        ("SO-DEN", "Denso", "SO-TI"),
        ("SO-BOS", "Bosch", "SO-RBS"),
    }
