"""What GP SQL reads: one stream per kind of record (the GP tables, their key, joins and filters, and the
cursor an incremental sync resumes from), and the SELECT built for each from the columns the mapping
asks for — every name checked against the real GP schema (connector/gp_schema.tsv), every value bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import QueryError
from connector.base import Watermark, timestamp_text
from connector.gp_values import Converter, converter_for, gp_schema, to_date, to_decimal, to_int, to_text


@dataclass(frozen=True, slots=True)
class GpStream:
    """One readable stream: the tables it reads (the first gives provenance), joins and filter.

    `history_filter` names the date column limited by `history_from` (history tables only).
    """

    name: str
    tables: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    joins: str = ""
    where: str = ""
    history_filter: str | None = None
    # The change watermark: an SQL expression rows are ordered by, and the condition that keeps
    # the rows at or after a cursor (its ? are all bound to the cursor). None: read whole each time.
    cursor: str | None = None
    cursor_filter: str | None = None
    watermark: Watermark | None = None


# GP's DEX_ROW_TS is UTC, refreshed by an AFTER UPDATE trigger; a transaction that commits late
# may carry a slightly earlier time, hence the overlap. Tables without DEX_ROW_TS fall back to a
# document date; rows posted later with an older date are caught by the longer overlap, and by
# `profitlens sync --full`.
CHANGED = Watermark("timestamp", dt.timedelta(minutes=10))
DATED = Watermark("date", dt.timedelta(days=35))


def _ts(alias: str) -> dict[str, Any]:
    return {"cursor": f"{alias}.DEX_ROW_TS", "cursor_filter": f"{alias}.DEX_ROW_TS >= ?", "watermark": CHANGED}


def _dated(column: str) -> dict[str, Any]:
    return {"cursor": column, "cursor_filter": f"{column} >= ?", "watermark": DATED}


STREAMS: dict[str, GpStream] = {
    s.name: s
    for s in (
        GpStream("customers", (("RM00101", "c"),), key=("CUSTNMBR",), **_ts("c")),
        GpStream("salespeople", (("RM00301", "s"),), key=("SLPRSNID",), **_ts("s")),
        GpStream("employees", (("UPR00100", "e"),), key=("EMPLOYID",)),
        # The item master (IV00101) and its class's description (IV40400): the product lines. Both tables
        # from a GP company database's DDL (public; not in ../shared/reference): ITMCLSCD char(11) on both,
        # ITEMTYPE smallint 1 Sales Inventory … 6 Flat Fee; IV00101 has DEX_ROW_TS, IV40400 a class row each.
        GpStream(
            "items",
            (("IV00101", "i"), ("IV40400", "k")),
            key=("ITEMNMBR",),
            joins="LEFT JOIN IV40400 k ON k.ITMCLSCD = i.ITMCLSCD",
            **_ts("i"),
        ),
        # Posted receivables: open (RM20101) and history (RM30101). Amounts are functional currency;
        # MC020102 adds the originating currency amount and rate for foreign-currency documents.
        GpStream(
            "receivables_open",
            (("RM20101", "d"), ("MC020102", "m")),
            key=("RMDTYPAL", "DOCNUMBR"),
            joins="LEFT JOIN MC020102 m ON m.RMDTYPAL = d.RMDTYPAL AND m.DOCNUMBR = d.DOCNUMBR",
            **_ts("d"),
        ),
        GpStream(
            "receivables_history",
            (("RM30101", "d"), ("MC020102", "m")),
            key=("RMDTYPAL", "DOCNUMBR"),
            joins="LEFT JOIN MC020102 m ON m.RMDTYPAL = d.RMDTYPAL AND m.DOCNUMBR = d.DOCNUMBR",
            history_filter="d.DOCDATE",
            **_ts("d"),
        ),
        GpStream("applications_open", (("RM20201", "a"),), key=("APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM")),
        GpStream(
            "applications_history",
            (("RM30201", "a"),),
            key=("APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM"),
            history_filter="a.DATE1",
            **_dated("a.DATE1"),
        ),
        # Posted SOP invoices (3) and returns (4), parent lines only: kit components (CMPNTSEQ > 0)
        # carry the kit's cost again and would be counted twice.
        GpStream(
            "sales_lines",
            (("SOP30300", "l"), ("SOP30200", "h")),
            key=("SOPTYPE", "SOPNUMBE", "LNITMSEQ"),
            joins="JOIN SOP30200 h ON h.SOPTYPE = l.SOPTYPE AND h.SOPNUMBE = l.SOPNUMBE",
            where="l.SOPTYPE IN (3, 4) AND l.CMPNTSEQ = 0 AND h.VOIDSTTS = 0",
            history_filter="h.DOCDATE",
            # A line changes with its header (voided, re-dated): the later of the two stamps.
            cursor="CASE WHEN h.DEX_ROW_TS > l.DEX_ROW_TS THEN h.DEX_ROW_TS ELSE l.DEX_ROW_TS END",
            cursor_filter="(l.DEX_ROW_TS >= ? OR h.DEX_ROW_TS >= ?)",
            watermark=CHANGED,
        ),
        # Project Accounting timesheet lines (history), attributed to the project's customer.
        GpStream(
            "timesheets",
            (("PA30101", "t"), ("PA01201", "p")),
            key=("PATSNO", "LNITMSEQ"),
            joins="LEFT JOIN PA01201 p ON p.PAPROJNUMBER = t.PAPROJNUMBER",
            history_filter="t.PADT",
            **_dated("t.PADT"),
        ),
    )
}


def resolve_column(stream: GpStream, column: str) -> tuple[str, str, str]:
    """Find `column` in the stream's tables: (alias, spelled column, SQL type).

    Raises:
        QueryError: no table of the stream has that column (names the tables searched).
    """
    schema = gp_schema()
    for table, alias in stream.tables:
        for known, sql_type in schema.get(table, {}).items():
            if known.lower() == column.lower():
                return alias, known, sql_type
    tables = ", ".join(t for t, _ in stream.tables)
    raise QueryError(
        f"column {column!r} is not a column of {tables}",
        stream=stream.name,
        hint="check the spelling against the GP table, e.g. USERDEF1",
    )


def build_query(
    stream: GpStream, columns: Sequence[str], *, since: bool = False, ordered: bool = True
) -> tuple[str, list[str], list[Converter]]:
    """SELECT for `stream` returning the key columns and `columns`: (sql, names, converters).

    A stream with a watermark also returns its cursor (last column, PL_CURSOR) and is ordered by
    it; `since` adds the condition on the cursor (parameters: history date first, then the cursor).
    """
    wanted = list(dict.fromkeys([*stream.key, *columns]))
    select: list[str] = []
    names: list[str] = []
    converters: list[Converter] = []
    for column in wanted:
        alias, spelled, sql_type = resolve_column(stream, column)
        select.append(f"{alias}.{spelled}")
        names.append(spelled)
        converters.append(converter_for(sql_type))
    if stream.cursor is not None and stream.watermark is not None:
        select.append(f"{stream.cursor} AS {CURSOR}")
        names.append(CURSOR)
        converters.append(timestamp_cursor if stream.watermark.kind == "timestamp" else date_cursor)
    base, alias = stream.tables[0]
    sql = f"SELECT {', '.join(select)} FROM {base} {alias}"
    if stream.joins:
        sql += f" {stream.joins}"
    conditions = [c for c in (stream.where, f"{stream.history_filter} >= ?" if stream.history_filter else "") if c]
    if since and stream.cursor_filter:
        conditions.append(stream.cursor_filter)
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    if stream.cursor is not None and ordered:
        sql += f" ORDER BY {stream.cursor}, " + ", ".join(f"{alias}.{k}" for k in stream.key)
    return sql, names, converters


CURSOR = "PL_CURSOR"  # CURSOR itself is reserved in T-SQL


def timestamp_cursor(value: Any) -> str | None:
    """DEX_ROW_TS as cursor text, whatever the driver returns (datetime or text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if isinstance(value, dt.datetime):
        return timestamp_text(value)
    if isinstance(value, dt.date):
        return timestamp_text(dt.datetime.combine(value, dt.time()))
    return None


def date_cursor(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()[:10]
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return None


KINDS: dict[Converter, str] = {
    to_text: "text",
    to_decimal: "decimal",
    to_int: "int",
    to_date: "date",
    timestamp_cursor: "timestamp_cursor",
    date_cursor: "date_cursor",
}
