"""The bad-file corpus: each case is refused with exit code and a message naming the file,
line and column, and the graph is left exactly as it was (fingerprint unchanged)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from helpers import BASE_FILES, CANONICAL, fingerprint
from typer.testing import CliRunner

from kg.cli import app
from kg.connection import Graph
from loaders.pipeline import Loader, LoadOptions

pytestmark = pytest.mark.integration

ENTERPRISES = "id,name,region,lat,lon,scale\n"
GOOD_ROW = "E-GOOD-1,Good Co,330100,30.2,120.1,large\n"


@pytest.fixture(scope="module")
def base(graph: Graph) -> Graph:
    reports = Loader(graph).load_files([CANONICAL / f for f in BASE_FILES], LoadOptions())
    assert {r.status for r in reports} == {"completed"}
    return graph


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _text(name: str, body: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(body, encoding="utf-8")
        return path

    return make


def _bomb(tmp: Path) -> Path:
    """A workbook whose one shared string inflates to 40 MB from a file of a few dozen KB."""
    path = _xlsx(tmp / "enterprises.xlsx", [["id", "name"], ["E-BOMB", "xbombx"]])
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    name = "xl/worksheets/sheet1.xml"
    assert b"xbombx" in parts[name]
    parts[name] = parts[name].replace(b"xbombx", b"y" * 40_000_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for key, data in parts.items():
            out.writestr(key, data)
    return path


def _wide(tmp: Path) -> Path:
    path = tmp / "enterprises.csv"
    header = ",".join(["id", "name", *(f"c{i}" for i in range(100_000))])
    path.write_text(header + "\nE1,One" + "," * 100_000 + "\n", encoding="utf-8")
    return path


def _big_cell(tmp: Path) -> Path:
    path = tmp / "enterprises.csv"
    path.write_text(ENTERPRISES + GOOD_ROW + "E-BIG,Big," + "9" * 2_000_000 + ",,,\n")
    return path


def _not_excel(tmp: Path) -> Path:
    path = tmp / "enterprises.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook at all")
    return path


def _demand(priority: str) -> Callable[[Path], Path]:
    return _text(
        "demand.csv",
        "area,product,priority,daily_demand,as_of\n"
        f"H-1,PP-HMF,1,10,2024-01-01\nH-2,PP-HMF,{priority},10,2024-01-01\n",
    )


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path]
    exit_code: int
    says: tuple[str, ...]  # every piece must appear in the output or the rejects file
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


CASES = [
    Case(
        "truncated-row",
        _text("enterprises.csv", ENTERPRISES + GOOD_ROW + "E-SHORT,Short Co,330100\n"),
        1,
        ("line 3", "lat", "3 fields but the header has 6"),
    ),
    Case(
        "long-row",
        _text("enterprises.csv", ENTERPRISES + GOOD_ROW + "E-LONG,Long,330100,1,2,large,x\n"),
        1,
        ("line 3", "7 fields but the header has 6"),
    ),
    Case(
        "line-after-multiline-cell",
        _text(
            "enterprises.csv",
            ENTERPRISES + 'E-ML,"Multi\nline\nname",330100,30,120,large\n'
            "E-BAD,Bad,330100,north,120,large\n",
        ),
        1,
        ("line 5", "lat", "not a number"),
    ),
    Case(
        "jsonl-line-numbers",
        _text(
            "enterprises.jsonl",
            '{"id": "E-J1", "name": "One"}\n\n\n{"id": "E-J2", "name": "Two", "lat": "x"}\n',
        ),
        1,
        ("line 4", "lat", "not a number"),
    ),
    Case(
        "jsonl-broken-line",
        _text("enterprises.jsonl", '{"id": "E-J1", "name": "One"}\n\n{"id": \n'),
        2,
        ("enterprises.jsonl", "line 3", "not valid JSON"),
    ),
    Case("huge-int", _demand("1e30"), 1, ("line 3", "priority", "out of range")),
    Case("int64-edge", _demand("9223372036854775808"), 1, ("line 3", "priority", "range")),
    Case("infinite-float", _demand("1e400"), 1, ("line 3", "priority", "not a number")),
    Case(
        "compact-date",
        _text(
            "inventory.csv",
            "holder,product,stock,daily_use,as_of\nE1,PP-HMF,1,1,20220101\n",
        ),
        1,
        ("line 2", "as_of", "YYYY-MM-DD"),
    ),
    Case(
        "duplicated-column",
        _text("enterprises.csv", "id,name,name,region\nE-D,One,Two,330100\n"),
        2,
        ("enterprises.csv", "line 1", "'name' appears twice"),
    ),
    Case(
        "duplicated-column-xlsx",
        lambda tmp: _xlsx(tmp / "enterprises.xlsx", [["id", "name", "name"], ["E-D", "a", "b"]]),
        2,
        ("enterprises.xlsx", "row 1", "'name' appears twice"),
    ),
    Case("wide-header", _wide, 2, ("enterprises.csv", "line 1", "100002 columns")),
    Case("big-cell", _big_cell, 1, ("line 3", "region", "SUPPLYMAP_MAX_CELL_KB")),
    Case(
        "xlsx-bomb",
        _bomb,
        2,
        ("enterprises.xlsx", "SUPPLYMAP_MAX_UNZIPPED_MB"),
        env=(("SUPPLYMAP_MAX_UNZIPPED_MB", "20"),),
    ),
    Case("xlsx-bomb-cell", _bomb, 1, ("row 2", "name", "SUPPLYMAP_MAX_CELL_KB")),
    Case(
        "not-a-workbook",
        _not_excel,
        2,
        ("enterprises.xlsx", "not a readable Excel workbook", "save it again"),
    ),
    Case(
        "bad-chain-option",
        _text("products.csv", "id,name\nP-NEW,New\n"),
        2,
        ("--chain", "not valid", "letters, digits"),
        args=("--chain", "bad chain/../x"),
    ),
    Case("no-such-file", lambda tmp: tmp / "missing.csv", 2, ("missing.csv", "no such file")),
    Case(
        "no-such-file-unknown-kind",
        lambda tmp: tmp / "NOFILE",
        2,
        ("NOFILE", "no such file"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_refused_and_changes_nothing(
    case: Case,
    base: Graph,
    cli: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kg.settings import get_settings

    for key, value in case.env:
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    path = case.make(tmp_path)
    before = fingerprint(base)
    rejects = tmp_path / "rejects.csv"
    result = cli.invoke(app, ["load", str(path), "--rejects", str(rejects), *case.args])
    said = result.output
    if rejects.exists():
        with open(rejects, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                said += f"\nline {r['line']}, row {r['line']}, column {r['column']}: {r['reason']}"
    assert result.exit_code == case.exit_code, said
    for piece in case.says:
        assert piece in said, said
    assert "Traceback" not in said
    assert fingerprint(base) == before


def test_blank_sheet_rows_are_skipped_like_blank_csv_lines(
    base: Graph, cli: CliRunner, tmp_path: Path
) -> None:
    path = _xlsx(
        tmp_path / "chains.xlsx",
        [["id", "name"], ["blank-a", "A"], [None, None], ["", "  "], ["blank-b", "B"]],
    )
    result = cli.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    rows = base.query(
        "MATCH (c:Chain) WHERE c.id STARTS WITH 'blank-' RETURN c.id AS id, c.name AS name"
    )
    assert {(r["id"], r["name"]) for r in rows} == {("blank-a", "A"), ("blank-b", "B")}


def test_multiline_cell_loads_whole(base: Graph, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "chains.csv"
    path.write_text('id,name,description\nml-chain,"Two\nlines","a, b"\n', encoding="utf-8")
    result = cli.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    rows = base.query("MATCH (c:Chain {id: 'ml-chain'}) RETURN c.name AS n, c.description AS d")
    assert {(r["n"], r["d"]) for r in rows} == {("Two\nlines", "a, b")}


def test_chain_from_a_mapping_file_name_follows_the_slug_rule(base: Graph, tmp_path: Path) -> None:
    from loaders.errors import LoadInputError

    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        io.StringIO(
            "name: m\nchain: '{file_stem}'\noutputs:\n  - kind: products\n"
            "    columns:\n      id: id\n      name: name\n"
        ).getvalue()
    )
    path = tmp_path / "bad name!.csv"
    path.write_text("id,name\nP-X,X\n", encoding="utf-8")
    before = fingerprint(base)
    with pytest.raises(LoadInputError, match="chain id 'bad name!'"):
        Loader(base).load_files([path], LoadOptions(mapping=str(mapping)))
    assert fingerprint(base) == before
