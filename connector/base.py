"""What every connector gives: named streams that yield chunks of `SourceRow`s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal, Protocol

DEFAULT_CHUNK_ROWS = 5000
# GP SQL maps set-based (mappings/columnar.py): DuckDB plans each chunk's mapping query anew (~10 ms) and
# commits each chunk, so bigger chunks pay less of both (large sync: 55 s at 5,000 rows, 49 s at 20,000,
# 36 s at 100,000; peak memory 845 → 900 MB). 100,000 GP rows as Python tuples are ~40 MB.
SQL_CHUNK_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as the source gave it, with its values already exact (Decimal, date, trimmed str).

    Attributes:
        table: the source table or file the row came from (provenance).
        row_number: 1-based; for files the line's row in the sheet (the header is row 1).
        values: column name → value. Values the connector could not convert stay as read, so the
            mapping can quarantine the row with a reason instead of the run failing.
    """

    table: str
    row_number: int
    values: dict[str, Any]
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class RawChunk:
    """A chunk exactly as the driver gave it, for set-based mapping (see mappings/columnar.py).

    Attributes:
        table: the source table (provenance).
        first_row: the row number of `rows[0]`; the rest follow on.
        names: the columns of each row, in order; the cursor column, if any, is named `cursor_name`.
        kinds: per column, what the connector makes of it: "text", "decimal", "int", "date", or for the
            cursor "timestamp_cursor" / "date_cursor" (ISO text to the millisecond / the day).
        converters: per column, the function that makes the value exact (as in `SourceRow.values`).
        rows: the driver's rows.
    """

    table: str
    first_row: int
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    converters: tuple[Callable[[Any], Any], ...]
    rows: Sequence[Sequence[Any]]
    cursor_name: str | None = None

    def columns(self) -> list[list[Any]]:
        """The values column by column, in the order of `names`."""
        # A C-level pass per column: a third faster than zip(*rows) over 100,000 driver rows.
        return [list(map(itemgetter(i), self.rows)) for i in range(len(self.names))]

    def source_rows(self, positions: Sequence[int] | None = None) -> list[SourceRow]:
        """The rows (all, or those at `positions`) as `SourceRow`s, converted value by value."""
        chosen = range(len(self.rows)) if positions is None else positions
        names, converters, cursor_name = self.names, self.converters, self.cursor_name
        out: list[SourceRow] = []
        for i in chosen:
            values = {name: conv(value) for name, conv, value in zip(names, converters, self.rows[i], strict=True)}
            cursor = values.pop(cursor_name, None) if cursor_name is not None else None
            out.append(SourceRow(self.table, self.first_row + i, values, cursor))
        return out


@dataclass(frozen=True, slots=True)
class Watermark:
    """How a stream is read incrementally.

    - "timestamp" / "date": the source keeps a change time (GP DEX_ROW_TS, BC lastModifiedDateTime)
      or only a document date. Rows come ordered by it, each with `SourceRow.cursor` set as ISO text
      ("YYYY-MM-DD HH:MM:SS.fff" or "YYYY-MM-DD"); `read(..., since=c)` returns the rows with a
      cursor >= c. The next sync asks from the highest cursor seen minus `overlap`, so changes
      committed late with an earlier time are not missed; re-read rows are de-duplicated by key.
    - "snapshot": the stream can only be read whole (a file). `fingerprint` tells whether it
      changed; a changed stream replaces what was read from it before.
    Streams without a watermark are read whole on every sync and merged by key.
    """

    kind: Literal["timestamp", "date", "snapshot"]
    overlap: dt.timedelta = dt.timedelta(0)

    def rewind(self, cursor: str) -> str:
        """The cursor to ask from next time: `cursor` minus the overlap, in the same ISO shape."""
        if self.kind == "date":
            return (dt.date.fromisoformat(cursor[:10]) - self.overlap).isoformat()
        if self.kind == "timestamp":
            moment = dt.datetime.fromisoformat(cursor) - self.overlap
            return timestamp_text(moment)
        return cursor


def timestamp_text(moment: dt.datetime) -> str:
    """A timestamp cursor as sortable text, to the millisecond (SQL Server datetime keeps 1/300 s)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="milliseconds")


class Connector(Protocol):
    """A source of raw rows. `system` names it in provenance (e.g. "gp-sql", "files").

    A connector may also offer `read_raw(stream, columns, since) -> Iterator[RawChunk]`: the same rows as
    the driver gave them, which the sync maps set-based where the mapping compiles (mappings/columnar.py).
    A connector with `read_ahead = True` is read on a second thread while the sync stages
    (profitlens/read_ahead.py); it may offer `cancel()`, which the sync calls from its own thread when it
    fails or is interrupted, to stop the query running there instead of waiting for it to finish.
    A connector that cannot tell from a list which documents are voided may offer
    `use_voided(source_keys: frozenset[str])`: before reading, the sync gives it the source keys of the
    documents of its system and company that the ledger (or this run's staged rows) holds as voided.
    """

    system: str

    def stream_names(self) -> Sequence[str]:
        """The streams this connector can read."""
        ...

    def available_columns(self, stream: str) -> Sequence[str] | None:
        """Columns a mapping may use on `stream`, or None where any column is allowed."""
        ...

    def watermark(self, stream: str) -> Watermark | None:
        """How `stream` can be read incrementally, or None when it is always read whole."""
        ...

    def fingerprint(self, stream: str) -> str | None:
        """For "snapshot" streams: a value that changes whenever the stream's content does."""
        ...

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        """Yield the stream's rows in chunks, each row holding at least `columns`.

        With a "timestamp" or "date" watermark, rows come in cursor order and `since` limits them
        to cursors >= since (None: all rows).
        """
        ...

    def close(self) -> None: ...
