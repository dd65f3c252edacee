"""Mapping semantics: several outputs of one kind, filtered and merged rows, repeats, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.errors import LoadInputError
from loaders.mapping import load_mapping
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
        "  - kind: enterprises\n"
        "    columns: {id: supplier, name: supplier_name, parent_id: parent}\n"
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


ORDERS = (
    "kind,vendor,vendor_name,buyer,buyer_name,item,qty\n"
    "order,SE-V1,Vendor One,SE-B1,Buyer One,SE-P1,10\n"
    "order,SE-V1,Vendor One,SE-B1,Buyer One,SE-P1,5\n"
    "note,SE-V1,Vendor One,SE-B1,Buyer One,SE-P1,\n"
    "order,SE-V2,Vendor Two,SE-B1,Buyer One,SE-P1,{bad}\n"
)
ORDERS_MAPPING = """
name: orders
outputs:
  - kind: enterprises
    columns: {id: vendor, name: vendor_name}
  - kind: enterprises
    columns: {id: buyer, name: buyer_name}
  - kind: products
    columns: {id: item, name: item}
  - kind: supplies
    where: "kind = 'order'"
    columns:
      supplier: vendor
      customer: buyer
      product: item
      volume: {from: qty, agg: sum}
"""


def orders(tmp_path: Path, bad: str = "7") -> tuple[Path, Path]:
    source = tmp_path / "orders.csv"
    source.write_text(ORDERS.format(bad=bad))
    mapping = tmp_path / "orders.yaml"
    mapping.write_text(ORDERS_MAPPING)
    return source, mapping


def test_filtered_and_merged_rows_are_not_rejects_and_exit_0(
    graph: Graph, cli: CliRunner, tmp_path: Path
) -> None:
    source, mapping = orders(tmp_path)
    result = cli.invoke(app, ["load", str(source), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "completed" in result.output
    assert "output 4:supplies: 4 rows in, 1 filtered, 1 merged, 0 rejected, 2 records" in (
        " ".join(result.output.split())
    )
    got = graph.query(
        "MATCH (a)-[x:SUPPLIES]->(b) WHERE a.id STARTS WITH 'SE-' "
        "RETURN a.id AS a, b.id AS b, x.volume AS v"
    )
    assert {(r["a"], r["b"], r["v"]) for r in got} == {
        ("SE-V1", "SE-B1", 15.0),
        ("SE-V2", "SE-B1", 7.0),
    }


def test_the_report_counts_each_output(graph: Graph, tmp_path: Path) -> None:
    source, mapping = orders(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path)
    report = Loader(graph).load_files([source], LoadOptions(mapping=str(mapping), force=True))[0]
    assert report.status == "completed" and report.rows_rejected == 0
    counts = [
        (o.output, o.rows_in, o.filtered, o.merged, o.rejected, o.written) for o in report.outputs
    ]
    assert counts == [
        ("1:enterprises", 4, 0, 2, 0, 2),
        ("2:enterprises", 4, 0, 3, 0, 1),
        ("3:products", 4, 0, 3, 0, 1),
        ("4:supplies", 4, 1, 1, 0, 2),
    ]


def test_abort_writes_nothing_from_a_file_with_real_rejects(
    graph: Graph, cli: CliRunner, tmp_path: Path
) -> None:
    source, mapping = orders(tmp_path, bad="seven")
    source = source.rename(tmp_path / "orders_bad.csv")
    graph.write("MATCH (n) WHERE n.id STARTS WITH 'SE-' DETACH DELETE n RETURN count(*) AS n")
    rejects = tmp_path / "rejects.csv"
    result = cli.invoke(
        app, ["load", str(source), "--mapping", str(mapping), "--rejects", str(rejects)]
    )
    assert result.exit_code == 1
    assert "not a number: volume" in " ".join(result.output.split())
    assert graph.query("MATCH (n) WHERE n.id STARTS WITH 'SE-' RETURN count(n) AS n") == [{"n": 0}]
    skipped = cli.invoke(
        app,
        [
            "load",
            str(source),
            "--mapping",
            str(mapping),
            "--on-error",
            "skip",
            "--rejects",
            str(rejects),
        ],
    )
    assert skipped.exit_code == 0, skipped.output  # completed: the bad row is reported, not fatal
    got = graph.query(
        "MATCH (a)-[x:SUPPLIES]->(b) WHERE a.id STARTS WITH 'SE-' RETURN a.id AS a, x.volume AS v"
    )
    assert {(r["a"], r["v"]) for r in got} == {("SE-V1", 15.0)}


def test_a_repeat_is_the_same_files_and_mapping_contents_not_its_name(
    graph: Graph, tmp_path: Path
) -> None:
    source, mapping = orders(tmp_path)
    loader = Loader(graph)
    first = loader.load_files([source], LoadOptions(mapping=str(mapping), force=True))[0]
    assert first.status == "completed"
    renamed = tmp_path / "same_but_renamed.yaml"
    renamed.write_text(ORDERS_MAPPING.replace("name: orders", "name: orders-renamed"))
    again = loader.load_files([source], LoadOptions(mapping=str(renamed)))[0]
    assert again.status == "skipped" and again.load_id == first.load_id
    changed = tmp_path / "changed.yaml"
    changed.write_text(ORDERS_MAPPING.replace("agg: sum", "agg: max"))
    third = loader.load_files([source], LoadOptions(mapping=str(changed)))[0]
    assert third.status == "completed"
    got = graph.query("MATCH (:Enterprise {id: 'SE-V1'})-[x:SUPPLIES]->() RETURN x.volume AS v")
    assert got == [{"v": 10.0}]


@pytest.mark.parametrize(
    ("yaml_text", "line", "where", "says"),
    [
        (
            "name: x\noutputs:\n  - kind: chains\n    columns:\n      id: {form: a}\n",
            5,
            "outputs.0.columns.id.form",
            "is not a key this place accepts",
        ),
        (
            "name: x\noutputs:\n  - kind: chains\n    columns:\n      id: a\n      nme: b\n",
            3,
            "outputs.0",
            "chains has no column 'nme'",
        ),
        (
            "name: x\noutputs:\n  - kind: chains\n    columns:\n"
            "      id: {from: a, extract: '(a)\\1'}\n      name: b\n",
            5,
            "outputs.0.columns.id.extract",
            "RE2",
        ),
        (
            "name: x\noutputs:\n  - kind: supplies\n    columns: {supplier: a, customer: b, "
            "product: c}\n    identity: [year]\n",
            3,
            "outputs.0",
            "identity names 'year', which is not under properties",
        ),
    ],
)
def test_mapping_errors_name_the_yaml_line_and_key(
    tmp_path: Path, yaml_text: str, line: int, where: str, says: str
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml_text)
    with pytest.raises(LoadInputError) as info:
        load_mapping(str(path))
    message = str(info.value)
    assert f"line {line}, at {where}: " in message and says in message, message
    for internal in ("ColumnMap", "Output", "Mapping", "pydantic", "Value error"):
        assert internal not in message.replace("mapping", ""), message


def test_a_nested_quantifier_pattern_runs_in_linear_time(graph: Graph, tmp_path: Path) -> None:
    source = tmp_path / "redos.csv"
    source.write_text("code,name\n" + "a" * 32 + "!,Evil cell\naaaa,Fine\n")
    mapping = tmp_path / "redos.yaml"
    mapping.write_text(
        "name: redos\noutputs:\n  - kind: chains\n    columns:\n"
        "      id: {from: code, extract: '^((a+)+)$', default: re-none}\n      name: name\n"
    )
    # On a backtracking engine (Python's re) this cell takes hours; RE2 answers at once.
    report = Loader(graph).load_files([source], LoadOptions(mapping=str(mapping)))[0]
    assert report.status == "completed", report.rejects
    got = graph.query(
        "MATCH (c:Chain) WHERE c.name IN ['Evil cell', 'Fine'] RETURN c.id AS id, c.name AS n"
    )
    assert {(r["id"], r["n"]) for r in got} == {("re-none", "Evil cell"), ("aaaa", "Fine")}


def test_a_filter_that_names_no_column_is_one_sentence_with_its_line(
    graph: Graph, tmp_path: Path
) -> None:
    source = tmp_path / "colours.csv"
    source.write_text("a,b\nc-1,One\n")
    mapping = tmp_path / "colours.yaml"
    mapping.write_text(
        "name: w\noutputs:\n  - kind: chains\n    where: \"colour = 'red'\"\n"
        "    columns: {id: a, name: b}\n"
    )
    with pytest.raises(LoadInputError) as info:
        Loader(graph).load_files([source], LoadOptions(mapping=str(mapping)))
    message = str(info.value)
    assert "colours.yaml, line 4, at outputs.0.where: the query does not run" in message
    assert 'column "colour" not found' in message and "Binder" not in message


def test_an_output_may_be_its_own_select_and_take_first_and_last(
    graph: Graph, tmp_path: Path
) -> None:
    source = tmp_path / "ledger.csv"
    source.write_text(
        "vendor,buyer,item,note\n"
        "SQ-V,SQ-B,SQ-P,opened\n"
        "SQ-V,SQ-B,SQ-P,\n"
        "SQ-V,SQ-B,SQ-P,renewed\n"
        "SQ-V,SQ-B,SQ-X,closed\n"
    )
    mapping = tmp_path / "ledger.yaml"
    mapping.write_text(
        """
name: ledger
outputs:
  - kind: enterprises
    sql: "SELECT vendor AS id, __line__ FROM source UNION ALL SELECT buyer, __line__ FROM source"
    columns: {id: id, name: id}
  - kind: products
    sql: "SELECT DISTINCT item FROM source WHERE item <> 'SQ-X'"
    columns: {id: item, name: item}
  - kind: supplies
    where: "item = 'SQ-P'"
    columns: {supplier: vendor, customer: buyer, product: item}
    properties:
      first_note: {from: note, agg: first}
      last_note: {from: note, agg: last}
"""
    )
    report = Loader(graph).load_files([source], LoadOptions(mapping=str(mapping)))[0]
    assert report.status == "completed", report.rejects
    assert [(o.output, o.rows_in, o.filtered, o.merged) for o in report.outputs] == [
        ("1:enterprises", 8, 0, 6),
        ("2:products", 1, 0, 0),
        ("3:supplies", 4, 1, 2),
    ]
    got = graph.query(
        "MATCH (a)-[x:SUPPLIES]->(b) WHERE a.id = 'SQ-V' "
        "RETURN b.id AS b, x.product AS p, x.first_note AS f, x.last_note AS l"
    )
    assert [(r["b"], r["p"], r["f"], r["l"]) for r in got] == [
        ("SQ-B", "SQ-P", "opened", "renewed")
    ]


def test_identity_and_own_properties_stay_checked_names_in_a_generated_merge() -> None:
    from kg import model
    from kg.schema import merge_rels

    statement = merge_rels(model.SUPPLIES, ("volume",), ("model_year",), ("vehicle_model",))
    assert "MERGE (a)-[x:SUPPLIES {product: r.product, model_year: r.model_year}]->(b)" in (
        statement
    )
    assert "x.vehicle_model = r.vehicle_model" in statement and "$rows" in statement
    for bad in ("model_year}]->(b) DETACH DELETE a //", "product", "source", "key", "a-b"):
        with pytest.raises(ValueError):
            merge_rels(model.SUPPLIES, ("volume",), (bad,), ())
        with pytest.raises(ValueError):
            merge_rels(model.SUPPLIES, ("volume",), (), (bad,))
