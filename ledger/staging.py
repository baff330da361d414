"""One sync's rows on their way into the ledger: staged chunk by chunk, landed in one transaction.

Staging tables (`sync_stage_*`) live in the store file. Each chunk of a stream is staged in its own
transaction together with the stream's progress (the highest cursor staged so far), so a sync that
is killed or loses its source keeps every chunk it finished. The next sync with the same sources,
mappings and mode finds the staging tables and resumes: it drops the rows staged at or after the
last committed cursor (a chunk that was cut off) and asks the source from that cursor again, so no
row is staged twice. A sync with other settings discards the leftovers and starts afresh.

Landing (`finish`, with `ledger.landing`) is one transaction: duplicates and dangling references are quarantined in SQL,
then rows are merged by key. Only rows whose values differ are replaced, so syncing an unchanged
source changes nothing, and a changed invoice changes exactly that invoice. A full sync (or a
"snapshot" stream such as a file) also removes the rows the source no longer has.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import operator
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from ledger import landing, schema
from ledger.model import REFERENCES, Issue, Record

if TYPE_CHECKING:  # pyarrow is imported where a sync needs it: analyze and the reports start ~0.1 s sooner
    import pyarrow as pa

# Loading order: referenced tables first, so reference checks see their targets.
TABLE_ORDER: tuple[str, ...] = (
    "customer",
    "salesperson",
    "employee",
    "item",
    "document",
    "document_line",
    "application",
    "labour",
    "activity_event",
)

STAGE = "sync_stage_"
QUARANTINE_COLUMNS = (
    "run_id, stream, target_table, source_system, source_table, source_key, row_number, reason, raw, quarantined_at"
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@dataclass
class StreamCount:
    read: int = 0
    quarantined: int = 0


@dataclass
class SyncResult:
    """What one sync did: rows read, landed, changed and quarantined, per table and per stream."""

    run_id: str
    source_system: str
    landed: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    streams: dict[str, StreamCount] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    mode: str = "full"
    resumed: bool = False

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
            "mode": self.mode,
            "resumed": self.resumed,
            "rows_read": self.rows_read,
            "rows_landed": sum(self.landed.values()),
            "rows_changed": sum(self.changed.values()),
            "rows_removed": sum(self.removed.values()),
            "rows_quarantined": self.rows_quarantined,
            "rows_skipped": sum(self.skipped.values()),
            "landed": dict(self.landed),
            "changed": dict(self.changed),
            "removed": dict(self.removed),
            "quarantined": dict(self.quarantined),
            "skipped": dict(self.skipped),
            "streams": {k: {"read": v.read, "quarantined": v.quarantined} for k, v in self.streams.items()},
        }


@dataclass(frozen=True)
class StreamProgress:
    """Where an earlier, interrupted attempt of this sync left a stream."""

    started: bool = False
    cursor: str | None = None
    done: bool = False


@dataclass(frozen=True)
class Snapshot:
    """Rows of `table` that came from `source_system` for `company` and are replaced as a whole."""

    table: str
    company: str
    source_system: str


class SyncWriter:
    """Stages one sync's records and issues; `finish()` lands them."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source_system: str,
        companies: Sequence[str],
        *,
        signature: str = "",
        full: bool = True,
        max_removed_share: Decimal | None = None,
    ) -> None:
        self.con = con
        self.max_removed_share = max_removed_share
        self.companies = tuple(companies)
        self.signature = signature
        self.full = full
        self.result = SyncResult(run_id="", source_system=source_system, mode="full" if full else "incremental")

    @property
    def run_id(self) -> str:
        return self.result.run_id

    # -- opening and resuming ---------------------------------------------------------------------

    def open(self) -> bool:
        """Create the staging tables, or find an interrupted attempt of the same sync. True: resumed."""
        previous = self._previous_attempt()
        if previous is not None:
            self.result.run_id = previous
            self.result.resumed = True
            return True
        self.drop_staging()
        self.result.run_id = new_run_id()
        for table in TABLE_ORDER:
            self.con.execute(
                schema.create_table_sql(table, f"{STAGE}{table}", keys=False)
                .replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE")
                .replace(f"{STAGE}{table} (", f"{STAGE}{table} (_stream VARCHAR, _row_number BIGINT, _cursor VARCHAR, ")
            )
        self.con.execute(
            f"CREATE TABLE {STAGE}quarantine AS SELECT *, NULL::VARCHAR AS _cursor FROM quarantine WHERE false"
        )
        self.con.execute(f"CREATE TABLE {STAGE}skipped (_stream VARCHAR, _cursor VARCHAR)")
        self.con.execute(f"CREATE TABLE {STAGE}progress (stream VARCHAR PRIMARY KEY, cursor VARCHAR, done BOOLEAN)")
        # What landing must do besides merging, kept with the staged rows so that a resumed sync lands
        # exactly what a clean one would: the snapshots to replace (rows a file no longer has go) and the
        # cursors to save. A stream read completely before an interruption is not read again.
        self.con.execute(
            f"CREATE TABLE {STAGE}plan (stream VARCHAR, kind VARCHAR, source_system VARCHAR, "
            "target_table VARCHAR, company VARCHAR, cursor VARCHAR)"
        )
        # Written last: its presence says the staging tables are complete.
        self.con.execute(
            f"CREATE TABLE {STAGE}meta AS SELECT ?::VARCHAR AS run_id, ?::VARCHAR AS signature, ?::BOOLEAN AS full_sync",
            [self.run_id, self.signature, self.full],
        )
        return False

    def _previous_attempt(self) -> str | None:
        try:
            row = self.con.execute(f"SELECT run_id, signature, full_sync FROM {STAGE}meta").fetchone()
        except duckdb.CatalogException:
            return None
        if row is None or row[1] != self.signature or bool(row[2]) != self.full:
            return None
        try:  # staged by an older profitlens, without the landing plan: start afresh
            self.con.execute(f"SELECT stream FROM {STAGE}plan LIMIT 0")
        except duckdb.CatalogException:
            return None
        return str(row[0])

    def drop_staging(self) -> None:
        for name in (*TABLE_ORDER, "quarantine", "skipped", "progress", "plan", "meta"):
            self.con.execute(f"DROP TABLE IF EXISTS {STAGE}{name}")

    def progress(self, stream: str) -> StreamProgress:
        row = self.con.execute(f"SELECT cursor, done FROM {STAGE}progress WHERE stream = ?", [stream]).fetchone()
        if row is None:
            return StreamProgress()
        return StreamProgress(True, row[0], bool(row[1]))

    def begin_stream(
        self, stream: str, since: str | None, snapshot: Snapshot | None = None, fingerprint: str | None = None
    ) -> None:
        """Forget what an interrupted attempt staged for `stream` from `since` on (everything if None).
        A `snapshot` stream replaces its table's rows of that company and source on landing; its
        `fingerprint` is the cursor saved then. Without one, what an earlier attempt planned is forgotten."""
        condition = "" if since is None else " AND _cursor >= ?"
        params: list[Any] = [stream] if since is None else [stream, since]
        self.con.execute("BEGIN TRANSACTION")
        if since is None:
            self.con.execute(f"DELETE FROM {STAGE}plan WHERE stream = ?", [stream])
        if snapshot is not None:
            self.con.execute(
                f"INSERT INTO {STAGE}plan VALUES (?, 'snapshot', ?, ?, ?, NULL)",
                [stream, snapshot.source_system, snapshot.table, snapshot.company],
            )
            if fingerprint is not None:
                self.con.execute(
                    f"INSERT INTO {STAGE}plan VALUES (?, 'cursor', ?, NULL, NULL, ?)",
                    [stream, snapshot.source_system, fingerprint],
                )
        for table in TABLE_ORDER:
            self.con.execute(f"DELETE FROM {STAGE}{table} WHERE _stream = ?{condition}", params)
        self.con.execute(f"DELETE FROM {STAGE}quarantine WHERE stream = ?{condition}", params)
        self.con.execute(f"DELETE FROM {STAGE}skipped WHERE _stream = ?{condition}", params)
        self.con.execute(f"INSERT OR REPLACE INTO {STAGE}progress VALUES (?, ?, false)", [stream, since])
        self.con.execute("COMMIT")

    def end_stream(self, stream: str, cursor: str | None = None) -> None:
        self.con.execute(
            f"UPDATE {STAGE}progress SET done = true, cursor = coalesce(?, cursor) WHERE stream = ?", [cursor, stream]
        )

    # -- staging ----------------------------------------------------------------------------------

    def stage_chunk(
        self,
        stream: str,
        table: str,
        records: Sequence[tuple[Record, int, str | None]],
        issues: Sequence[tuple[Issue, str | None]],
        skipped: Sequence[str | None],
        cursor: str | None,
        *,
        mapped: bool = False,
    ) -> None:
        """Stage one chunk (records, quarantined rows, skipped rows) and its progress, atomically.

        `mapped`: the chunk was mapped in SQL by `map_columnar`; its rows are staged from there, together
        with `records` (the row engine's, for the rows it flagged) in row order.
        """
        self.con.execute("BEGIN TRANSACTION")
        try:
            if mapped:
                self._add_mapped(table, stream, records)
            else:
                self._add(table, stream, records)
            self._quarantine(table, issues)
            if skipped:
                self.con.executemany(f"INSERT INTO {STAGE}skipped VALUES (?, ?)", [(stream, c) for c in skipped])
            if cursor is not None:
                self.con.execute(f"UPDATE {STAGE}progress SET cursor = ? WHERE stream = ?", [cursor, stream])
            self.con.execute("COMMIT")
        except BaseException:
            rollback(self.con)
            raise
        finally:
            if mapped:
                with contextlib.suppress(duckdb.Error):
                    self.con.execute("DROP TABLE IF EXISTS profitlens_mapped")

    def add(self, table: str, stream: str, batch: Sequence[tuple[Record, int]]) -> None:
        """Stage records without cursors (a source read whole)."""
        self._add(table, stream, [(record, row_number, None) for record, row_number in batch])

    def _add(self, table: str, stream: str, batch: Sequence[tuple[Record, int, str | None]]) -> None:
        if not batch:
            return
        names = _staged_names(table)
        self.con.register("profitlens_batch", self._arrow(table, stream, batch))
        try:
            self.con.execute(f"INSERT INTO {STAGE}{table} ({names}) SELECT {names} FROM profitlens_batch")
        finally:
            self.con.unregister("profitlens_batch")

    def _arrow(self, table: str, stream: str, batch: Sequence[tuple[Record, int, str | None]]) -> pa.Table:
        cols = schema.columns(table)
        # Column by column through C-level getters and zip: this runs for every staged row.
        records = [record for record, _, _ in batch]
        values = (
            list(zip(*map(operator.attrgetter(*cols), records), strict=True))
            if len(cols) > 1
            else [[getattr(r, cols[0]) for r in records]]
        )
        data: dict[str, Any] = dict(zip(cols, values, strict=True)) if records else {c: [] for c in cols}
        sources = [r.source for r in records]
        prov: dict[str, Any] = {
            "source_system": [s.system for s in sources],
            "source_table": [s.table for s in sources],
            "source_key": [s.key for s in sources],
            "run_id": [self.run_id] * len(batch),
            "_stream": [stream] * len(batch),
            "_row_number": [n for _, n, _ in batch],
            "_cursor": [c for _, _, c in batch],
        }
        import pyarrow as pa  # noqa: PLC0415 - see the TYPE_CHECKING import

        arrow_schema = schema.arrow_schema(table).append(pa.field("_cursor", pa.string()))
        return pa.Table.from_pydict({**data, **prov}, schema=arrow_schema)

    # -- set-based staging (mappings/columnar.py) ---------------------------------------------------

    def map_columnar(self, select_sql: str, raw: pa.Table) -> tuple[list[int], str | None] | None:
        """Map a chunk in SQL into a temporary table: (the row numbers the row engine must map, the
        chunk's highest cursor), or None where a cursor could not be read in SQL (map it row by row)."""
        self.con.register("profitlens_raw", raw)
        try:
            with self._in_read_order():
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE profitlens_mapped AS {select_sql}")
        finally:
            self.con.unregister("profitlens_raw")
        ((flagged, highest, unread),) = self.con.execute(
            "SELECT list(_row_number ORDER BY _row_number) FILTER (WHERE _python AND NOT _skip), max(_cursor), "
            "count(*) FILTER (WHERE NOT _cursor_ok) FROM profitlens_mapped"
        ).fetchall()
        return ([int(n) for n in flagged or ()], highest) if not unread else None

    @contextlib.contextmanager
    def _in_read_order(self) -> Iterator[None]:
        """DuckDB maps a chunk's slices on several threads; the store lets it reorder rows (less memory
        for large statements), but staging keeps the order they were read in: of two rows with the same
        key the later is landed. Cheaper than sorting by row number."""
        self.con.execute("SET preserve_insertion_order = true")
        try:
            yield
        finally:
            self.con.execute("SET preserve_insertion_order = false")

    def _add_mapped(self, table: str, stream: str, records: Sequence[tuple[Record, int, str | None]]) -> None:
        names = _staged_names(table)
        mapped = f"SELECT {_staged_names(table, run_id='? AS run_id')} FROM profitlens_mapped WHERE NOT _python AND NOT _skip"
        if records:  # in row order, as the row engine would stage them: of duplicate keys the later wins
            self.con.register("profitlens_batch", self._arrow(table, stream, records))
            try:
                self.con.execute(
                    f"INSERT INTO {STAGE}{table} ({names}) SELECT {names} FROM ("
                    f"{mapped} UNION ALL SELECT {names} FROM profitlens_batch) ORDER BY _row_number",
                    [self.run_id],
                )
            finally:
                self.con.unregister("profitlens_batch")
        else:
            with self._in_read_order():
                self.con.execute(f"INSERT INTO {STAGE}{table} ({names}) {mapped}", [self.run_id])
        self.con.execute(f"INSERT INTO {STAGE}skipped SELECT _stream, _cursor FROM profitlens_mapped WHERE _skip")

    def quarantine(self, table: str | None, issues: Iterable[Issue]) -> None:
        self._quarantine(table, [(i, None) for i in issues])

    def _quarantine(self, table: str | None, issues: Sequence[tuple[Issue, str | None]]) -> None:
        rows = [
            (
                self.run_id,
                i.stream,
                table,
                i.source.system,
                i.source.table,
                i.source.key,
                i.row_number,
                i.reason,
                json.dumps(i.raw, default=str, ensure_ascii=False),
                now(),
                cursor,
            )
            for i, cursor in issues
        ]
        if rows:
            self.con.executemany(f"INSERT INTO {STAGE}quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def set_cursor(self, source_system: str, stream: str, cursor: str, *, unchanged: bool = False) -> None:
        """The cursor to save for `stream` when the sync lands (kept with the staged rows). An `unchanged`
        stream (a file as it was) keeps its state as it is: the run that last read it stays its run."""
        kind = "unchanged" if unchanged else "cursor"
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute(f"DELETE FROM {STAGE}plan WHERE stream = ? AND kind IN ('cursor', 'unchanged')", [stream])
        self.con.execute(
            f"INSERT INTO {STAGE}plan VALUES (?, ?, ?, NULL, NULL, ?)", [stream, kind, source_system, cursor]
        )
        self.con.execute("COMMIT")

    def voided_documents(self, source_system: str, company: str) -> frozenset[str]:
        """Source keys of the documents of one source and company that are voided: as this run staged them,
        else as the ledger holds them (a staged row is the newer)."""
        rows = self.con.execute(
            f"""SELECT source_key FROM {STAGE}document WHERE voided AND source_system = $s AND company = $c
            UNION
            SELECT source_key FROM document d WHERE voided AND source_system = $s AND company = $c
              AND NOT EXISTS (SELECT 1 FROM {STAGE}document g WHERE g.source_system = d.source_system
                              AND g.company = d.company AND g.source_key = d.source_key AND NOT g.voided)""",
            {"s": source_system, "c": company},
        ).fetchall()
        return frozenset(str(key) for (key,) in rows)

    def planned_cursor(self, stream: str) -> str | None:
        """The cursor staged to be saved for `stream` (for a file: the fingerprint of what was staged)."""
        row = self.con.execute(
            f"SELECT cursor FROM {STAGE}plan WHERE stream = ? AND kind IN ('cursor', 'unchanged')", [stream]
        ).fetchone()
        return None if row is None else str(row[0])

    def _snapshots(self) -> list[Snapshot]:
        rows = self.con.execute(
            f"SELECT DISTINCT target_table, company, source_system FROM {STAGE}plan WHERE kind = 'snapshot' "
            "ORDER BY ALL"
        ).fetchall()
        return [Snapshot(str(t), str(c), str(s)) for t, c, s in rows]

    # -- landing ----------------------------------------------------------------------------------

    def finish(self) -> None:
        """Quarantine duplicates and dangling references, then merge the staged rows into the ledger."""
        self.con.execute(f"INSERT INTO quarantine SELECT {QUARANTINE_COLUMNS} FROM {STAGE}quarantine")
        for table in TABLE_ORDER:
            stage = f"{STAGE}{table}"
            landing.quarantine_duplicates(self.con, table, stage)
            for ref_table, column, target, target_col, nullable in REFERENCES:
                if ref_table == table:
                    landing.quarantine_dangling(self.con, table, stage, column, target, target_col, nullable)
            landed, changed, removed = landing.merge(
                self.con,
                table,
                stage,
                self._removal_scopes(table),
                malformed=f"{STAGE}quarantine",
                max_removed_share=self.max_removed_share,
            )
            self.result.landed[table] = landed
            self.result.changed[table] = changed
            self.result.removed[table] = removed
        if any(self.result.removed.get(t) for t in ("customer", "document")):
            landing.check_references(self.con, self.companies)
        self._count_streams()
        cursors = self.con.execute(
            f"SELECT source_system, stream, cursor FROM {STAGE}plan WHERE kind = 'cursor' ORDER BY ALL"
        ).fetchall()
        for source_system, stream, cursor in cursors:
            counts = self.result.streams.get(stream, StreamCount())
            self.con.execute(
                "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?, ?, ?, ?)",
                [source_system, stream, cursor, self.run_id, counts.read, counts.quarantined, now()],
            )

    def _removal_scopes(self, table: str) -> list[tuple[str, list[Any]]]:
        """Where rows the source no longer has are removed: a full sync's companies, a snapshot's stream."""
        scopes: list[tuple[str, list[Any]]] = []
        if self.full:
            scopes.append((f"t.company IN ({', '.join('?' for _ in self.companies)})", list(self.companies)))
        for snap in self._snapshots():
            if snap.table == table:
                scopes.append(("t.company = ? AND t.source_system = ?", [snap.company, snap.source_system]))
        return scopes

    def _count_streams(self) -> None:
        """Per stream: rows read = landed + quarantined + skipped; exact also after a resume."""
        streams: dict[str, StreamCount] = {s: StreamCount() for s in self._stream_names()}
        landed = " UNION ALL ".join(f"SELECT _stream, count(*) FROM {STAGE}{t} GROUP BY 1" for t in TABLE_ORDER)
        for stream, n in self.con.execute(landed).fetchall():
            streams.setdefault(stream, StreamCount()).read += int(n)
        for stream, n in self.con.execute(f"SELECT _stream, count(*) FROM {STAGE}skipped GROUP BY 1").fetchall():
            streams.setdefault(stream, StreamCount()).read += int(n)
            self.result.skipped[stream] = int(n)
        # This run's quarantine rows: those staged while reading and those moved out on landing.
        quarantined: dict[str, int] = {}
        for target, stream, n in self.con.execute(
            "SELECT target_table, stream, count(*) FROM quarantine WHERE run_id = ? GROUP BY ALL", [self.run_id]
        ).fetchall():
            counts = streams.setdefault(stream, StreamCount())
            counts.read += int(n)
            counts.quarantined += int(n)
            quarantined[target or stream] = quarantined.get(target or stream, 0) + int(n)
        self.result.streams = streams
        self.result.quarantined = quarantined

    def _stream_names(self) -> list[str]:
        return [str(r[0]) for r in self.con.execute(f"SELECT stream FROM {STAGE}progress ORDER BY stream").fetchall()]


def _staged_names(table: str, *, run_id: str = "run_id") -> str:
    provenance = [run_id if c == "run_id" else c for c, _ in schema.PROVENANCE_COLUMNS]
    return ", ".join([*schema.columns(table), *provenance, "_stream", "_row_number", "_cursor"])


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open (a failed COMMIT has already ended it)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
