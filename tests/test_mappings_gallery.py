"""The gallery: one realistic fixture per shape of source, each loaded with ONE mapping file and
ONE command, exiting 0 and writing exactly the expected graph (tests/data/mappings/)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from kg.analysis.projection import project
from kg.analysis.single_source import product_sourcing
from kg.cli import app
from kg.connection import Graph

pytestmark = pytest.mark.integration

GALLERY = Path(__file__).parent / "data" / "mappings"
Y2021 = dt.date(2021, 1, 1)


def load(cli: CliRunner, mapping: Path, *files: Path) -> str:
    result = cli.invoke(app, ["load", *map(str, files), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "rejected" not in result.output.split("output")[0], result.output
    return result.output


def rows(graph: Graph, query: str, params: dict[str, Any] | None = None) -> set[tuple[Any, ...]]:
    return {tuple(_hashable(v) for v in r.values()) for r in graph.query(query, params or {})}


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if hasattr(value, "to_native"):
        return value.to_native()
    return value


def test_car_maker_supplier_and_parent_from_one_row(graph: Graph, cli: CliRunner) -> None:
    folder = GALLERY / "car_makers"
    out = load(cli, folder / "car_makers.yaml", folder / "suppliers.csv")
    assert "merged" in out
    assert rows(
        graph,
        "MATCH (e:Enterprise) WHERE e.source = 'car-makers-fixture' "
        "OPTIONAL MATCH (e)-[:OWNED_BY]->(p) RETURN e.id, e.name, p.id",
    ) == {
        ("TOY", "Toyota Motor", None),
        ("HON", "Honda Motor", None),
        ("TOYIND", "Toyota Industries", None),
        ("RBS", "Robert Bosch Stiftung", None),
        ("DEN", "Denso Corp", "TOYIND"),
        ("AIS", "Aisin Seiki", "TOYIND"),
        ("BOS", "Robert Bosch GmbH", "RBS"),
    }
    # One supply link per product and per model year; the vehicle model kept as a property.
    assert rows(
        graph,
        "MATCH (s)-[x:SUPPLIES]->(c) WHERE x.source = 'car-makers-fixture' "
        "RETURN s.id, c.id, x.product, x.model_year, x.vehicle_model",
    ) == {
        ("DEN", "TOY", "Starter motor", 2019, "Corolla"),
        ("DEN", "TOY", "Starter motor", 2020, "Corolla"),
        ("AIS", "TOY", "Transmission", 2020, "Corolla"),
        ("DEN", "HON", "Starter motor", 2020, "Civic"),
        ("BOS", "HON", "Brake booster", 2020, "Civic"),
    }


def test_semiconductor_type_column_join_and_shares(graph: Graph, cli: CliRunner) -> None:
    folder = GALLERY / "semiconductor"
    out = load(
        cli, folder / "semiconductor.yaml", folder / "providers.csv", folder / "provision.csv"
    )
    assert "filtered" in out
    assert rows(
        graph, "MATCH (r:Region) WHERE r.source = 'semiconductor-fixture' RETURN r.code, r.level"
    ) == {(c, "country") for c in ("TW", "KR", "US", "JP", "NL", "CN")}
    assert rows(
        graph,
        "MATCH (e:Enterprise)-[:LOCATED_IN]->(r:Region) WHERE e.source = 'semiconductor-fixture' "
        "RETURN e.id, r.code",
    ) == {
        ("TAIWAN SEMICONDUCTOR MANUFACTURING CO.", "TW"),
        ("SAMSUNG ELECTRONICS", "KR"),
        ("ASML", "NL"),
        ("APPLIED MATERIALS", "US"),
        ("TOKYO ELECTRON", "JP"),
    }
    # Producers on record with a market share and no capacity (Samsung: neither).
    assert rows(
        graph,
        "MATCH (e:Enterprise)-[x:PRODUCES]->(p:Product) WHERE x.source = 'semiconductor-fixture' "
        "RETURN e.id, p.id, x.share, x.capacity_per_day, x.as_of",
    ) == {
        (
            "TAIWAN SEMICONDUCTOR MANUFACTURING CO.",
            "LOGIC FOUNDRY",
            0.56,
            None,
            dt.date(2021, 1, 1),
        ),
        ("SAMSUNG ELECTRONICS", "LOGIC FOUNDRY", None, None, dt.date(2021, 1, 1)),
        ("ASML", "EUV SCANNERS", 1.0, None, dt.date(2021, 1, 1)),
        ("APPLIED MATERIALS", "DEPOSITION TOOLS", 0.4, None, dt.date(2021, 1, 1)),
        ("TOKYO ELECTRON", "DEPOSITION TOOLS", 0.3, None, dt.date(2021, 1, 1)),
    }
    assert rows(
        graph,
        "MATCH (r:Region)-[x:SHARE_OF_OUTPUT]->(p:Product) RETURN r.code, p.id, x.share",
    ) == {
        ("TW", "LOGIC FOUNDRY", 0.63),
        ("KR", "LOGIC FOUNDRY", 0.18),
        ("CN", "LOGIC FOUNDRY", 0.06),
        ("US", "LOGIC FOUNDRY", 0.06),
        ("NL", "EUV SCANNERS", 1.0),
        ("US", "DEPOSITION TOOLS", 0.45),
        ("JP", "DEPOSITION TOOLS", 0.3),
    }
    # Regional concentration uses the published shares of world output.
    sourcing = {s.product: s for s in product_sourcing(project(graph), None)}
    assert sourcing["LOGIC FOUNDRY"].hhi_region == pytest.approx(0.63**2 + 0.18**2 + 2 * 0.06**2)
    assert sourcing["EUV SCANNERS"].hhi_region == pytest.approx(1.0)
    assert sourcing["DEPOSITION TOOLS"].hhi_region == pytest.approx(0.45**2 + 0.3**2)
    assert sourcing["LOGIC FOUNDRY"].producers == 2  # Samsung is a producer without a share


def test_shipment_history_distinct_nodes_and_aggregated_links(graph: Graph, cli: CliRunner) -> None:
    folder = GALLERY / "shipments"
    out = load(cli, folder / "shipments.yaml", folder / "shipments.csv")
    assert "9 rows in, 1 filtered" in out  # the zero-quantity row
    assert rows(
        graph,
        "MATCH (e:Enterprise) WHERE e.source = 'shipments-fixture' RETURN e.id, e.name",
    ) == {
        ("RANBAXY FINE CHEMICALS LTD.", "RANBAXY Fine Chemicals LTD."),
        ("AUROBINDO PHARMA LIMITED", "Aurobindo Pharma Limited"),
        ("ORGENICS LTD", "Orgenics Ltd"),
        ("MOH-COTE D'IVOIRE", "Ministry of Health, Côte d'Ivoire"),
        ("MOH-VIETNAM", "Ministry of Health, Vietnam"),
        ("MOH-NIGERIA", "Ministry of Health, Nigeria"),
    }
    assert rows(
        graph,
        "MATCH (s)-[x:SUPPLIES]->(c) WHERE x.source = 'shipments-fixture' RETURN s.id, c.id, "
        "x.product, x.volume, x.shipments, x.first_delivery, x.last_delivery, x.modes, x.basis",
    ) == {
        (
            "RANBAXY FINE CHEMICALS LTD.",
            "MOH-COTE D'IVOIRE",
            "LAMIVUDINE 150MG TABLETS",
            19700.0,
            2,
            dt.date(2006, 6, 2),
            dt.date(2006, 8, 27),
            ("Air", "Truck"),
            "customs record",
        ),
        (
            "AUROBINDO PHARMA LIMITED",
            "MOH-VIETNAM",
            "NEVIRAPINE 200MG TABLETS",
            35320.0,
            3,
            dt.date(2006, 11, 14),
            dt.date(2007, 8, 20),
            ("Air", "Ocean"),
            "customs record",
        ),
        (
            "AUROBINDO PHARMA LIMITED",
            "MOH-VIETNAM",
            "ZIDOVUDINE 300MG TABLETS",
            38000.0,
            1,
            dt.date(2007, 3, 18),
            dt.date(2007, 3, 18),
            ("Air",),
            "customs record",
        ),
        (
            "ORGENICS LTD",
            "MOH-NIGERIA",
            "HIV 1/2 DETERMINE TEST KIT",
            551.0,
            2,
            dt.date(2007, 6, 29),
            dt.date(2007, 7, 1),
            ("Air",),
            "customs record",
        ),
    }


def test_one_file_per_component_many_files_one_command(graph: Graph, cli: CliRunner) -> None:
    folder = GALLERY / "components"
    load(
        cli,
        folder / "components.yaml",
        folder / "brake_booster.csv",
        folder / "starter_motor.csv",
    )
    assert rows(
        graph,
        "MATCH (s)-[x:SUPPLIES]->(c) WHERE x.source = 'components-fixture' "
        "MATCH (p:Product {id: x.product}) RETURN s.id, c.id, p.id, p.name",
    ) == {
        ("BOS", "VW", "brake_booster", "Brake booster"),
        ("CON", "VW", "brake_booster", "Brake booster"),
        ("CON", "BMW", "brake_booster", "Brake booster"),
        ("DEN", "TOY", "starter_motor", "Starter motor"),
        ("BOS", "BMW", "starter_motor", "Starter motor"),
    }


WIDE_LINKS = {
    ("S1", "F1", "supplier_1"),
    ("S2", "F1", "supplier_2"),
    ("S2", "F2", "supplier_1"),
    ("S3", "F3", "supplier_1"),
    ("S1", "F3", "supplier_2"),
    ("S2", "F3", "supplier_3"),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wide_table_unpivots_to_links(
    graph: Graph, cli: CliRunner, tmp_path: Path, fmt: str
) -> None:
    folder = GALLERY / "wide"
    source = tmp_path / f"suppliers_wide.{fmt}"
    if fmt == "xlsx":
        frame = pd.read_csv(folder / "suppliers_wide.csv", dtype=str, keep_default_na=False)
        frame.to_excel(source, index=False)
    else:
        shutil.copy(folder / "suppliers_wide.csv", source)
    graph.write("MATCH ()-[x:SUPPLIES {product: 'auto-parts'}]->() DELETE x RETURN count(*) AS n")
    load(cli, folder / "wide.yaml", source)
    assert (
        rows(
            graph,
            "MATCH (s)-[x:SUPPLIES {product: 'auto-parts'}]->(c) RETURN s.id, c.id, x.listed_as",
        )
        == WIDE_LINKS
    )


def test_value_tables_normalised_ids_fallbacks_years_and_header_noise(
    graph: Graph, cli: CliRunner
) -> None:
    folder = GALLERY / "registry"
    out = load(cli, folder / "registry.yaml", folder / "registry.csv")
    assert "1 merged" in out  # two spellings of one company
    assert rows(
        graph,
        "MATCH (e:Enterprise)-[:LOCATED_IN]->(r:Region) WHERE e.source = 'registry-fixture' "
        "RETURN e.id, e.name, r.code, e.founded",
    ) == {
        ("REG-R-001", "Société Générale", "FR", dt.date(1864, 1, 1)),
        ("TAX-FR-123", "Michelin", "FR", dt.date(1889, 1, 1)),
        ("REG-R-003", "Robert Bosch GmbH", "DE", dt.date(1886, 1, 1)),
    }


def test_big5_file_is_read_right_and_says_so(graph: Graph, cli: CliRunner, tmp_path: Path) -> None:
    folder = GALLERY / "big5"
    out = load(cli, folder / "big5.yaml", folder / "suppliers_big5.csv")
    assert "read as big5" in out
    expected = {
        ("TW-2330", "台灣積體電路製造股份有限公司", "新竹市"),
        ("TW-2303", "聯華電子股份有限公司", "新竹市"),
        ("TW-3711", "日月光投資控股股份有限公司", "高雄市"),
        ("TW-2317", "鴻海精密工業股份有限公司", "新北市"),
    }
    query = "MATCH (e:Enterprise) WHERE e.id STARTS WITH 'TW-' RETURN e.id, e.name, e.city"
    assert rows(graph, query) == expected
    # A mapping may name the encoding instead; the load says it used that one.
    fixed = tmp_path / "big5_fixed.yaml"
    fixed.write_text(
        (folder / "big5.yaml").read_text(encoding="utf-8") + "read: {encoding: cp950}\n",
        encoding="utf-8",
    )
    out = load(cli, fixed, folder / "suppliers_big5.csv")
    assert "read as cp950" in out
    assert rows(graph, query) == expected
