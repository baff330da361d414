"""The ledger store: one DuckDB file holding the ledger tables, quarantine, sync state and runs.

A sync is one transaction. Rows are appended to staging tables chunk by chunk; at the end the
store quarantines duplicate keys and rows that point at unknown customers or documents (set-based,
in SQL), replaces the source's rows and commits. If anything raises before the commit, DuckDB
rolls everything back and the ledger is exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ledger import schema
from ledger.model import RECORD_TYPES, Issue, Record
from profitlens.errors import StoreError

# Loading order: referenced tables first, so reference checks see their targets.
TABLE_ORDER: tuple[str, ...] = (
    "customer",
    "salesperson",
    "employee",
    "document",
    "document_line",
    "application",
    "labour",
    "activity_event",
)

# (table, column, referenced table, referenced column, may the column be empty?)
REFERENCES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("document", "customer_id", "customer", "customer_id", False),
    ("document_line", "document_id", "document", "document_id", False),
    ("application", "from_document_id", "document", "document_id", False),
    ("application", "to_document_id", "document", "document_id", False),
    ("labour", "customer_id", "customer", "customer_id", True),
    ("activity_event", "customer_id", "customer", "customer_id", False),
)

STAGE = "sync_stage_"  # staging tables of the sync under way

REFERENCE_NOUN = {"customer": "customer", "document": "document"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@dataclass
class StreamCount:
    read: int = 0
    quarantined: int = 0


@dataclass
class SyncResult:
    """What one sync did: rows read, landed and quarantined, per table and per stream."""

    run_id: str
    source_system: str
    landed: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    streams: dict[str, StreamCount] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return sum(s.read for s in self.streams.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source_system,
            "rows_read": self.rows_read,
            "rows_landed": sum(self.landed.values()),
            "rows_quarantined": self.rows_quarantined,
            "rows_skipped": sum(self.skipped.values()),
            "landed": dict(self.landed),
            "quarantined": dict(self.quarantined),
            "skipped": dict(self.skipped),
            "streams": {k: {"read": v.read, "quarantined": v.quarantined} for k, v in self.streams.items()},
        }


class Store:
    """A ledger store file. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path | str, *, read_only: bool = False, memory_limit_mb: int = 512) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"no ledger store at {self.path}", hint="run `profitlens sync` first")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open the ledger store {self.path}: {exc}",
                hint="is another profitlens run using it? wait for it to finish",
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(f"{self.path} is not a profitlens ledger store: {exc}") from exc
        # A bounded buffer pool: a large sync spills to disk instead of growing without limit.
        self.con.execute(f"SET memory_limit = '{int(memory_limit_mb)}MB'")
        self.con.execute("SET preserve_insertion_order = false")
        if not read_only:
            _owner_only(self.path)
            self._create()

    def _create(self) -> None:
        for table in TABLE_ORDER:
            self.con.execute(schema.create_table_sql(table))
        for ddl in schema.META_DDL:
            self.con.execute(ddl)
        self.con.execute("INSERT OR REPLACE INTO store_info VALUES ('schema_version', ?)", [schema.SCHEMA_VERSION])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------------------

    def start_run(self, kind: str, source_system: str | None = None) -> str:
        run_id = new_run_id()
        self.con.execute(
            "INSERT INTO run (run_id, kind, source_system, started_at, status) VALUES (?, ?, ?, ?, 'running')",
            [run_id, kind, source_system, _now()],
        )
        return run_id

    def finish_run(
        self, run_id: str, status: str, summary: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        self.con.execute(
            "UPDATE run SET finished_at = ?, status = ?, summary = ?, error = ? WHERE run_id = ?",
            [_now(), status, json.dumps(summary) if summary is not None else None, error, run_id],
        )

    def last_sync(self) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT run_id, source_system, finished_at, summary FROM run "
            "WHERE kind = 'sync' AND status = 'ok' ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {
            "run_id": row[0],
            "source": row[1],
            "finished_at": row[2],
            "summary": json.loads(row[3]) if row[3] else {},
        }

    # -- sync -------------------------------------------------------------------------------------

    @contextmanager
    def sync(self, source_system: str, run_id: str, companies: Sequence[str] = ("",)) -> Iterator[SyncWriter]:
        """One atomic sync of `source_system`: the ledger changes all at once or not at all.

        Rows are staged in plain tables as they are read (DuckDB spills those to the file, so memory
        stays bounded however large the source); only the final swap from staging into the ledger
        runs in one transaction. A sync that fails or is killed while reading never touched the
        ledger; its leftover staging tables are replaced by the next sync.
        """
        writer = SyncWriter(self.con, source_system, run_id, companies)
        in_transaction = False
        try:
            writer.open()
            yield writer
            self.con.execute("BEGIN TRANSACTION")
            in_transaction = True
            writer.finish()
            self.con.execute("COMMIT")
            in_transaction = False
        except BaseException:
            if in_transaction:
                self.con.execute("ROLLBACK")
            raise
        finally:
            writer.drop_staging()

    def count(self, table: str) -> int:
        if table not in RECORD_TYPES and table != "quarantine":
            raise StoreError(f"unknown ledger table {table!r}")
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


class SyncWriter:
    """Collects one sync's records and issues; `finish()` lands them."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, source_system: str, run_id: str, companies: Sequence[str] = ("",)
    ) -> None:
        self.companies = tuple(companies)
        self.con = con
        self.result = SyncResult(run_id=run_id, source_system=source_system)

    def open(self) -> None:
        for table in TABLE_ORDER:
            self.con.execute(
                schema.create_table_sql(table, f"{STAGE}{table}", keys=False)
                .replace("CREATE TABLE IF NOT EXISTS", "CREATE OR REPLACE TABLE")
                .replace(f"{STAGE}{table} (", f"{STAGE}{table} (_stream VARCHAR, _row_number BIGINT, ")
            )
        self.con.execute(f"CREATE OR REPLACE TABLE {STAGE}quarantine AS SELECT * FROM quarantine WHERE false")

    def drop_staging(self) -> None:
        for table in (*TABLE_ORDER, "quarantine"):
            with contextlib.suppress(duckdb.Error):  # a closed connection: the next sync replaces them
                self.con.execute(f"DROP TABLE IF EXISTS {STAGE}{table}")

    def stream_read(self, stream: str, rows: int, skipped: int = 0) -> None:
        self.result.streams.setdefault(stream, StreamCount()).read += rows
        if skipped:
            self.result.skipped[stream] = self.result.skipped.get(stream, 0) + skipped

    def add(self, table: str, stream: str, batch: Sequence[tuple[Record, int]]) -> None:
        """Append a batch of (record, row_number) to the staging table of `table`."""
        if not batch:
            return
        cols = schema.columns(table)
        data: dict[str, list[Any]] = {c: [] for c in cols}
        prov: dict[str, list[Any]] = {
            "source_system": [],
            "source_table": [],
            "source_key": [],
            "run_id": [],
            "_stream": [],
            "_row_number": [],
        }
        for record, row_number in batch:
            for c in cols:
                data[c].append(getattr(record, c))
            prov["source_system"].append(record.source.system)
            prov["source_table"].append(record.source.table)
            prov["source_key"].append(record.source.key)
            prov["run_id"].append(self.result.run_id)
            prov["_stream"].append(stream)
            prov["_row_number"].append(row_number)
        arrow = pa.Table.from_pydict({**data, **prov}, schema=schema.arrow_schema(table))
        names = ", ".join([*cols, *(c for c, _ in schema.PROVENANCE_COLUMNS), "_stream", "_row_number"])
        self.con.register("profitlens_batch", arrow)
        try:
            self.con.execute(f"INSERT INTO {STAGE}{table} ({names}) SELECT {names} FROM profitlens_batch")
        finally:
            self.con.unregister("profitlens_batch")

    def quarantine(self, table: str | None, issues: Iterable[Issue]) -> None:
        rows = [
            (
                self.result.run_id,
                i.stream,
                table,
                i.source.system,
                i.source.table,
                i.source.key,
                i.row_number,
                i.reason,
                json.dumps(i.raw, default=str, ensure_ascii=False),
                _now(),
            )
            for i in issues
        ]
        if rows:
            self.con.executemany(f"INSERT INTO {STAGE}quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            for row in rows:
                key = table or row[1]
                self.result.quarantined[key] = self.result.quarantined.get(key, 0) + 1
                self.result.streams.setdefault(row[1], StreamCount()).quarantined += 1

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        counts = self.result.streams.setdefault(stream, StreamCount())
        self.con.execute(
            "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?, ?, ?, ?)",
            [self.result.source_system, stream, cursor, self.result.run_id, counts.read, counts.quarantined, _now()],
        )

    def finish(self) -> None:
        """Quarantine duplicates and dangling references, then replace the source's rows."""
        self.con.execute(f"INSERT INTO quarantine SELECT * FROM {STAGE}quarantine")
        for table in TABLE_ORDER:
            stage = f"{STAGE}{table}"
            self._quarantine_duplicates(table, stage)
            for ref_table, column, target, target_col, nullable in REFERENCES:
                if ref_table == table:
                    self._quarantine_dangling(table, stage, column, target, target_col, nullable)
            # A sync replaces everything of the companies it read (one source per company).
            marks = ", ".join("?" for _ in self.companies)
            self.con.execute(f"DELETE FROM {table} WHERE company IN ({marks})", list(self.companies))
            cols = ", ".join(schema.columns(table) + [c for c, _ in schema.PROVENANCE_COLUMNS])
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage}")
            landed = self.con.execute(f"SELECT count(*) FROM {stage}").fetchone()
            self.result.landed[table] = int(landed[0]) if landed else 0
        for stream in self.result.streams:
            self.set_cursor(stream, None)

    def _move_to_quarantine(self, table: str, stage: str, where: str, reason_sql: str) -> None:
        raw = "to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in schema.columns(table)) + "))"
        moved = self.con.execute(
            f"""INSERT INTO quarantine
                SELECT run_id, _stream, '{table}', source_system, source_table, source_key, _row_number,
                       {reason_sql}, {raw}, now()::TIMESTAMP
                FROM {stage} s WHERE {where}"""
        ).fetchone()
        n = int(moved[0]) if moved else 0
        if n:
            self.con.execute(f"DELETE FROM {stage} s WHERE {where}")
            self.result.quarantined[table] = self.result.quarantined.get(table, 0) + n
            self._recount_streams()

    def _recount_streams(self) -> None:
        rows = self.con.execute(
            "SELECT stream, count(*) FROM quarantine WHERE run_id = ? GROUP BY stream", [self.result.run_id]
        ).fetchall()
        for stream, n in rows:
            self.result.streams.setdefault(stream, StreamCount()).quarantined = int(n)

    def _quarantine_duplicates(self, table: str, stage: str) -> None:
        key = RECORD_TYPES[table].KEY
        key_cols = ", ".join(key)
        # The row read last wins (GP: a document read from history after it left the open table).
        self.con.execute(f"ALTER TABLE {stage} ADD COLUMN _dup_of BIGINT")
        self.con.execute(
            f"""UPDATE {stage} SET _dup_of = d.last_row FROM (
                    SELECT rowid AS rid, last_value(_row_number) OVER w AS last_row,
                           row_number() OVER w AS pos, count(*) OVER (PARTITION BY {key_cols}) AS n
                    FROM {stage}
                    WINDOW w AS (PARTITION BY {key_cols} ORDER BY rowid
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                ) d WHERE {stage}.rowid = d.rid AND d.pos < d.n"""
        )
        shown = [c for c in key if c != "company"]
        key_text = " || '/' || ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in shown)
        self._move_to_quarantine(
            table,
            stage,
            "s._dup_of IS NOT NULL",
            f"'duplicate key: {'/'.join(shown)} ' || {key_text} || ' appears again at row ' "
            f"|| s._dup_of || ' of ' || s._stream || '; the later row was kept'",
        )
        self.con.execute(f"ALTER TABLE {stage} DROP COLUMN _dup_of")

    def _quarantine_dangling(
        self, table: str, stage: str, column: str, target: str, target_col: str, nullable: bool
    ) -> None:
        # The target was landed just before (TABLE_ORDER), so the live table is the reference.
        where = f"NOT EXISTS (SELECT 1 FROM {target} t WHERE t.company = s.company AND t.{target_col} = s.{column})"
        if nullable:
            where = f"s.{column} IS NOT NULL AND {where}"
        noun = REFERENCE_NOUN[target]
        self._move_to_quarantine(
            table,
            stage,
            where,
            f"'unknown {noun}: {column} ' || coalesce('''' || s.{column} || '''', '(empty)') "
            f"|| ' is not in the {target} table'",
        )


def _owner_only(path: Path) -> None:
    """Ledger files hold a company's receivables: readable by their owner only."""
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            with contextlib.suppress(OSError):  # e.g. a file system without POSIX permissions
                os.chmod(p, 0o600)
