"""DuckDB DDL derived from the ledger model, so the store can never drift from the records."""

from __future__ import annotations

import datetime as dt
import functools
import typing
from decimal import Decimal

from ledger.model import RECORD_TYPES, data_fields

if typing.TYPE_CHECKING:  # imported where used: a command that only reads the ledger never loads pyarrow
    import pyarrow as pa

PROVENANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_system", "VARCHAR NOT NULL"),
    ("source_table", "VARCHAR NOT NULL"),
    ("source_key", "VARCHAR NOT NULL"),
    ("run_id", "VARCHAR NOT NULL"),
)


@functools.cache  # type hints are resolved once: this is asked for every staged chunk
def _base_type(table: str, column: str) -> type:
    hints = typing.get_type_hints(RECORD_TYPES[table])
    hint = hints[column]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base: type = args[0] if args else hint
    return base


def sql_type(table: str, column: str) -> str:
    base = _base_type(table, column)
    if base is Decimal:
        return "DECIMAL(19,5)"
    if base is dt.date:
        return "DATE"
    if base is bool:
        return "BOOLEAN"
    if base is int:
        return "INTEGER"
    return "VARCHAR"


def arrow_type(table: str, column: str) -> pa.DataType:
    import pyarrow as pa  # noqa: PLC0415 - see the TYPE_CHECKING import

    base = _base_type(table, column)
    if base is Decimal:
        return pa.decimal128(19, 5)
    if base is dt.date:
        return pa.date32()
    if base is bool:
        return pa.bool_()
    if base is int:
        return pa.int32()
    return pa.string()


def columns(table: str) -> list[str]:
    return [f.name for f in data_fields(table)]


def create_table_sql(table: str, name: str | None = None, *, keys: bool = True) -> str:
    cls = RECORD_TYPES[table]
    cols = [f"{c} {sql_type(table, c)}" for c in columns(table)]
    cols += [f"{c} {t}" for c, t in PROVENANCE_COLUMNS]
    if keys:
        cols.append(f"PRIMARY KEY ({', '.join(cls.KEY)})")
    return f"CREATE TABLE IF NOT EXISTS {name or table} ({', '.join(cols)})"


@functools.cache
def arrow_schema(table: str) -> pa.Schema:
    import pyarrow as pa  # noqa: PLC0415 - see the TYPE_CHECKING import

    fields = [pa.field(c, arrow_type(table, c)) for c in columns(table)]
    fields += [pa.field(c, pa.string()) for c, _ in PROVENANCE_COLUMNS]
    fields += [pa.field("_stream", pa.string()), pa.field("_row_number", pa.int64())]
    return pa.schema(fields)


META_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS quarantine (
        run_id VARCHAR NOT NULL, stream VARCHAR NOT NULL, target_table VARCHAR,
        source_system VARCHAR NOT NULL, source_table VARCHAR NOT NULL, source_key VARCHAR,
        row_number BIGINT, reason VARCHAR NOT NULL, raw JSON, quarantined_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sync_state (
        source_system VARCHAR NOT NULL, stream VARCHAR NOT NULL, cursor VARCHAR,
        last_run_id VARCHAR NOT NULL, rows_read BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
        synced_at TIMESTAMP NOT NULL, PRIMARY KEY (source_system, stream))""",
    """CREATE TABLE IF NOT EXISTS run (
        run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, source_system VARCHAR,
        started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL,
        summary JSON, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS store_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
)

SCHEMA_VERSION = "1"
