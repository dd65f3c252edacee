"""Writing results back: a second run replaces the first one's results, leaving nothing stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.analysis import run_all
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

CANONICAL = Path(__file__).parent / "data" / "canonical"
HZ = "91330100MA2B123450"


def spof_nodes(graph: Graph) -> set[str]:
    rows = graph.query(
        "MATCH (x)-[:SPOF_FOR]->(:Product {id: 'N95'}) RETURN coalesce(x.id, x.code) AS x"
    )
    return {r["x"] for r in rows}


def test_a_new_run_clears_what_no_longer_holds(graph: Graph, tmp_path: Path) -> None:
    reports = Loader(graph).load_files(sorted(CANONICAL.glob("*.csv")), LoadOptions())
    assert all(r.status == "completed" for r in reports)
    first = run_all(graph)
    assert {HZ, "330100", "330000", "PP-HMF"} <= spof_nodes(graph)

    # A second resin maker in Guangdong: resin is no longer single-sourced, so neither
    # Hangzhou Polymer nor Zhejiang is a single point of failure any more (resin is still an
    # input with no substitute).
    (tmp_path / "enterprises.csv").write_text(
        "id,name,region\nGZRESIN,Guangzhou Resin,440000\n", encoding="utf-8"
    )
    (tmp_path / "capacity.csv").write_text(
        "enterprise,product,capacity_per_day\nGZRESIN,PP-HMF,40\n", encoding="utf-8"
    )
    reports = Loader(graph).load_files(
        [tmp_path / "enterprises.csv", tmp_path / "capacity.csv"], LoadOptions()
    )
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    second = run_all(graph)

    nodes = spof_nodes(graph)
    assert {HZ, "330100", "330000"} & nodes == set()
    assert "PP-HMF" in nodes
    # every link is stamped with the run that last changed it: the links the change left as
    # they were keep the first run's stamp, the new or changed ones carry the second's
    before = {(s.node, s.product, s.path, s.reason) for s in first.spof}
    rows = graph.query(
        "MATCH (x)-[s:SPOF_FOR]->(p:Product) "
        "RETURN coalesce(x.id, x.code) AS x, p.id AS p, s.analysis_run AS run"
    )
    assert {(r["x"], r["p"], r["run"]) for r in rows} == {
        (
            s.node,
            s.product,
            first.run_id if (s.node, s.product, s.path, s.reason) in before else second.run_id,
        )
        for s in second.spof
    }
    assert len(rows) == len(second.spof)
    [hz] = graph.query(
        "MATCH (e:Enterprise {id: $id}) RETURN e.is_spof AS spof, e.bottleneck_score AS score, "
        "e.analysis_run AS run",
        {"id": HZ},
    )
    assert hz == {"spof": False, "score": 0.0, "run": second.run_id}
    [pp] = graph.query(
        "MATCH (p:Product {id: 'PP-HMF'}) RETURN p.sourcing AS s, p.producers AS n, "
        "p.regional_single_source AS regional, p.hhi AS hhi"
    )
    assert (pp["s"], pp["n"], pp["regional"]) == ("multiple", 2, False)
    assert pp["hhi"] == pytest.approx(0.6**2 + 0.4**2)
    ranks = graph.query(
        "MATCH (e:Enterprise)-[k:KEY_RANK_IN]->(c:Chain) "
        "RETURN e.id AS e, c.id AS c, k.rank AS rank"
    )
    assert {(r["e"], r["c"], r["rank"]) for r in ranks} == {
        (k.enterprise, k.chain, k.rank) for k in second.key_enterprises
    }
    both = graph.query("MATCH (a:AnalysisRun) RETURN a.id AS id ORDER BY id")
    assert [r["id"] for r in both] == sorted([first.run_id, second.run_id])
