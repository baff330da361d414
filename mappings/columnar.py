"""Set-based mapping: one stream's mapping compiled to a DuckDB query over a chunk's columns.

The row engine (engine.py) maps a row at a time and stays the reference. Per row and field it
costs microseconds of Python, which at a million invoice lines is most of a sync. Most rows need
none of its care: plain text, amounts with five decimals, dates in range. This module compiles a
stream's rules to SQL over the chunk as an Arrow table, exactly for those rows, and flags every
row it cannot prove it maps the same (`_python`); the sync sends only the flagged rows through
the row engine, which lands them or quarantines them with its own reason.

Compilation is conservative: a rule whose SQL this module cannot make equal to the row engine
(a scaled amount, a template over a number, an enum read without a code table…) is refused with
`Unsupported`, and the whole stream keeps the row engine. `tests/mappings/test_columnar.py`
checks, on generated rows, that both paths stage the same ledger rows, quarantine and skips.

What the checks cover, and why each is exact:
- text: the row engine strips all whitespace and refuses control characters; SQL trims spaces.
  A value holding any control character or non-space whitespace is flagged, so on the rest both agree.
- amounts from float (the SQLite ODBC driver): the row engine rounds `Decimal(repr(x))` half up to
  five decimals; DuckDB casts the double. Away from a half cent-thousandth and below 10^8 both give
  the same five decimals; the rest is flagged.
- dates: GP's 1900-01-01 is empty; a year outside 1950-2199 is flagged (the row engine refuses it).
- code tables: every code's value is converted once, here, by the row engine's own converters.

How a chunk's columns go into Arrow (their shapes) is `mappings.arrow_chunks`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector.base import RawChunk
from ledger import schema
from ledger.model import REQUIRED, data_fields
from mappings import coerce
from mappings.arrow_chunks import shape_of
from mappings.engine import _TEMPLATE_PART, FRACTIONS, NON_NEGATIVE, SKIP, FieldRule, StreamMapping

# Any character Python's str.strip() removes other than the space, and every control character:
# (first, last) code points, as a set for constants checked here and as a regex class for DuckDB.
_SPECIAL_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200B),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_SPECIAL_CHARS = {chr(c) for lo, hi in _SPECIAL_RANGES for c in range(lo, hi + 1)}
SPECIAL = "[" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in _SPECIAL_RANGES) + "]"
RAW = "profitlens_raw"  # the chunk, registered in DuckDB under this name
MAX_FLOAT_AMOUNT = 10**8  # below it a double times 10^5 is exact to far better than the check's margin


class Unsupported(Exception):
    """The rule has no SQL that provably equals the row engine: the stream keeps the row engine."""


@dataclass(frozen=True)
class ColumnarPlan:
    """The compiled mapping of one stream for one set of column shapes."""

    stream: str
    table: str
    shapes: tuple[tuple[str, str], ...]  # (column, shape) as compiled
    select_sql: str  # over RAW: the ledger columns, source_key, _row_number, _cursor, _cursor_ok, _skip, _python


@dataclass
class _Field:
    sql: str
    python: list[str]  # conditions under which the row goes to the row engine
    skip: list[str]  # conditions under which the row is left out on purpose (a code mapped to "skip")


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _text_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _literal(value: Any, table: str, column: str) -> str:
    """A constant as SQL of the column's store type."""
    sql_type = schema.sql_type(table, column)
    if value is None:
        return f"CAST(NULL AS {sql_type})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, Decimal | int | float):
        return f"CAST({_text_literal(str(value))} AS {sql_type})"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return _text_literal(str(value))


# Cursor text as the connector makes it (connector.gp_streams.timestamp_cursor / date_cursor), for
# driver values of these shapes; `_cursor_ok` is false where the text is not in the shape.
_ISO_MOMENT = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?$'"
_CURSOR_SQL = {
    "cursor_ts": ("strftime(_cursor, '%Y-%m-%d %H:%M:%S.%g')", "true"),
    "cursor_date": ("strftime(_cursor, '%Y-%m-%d')", "true"),
    "cursor_tstext": (
        "strftime(TRY_CAST(_cursor AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g')",
        f"_cursor IS NULL OR (regexp_matches(_cursor, {_ISO_MOMENT}) AND TRY_CAST(_cursor AS TIMESTAMP) IS NOT NULL)",
    ),
    "cursor_dtext": (
        "substr(_cursor, 1, 10)",
        "_cursor IS NULL OR (regexp_matches(_cursor, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') AND length(_cursor) >= 10)",
    ),
}


class _Compiler:
    def __init__(self, sm: StreamMapping, shapes: dict[str, str]) -> None:
        self.sm = sm
        self.shapes = shapes
        self.special: dict[str, None] = {}  # text columns to search for special characters, once per row
        # Expressions used more than once, computed once per row in an inner SELECT (DuckDB does not
        # share them: a template's text repeated in its value and checks cost most of the query).
        self.inner: list[tuple[str, str]] = []

    def shape(self, column: str) -> str:
        found = next((s for c, s in self.shapes.items() if c.lower() == column.lower()), None)
        if found is None:
            raise Unsupported(f"column {column} is not in the chunk")
        return found

    def text_of(self, column: str) -> _Field:
        """The column as the row engine's `str(value).strip()`, NULL for None."""
        q, shape = _q(column), self.shape(column)
        if shape == "str":
            self.special[q] = None
            return _Field(f"trim({q}, ' ')", [], [])
        if shape == "int":
            return _Field(f"CAST({q} AS VARCHAR)", [], [])
        raise Unsupported(f"{column} as text from {shape}")

    def text_or_empty(self, column: str) -> _Field:
        text = self.text_of(column)
        return _Field(f"coalesce({text.sql}, '')", text.python, [])

    def read(self, column: str, target: Any) -> _Field:
        """The column converted to the field's type, as the row engine would."""
        q, shape = _q(column), self.shape(column)
        if target is str:
            text = self.text_of(column)
            too_long = [f"strlen({q}) > {coerce.MAX_TEXT}"] if shape == "str" else []
            return _Field(f"nullif({text.sql}, '')", text.python + too_long, [])
        if target is Decimal:
            if shape == "float":
                scaled = f"({q} * 100000)"
                return _Field(
                    f"TRY_CAST({q} AS DECIMAL(19,5))",
                    [
                        f"{q} IS NOT NULL AND (NOT isfinite({q}) OR abs({q}) >= {MAX_FLOAT_AMOUNT} "
                        f"OR abs(abs({scaled} - trunc({scaled})) - 0.5) < 0.01)"
                    ],
                    [],
                )
            if shape in ("decimal", "int"):
                return _Field(
                    f"TRY_CAST({q} AS DECIMAL(19,5))", [f"abs({q}) > 99999999999999"] if shape == "int" else [], []
                )
        if target is int and shape == "int":
            return _Field(q, [f"abs({q}) > {2**31 - 1}"], [])
        if target is bool and shape == "int":
            return _Field(f"({q} <> 0)", [], [])
        if target is dt.date and shape in ("timestamp", "date", "datestr"):
            if shape == "datestr":
                trimmed = f"trim({q}, ' ')"
                day = f"TRY_CAST(substr({trimmed}, 1, 10) AS DATE)"
                readable = f"regexp_matches({trimmed}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') AND {day} IS NOT NULL"
                empty = f"{trimmed} = ''"
                self.special[q] = None
                python = [f"{q} IS NOT NULL AND NOT ({empty} OR ({readable}))"]
            else:
                day, empty, python = f"CAST({q} AS DATE)", "false", []
            python.append(
                f"{q} IS NOT NULL AND NOT ({empty}) AND {day} <> DATE '1900-01-01' "
                f"AND (year({day}) < 1950 OR year({day}) > 2199)"
            )
            return _Field(f"CASE WHEN {empty} OR {day} = DATE '1900-01-01' THEN NULL ELSE {day} END", python, [])
        raise Unsupported(f"{column} ({shape}) into {getattr(target, '__name__', target)}")

    def constant(self, rule: FieldRule, raw: Any) -> Any:
        """A constant through the row engine's own conversion; Unsupported if it refuses it."""
        try:
            return self.sm._coerce(FieldRule(rule.name), raw)
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise Unsupported(f"{rule.name}: {raw!r}") from exc

    def code(self, column: str, table: str, constant: Any, keep: Any) -> _Field:
        """A column through a code table: `constant(mapped)` is a code's SQL value (or raises
        Unsupported: rows with that code go to the row engine); `keep()` the unlisted code's own value."""
        codes = self.sm.codes[table]
        key = self.text_of(column)
        key_sql = f"coalesce({key.sql}, '')"
        whens: list[str] = []
        field = _Field("", list(key.python), [])
        listed = [k for k in codes if k != "_other"]
        for k in listed:
            if k != k.strip() or any(ch in _SPECIAL_CHARS for ch in k):
                raise Unsupported(f"code {k!r}")
            mapped = codes[k]
            if mapped == SKIP:
                field.skip.append(f"{key_sql} = {_text_literal(k)}")
                continue
            try:
                whens.append(f"WHEN {_text_literal(k)} THEN {constant(mapped)}")
            except Unsupported:
                field.python.append(f"{key_sql} = {_text_literal(k)}")
        not_listed = f"{key_sql} NOT IN ({', '.join(_text_literal(k) for k in listed)})" if listed else "true"
        other = codes.get("_other")
        if other is None:
            field.python.append(not_listed)
            otherwise = "NULL"
        elif other == SKIP:
            field.skip.append(not_listed)
            otherwise = "NULL"
        elif other == "keep":
            kept: _Field = keep()
            otherwise = kept.sql
            field.python += kept.python
        else:
            otherwise = constant(other)
        field.sql = f"(CASE {key_sql} {' '.join(whens)} ELSE {otherwise} END)" if whens else f"({otherwise})"
        return field

    def field(self, rule: FieldRule, target: Any) -> _Field:
        table = self.sm.table
        if rule.scale is not None:
            raise Unsupported("scaled amounts")
        if rule.template is not None:
            if target is not str:
                raise Unsupported("a template into a non-text field")
            return self.template(rule.template, rule.name)
        if rule.column is not None and rule.codes:
            column = rule.column

            def keep() -> _Field:
                if target is not str:
                    raise Unsupported("an unlisted code kept in a non-text field")
                return self.read(column, target)

            return self.code(
                column, rule.codes, lambda mapped: _literal(self.constant(rule, mapped), table, rule.name), keep
            )
        if rule.column is not None:
            return self.read(rule.column, target)
        return _Field(_literal(self.constant(rule, rule.value), table, rule.name), [], [])

    def template(self, template: str, name: str) -> _Field:
        parts: list[str] = []
        field = _Field("", [], [])
        position = 0
        for match in _TEMPLATE_PART.finditer(template):
            parts.append(_text_literal(template[position : match.start()]))
            column, codes = match.group(1), match.group(2)
            if codes:
                part = self.code(
                    column,
                    codes,
                    lambda mapped: _text_literal(str(mapped).strip()),
                    functools.partial(self.text_or_empty, column),
                )
            else:
                part = self.text_or_empty(column)
            parts.append(part.sql)
            field.python += part.python
            field.skip += part.skip
            position = match.end()
        parts.append(_text_literal(template[position:]))
        literals = _TEMPLATE_PART.sub("", template)
        if any(ch in _SPECIAL_CHARS for ch in literals):
            raise Unsupported("a template with control characters")
        text = f"_t_{name}"
        self.inner.append((text, f"trim(concat({', '.join(parts)}), ' ')"))
        literal = _text_literal(literals.strip())
        field.sql = f"(CASE WHEN {text} = '' OR {text} = {literal} THEN NULL ELSE {text} END)"
        field.python.append(f"strlen({text}) > {coerce.MAX_TEXT}")
        return field


def compile_stream(
    sm: StreamMapping, shapes: dict[str, str], *, system: str, source_table: str, company: str, stream: str
) -> ColumnarPlan:
    """The SELECT that maps a chunk of `sm`'s stream, or Unsupported."""
    compiler = _Compiler(sm, {c: s for c, s in shapes.items() if c != "_cursor"})
    table = sm.table
    required = set(REQUIRED[table])
    non_negative = set(NON_NEGATIVE.get(table, ()))
    fractions = set(FRACTIONS.get(table, ()))
    defaults = {f.name: f.default for f in data_fields(table)}
    selects: list[str] = []
    values: list[tuple[str, str]] = []  # each field's value once per row, before the checks that read it
    python: list[str] = []
    skip: list[str] = []
    for name in schema.columns(table):
        rule = sm.fields.get(name)
        default = defaults[name] if defaults[name] is not dataclasses.MISSING else None
        if name == "company" and rule is None:
            selects.append(f"{_text_literal(company)} AS company")
            continue
        if rule is None:
            selects.append(f"{_literal(default, table, name)} AS {name}")
            continue
        compiled = compiler.field(rule, sm._types[name])
        python += compiled.python
        skip += compiled.skip
        value = f"_v_{name}"
        values.append((value, compiled.sql))
        if name in required:
            python.append(f"({value}) IS NULL")
        if name in non_negative:
            python.append(f"coalesce(({value}) < 0, false)")
        if name in fractions:
            python.append(f"coalesce(({value}) > 1, false)")
        sql_type = schema.sql_type(table, name)
        if default is not None:
            value = f"coalesce({value}, {_literal(default, table, name)})"
        selects.append(f"TRY_CAST({value} AS {sql_type}) AS {name}")
    if sm.source_key:
        pieces = []
        for column in sm.source_key:
            text = compiler.text_of(column)
            python += text.python
            pieces.append(f"coalesce({text.sql}, '')")
        key_sql = " || '|' || ".join(pieces)
    else:
        key_sql = "'row ' || _row_number"
    if compiler.special:  # one search per row over all its text (concat skips NULLs)
        python.append(f"regexp_matches(concat({', '.join(compiler.special)}), '{SPECIAL}')")
    cursor_sql, cursor_ok = _CURSOR_SQL.get(shapes.get("_cursor", "cursor_text"), ("_cursor", "true"))
    selects += [
        f"{_text_literal(system)} AS source_system",
        f"{_text_literal(source_table)} AS source_table",
        f"{key_sql} AS source_key",
        f"{_text_literal(stream)} AS _stream",
        "_row_number",
        f"{cursor_sql} AS _cursor",
        f"coalesce({cursor_ok}, false) AS _cursor_ok",
        f"({' OR '.join(f'coalesce(({c}), false)' for c in skip) or 'false'}) AS _skip",
        f"({' OR '.join(f'coalesce(({c}), false)' for c in python) or 'false'}) AS _python",
    ]
    texts = "".join(f", {expr} AS {alias}" for alias, expr in compiler.inner)
    fields = "".join(f", {expr} AS {alias}" for alias, expr in values)
    sql = (
        f"WITH texts AS (SELECT *{texts} FROM {RAW}), fields AS (SELECT *{fields} FROM texts) "
        f"SELECT {', '.join(selects)} FROM fields"
    )
    return ColumnarPlan(stream, table, tuple(sorted(shapes.items())), sql)


def plan_for(
    chunk: RawChunk,
    sm: StreamMapping,
    cache: dict[tuple[tuple[str, str], ...], ColumnarPlan | None],
    *,
    system: str,
    company: str,
    stream: str,
    columns: Sequence[Sequence[Any]] | None = None,
) -> ColumnarPlan | None:
    """The compiled plan for this chunk's column shapes (compiled once per shape, kept in `cache`),
    or None: the chunk goes through the row engine."""
    wanted = {c.lower() for c in sm.columns()}
    found: list[tuple[str, str]] = []
    columns = columns if columns is not None else chunk.columns()
    for name, kind, values in zip(chunk.names, chunk.kinds, columns, strict=True):
        if name != chunk.cursor_name and name.lower() not in wanted:
            continue
        shape = shape_of(kind, values)
        if shape is None:
            return None
        found.append(("_cursor" if name == chunk.cursor_name else name, shape))
    shapes = tuple(found)
    if shapes not in cache:
        try:
            cache[shapes] = compile_stream(
                sm, dict(shapes), system=system, source_table=chunk.table, company=company, stream=stream
            )
        except Unsupported:
            cache[shapes] = None
    return cache[shapes]
