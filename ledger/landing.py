"""Landing a sync's staged rows, table by table inside the sync's one transaction: rows that repeat a key
(the later one wins) or point at a customer or document the ledger does not have are moved to the
quarantine with their reason, in SQL; then the rest is merged by key — only rows whose values differ are
replaced, and in the scopes of a full sync or a snapshot stream the rows the source no longer has go."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import duckdb

from common.errors import StoreError
from ledger import schema
from ledger.model import RECORD_TYPES, REFERENCES


class ImplausibleRemoval(StoreError):
    """A sync would remove more of a table than the configured share: the source looks broken."""


def merge(
    con: duckdb.DuckDBPyConnection,
    table: str,
    stage: str,
    removal_scopes: Sequence[tuple[str, list[Any]]],
    *,
    malformed: str | None = None,
    max_removed_share: Decimal | None = None,
) -> tuple[int, int, int]:
    """Merge `stage` into `table`; (rows landed, new or changed, removed). Each removal scope is a condition
    on the ledger row `t` (with its parameters) inside which rows missing from the stage are removed —
    except those whose source row is in `malformed` (the table of rows quarantined while mapping): the
    source still has them, so the ledger keeps their last good version. A removal of more than
    `max_removed_share` of the scope's rows stops the sync (ImplausibleRemoval)."""
    key = RECORD_TYPES[table].KEY
    same = same_key(key, "t", "s")
    compared = [*schema.columns(table), "source_system", "source_table", "source_key"]
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in compared)
    kept = (
        f" AND NOT EXISTS (SELECT 1 FROM {malformed} q WHERE q.target_table = '{table}' AND "
        "q.source_system = t.source_system AND q.source_table = t.source_table AND q.source_key = t.source_key)"
        if malformed
        else ""
    )
    removed = 0
    missing = f"NOT EXISTS (SELECT 1 FROM {stage} s WHERE {same}){kept}"
    for scope, params in removal_scopes:
        if max_removed_share is not None:
            _check_plausible(con, table, scope, missing, params, max_removed_share)
        row = con.execute(f"DELETE FROM {table} t WHERE {scope} AND {missing}", params).fetchone()
        removed += int(row[0]) if row else 0
    # The keys of the rows that changed, found by a join, then deleted by key: one correlated DELETE
    # comparing every column made DuckDB copy the whole ledger table for the comparison (a million
    # lines: 0.46 s for 10,000 staged rows; this way 0.06 s).
    keys = ", ".join(f"s.{k}" for k in key)
    changed = f"SELECT {keys} FROM {stage} s JOIN {table} t ON {same} WHERE {differs}"
    con.execute(f"DELETE FROM {table} d WHERE EXISTS (SELECT 1 FROM ({changed}) c WHERE {same_key(key, 'd', 'c')})")
    cols = ", ".join(schema.columns(table) + [c for c, _ in schema.PROVENANCE_COLUMNS])
    inserted = con.execute(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {same})"
    ).fetchone()
    landed = con.execute(f"SELECT count(*) FROM {stage}").fetchone()
    return (int(landed[0]) if landed else 0, int(inserted[0]) if inserted else 0, removed)


def _check_plausible(
    con: duckdb.DuckDBPyConnection, table: str, scope: str, missing: str, params: list[Any], share: Decimal
) -> None:
    counted = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE leaving), min(source_table) FILTER (WHERE leaving), min(company) "
        f"FROM (SELECT t.source_table, t.company, {missing} AS leaving FROM {table} t WHERE {scope})",
        params,
    ).fetchone()
    if counted is None:
        return
    total, leaving, source_table, company = int(counted[0]), int(counted[1]), counted[2], counted[3]
    if leaving and leaving > total * share:
        of_company = f" of company {company}" if company else ""
        raise ImplausibleRemoval(
            f"the source no longer has {leaving:,} of the {total:,} {table} rows{of_company} in the ledger "
            f"({source_table}); more than {share:.0%} at once looks like a broken export, so nothing was changed",
            hint="check the source; if they really are gone, run `profitlens sync --accept-removals`",
        )


def check_references(con: duckdb.DuckDBPyConnection, companies: Sequence[str]) -> None:
    """After landing: no ledger row of these companies names a customer or document the ledger does not
    have (a customer removed while its documents stay would take its sales out of every figure)."""
    marks = ", ".join("?" for _ in companies)
    for table, column, target, target_col, _nullable in REFERENCES:
        found = con.execute(
            f"SELECT count(*), min(s.{column}), min(s.source_table) FROM {table} s WHERE s.company IN ({marks}) "
            f"AND s.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} t "
            f"WHERE t.company = s.company AND t.{target_col} = s.{column})",
            list(companies),
        ).fetchone()
        if found is not None and int(found[0]):
            n, example, source_table = int(found[0]), found[1], found[2]
            raise StoreError(
                f"{n:,} {table} rows in the ledger ({source_table}) would name a {target} the source no longer "
                f"has (e.g. {column} {example!r}); nothing was changed",
                hint=f"the {target} rows must come with them: export both again, or sync with --full",
            )


def move_to_quarantine(con: duckdb.DuckDBPyConnection, table: str, stage: str, where: str, reason_sql: str) -> None:
    raw = "to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in schema.columns(table)) + "))"
    moved = con.execute(
        f"""INSERT INTO quarantine
            SELECT run_id, _stream, '{table}', source_system, source_table, source_key, _row_number,
                   {reason_sql}, {raw}, now()::TIMESTAMP
            FROM {stage} s WHERE {where}"""
    ).fetchone()
    if moved and int(moved[0]):
        con.execute(f"DELETE FROM {stage} s WHERE {where}")


def quarantine_duplicates(con: duckdb.DuckDBPyConnection, table: str, stage: str) -> None:
    key = RECORD_TYPES[table].KEY
    key_cols = ", ".join(key)
    # Usually there is none: a grouping finds that at a fraction of the cost of the ordered window.
    if not con.execute(f"SELECT 1 FROM {stage} GROUP BY {key_cols} HAVING count(*) > 1 LIMIT 1").fetchall():
        return
    # The row read last wins (GP: a document read from history after it left the open table).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE profitlens_dup AS
            SELECT rid, last_row FROM (
                SELECT rowid AS rid, last_value(_row_number) OVER w AS last_row,
                       row_number() OVER w AS pos, count(*) OVER (PARTITION BY {key_cols}) AS n
                FROM {stage}
                WINDOW w AS (PARTITION BY {key_cols} ORDER BY rowid
                             ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
            ) WHERE pos < n"""
    )
    shown = [c for c in key if c != "company"]
    key_text = " || '/' || ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in shown)
    try:
        move_to_quarantine(
            con,
            table,
            stage,
            "s.rowid IN (SELECT rid FROM profitlens_dup)",
            f"'duplicate key: {'/'.join(shown)} ' || {key_text} || ' appears again at row ' "
            f"|| (SELECT last_row FROM profitlens_dup d WHERE d.rid = s.rowid) || ' of ' || s._stream "
            f"|| '; the later row was kept'",
        )
    finally:
        con.execute("DROP TABLE IF EXISTS profitlens_dup")


def quarantine_dangling(
    con: duckdb.DuckDBPyConnection, table: str, stage: str, column: str, target: str, target_col: str, nullable: bool
) -> None:
    # The target was landed just before (TABLE_ORDER), so the live table is the reference.
    where = f"NOT EXISTS (SELECT 1 FROM {target} t WHERE t.company = s.company AND t.{target_col} = s.{column})"
    if nullable:
        where = f"s.{column} IS NOT NULL AND {where}"
    move_to_quarantine(
        con,
        table,
        stage,
        where,
        f"'unknown {target}: {column} ' || coalesce('''' || s.{column} || '''', '(empty)') "
        f"|| ' is not in the {target} table'",
    )


def same_key(key: Sequence[str], left: str, right: str) -> str:
    """`left` and `right` have the same key (a NULL key part matches NULL)."""
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in key)
