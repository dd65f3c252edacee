"""Every canonical kind loads into a real graph, and a re-load changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg import model
from kg.connection import Graph
from kg.schema import merge_rels
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
FILES = sorted(CANONICAL.glob("*.csv"))

COUNTS = {
    "enterprises": "MATCH (n:Enterprise) RETURN count(n) AS c",
    "products": "MATCH (n:Product) RETURN count(n) AS c",
    "regions": "MATCH (n:Region) RETURN count(n) AS c",
    "chains": "MATCH (n:Chain) RETURN count(n) AS c",
    "bom": "MATCH (:Product)-[r:INPUT_TO]->(:Product) RETURN count(r) AS c",
    "supplies": "MATCH (:Enterprise)-[r:SUPPLIES]->(:Enterprise) RETURN count(r) AS c",
    "capacity": "MATCH (:Enterprise)-[r:PRODUCES]->(:Product) RETURN count(r) AS c",
    "inventory": "MATCH (:Enterprise)-[r:HOLDS]->(:Product) RETURN count(r) AS c",
    "located": "MATCH (:Enterprise)-[r:LOCATED_IN]->(:Region) RETURN count(r) AS c",
    "part_of": "MATCH (:Region)-[r:PART_OF]->(:Region) RETURN count(r) AS c",
    "owned": "MATCH (:Enterprise)-[r:OWNED_BY]->(:Enterprise) RETURN count(r) AS c",
    "in_chain": "MATCH (:Product)-[r:IN_CHAIN]->(:Chain) RETURN count(r) AS c",
    "key": "MATCH (:Enterprise)-[r:KEY_ENTERPRISE_OF]->(:Chain) RETURN count(r) AS c",
}


def counts(graph: Graph) -> dict[str, int]:
    return {name: graph.query(q)[0]["c"] for name, q in COUNTS.items()}


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(FILES, LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(FILES), [r.message for r in reports]
    return graph


def test_every_kind_lands_with_its_rows(loaded: Graph) -> None:
    assert counts(loaded) == {
        "enterprises": 5,
        "products": 5,
        "regions": 7,
        "chains": 1,
        "bom": 5,
        "supplies": 5,
        "capacity": 6,
        "inventory": 3,
        "located": 3,
        "part_of": 6,
        "owned": 1,
        "in_chain": 5,
        "key": 1,
    }


def test_values_are_typed_and_provenance_is_set(loaded: Graph) -> None:
    rows = loaded.query(
        "MATCH (e:Enterprise {id: $id}) RETURN e.name AS name, e.aliases AS aliases, "
        "e.lat AS lat, e.source AS source, e.basis AS basis, e.load_id AS load_id, "
        "e.loaded_at AS loaded_at",
        {"id": "91330100MA2B123450"},
    )
    row = rows[0]
    assert row["name"] == "Hangzhou Polymer Co."
    assert row["aliases"] == ["HZ Polymer", "杭州聚合"]
    assert row["lat"] == pytest.approx(30.27)
    assert (row["source"], row["basis"]) == ("enterprises.csv", "declared")
    assert row["load_id"].startswith("L") and row["loaded_at"] is not None
    hs = loaded.query("MATCH (p:Product {id: 'PP-HMF'}) RETURN p.hs_code AS hs")[0]["hs"]
    assert hs == "390210"  # dots removed
    cap = loaded.query(
        "MATCH (:Enterprise)-[r:PRODUCES]->(:Product {id: 'N95'}) "
        "RETURN r.capacity_per_day AS cap, r.as_of AS as_of, r.basis AS basis"
    )[0]
    assert cap["cap"] == 2_000_000.0 and str(cap["as_of"]) == "2022-12-01"
    assert cap["basis"] == "surveyed"


def test_dates_sent_as_text_are_stored_as_dates(loaded: Graph) -> None:
    # `since` travels as ISO text and is set with date() (kg/schema.py); it reads back as a
    # Date equal to the file's, compares with a date parameter, and sorts as a date.
    rows = loaded.query(
        "MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise) WHERE r.since >= $from "
        "RETURN a.id AS a, r.product AS product, r.since AS since",
        {"from": dt.date(2020, 2, 15)},
    )
    assert {(r["a"], r["product"], r["since"].to_native()) for r in rows} == {
        ("91310000MA1E45678E", "MB-FABRIC", dt.date(2020, 2, 15)),
        ("91310000MA1E45678E", "SB-FABRIC", dt.date(2020, 2, 15)),
        ("91420100MA4F56789C", "NOSE-WIRE", dt.date(2020, 3, 1)),
    }


def test_statements_set_text_dates_with_date() -> None:
    statement = merge_rels(model.SUPPLIES, ("volume", "since"), (), ("first_seen",), ("since",))
    assert "x.since = date(r.since)" in statement and "x.volume = r.volume" in statement
    assert "x.first_seen = r.first_seen" in statement
    with pytest.raises(ValueError, match="merge keys"):
        merge_rels(model.SUPPLIES, ("volume",), (), (), ("product",))


def test_reload_changes_nothing(loaded: Graph) -> None:
    before = counts(loaded)
    reports = Loader(loaded).load_files(FILES, LoadOptions(force=True))
    assert all(r.status == "completed" for r in reports)
    assert counts(loaded) == before


def test_repeat_of_a_completed_load_is_skipped(loaded: Graph) -> None:
    reports = Loader(loaded).load_files([CANONICAL / "chains.csv"], LoadOptions())
    assert reports[0].status == "skipped"
    assert "--force" in reports[0].message


def test_load_records_are_kept(loaded: Graph) -> None:
    rows = loaded.query(
        "MATCH (l:Load {kind: 'enterprises', status: 'completed'}) "
        "RETURN l.rows_read AS read, l.rows_written AS written, l.rows_rejected AS rejected, "
        "l.sha256 AS sha, l.started_at AS started, l.ended_at AS ended"
    )
    assert rows
    assert {(r["read"], r["written"], r["rejected"]) for r in rows} == {(5, 9, 0)}
    assert all(len(r["sha"]) == 64 and r["ended"] >= r["started"] for r in rows)
