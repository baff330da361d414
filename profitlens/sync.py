"""Sync: connector → mapping → ledger store, in one atomic transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable

from connector.base import Connector
from ledger.store import Store, SyncResult
from mappings.engine import SourceMapping, check_columns
from profitlens.errors import ProfitlensError

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


def run_sync(
    connector: Connector, mapping: SourceMapping, store: Store, progress: Progress | None = None
) -> SyncResult:
    """Read every mapped stream of `connector` into `store`.

    Bad rows are quarantined and counted; the run fails (and the store is left exactly as it was)
    only when the source or the store fails.
    """
    streams = [s for s in mapping.streams if s in connector.stream_names()]
    check_columns(mapping, {s: connector.available_columns(s) for s in streams})
    run_id = store.start_run("sync", connector.system)
    try:
        with store.sync(connector.system, run_id) as writer:
            for stream in streams:
                sm = mapping.streams[stream]
                writer.stream_read(stream, 0)  # every stream is in the summary, even an empty one
                for chunk in connector.read(stream, sm.columns()):
                    records, issues, skipped = sm.map_rows(chunk, connector.system)
                    writer.stream_read(stream, len(chunk), skipped)
                    writer.add(sm.table, stream, records)
                    writer.quarantine(sm.table, issues)
                    if progress is not None:
                        progress(stream, len(chunk))
                log.info("read stream %s", stream)
            result = writer.result
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ProfitlensError) else f"{type(exc).__name__}: {exc}"
        store.finish_run(run_id, "failed", error=message)
        raise
    store.finish_run(run_id, "ok", result.as_dict())
    return result
