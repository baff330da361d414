"""Sync: connectors → mappings → ledger store, in one atomic run (one or several companies)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from connector.base import Connector
from ledger.store import Store, SyncResult
from mappings.engine import SourceMapping, check_columns
from profitlens.errors import ProfitlensError
from profitlens.logs import RUN_ID

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class CompanySource:
    """One company's source: its connector, its mapping and the company's name in the ledger."""

    connector: Connector
    mapping: SourceMapping
    company: str = ""


def run_sync(
    connector: Connector, mapping: SourceMapping, store: Store, progress: Progress | None = None
) -> SyncResult:
    """Read every mapped stream of one source into `store` (see `run_sync_companies`)."""
    return run_sync_companies([CompanySource(connector, mapping)], store, progress)


def run_sync_companies(sources: Sequence[CompanySource], store: Store, progress: Progress | None = None) -> SyncResult:
    """Read every company's source into `store`; all companies land together or none does.

    Bad rows are quarantined and counted; the run fails (and the store is left exactly as it was)
    only when a source or the store fails.
    """
    companies = [s.company for s in sources]
    if len(set(companies)) != len(companies):
        raise ProfitlensError(f"two sources name the same company: {', '.join(companies)}")
    plans = []
    for source in sources:
        streams = [s for s in source.mapping.streams if s in source.connector.stream_names()]
        check_columns(source.mapping, {s: source.connector.available_columns(s) for s in streams})
        plans.append((source, streams))
    system = ", ".join(s.connector.system for s in sources)
    run_id = store.start_run("sync", system)
    token = RUN_ID.set(run_id)
    log.info("sync of %s started", system)
    try:
        with store.sync(system, run_id, companies) as writer:
            for source, streams in plans:
                for stream in streams:
                    name = f"{source.company}/{stream}" if source.company else stream
                    sm = source.mapping.streams[stream]
                    writer.stream_read(name, 0)  # every stream is in the summary, even an empty one
                    for chunk in source.connector.read(stream, sm.columns()):
                        records, issues, skipped = sm.map_rows(chunk, source.connector.system, source.company)
                        writer.stream_read(name, len(chunk), skipped)
                        writer.add(sm.table, name, records)
                        writer.quarantine(sm.table, [replace(i, stream=name) for i in issues])
                        if progress is not None:
                            progress(name, len(chunk))
                    log.info("read stream %s", name)
            result = writer.result
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ProfitlensError) else f"{type(exc).__name__}: {exc}"
        store.finish_run(run_id, "failed", error=message)
        log.error("sync failed: %s", message)
        RUN_ID.reset(token)
        raise
    store.finish_run(run_id, "ok", result.as_dict())
    log.info(
        "sync finished: %s rows read, %s landed, %s quarantined",
        result.rows_read,
        sum(result.landed.values()),
        result.rows_quarantined,
    )
    RUN_ID.reset(token)
    return result
