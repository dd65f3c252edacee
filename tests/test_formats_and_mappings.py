"""Excel, JSON, JSON lines and Parquet read like CSV; mappings rename, split, extract, map."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kg.connection import Graph
from loaders.errors import LoadInputError
from loaders.mapping import load_mapping
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"


@pytest.fixture(scope="module")
def regions(graph: Graph) -> Graph:
    reports = Loader(graph).load_files([CANONICAL / "regions.csv"], LoadOptions())
    assert reports[0].status == "completed"
    return graph


def enterprises_frame() -> pd.DataFrame:
    return pd.read_csv(CANONICAL / "enterprises.csv", dtype=str, keep_default_na=False)


def stored(graph: Graph, prefix: str) -> set[tuple[str, str, float | None, tuple[str, ...]]]:
    rows = graph.query(
        "MATCH (e:Enterprise) WHERE e.id STARTS WITH $p "
        "RETURN e.id AS id, e.name AS name, e.lat AS lat, e.aliases AS aliases",
        {"p": prefix},
    )
    return {(r["id"], r["name"], r["lat"], tuple(r["aliases"] or ())) for r in rows}


@pytest.mark.parametrize("fmt", ["xlsx", "json", "jsonl", "parquet"])
def test_each_format_loads_the_same_rows(regions: Graph, tmp_path: Path, fmt: str) -> None:
    df = enterprises_frame()
    prefix = f"{fmt.upper()}-"
    df["id"] = prefix + df["id"].str[-6:]
    df["parent_id"] = ""
    df["parent_share"] = ""
    path = tmp_path / f"enterprises.{fmt}"
    if fmt == "xlsx":
        df.to_excel(path, index=False)
    elif fmt == "json":
        path.write_text(json.dumps({"rows": df.to_dict("records")}, ensure_ascii=False))
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in df.to_dict("records")))
    else:
        df.to_parquet(path)
    report = Loader(regions).load_files([path], LoadOptions())[0]
    assert report.status == "completed", report.rejects
    got = stored(regions, prefix)
    assert len(got) == 5
    assert (prefix + "123450", "Hangzhou Polymer Co.", 30.27, ("HZ Polymer", "杭州聚合")) in got
    assert (prefix + "45678E", "Shanghai Nonwoven", None, ()) in got


def test_json_lists_and_numbers_are_kept(regions: Graph, tmp_path: Path) -> None:
    path = tmp_path / "enterprises.json"
    path.write_text(
        json.dumps(
            [
                {"id": "J-1", "name": "Listy", "aliases": ["A", "B"], "lat": 30, "lon": 120},
                {"id": "J-2", "name": "Bad", "lat": "north", "lon": 120},
            ]
        )
    )
    report = Loader(regions).load_files([path], LoadOptions(on_error="skip"))[0]
    assert [(r.line, r.column) for r in report.rejects] == [(2, "lat")]
    assert stored(regions, "J-") == {("J-1", "Listy", 30.0, ("A", "B"))}


def test_a_users_mapping_renames_splits_extracts_and_maps(regions: Graph, tmp_path: Path) -> None:
    source = tmp_path / "registry.csv"
    source.write_text(
        "Code,Company Name,Province,Also Known As,Size\n"
        "  M-001 ,Alpha Masks, zj ,Alpha|Alfa,L\n"
        "M-002,Beta Wire,js,,S\n"
    )
    mapping = tmp_path / "registry.yaml"
    mapping.write_text(
        """
name: registry
description: a made-up business registry
source: registry-2024
basis: surveyed
outputs:
  - kind: enterprises
    columns:
      id: {template: "REG-{Code}"}
      name: Company Name
      region:
        from: Province
        case: lower
        map: {zj: "330000", js: "320000"}
      aliases: {from: Also Known As, split: "|"}
      scale:
        from: Size
        map: {L: large, S: small}
      tags: {const: "registry"}
"""
    )
    report = Loader(regions).load_files([source], LoadOptions(mapping=str(mapping)))[0]
    assert report.status == "completed", report.rejects
    rows = regions.query(
        "MATCH (e:Enterprise)-[:LOCATED_IN]->(r:Region) WHERE e.id STARTS WITH 'REG-' "
        "RETURN e.id AS id, e.aliases AS aliases, r.code AS region, e.scale AS scale, "
        "e.tags AS tags, e.source AS source, e.basis AS basis"
    )
    got = {
        (
            r["id"],
            tuple(r["aliases"] or ()),
            r["region"],
            r["scale"],
            tuple(r["tags"]),
            r["source"],
            r["basis"],
        )
        for r in rows
    }
    assert got == {
        (
            "REG-M-001",
            ("Alpha", "Alfa"),
            "330000",
            "large",
            ("registry",),
            "registry-2024",
            "surveyed",
        ),
        ("REG-M-002", (), "320000", "small", ("registry",), "registry-2024", "surveyed"),
    }


def test_a_bad_mapping_file_is_one_clear_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\noutputs:\n  - kind: widgets\n    columns: {id: a}\n")
    with pytest.raises(
        LoadInputError, match=r"bad.yaml, line 3, at outputs.0.kind: unknown kind 'widgets'"
    ):
        load_mapping(str(bad))
    bad.write_text("name: [unclosed\n")
    with pytest.raises(LoadInputError, match="not valid YAML"):
        load_mapping(str(bad))


def test_shipped_mapping_is_found_by_name() -> None:
    mapping = load_mapping("willems")
    assert [o.kind for o in mapping.outputs] == ["products", "bom"]
    assert mapping.read.ragged_tail == "up_stages"


@pytest.mark.parametrize(
    "template", ["{Code.__class__}", "{Code[0]}", "{Code!r}", "{Code:>99999}", "{0}", "{"]
)
def test_templates_allow_plain_column_names_only(tmp_path: Path, template: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\noutputs:\n  - kind: chains\n    columns:\n"
        f"      id: {{template: {json.dumps(template)}}}\n      name: Code\n"
    )
    with pytest.raises(LoadInputError, match="template"):
        load_mapping(str(bad))


def test_a_template_may_name_a_column_with_spaces(regions: Graph, tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_text("Line Code,Line Name\nL1,First line\n")
    mapping = tmp_path / "lines.yaml"
    mapping.write_text(
        "name: lines\noutputs:\n  - kind: chains\n    columns:\n"
        '      id: {template: "line-{Line Code}"}\n      name: Line Name\n'
    )
    report = Loader(regions).load_files([source], LoadOptions(mapping=str(mapping)))[0]
    assert report.status == "completed", report.rejects
    assert regions.query("MATCH (c:Chain {id: 'line-L1'}) RETURN c.name AS n") == [
        {"n": "First line"}
    ]
