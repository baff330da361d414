"""A raw chunk as an Arrow table for the set-based mapping: each column's shape, judged from every value
of the chunk (text, float or Decimal amounts, dates, timestamps, the cursor as the driver gave it), and the
chunk in record batches DuckDB scans on every core. A value that does not fit its shape leaves the chunk to
the row engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from connector.base import RawChunk

ARROW_BATCH_ROWS = 10_000


def shape_of(kind: str, values: Sequence[Any]) -> str | None:
    """How a column of `kind` goes into Arrow, judged by every value; None: it cannot (row engine)."""
    types = set(map(type, values))
    types.discard(type(None))
    if kind == "text":
        return "str" if types <= {str} else None
    if kind == "decimal":
        if types <= {float, int}:
            return "float"
        return "decimal" if types <= {Decimal} else None
    if kind == "int":
        return "int" if types <= {int} else None
    if kind == "date":
        if types <= {dt.datetime}:
            return "timestamp" if all(v is None or v.tzinfo is None for v in values) else None
        if types <= {dt.date}:
            return "date"
        return "datestr" if types <= {str} else None
    if kind in ("timestamp_cursor", "date_cursor"):
        # Naive datetimes become cursor text in SQL; anything else through the connector's function.
        if types == {dt.datetime} and all(v is None or v.tzinfo is None for v in values):
            return "cursor_ts" if kind == "timestamp_cursor" else "cursor_date"
        if types == {str}:  # read in SQL where it has the ISO shape; otherwise the chunk goes row by row
            return "cursor_tstext" if kind == "timestamp_cursor" else "cursor_dtext"
        return "cursor_text"
    return None


_ARROW = {
    "str": pa.string(),
    "float": pa.float64(),
    "decimal": pa.decimal128(19, 5),
    "int": pa.int64(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "datestr": pa.string(),
    "cursor_ts": pa.timestamp("us"),
    "cursor_date": pa.timestamp("us"),
    "cursor_text": pa.string(),
    "cursor_tstext": pa.string(),
    "cursor_dtext": pa.string(),
}


def arrow_chunk(
    chunk: RawChunk, shapes: dict[str, str], columns: Sequence[Sequence[Any]] | None = None
) -> pa.Table | None:
    """The chunk as an Arrow table of the columns in `shapes`, plus _row_number and _cursor; None if a
    value does not fit its column's Arrow type (the chunk then goes through the row engine)."""
    columns = columns if columns is not None else chunk.columns()
    data: dict[str, pa.Array] = {}
    cursor: pa.Array = pa.nulls(len(chunk.rows), type=pa.string())
    try:
        for name, values, conv in zip(chunk.names, columns, chunk.converters, strict=True):
            if name == chunk.cursor_name:
                shape = shapes.get("_cursor", "cursor_text")
                cursor = pa.array(values if shape != "cursor_text" else [conv(v) for v in values], type=_ARROW[shape])
            elif name in shapes:
                data[name] = pa.array(values, type=_ARROW[shapes[name]])
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    data["_row_number"] = pa.array(range(chunk.first_row, chunk.first_row + len(chunk.rows)), type=pa.int64())
    data["_cursor"] = cursor
    # DuckDB scans an Arrow table one record batch per thread: in slices (no copy) the mapping query
    # runs on every core (100,000 sales lines: 290 ms in one batch, 165 ms in batches of 10,000 on 2 cores).
    return pa.Table.from_batches(pa.table(data).to_batches(max_chunksize=ARROW_BATCH_ROWS))
