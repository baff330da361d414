"""Exact conversion of GP column values at the connector's edge.

GP stores strings as right-padded char(n), money as numeric(19,5), empty dates as 1900-01-01 and
flags as small integers. Drivers return these differently: SQL Server's drivers give Decimal and
datetime, the SQLite ODBC driver gives float for numeric(19,5), stdlib sqlite3 gives text dates.
Everything leaves here in one shape: trimmed str, exact Decimal, date (or None), int.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

GP_EMPTY_DATE = dt.date(1900, 1, 1)

Converter = Callable[[Any], Any]


@cache
def gp_schema() -> dict[str, dict[str, str]]:
    """table → {column → SQL type}, from connector/gp_schema.tsv (derived from a real GP database)."""
    text = resources.files("connector").joinpath("gp_schema.tsv").read_text(encoding="utf-8")
    tables: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        tables.setdefault(row["table"], {})[row["column"]] = row["sql_type"]
    return tables


def to_text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bytes):
        return value.decode("cp1252", errors="replace").strip()
    return value


def to_decimal(value: Any) -> Any:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # The shortest repr round-trips: 1234.5 stays 1234.5, never 1234.4999999999999.
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value  # the mapping quarantines it with the column's name
    return value


def to_int(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def to_date(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            return value
    else:
        return value
    return None if day == GP_EMPTY_DATE else day


def converter_for(sql_type: str) -> Converter:
    base = sql_type.split("(", maxsplit=1)[0].lower()
    if base in ("char", "varchar", "nchar", "nvarchar", "text"):
        return to_text
    if base in ("numeric", "decimal", "money"):
        return to_decimal
    if base in ("smallint", "int", "tinyint", "bigint"):
        return to_int
    if base in ("datetime", "date", "datetime2", "smalldatetime"):
        return to_date
    return lambda value: value
