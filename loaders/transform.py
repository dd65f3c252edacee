"""Run a mapping on DuckDB: the decoded input tables in, one canonical table per output out.

Each input's frame (as the readers decoded it, cells as text, each row's source line kept)
is registered with an in-memory DuckDB connection under the input's name. Each output of the
mapping is compiled to one SQL query:

    base (an input, joined inputs, or the mapping's own SELECT)
      -> UNPIVOT (wide tables) -> WHERE (row filter) -> column expressions
      -> GROUP BY the plain columns, with the aggregates (one row per distinct record)

so filters, joins, DISTINCT, GROUP BY and UNPIVOT are DuckDB's, and every regular expression
runs on RE2 (linear time). The connection cannot read or write files (external access is
off and locked), so a mapping's SQL sees the registered tables only. Every value a mapping
gives (a constant, a value table, a pattern) is quoted as an SQL literal here; names are
quoted identifiers.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import re2

from loaders.cells import as_list, is_missing, text
from loaders.errors import LoadInputError, Problems
from loaders.kinds import KINDS
from loaders.mapping import ColumnMap, Explode, Mapping, Output, template_slots
from loaders.readers import LINE, Table, as_frame

FILE_STEM = "__file_stem__"
ROWS = "__rows__"
_NUMERIC_AGGS = {"sum"}


@dataclass
class OutputTable:
    """One output's canonical table and how many rows it took in, filtered and merged."""

    index: int
    kind: str
    frame: pd.DataFrame  # canonical columns, the properties, and LINE (first source line)
    properties: list[str]
    identity: list[str]
    input: str
    rows_in: int = 0
    filtered: int = 0
    merged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.index + 1}:{self.kind}"


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A value as an SQL literal (text is quoted, never pasted)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Cells as text: text columns as they are (DuckDB trims them), others converted cell by
    cell (1.0 from a sheet becomes '1', lists are joined with ';'); LINE kept as is."""
    out: dict[str, pd.Series] = {}
    for column in df.columns:
        series = df[column]
        if column == LINE or pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            out[column] = series
        else:
            out[column] = series.map(_cell_text).astype(object)
    return pd.DataFrame(out, index=df.index)


def _edged(column: pa.ChunkedArray) -> bool:
    """True if a text cell of ``column`` starts or ends with white space (DuckDB's trim
    removes a subset of what Arrow's does, so False means its trim would change nothing)."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return True
    trimmed = pc.binary_length(pc.utf8_trim_whitespace(column))
    return bool(pc.any(pc.not_equal(trimmed, pc.binary_length(column))).as_py())


def _trimmed(column: str, edged: bool) -> str:
    """A cell as text with NULL for a blank, trimmed where a cell of the column needs it."""
    if column == LINE:
        return q(column)
    text = f"CAST({q(column)} AS VARCHAR)"
    return f"nullif({f'trim({text})' if edged else text}, '') AS {q(column)}"


def _cell_text(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return ";".join(as_list(value) or []) or None
    return text(value)


def explode(df: pd.DataFrame, spec: Explode, problems: Problems) -> pd.DataFrame:
    """One row per group of ``len(spec.into)`` items of a list column (Willems' up_stages)."""
    width = len(spec.into)
    rows: list[dict[str, Any]] = []
    others = [c for c in df.columns if c != spec.column]
    for record in df.to_dict("records"):
        items = record.get(spec.column)
        if not isinstance(items, list):
            items = as_list(items) or []
        items = [i for i in items if not is_missing(i)]
        if len(items) % width:
            problems.error(
                record[LINE],
                spec.column,
                ",".join(map(str, items)),
                f"{spec.column} holds {len(items)} items, not whole groups of {width} "
                f"({', '.join(spec.into)})",
            )
            continue
        for start in range(0, len(items), width):
            row = {c: record[c] for c in others}
            row.update(zip(spec.into, items[start : start + width], strict=True))
            rows.append(row)
    return pd.DataFrame(rows, columns=[*others, *spec.into])


class Transform:
    """One run of a mapping over its inputs' frames."""

    def __init__(self, mapping: Mapping, context: dict[str, str]) -> None:
        self.mapping = mapping
        self.where = mapping.path  # the mapping file, for messages
        self.context = context
        self.con = duckdb.connect()
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")
        self.raw: dict[str, Table] = {}
        self.stems: dict[str, str] = {}
        self.sizes: dict[str, int] = {}  # rows of each table made from a frame
        self.dropped = 0  # rows of the current output left out for a cell that is not a number

    def close(self) -> None:
        self.con.close()

    def add_input(self, name: str, frame: Table, stem: str) -> None:
        """Register the table (a frame, or the Arrow table of a CSV), and make it a table of
        trimmed text with NULL for blanks, and the file's stem as a column."""
        self.raw[name] = frame
        self.stems[name] = stem
        self._table(name, frame, stem)

    def _table(self, name: str, frame: Table, stem: str) -> None:
        raw = f"__raw_{name}"
        if isinstance(frame, pa.Table):
            self.con.register(raw, frame)
            cells = [
                _trimmed(name, _edged(column))
                for name, column in zip(frame.column_names, frame.columns, strict=True)
                if name != FILE_STEM
            ]
        else:
            self.con.register(raw, _text_frame(frame))
            cells = [_trimmed(c, True) for c in frame.columns if c != FILE_STEM]
        cells.append(f"{lit(stem)} AS {q(FILE_STEM)}")
        self.con.execute(f"CREATE VIEW {q(name)} AS SELECT {', '.join(cells)} FROM {q(raw)}")
        self.sizes[name] = len(frame)

    def _fail(self, n: int, key: str, message: str) -> LoadInputError:
        line = self.mapping.line_of(("outputs", n, key))
        return LoadInputError(f"{self.where}, line {line}, at outputs.{n}.{key}: {message}")

    def run(self, problems: dict[str, Problems]) -> list[OutputTable]:
        return [self._output(n, out, problems) for n, out in enumerate(self.mapping.outputs)]

    # ---- one output ------------------------------------------------------------------------

    def _base(self, n: int, out: Output, problems: Problems) -> str:
        """The SQL of the rows the output starts from (an input, joined inputs, or its SQL)."""
        if out.sql is not None:
            return out.sql
        name = out.from_ or self.mapping.input_names()[0]
        if out.explode is not None:
            table = f"__explode_{n}"
            frame = explode(as_frame(self.raw[name]), out.explode, problems)
            self._table(table, frame, self.stems[name])
            name = table
        if not out.join:
            return f"SELECT * FROM {q(name)}"
        have = set(self._columns(f"SELECT * FROM {q(name)}"))
        select = ["b.*"]
        joins = []
        for i, join in enumerate(out.join):
            alias = f"j{i}"
            theirs = self._columns(f"SELECT * FROM {q(join.input)}")
            for key in join.columns():
                if key not in have or key not in theirs:
                    raise self._fail(
                        n, "join", f"join key {key!r} must be a column of {name} and {join.input}"
                    )
            on = " AND ".join(f"b.{q(k)} = {alias}.{q(k)}" for k in join.columns())
            for column in theirs:
                if column not in have and column not in (LINE, FILE_STEM):
                    select.append(f"{alias}.{q(column)}")
                    have.add(column)
            joins.append(f"{join.how.upper()} JOIN {q(join.input)} {alias} ON {on}")
        return f"SELECT {', '.join(select)} FROM {q(name)} b {' '.join(joins)}"

    def _columns(self, sql: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]

    def _count(self, sql: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
        return int(row[0]) if row else 0

    def _output(self, n: int, out: Output, all_problems: dict[str, Problems]) -> OutputTable:
        input_name = out.from_ or self.mapping.input_names()[0]
        problems = all_problems[input_name]
        try:
            return self._compile_and_run(n, out, input_name, problems)
        except duckdb.Error as exc:
            key = "sql" if out.sql else ("where" if out.where else "columns")
            message = str(exc).split("\n")[0]
            message = message.split(" Error: ", 1)[-1]  # DuckDB's class of error is ours to keep
            raise self._fail(n, key, f"the query does not run: {message}") from exc

    def _compile_and_run(
        self, n: int, out: Output, input_name: str, problems: Problems
    ) -> OutputTable:
        base = self._base(n, out, problems)
        plain = base.removeprefix("SELECT * FROM ")
        known = next((size for t, size in self.sizes.items() if q(t) == plain), None)
        if out.unpivot is not None:
            known = None
            unpivot = out.unpivot
            cols = (
                f"COLUMNS({lit(unpivot.columns)})"
                if isinstance(unpivot.columns, str)
                else "(" + ", ".join(q(c) for c in unpivot.columns) + ")"
            )
            name = q(unpivot.name or "__unpivot_column__")
            base = f"UNPIVOT ({base}) ON {cols} INTO NAME {name} VALUE {q(unpivot.into)}"
        available = self._columns(base)
        if LINE not in available:
            base = f"SELECT *, row_number() OVER () AS {LINE} FROM ({base})"
            available.append(LINE)
        rows_in = known if known is not None else self._count(base)
        filtered_sql = f"SELECT * FROM ({base}) WHERE ({out.where})" if out.where else base

        kind = KINDS[out.kind]
        specs = {**out.columns, **out.properties}
        exprs: dict[str, str] = {}
        for name, spec in specs.items():
            expr = self._expression(spec, available)
            if expr is None:
                if name in kind.required and name in out.columns:
                    problems.reject_file(
                        name,
                        f"mapping {self.mapping.name!r} makes {out.kind}.{name} from "
                        f"{spec.from_ or spec.template!r}, which the file lacks; its columns "
                        "are: " + ", ".join(c for c in available if not c.startswith("__")),
                    )
                expr = "NULL"
            exprs[name] = expr
        mapped = ", ".join([f"{LINE}", *(f"{e} AS {q(c)}" for c, e in exprs.items())])
        mapped_sql = f"SELECT {mapped} FROM ({filtered_sql})"
        self.dropped = 0
        mapped_sql = self._drop_bad_numbers(mapped_sql, specs, problems)

        select: list[str] = []
        groups: list[str] = []
        for name, spec in specs.items():
            column = q(name)
            if spec.agg is None:
                select.append(column)
                groups.append(column)
            elif name in out.columns:
                # A canonical column goes to validation as text, like a file's cells.
                select.append(f"CAST({_aggregate(spec, column)} AS VARCHAR) AS {column}")
            else:
                select.append(f"{_aggregate(spec, column)} AS {column}")
        select += [f"min({LINE}) AS {LINE}", f"count(*) AS {ROWS}"]
        group = f" GROUP BY {', '.join(groups)}" if groups else ""
        grouped = f"__output_{n}"
        self.con.execute(
            f"CREATE TEMP TABLE {grouped} AS SELECT {', '.join(select)} FROM ({mapped_sql}){group}"
        )
        total = self.con.execute(f"SELECT sum({ROWS}) FROM {grouped}").fetchone()
        into = int(total[0]) if total and total[0] is not None else 0
        kept = into + self.dropped
        final = f"SELECT * FROM {grouped}"
        if out.same_key == "first":
            keys = [c for c in (*kind.key, *out.identity) if c in specs]
            if keys:
                final += (
                    f" QUALIFY row_number() OVER "
                    f"(PARTITION BY {', '.join(q(k) for k in keys)} ORDER BY {LINE}) = 1"
                )
        frame = self.con.execute(f"{final} ORDER BY {LINE}").df()
        self.con.execute(f"DROP TABLE {grouped}")
        merged = into - len(frame)
        frame = frame.drop(columns=[ROWS])
        return OutputTable(
            n,
            out.kind,
            frame,
            list(out.properties),
            list(out.identity),
            input_name,
            rows_in=rows_in,
            filtered=rows_in - kept,
            merged=merged,
        )

    def _drop_bad_numbers(
        self, mapped_sql: str, specs: dict[str, ColumnMap], problems: Problems
    ) -> str:
        """Report cells a sum or a numeric property cannot read as a number; leave those rows."""
        numeric = [
            name
            for name, spec in specs.items()
            if spec.agg in _NUMERIC_AGGS or spec.type in ("int", "float")
        ]
        if not numeric:
            return self._typed(mapped_sql, specs)
        conditions = " OR ".join(
            f"({q(c)} IS NOT NULL AND TRY_CAST({q(c)} AS DOUBLE) IS NULL)" for c in numeric
        )
        bad = self.con.execute(
            f"SELECT {LINE}, {', '.join(q(c) for c in numeric)} FROM ({mapped_sql}) "
            f"WHERE {conditions}"
        ).fetchall()
        if not bad:
            return self._typed(mapped_sql, specs)
        self.dropped = len(bad)
        lines = set()
        for row in bad:
            lines.add(int(row[0]))
            for column, value in zip(numeric, row[1:], strict=True):
                if value is not None and _not_number(value):
                    problems.error(row[0], column, value, f"not a number: {column} is summed")
        self.con.register("__bad_lines__", pd.DataFrame({LINE: sorted(lines)}))
        kept = (
            f"SELECT * FROM ({mapped_sql}) WHERE {LINE} NOT IN (SELECT {LINE} FROM __bad_lines__)"
        )
        return self._typed(kept, specs)

    def _typed(self, sql: str, specs: dict[str, ColumnMap]) -> str:
        """Cast sums and typed properties (int, float, date) to their SQL types."""
        parts = [LINE]
        changed = False
        for name, spec in specs.items():
            c = q(name)
            if spec.type == "int":
                parts.append(f"CAST(CAST({c} AS DOUBLE) AS BIGINT) AS {c}")
            elif spec.type == "float" or spec.agg in _NUMERIC_AGGS:
                parts.append(f"CAST({c} AS DOUBLE) AS {c}")
            elif spec.type == "date":
                parts.append(f"TRY_CAST({c} AS DATE) AS {c}")
            else:
                parts.append(c)
                continue
            changed = True
        return f"SELECT {', '.join(parts)} FROM ({sql})" if changed else sql

    # ---- one column ------------------------------------------------------------------------

    def _expression(self, spec: ColumnMap, available: list[str]) -> str | None:
        """The SQL expression of one column before aggregation; None if its source is absent."""
        if spec.const is not None:
            expr = lit(spec.const)
        elif spec.template is not None:
            options = [self._template(t, available) for t in spec.templates()]
            usable = [o for o in options if o is not None]
            if not usable:
                return None
            expr = usable[0] if len(usable) == 1 else f"coalesce({', '.join(usable)})"
        elif spec.from_ is not None:
            present = [q(c) for c in spec.sources() if c in available]
            if not present:
                return None if spec.default is None else lit(spec.default)
            expr = present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"
        elif spec.agg == "count":
            return "1"
        else:
            expr = "NULL"
        return self._steps(spec, expr)

    def _template(self, template: str, available: list[str]) -> str | None:
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(lit(literal))
            if name is None:
                continue
            if name in available:
                parts.append(q(name))
            elif name == "file_stem" and FILE_STEM in available:
                parts.append(q(FILE_STEM))
            elif name in self.context:
                parts.append(lit(self.context[name]))
            else:
                return None
        template_slots(template)
        return "(" + " || ".join(parts or ["''"]) + ")"

    def _steps(self, spec: ColumnMap, expr: str) -> str:
        for step in spec.normalize or []:
            if step in ("accents", "id"):
                expr = f"strip_accents({expr})"
            if step == "punctuation":
                expr = f"regexp_replace({expr}, '[[:punct:]]+', ' ', 'g')"
            if step in ("spaces", "id"):
                expr = f"trim(regexp_replace({expr}, '\\s+', ' ', 'g'))"
            if step in ("upper", "id"):
                expr = f"upper({expr})"
            if step == "lower":
                expr = f"lower({expr})"
        if spec.case == "upper":
            expr = f"upper({expr})"
        elif spec.case == "lower":
            expr = f"lower({expr})"
        if spec.extract is not None:
            group = 1 if re2.compile(spec.extract).groups else 0
            expr = f"nullif(regexp_extract({expr}, {lit(spec.extract)}, {group}), '')"
        table = dict(self.mapping.values.get(spec.values, {})) if spec.values else {}
        table.update(spec.map or {})
        if table:
            cases = " ".join(
                f"WHEN {lit(str(k))} THEN {lit(_as_text(v))}" for k, v in table.items()
            )
            expr = f"(CASE CAST({expr} AS VARCHAR) {cases} ELSE CAST({expr} AS VARCHAR) END)"
        if spec.date == "year":
            expr = (
                f"(CASE WHEN regexp_full_match({expr}, '[0-9]{{4}}') THEN {expr} || '-01-01' "
                f"ELSE {expr} END)"
            )
        elif spec.date is not None:
            expr = f"coalesce(strftime(try_strptime({expr}, {lit(spec.date)}), '%Y-%m-%d'), {expr})"
        if spec.split is not None:
            expr = f"replace({expr}, {lit(spec.split)}, ';')"
        if spec.default is not None:
            expr = f"coalesce({expr}, {lit(_as_text(spec.default))})"
        return expr


def _as_text(value: Any) -> str | None:
    return None if value is None else text(value)


def _not_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return True
    return False


def _aggregate(spec: ColumnMap, column: str) -> str:
    agg = spec.agg
    if agg == "count":
        return f"count({column})"
    if agg == "count_distinct":
        return f"count(DISTINCT {column})"
    if agg == "list":
        return f"list_sort(list_distinct(list({column})))"
    if agg == "first":
        return f"arg_min({column}, {LINE}) FILTER (WHERE {column} IS NOT NULL)"
    if agg == "last":
        return f"arg_max({column}, {LINE}) FILTER (WHERE {column} IS NOT NULL)"
    if agg in ("min", "max") and spec.type is None:
        # Numbers compare as numbers when every value is one; other text (ISO dates) as text.
        number = f"TRY_CAST({column} AS DOUBLE)"
        return (
            f"CASE WHEN bool_and({column} IS NULL OR {number} IS NOT NULL) "
            f"THEN CAST({agg}({number}) AS VARCHAR) ELSE {agg}({column}) END"
        )
    return f"{agg}({column})"
