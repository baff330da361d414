"""Write GP-shaped tables into SQLite: real table and column names and types, GP defaults,
right-padded char(n), dates as 'YYYY-MM-DD 00:00:00' with 1900-01-01 for empty."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from connector.gp_values import gp_schema

SAMPLE_TABLES = (
    "RM00101",
    "RM00301",
    "UPR00100",
    "RM20101",
    "RM30101",
    "RM20201",
    "RM30201",
    "SOP30200",
    "SOP30300",
    "MC020102",
    "RM40401",
    "PA30101",
    "PA01201",
    "IV00101",
    "IV40400",
)

# GP's primary keys (clustered indexes) of the sample's tables, as ../shared/reference/dynamics-gp/NOTES.md
# gives them. Without them SQLite builds a throw-away index for every join, which no GP server does.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "RM00101": ("CUSTNMBR",),
    "RM00301": ("SLPRSNID",),
    "UPR00100": ("EMPLOYID",),
    "RM20101": ("CUSTNMBR", "RMDTYPAL", "DOCNUMBR"),
    "RM30101": ("CUSTNMBR", "RMDTYPAL", "DOCNUMBR"),
    "RM20201": ("APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM"),
    "RM30201": ("APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM"),
    "SOP30200": ("SOPNUMBE", "SOPTYPE"),
    "SOP30300": ("SOPNUMBE", "SOPTYPE", "CMPNTSEQ", "LNITMSEQ"),
    "MC020102": ("RMDTYPAL", "DOCNUMBR"),
    "IV00101": ("ITEMNMBR",),  # PKIV00101 in GP's DDL
    "IV40400": ("ITMCLSCD",),
}
# Columns other tables are joined on where the reference gives no key: an index, not a promise of uniqueness.
JOIN_INDEXES: dict[str, tuple[str, ...]] = {"PA01201": ("PAPROJNUMBER",)}

_DEFAULTS = {
    "char": "''",
    "numeric": "0",
    "smallint": "0",
    "int": "0",
    "tinyint": "0",
    "datetime": "'1900-01-01 00:00:00'",
    "binary": "X'00000000'",
}


def create_tables(con: sqlite3.Connection, tables: Sequence[str] = SAMPLE_TABLES, *, keys: bool = True) -> None:
    """CREATE TABLE for each GP table with every column of the real table and GP's defaults, and (unless
    `keys` is false, for a bulk load that adds them after with `create_keys`) GP's primary keys."""
    schema = gp_schema()
    for table in tables:
        cols = [
            f"{name} {sql_type} NOT NULL DEFAULT {_DEFAULTS[sql_type.split('(')[0]]}"
            for name, sql_type in schema[table].items()
        ]
        con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
        if "DEX_ROW_TS" in schema[table]:
            # GP's zDT_<table>U triggers: any update stamps the row with the UTC time.
            con.execute(
                f"CREATE TRIGGER zDT_{table}U AFTER UPDATE ON {table} FOR EACH ROW "
                f"WHEN NEW.DEX_ROW_TS = OLD.DEX_ROW_TS BEGIN "
                f"UPDATE {table} SET DEX_ROW_TS = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE rowid = NEW.rowid; END"
            )
    if keys:
        create_keys(con, tables)


def create_keys(con: sqlite3.Connection, tables: Sequence[str] = SAMPLE_TABLES) -> None:
    """GP's primary keys as unique indexes (named as GP names them, PK<table>) and the join indexes."""
    for table in tables:
        if table in PRIMARY_KEYS:
            con.execute(f"CREATE UNIQUE INDEX PK{table} ON {table} ({', '.join(PRIMARY_KEYS[table])})")
        if table in JOIN_INDEXES:
            con.execute(f"CREATE INDEX AK1{table} ON {table} ({', '.join(JOIN_INDEXES[table])})")


class TableWriter:
    """Buffered inserts of rows given as dicts of the columns that matter; values are stored as GP
    would: char padded to its length, money as numeric text, dates with a zero time."""

    def __init__(self, con: sqlite3.Connection, table: str, columns: Sequence[str], batch: int = 20000) -> None:
        self.con = con
        self.table = table
        self.columns = list(columns)
        schema = gp_schema()[table]
        self._formats = [self._formatter(schema[c]) for c in self.columns]
        self._sql = f"INSERT INTO {table} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})"
        self._rows: list[tuple[Any, ...]] = []
        self._batch = batch
        self.count = 0

    @staticmethod
    def _formatter(sql_type: str) -> Any:
        base = sql_type.split("(", maxsplit=1)[0]
        if base == "char":
            width = int(sql_type[5:-1])
            return lambda v: ("" if v is None else str(v))[:width].ljust(width)
        if base == "numeric":
            return lambda v: str(Decimal(0) if v is None else v)
        if base == "datetime":
            return lambda v: f"{(v or dt.date(1900, 1, 1)).isoformat()} 00:00:00"
        return lambda v: 0 if v is None else int(v)

    def add(self, *values: Any) -> None:
        self._rows.append(tuple(f(v) for f, v in zip(self._formats, values, strict=True)))
        if len(self._rows) >= self._batch:
            self.flush()

    def add_many(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.add(*row)

    def flush(self) -> None:
        if self._rows:
            self.con.executemany(self._sql, self._rows)
            self.count += len(self._rows)
            self._rows = []


def insert_rows(con: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values for `columns`) the way GP stores them; returns how many."""
    writer = TableWriter(con, table, columns)
    writer.add_many(rows)
    writer.flush()
    return writer.count
