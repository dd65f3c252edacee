"""The fast CSV path (Arrow's parser, loaders/fastcsv.py) gives the Python reader's answer:
the same cells, the same source lines, the same rejects, or it steps aside."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.errors import Problems, Reject
from loaders.fastcsv import read_csv_fast
from loaders.limits import Limits, check_cells
from loaders.readers import LINE, ReadOptions, _read_csv_records, read_input

Rows = list[tuple[object, ...]]


def python_reader(path: Path, text: str) -> tuple[Rows, list[Reject]]:
    problems = Problems(path.name)
    frame = _read_csv_records(path, text.removeprefix("\ufeff"), ",", problems)
    return [tuple(r) for r in frame.itertuples(index=False)], problems.rejects


def fast_reader(path: Path, text: str) -> tuple[Rows, list[Reject]] | None:
    problems = Problems(path.name)
    result = read_csv_fast(path, path.read_bytes(), ",", problems)
    if result is None:
        assert not problems.rejects  # stepping aside leaves nothing behind
        return None
    _, table, lines = result
    rows = [(*r.values(), int(n)) for r, n in zip(table.to_pylist(), lines, strict=True)]
    return rows, problems.rejects


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_records_keep_their_lines_past_blank_and_bad_rows(tmp_path: Path) -> None:
    text = (
        "a,b,c\n"
        "1,2,3\n"
        "\n"
        "4,5\n"  # line 4: a field missing
        ",,\n"  # blanks only: skipped, not a reject
        "6,7,8,9\n"  # line 6: one field too many
        "  \n"  # white space only: skipped
        "10,11,12\n"
        '13,"1""4",15\n'
    )
    path = write(tmp_path, text)
    fast = fast_reader(path, text)
    assert fast is not None
    rows, rejects = fast
    assert set(rows) == {("1", "2", "3", 2), ("10", "11", "12", 8), ("13", '1"4', "15", 9)}
    assert {(r.line, r.column, r.value, r.reason) for r in rejects} == {
        (
            4,
            "c",
            "4,5",
            "the row has 2 fields but the header has 3; a field is missing (or a delimiter)",
        ),
        (6, "", "6,7,8,9", "the row has 4 fields but the header has 3"),
    }
    assert fast == python_reader(path, text)


def test_trailing_delimiter_is_one_field_too_many(tmp_path: Path) -> None:
    # DuckDB's reader took `a,b,` under a two-column header as two fields; Arrow does not.
    text = 'a,b\nx,y,\n"ab"c,d\n "q",r\n'
    path = write(tmp_path, text)
    fast = fast_reader(path, text)
    assert fast is not None
    assert fast[0] == [("abc", "d", 3), (' "q"', "r", 4)]
    assert [(r.line, r.value) for r in fast[1]] == [(2, "x,y,")]
    assert fast == python_reader(path, text)


def test_windows_line_ends_and_bom(tmp_path: Path) -> None:
    text = "\ufeffid,name\r\nE1,One\r\n\r\nE2,Two\r\n"
    path = write(tmp_path, text)
    fast = fast_reader(path, text)
    assert fast is not None
    assert fast[0] == [("E1", "One", 2), ("E2", "Two", 4)]


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"multi\nline",x\ny,z\n',  # a record over two lines
        "a,b\rx,y\r",  # old Mac line ends
        'a,"b\nc"\n1,2\n',  # a header over two lines
        "a,a\n1,2\n",  # a column named twice
        "\na,b\n1,2\n",  # a blank first line
    ],
)
def test_steps_aside_where_lines_cannot_be_told(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert fast_reader(path, text) is None


def test_read_input_takes_the_fast_path_and_the_python_path_alike(tmp_path: Path) -> None:
    plain = write(tmp_path, "id,name\nE1,One\nE2,Two\n", "plain.csv")
    multi = write(tmp_path, 'id,name\nE1,"One\nCo"\nE2,Two\n', "multi.csv")
    fast = read_input(plain, ReadOptions(), Problems("plain.csv"))
    slow = read_input(multi, ReadOptions(), Problems("multi.csv"))
    assert isinstance(fast, pa.Table)
    assert not isinstance(slow, pa.Table)
    assert set(zip(fast["id"].to_pylist(), fast[LINE].to_pylist(), strict=True)) == {
        ("E1", 2),
        ("E2", 3),
    }
    assert set(zip(slow["id"], slow[LINE], strict=True)) == {("E1", 2), ("E2", 4)}


def test_big5_file_goes_through_the_fast_path_as_utf8(tmp_path: Path) -> None:
    text = "代號,名稱,地區\nTW1,台灣積體電路製造,新竹\nTW2,鴻海精密工業,新北\nTW3,聯華電子,新竹\n"
    path = tmp_path / "suppliers.csv"
    path.write_bytes(text.encode("big5") * 1)
    options = ReadOptions()
    table = read_input(path, options, Problems(path.name))
    assert isinstance(table, pa.Table)
    assert options.used_encoding in ("big5", "cp950")
    assert set(zip(table["名稱"].to_pylist(), table[LINE].to_pylist(), strict=True)) == {
        ("台灣積體電路製造", 2),
        ("鴻海精密工業", 3),
        ("聯華電子", 4),
    }


CELLS = st.text(alphabet='ab ,"\n\r\t\u00e9', max_size=6)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.sampled_from(["x", "y", "z", "w"]), min_size=1, max_size=3, unique=True),
    lines=st.lists(CELLS, max_size=8),
    end=st.sampled_from(["\n", "\r\n"]),
)
def test_fast_path_agrees_with_the_python_reader(
    tmp_path: Path, header: list[str], lines: list[str], end: str
) -> None:
    text = ",".join(header) + end + end.join(lines) + end
    path = write(tmp_path, text, "prop.csv")
    fast = fast_reader(path, text)
    if fast is not None:
        assert fast == python_reader(path, text)


def test_oversized_cell_of_an_arrow_table_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\nE1,One\n\nE2," + "é" * 600 + "\nE3,Three\n", "big.csv")
    problems = Problems(path.name)
    table = read_input(path, ReadOptions(), problems)
    assert isinstance(table, pa.Table)
    kept = check_cells(table, Limits(max_cell_bytes=1024), problems)
    assert set(zip(kept["id"].to_pylist(), kept[LINE].to_pylist(), strict=True)) == {
        ("E1", 2),
        ("E3", 5),
    }
    assert {(r.line, r.column, r.reason.split(",")[0]) for r in problems.rejects} == {
        (4, "name", "the cell holds 1 KiB")
    }
