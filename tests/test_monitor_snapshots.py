"""Monitoring snapshots: stockpiles, demand, capacity history, "current", bad snapshot files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg.connection import Graph
from kg.monitor.snapshots import read_product_supply, read_snapshots, to_date
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

MONITOR = Path(__file__).parent / "data" / "monitor"
AT = dt.date(2024, 3, 10)


@pytest.fixture(scope="module")
def loaded(graph: Graph) -> Graph:
    reports = Loader(graph).load_files(sorted(MONITOR.glob("*.csv")), LoadOptions())
    assert [r.status for r in reports] == ["completed"] * len(reports), [
        (r.file, r.message, r.rejects) for r in reports
    ]
    return graph


def count(graph: Graph, what: str) -> int:
    queries = {
        "STOCKPILES": "MATCH (:Enterprise)-[r:STOCKPILES]->(:Product) RETURN count(r) AS c",
        "DEMANDS": "MATCH (:Area)-[r:DEMANDS]->(:Product) RETURN count(r) AS c",
        "Area": "MATCH (a:Area) RETURN count(a) AS c",
        "AREA_IN": "MATCH (:Area)-[r:LOCATED_IN]->(:Region) RETURN count(r) AS c",
        "HOLDS": "MATCH (:Enterprise)-[r:HOLDS]->(:Product) RETURN count(r) AS c",
        "PRODUCES": "MATCH (:Enterprise)-[r:PRODUCES]->(:Product) RETURN count(r) AS c",
        "CAPACITY_SNAPSHOT": (
            "MATCH (:Enterprise)-[r:CAPACITY_SNAPSHOT]->(:Product) RETURN count(r) AS c"
        ),
    }
    return int(graph.query(queries[what])[0]["c"])  # type: ignore[arg-type]


def test_snapshot_kinds_land_with_their_history(loaded: Graph) -> None:
    assert {
        w: count(loaded, w)
        for w in (
            "STOCKPILES",
            "DEMANDS",
            "Area",
            "AREA_IN",
            "HOLDS",
            "PRODUCES",
            "CAPACITY_SNAPSHOT",
        )
    } == {
        "STOCKPILES": 4,  # both RES1 MASK snapshots are kept
        "DEMANDS": 7,
        "Area": 6,
        "AREA_IN": 4,  # A1 and A2 give no region
        "HOLDS": 12,
        "PRODUCES": 10,
        "CAPACITY_SNAPSHOT": 9,  # the undated P-GLUE row makes no history
    }
    areas = loaded.query(
        "MATCH (a:Area) RETURN a.id AS id, a.name AS name, a.sector AS sector, "
        "a.region AS region, a.source AS source, a.basis AS basis"
    )
    assert {(a["id"], a["name"], a["sector"], a["region"]) for a in areas} == {
        ("H-CITY", "City hospitals", "hospitals", "110000"),
        ("H-RURAL", "Rural clinics", "rural clinics", "110000"),
        ("ELDER", "Elderly homes", "elderly care", "310000"),
        ("SCHOOL", "Schools", "schools", "310000"),
        ("A1", "Works A1", None, None),
        ("A2", "Works A2", None, None),
    }
    assert {(a["source"], a["basis"]) for a in areas} == {("demand.csv", "surveyed")}
    demand = loaded.query(
        "MATCH (a:Area {id: 'H-CITY'})-[d:DEMANDS]->(p:Product {id: 'MASK'}) "
        "RETURN d.priority AS priority, d.daily_demand AS demand, d.as_of AS as_of"
    )
    assert {(d["priority"], d["demand"], to_date(d["as_of"])) for d in demand} == {
        (1, 900.0, dt.date(2024, 2, 1)),
        (1, 1500.0, dt.date(2024, 3, 1)),
    }


def test_current_means_the_latest_on_or_before_the_date(loaded: Graph) -> None:
    now = read_snapshots(loaded, AT)
    assert now.holdings[("M1", "WIRE")].stock == 4000
    assert now.holdings[("M1", "WIRE")].as_of == dt.date(2024, 3, 8)
    assert now.stockpiles[("RES1", "MASK")].stock == 20000
    assert now.demand[("H-CITY", "MASK")].daily_demand == 1500
    assert len(now.holdings) == 11 and len(now.stockpiles) == 3 and len(now.demand) == 6
    before = read_snapshots(loaded, dt.date(2024, 3, 5))
    assert before.holdings[("M1", "WIRE")].stock == 9000  # the 2024-03-08 one is not yet known
    assert ("M2", "WIRE") not in before.holdings
    assert before.stockpiles[("RES1", "MASK")].stock == 20000  # as of 2024-03-01
    assert read_snapshots(loaded, dt.date(2024, 2, 15)).stockpiles[("RES1", "MASK")].stock == 10000
    early = read_product_supply(loaded, "MASK", dt.date(2024, 2, 15))
    assert {(d.area, d.daily_demand) for d in early.demand.values()} == {("H-CITY", 900.0)}


def _capacity(graph: Graph) -> tuple[float, dt.date | None, str]:
    row = graph.query(
        "MATCH (:Enterprise {id: 'P-SALT'})-[r:PRODUCES]->(:Product {id: 'SALT'}) "
        "RETURN r.capacity_per_day AS cap, r.as_of AS as_of, r.source AS source"
    )[0]
    return row["cap"], to_date(row["as_of"]), row["source"]


def _history(graph: Graph) -> set[tuple[dt.date | None, float]]:
    rows = graph.query(
        "MATCH (:Enterprise {id: 'P-SALT'})-[r:CAPACITY_SNAPSHOT]->(:Product {id: 'SALT'}) "
        "RETURN r.as_of AS as_of, r.capacity_per_day AS cap"
    )
    return {(to_date(r["as_of"]), r["cap"]) for r in rows}


def _load_capacity(graph: Graph, tmp_path: Path, name: str, row: str) -> None:
    path = tmp_path / f"capacity_{name}.csv"
    path.write_text(
        "enterprise,product,capacity_per_day,output_per_day,unit,as_of\n" + row + "\n",
        encoding="utf-8",
    )
    [report] = Loader(graph).load_files([path], LoadOptions())
    assert report.status == "completed", report.message
    assert report.notes == [] and report.written["PRODUCES"] == 1  # an older row still counts


def test_an_older_capacity_snapshot_never_overwrites_a_newer_one(
    loaded: Graph, tmp_path: Path
) -> None:
    assert _capacity(loaded)[:2] == (52.0, dt.date(2024, 3, 1))
    _load_capacity(loaded, tmp_path, "new", "P-SALT,SALT,60,55,t,2024-03-05")
    assert _capacity(loaded) == (60.0, dt.date(2024, 3, 5), "capacity_new.csv")
    _load_capacity(loaded, tmp_path, "old", "P-SALT,SALT,10,5,t,2024-02-01")
    assert _capacity(loaded) == (60.0, dt.date(2024, 3, 5), "capacity_new.csv")
    _load_capacity(loaded, tmp_path, "undated", "P-SALT,SALT,11,5,t,")
    assert _capacity(loaded) == (60.0, dt.date(2024, 3, 5), "capacity_new.csv")
    _load_capacity(loaded, tmp_path, "fix", "P-SALT,SALT,58,55,t,2024-03-05")
    assert _capacity(loaded) == (58.0, dt.date(2024, 3, 5), "capacity_fix.csv")
    # A newer snapshot is a new reading: a figure it leaves blank does not survive from the old.
    _load_capacity(loaded, tmp_path, "later", "P-SALT,SALT,61,,t,2024-03-07")
    row = loaded.query(
        "MATCH (:Enterprise {id: 'P-SALT'})-[r:PRODUCES]->(:Product {id: 'SALT'}) "
        "RETURN r.capacity_per_day AS cap, r.output_per_day AS out, r.as_of AS as_of"
    )[0]
    assert (row["cap"], row["out"], to_date(row["as_of"])) == (61.0, None, dt.date(2024, 3, 7))
    assert _history(loaded) == {
        (dt.date(2024, 2, 1), 10.0),
        (dt.date(2024, 3, 1), 52.0),
        (dt.date(2024, 3, 5), 58.0),
        (dt.date(2024, 3, 7), 61.0),
    }
    assert count(loaded, "PRODUCES") == 10
    # A reference date in the past reads the figures of the time from the history.
    assert (
        read_snapshots(loaded, dt.date(2024, 3, 2)).capacity[("P-SALT", "SALT")].rate("capacity")
        == 52.0
    )
    assert read_snapshots(loaded).capacity[("P-SALT", "SALT")].capacity_per_day == 61.0


TOMORROW = (dt.date.today() + dt.timedelta(days=30)).isoformat()
BAD = [
    (
        "inventory",
        "holder,product,stock,daily_use,as_of\nM1,WIRE,10,5,2024-03-09\nM1,CLIP,-4,5,2024-03-09\n",
        (3, "stock", "stock must be at least 0"),
    ),
    (
        "inventory",
        "holder,product,stock,daily_use,as_of\nM1,WIRE,10,0,2024-03-09\n",
        (2, "daily_use", "daily_use must be above 0"),
    ),
    (
        "inventory",
        "holder,product,stock,daily_use,as_of\nM1,WIRE,10,5,2024-03-09\nNOPE,WIRE,10,5,2024-03-09\n",
        (3, "holder", "unknown enterprise 'NOPE': it is neither in this load nor in the graph"),
    ),
    (
        "inventory",
        f"holder,product,stock,daily_use,as_of\nM1,WIRE,10,5,{TOMORROW}\n",
        (2, "as_of", "as_of is in the future"),
    ),
    (
        "stockpiles",
        "reserve,product,stock,target,as_of\nRES1,MASK,100,-1,2024-03-09\n",
        (2, "target", "target must be at least 0"),
    ),
    (
        "stockpiles",
        "reserve,product,stock,target,as_of\nRES9,MASK,100,10,2024-03-09\n",
        (2, "reserve", "unknown enterprise 'RES9'"),
    ),
    (
        "stockpiles",
        f"reserve,product,stock,target,as_of\nRES1,MASK,100,10,{TOMORROW}\n",
        (2, "as_of", "as_of is in the future"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of\nZ1,MASK,0,10,2024-03-09\n",
        (2, "priority", "priority must be at least 1"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of\nZ1,MASK,1.5,10,2024-03-09\n",
        (2, "priority", "must be a whole number"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of\nZ1,MASK,1,-10,2024-03-09\n",
        (2, "daily_demand", "daily_demand must be at least 0"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of,sector\nZ1,MASK,1,10,2024-03-09,prisons\n",
        (2, "sector", "sector must be one of: hospitals, elderly care, rural clinics, schools"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of,area_name\n"
        "Z1,MASK,1,10,2024-03-09,North\nZ1,SALT,1,10,2024-03-09,South\n",
        (3, "area,area_name,sector,region", "must be the same on every row"),
    ),
    (
        "demand",
        "area,product,priority,daily_demand,as_of,region\nZ1,MASK,1,10,2024-03-09,999999\n",
        (2, "region", "unknown region '999999'"),
    ),
    (
        "demand",
        "area,product,daily_demand,as_of\nZ1,MASK,10,2024-03-09\n",
        (1, "priority", "required column 'priority' is missing for kind 'demand'"),
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected"), BAD, ids=[f"{k}-{e[1]}" for k, _, e in BAD])
def test_a_bad_snapshot_is_rejected_by_row_and_nothing_is_loaded(
    loaded: Graph, tmp_path: Path, kind: str, text: str, expected: tuple[int, str, str]
) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    what = {"inventory": "HOLDS", "stockpiles": "STOCKPILES", "demand": "DEMANDS"}[kind]
    before = (count(loaded, what), count(loaded, "Area"))
    [report] = Loader(loaded).load_files(
        [path], LoadOptions(rejects=tmp_path / "rejects.csv", force=True)
    )
    assert report.status == "rejected"
    assert "nothing from this file was written" in report.message
    line, column, reason = expected
    assert any(
        r.line == line and r.column == column and reason in r.reason for r in report.rejects
    ), report.rejects
    assert (count(loaded, what), count(loaded, "Area")) == before
    assert (
        (tmp_path / "rejects.csv")
        .read_text(encoding="utf-8")
        .startswith("file,line,column,value,reason")
    )
