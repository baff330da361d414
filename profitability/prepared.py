"""What every analysis starts from, worked out from the ledger alone: each document's lines summed
(`line_total`), what settled each document and when (`settlement`, `receivable`) and each customer's balance
from day to day (`balance_step`). None of them depends on a period or a setting.

A sync stores them in the ledger store, with a fingerprint of every ledger column they are made of
(`store_prepared`, after landing). An analysis (`use_prepared`) uses the stored ones only while that
fingerprint still matches the ledger; otherwise — a store synced by an earlier version, a ledger changed
since, a sync stopped between landing and this step — it works them out itself, into an in-memory database
attached to the store (`profitlens_work`), which comes first on every connection's search path. Either way
the same tables and the same figures; storing them only spares each analysis the work (a third of a second
of the large sample's, half of it on the critical path).
"""

from __future__ import annotations

import contextlib
import hashlib
import re

import duckdb

from ledger import schema
from profitability.receivables import BALANCE_STEP_SQL, RECEIVABLE_SQL, SETTLEMENT_SQL
from profitability.sales import LINE_TOTAL_SQL

# In the order they are made (each may read the ones before it).
PREPARED: tuple[tuple[str, str], ...] = (
    ("line_total", LINE_TOTAL_SQL),
    ("settlement", SETTLEMENT_SQL),
    ("receivable", RECEIVABLE_SQL),
    ("balance_step", BALANCE_STEP_SQL),
)
# The ledger tables they are made of.
SOURCES = ("document", "application", "document_line")
WORKSPACE = "profitlens_work"
SQL_DIGEST = hashlib.sha256("\n".join(f"{name}:{sql}" for name, sql in PREPARED).encode()).hexdigest()[:16]
FINGERPRINT_KEY = "prepared_fingerprint"


def _columns_read(table: str) -> list[str]:
    """The columns of a ledger table that the prepared tables' SQL names (any that it names, whatever the
    table it names it of: a column too many only makes the fingerprint a little slower)."""
    text = "\n".join(sql for _, sql in PREPARED)
    every = [*schema.columns(table), *(c for c, _ in schema.PROVENANCE_COLUMNS)]
    return [c for c in every if re.search(rf"\b{c}\b", text)]


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the prepared tables' SQL (a version of profitlens that makes them differently does not
    use another's), then per ledger table the row count and an order-free sum of row hashes of every column
    they read: any row added, removed or changed in one of them changes it (one scan of those columns,
    0.03 s for the large sample's 1.3 million rows)."""
    parts = []
    for table in SOURCES:
        columns = ", ".join(_columns_read(table))
        parts.append(f"(SELECT count(*) || ':' || coalesce(sum(hash({columns})::HUGEINT), 0) FROM {table})")
    row = con.execute(f"SELECT {' || '.join(f'{p} || {chr(39)}/{chr(39)}' for p in parts)}").fetchone()
    return f"{SQL_DIGEST}/{row[0] if row else ''}"


def store_prepared(con: duckdb.DuckDBPyConnection) -> bool:
    """Make the prepared tables in the store behind `con` (opened for writing) with the ledger's fingerprint,
    in one transaction: an interrupted run leaves the old ones with their old fingerprint (not used then).
    False: the stored ones were still those of this ledger (a sync that changed nothing)."""
    now = fingerprint(con)
    if _all_stored(con) and _stored_fingerprint(con) == now:
        return False
    store = _quoted_database(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for name, sql in PREPARED:
            con.execute(f"CREATE OR REPLACE TABLE {store}.main.{name} AS {sql}")
        con.execute("INSERT OR REPLACE INTO store_info VALUES (?, ?)", [FINGERPRINT_KEY, now])
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
            con.execute("ROLLBACK")
        raise
    return True


def use_prepared(con: duckdb.DuckDBPyConnection) -> bool:
    """Make the prepared tables visible on `con` (and on the connections `second_connection` makes from it):
    the store's when their fingerprint matches the ledger, else worked out here into the workspace. True:
    the store's were used."""
    attach_workspace(con)
    if _all_stored(con) and _stored_fingerprint(con) == fingerprint(con):
        for name, _ in PREPARED:  # a workspace copy made earlier on this connection would hide them
            con.execute(f"DROP TABLE IF EXISTS {WORKSPACE}.{name}")
        return True
    for name, sql in PREPARED:
        con.execute(f"CREATE OR REPLACE TABLE {WORKSPACE}.{name} AS {sql}")
    return False


def _stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    # store_info is in every store (ledger.schema.META_DDL)
    row = con.execute("SELECT value FROM store_info WHERE key = ?", [FINGERPRINT_KEY]).fetchone()
    return None if row is None else str(row[0])


def _all_stored(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND list_contains(?, table_name)",
        [store_database(con), [name for name, _ in PREPARED]],
    ).fetchone()
    return found is not None and int(found[0]) == len(PREPARED)


def attach_workspace(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the in-memory workspace once per store and put it first on `con`'s search path."""
    attached = con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [WORKSPACE]).fetchone()
    if not attached or not attached[0]:
        # READ_ONLY false: a store opened read-only attaches everything read-only unless told otherwise.
        con.execute(f"ATTACH ':memory:' AS {WORKSPACE} (READ_ONLY false)")
    con.execute("SET search_path = ?", [search_path(con)])


def search_path(con: duckdb.DuckDBPyConnection) -> str:
    """The workspace first (what an analysis works out itself hides a stale stored table), then the store."""
    return f"{WORKSPACE}.main,{_quoted_database(con)}.main"


def store_database(con: duckdb.DuckDBPyConnection) -> str:
    """The store's database name (current_database() is the workspace once it leads the search path)."""
    rows = con.execute(
        "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> ?", [WORKSPACE]
    ).fetchall()
    if len(rows) == 1:
        return str(rows[0][0])
    return str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]


def _quoted_database(con: duckdb.DuckDBPyConnection) -> str:
    return '"' + store_database(con).replace('"', '""') + '"'
