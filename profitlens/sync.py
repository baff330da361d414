"""Sync: connectors → mappings → ledger store, in one atomic run (one or several companies).

Every stream is read incrementally where its source allows it (see `connector.base.Watermark`):
from the cursor saved by the last landed sync, minus a small overlap. `full=True` reads everything
again and removes what the source no longer has. A sync that stops half-way (a lost connection,
a killed process) resumes from its last staged chunk the next time it runs with the same settings.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, cast

import duckdb

from common.errors import ProfitlensError
from connector.base import Connector, RawChunk, SourceRow
from ledger.model import Issue, Record
from ledger.staging import Snapshot, SyncWriter
from ledger.store import Store, SyncResult
from mappings import arrow_chunks, columnar
from mappings.columnar import ColumnarPlan
from mappings.engine import SourceMapping, StreamMapping, check_columns, check_header
from profitability.prepared import store_prepared
from profitlens.logs import RUN_ID
from profitlens.read_ahead import ReadAhead

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class CompanySource:
    """One company's source: its connector, its mapping and the company's name in the ledger."""

    connector: Connector
    mapping: SourceMapping
    company: str = ""


def run_sync(
    connector: Connector,
    mapping: SourceMapping,
    store: Store,
    progress: Progress | None = None,
    *,
    full: bool = False,
    max_removed_share: Decimal | None = None,
) -> SyncResult:
    """Read every mapped stream of one source into `store` (see `run_sync_companies`)."""
    return run_sync_companies(
        [CompanySource(connector, mapping)], store, progress, full=full, max_removed_share=max_removed_share
    )


def run_sync_companies(
    sources: Sequence[CompanySource],
    store: Store,
    progress: Progress | None = None,
    *,
    full: bool = False,
    max_removed_share: Decimal | None = None,
) -> SyncResult:
    """Read every company's source into `store`; all companies land together or none does.

    Bad rows are quarantined and counted; the run fails (and the ledger is left exactly as it was)
    only when a source or the store fails, when landing would leave a document naming a customer the
    ledger no longer has, or when more than `max_removed_share` of a table would be removed at once
    (None: no limit). The first sync of a source is always a full one.
    """
    companies = [s.company for s in sources]
    if len(set(companies)) != len(companies):
        raise ProfitlensError(f"two sources name the same company: {', '.join(companies)}")
    plans = []
    for source in sources:
        streams = [s for s in source.mapping.streams if s in source.connector.stream_names()]
        check_columns(source.mapping, {s: source.connector.available_columns(s) for s in streams})
        header_of = getattr(source.connector, "header", None)  # a file's first row (files connector)
        if header_of is not None:
            for s in streams:
                if (found := header_of(s)) is not None:
                    check_header(source.mapping.streams[s], *found)
        plans.append((source, streams))
    system = ", ".join(s.connector.system for s in sources)
    saved = {s.connector.system: store.cursors(s.connector.system) for s in sources}
    full = full or not all(saved.values())
    with store.sync(
        system, companies, signature=_signature(sources, full), full=full, max_removed_share=max_removed_share
    ) as writer:
        token = RUN_ID.set(writer.run_id)
        try:
            if writer.result.resumed:
                log.info("resuming the interrupted sync %s of %s", writer.run_id, system)
            log.info("%s sync of %s started", "full" if full else "incremental", system)
            for source, streams in plans:
                _sync_source(source, streams, writer, saved[source.connector.system], full, progress)
        except BaseException as exc:
            message = str(exc) if isinstance(exc, ProfitlensError) else f"{type(exc).__name__}: {exc}"
            store.finish_run(writer.run_id, "failed", error=message)
            log.error("sync failed: %s (what was read so far is kept; the next sync resumes from there)", message)
            RUN_ID.reset(token)
            raise
        RUN_ID.reset(token)
    result = writer.result
    store.finish_run(result.run_id, "ok", result.as_dict())
    # After the run is recorded: the ledger has landed whatever happens to this step (see _store_prepared).
    _store_prepared(store)
    log.info(
        "sync finished: %s rows read, %s landed, %s changed, %s removed, %s quarantined",
        result.rows_read,
        sum(result.landed.values()),
        sum(result.changed.values()),
        sum(result.removed.values()),
        result.rows_quarantined,
    )
    return result


def _store_prepared(store: Store) -> None:
    """The tables every analysis starts from, made now for the ledger just landed (profitability.prepared).
    They only spare each analysis work: if they cannot be made, the ledger is still right and each
    analysis works them out itself, so the sync still succeeds."""
    started = time.perf_counter()
    try:
        made = store_prepared(store.con)
    except duckdb.Error as exc:
        log.warning("the tables every analysis starts from were not stored (%s); each analysis works them out", exc)
        return
    if made:
        log.info("stored the tables every analysis starts from in %.1f s", time.perf_counter() - started)


@dataclass(frozen=True)
class _StreamRead:
    """What to read of one stream: from `since` (None: everything); `highest` is the cursor to keep."""

    name: str
    stream: str
    since: str | None
    highest: str | None
    keeps_cursor: bool
    snapshot: Snapshot | None = None  # a file: replaces what was read from it before
    fingerprint: str | None = None


def _sync_source(
    source: CompanySource,
    streams: Sequence[str],
    writer: SyncWriter,
    saved: dict[str, str],
    full: bool,
    progress: Progress | None,
) -> None:
    reads = [r for s in streams if (r := _plan_stream(source, s, writer, saved, full)) is not None]
    use_voided = getattr(source.connector, "use_voided", None)  # GP Web Services: its summaries do not say
    if use_voided is not None:
        use_voided(writer.voided_documents(source.connector.system, source.company))
    if getattr(source.connector, "read_ahead", False) and reads:
        # The connector may be read on a second thread: its next rows are read while these are staged.
        # A failed or interrupted sync cancels the query being read instead of waiting for it.
        opened = [(r.name, functools.partial(_open, source, r)) for r in reads]
        with ReadAhead(opened, cancel=getattr(source.connector, "cancel", None)) as reader:
            for r in reads:
                _stage_stream(source, r, reader.chunks(r.name), writer, progress)
    else:
        for r in reads:
            _stage_stream(source, r, _open(source, r), writer, progress)


def _plan_stream(
    source: CompanySource, stream: str, writer: SyncWriter, saved: dict[str, str], full: bool
) -> _StreamRead | None:
    """Where to read `stream` from; None when it needs no reading (read before an interruption, unchanged)."""
    connector = source.connector
    name = f"{source.company}/{stream}" if source.company else stream
    sm = source.mapping.streams[stream]
    state = writer.progress(name)
    watermark = connector.watermark(stream)
    snapshot = watermark is not None and watermark.kind == "snapshot"
    fingerprint = connector.fingerprint(stream) if snapshot else None
    # A file staged before the interruption is read again if it changed since (the export was fixed).
    if state.done and (not snapshot or fingerprint is None or writer.planned_cursor(name) in (None, fingerprint)):
        log.info("stream %s was read completely before the interruption", name)
        return None
    since: str | None = None
    if snapshot:
        if not full and fingerprint is not None and saved.get(name) == fingerprint:
            writer.begin_stream(name, None)
            writer.set_cursor(connector.system, name, fingerprint, unchanged=True)  # a resume sees a change since
            writer.end_stream(name)
            log.info("stream %s is unchanged", name)
            return None
        replaces = Snapshot(sm.table, source.company, connector.system)
        return _StreamRead(name, stream, None, None, False, replaces, fingerprint)
    if watermark is not None:
        if state.started and state.cursor is not None:
            since = state.cursor  # resume: re-read from the last committed chunk's cursor
        elif not full and name in saved:
            since = watermark.rewind(saved[name])
    keeps_cursor = watermark is not None  # a snapshot's (a file's) cursor is its fingerprint, kept above
    return _StreamRead(name, stream, since, saved.get(name) if keeps_cursor else None, keeps_cursor)


def _open(source: CompanySource, read: _StreamRead) -> Iterator[RawChunk | list[SourceRow]]:
    connector, columns = source.connector, source.mapping.streams[read.stream].columns()
    read_raw = getattr(connector, "read_raw", None)
    if read_raw is not None:
        return cast(Iterator[RawChunk], read_raw(read.stream, columns, read.since))
    return connector.read(read.stream, columns, read.since)


def _stage_stream(
    source: CompanySource,
    read: _StreamRead,
    chunks: Iterator[RawChunk | list[SourceRow]],
    writer: SyncWriter,
    progress: Progress | None,
) -> None:
    connector, name, highest = source.connector, read.name, read.highest
    sm = source.mapping.streams[read.stream]
    writer.begin_stream(name, read.since, read.snapshot, read.fingerprint)
    plans: dict[Any, ColumnarPlan | None] = {}
    for chunk in chunks:
        if isinstance(chunk, RawChunk):
            cursor = _stage_raw(sm, chunk, connector.system, source.company, name, writer, plans)
        else:
            cursor = _stage(sm, chunk, connector.system, source.company, name, writer)
        if cursor is not None and (highest is None or cursor > highest):
            highest = cursor
        if progress is not None:
            progress(name, len(chunk.rows) if isinstance(chunk, RawChunk) else len(chunk))
    if highest is not None and read.keeps_cursor:
        writer.set_cursor(connector.system, name, highest)
    writer.end_stream(name)
    log.info("read stream %s%s", name, f" (changes since {read.since})" if read.since else "")


def _stage(
    sm: StreamMapping, chunk: list[SourceRow], system: str, company: str, name: str, writer: SyncWriter
) -> str | None:
    """Map one chunk row by row and stage it; returns the chunk's highest cursor."""
    highest = max((row.cursor for row in chunk if row.cursor is not None), default=None)
    writer.stage_chunk(name, sm.table, *_map_rows(sm, chunk, system, company, name), highest)
    return highest


def _stage_raw(
    sm: StreamMapping,
    chunk: RawChunk,
    system: str,
    company: str,
    name: str,
    writer: SyncWriter,
    plans: dict[Any, ColumnarPlan | None],
) -> str | None:
    """Map a chunk set-based where the mapping compiles (mappings/columnar.py), else row by row."""
    columns = chunk.columns()
    plan = columnar.plan_for(chunk, sm, plans, system=system, company=company, stream=name, columns=columns)
    raw = arrow_chunks.arrow_chunk(chunk, dict(plan.shapes), columns) if plan is not None else None
    mapped = writer.map_columnar(plan.select_sql, raw) if plan is not None and raw is not None else None
    if mapped is None:
        return _stage(sm, chunk.source_rows(), system, company, name, writer)
    flagged, highest = mapped
    rows = chunk.source_rows([n - chunk.first_row for n in flagged])
    writer.stage_chunk(name, sm.table, *_map_rows(sm, rows, system, company, name), highest, mapped=True)
    return highest


def _map_rows(
    sm: StreamMapping, rows: list[SourceRow], system: str, company: str, name: str
) -> tuple[list[tuple[Record, int, str | None]], list[tuple[Issue, str | None]], list[str | None]]:
    """The row engine's records and issues, each with its row's cursor, and the cursors of skipped rows."""
    records, issues, _skipped = sm.map_rows(rows, system, company)
    cursor_of = {row.row_number: row.cursor for row in rows}
    seen = {n for _, n in records} | {i.row_number for i in issues}
    return (
        [(record, n, cursor_of.get(n)) for record, n in records],
        [(replace(i, stream=name), cursor_of.get(i.row_number)) for i in issues],
        [row.cursor for row in rows if row.row_number not in seen],
    )


def _signature(sources: Sequence[CompanySource], full: bool) -> str:
    """What must match for an interrupted sync to be resumed: sources, mappings and mode."""
    text = repr([(s.company, s.connector.system, s.mapping) for s in sources]) + repr(full)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
