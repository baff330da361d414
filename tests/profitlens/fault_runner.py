"""Runs one sync or one report in this process and kills it (SIGKILL) at a chosen point.

Used by tests/profitlens/test_faults.py as a subprocess: the kill is real, nothing is cleaned up.

    python -m tests.profitlens.fault_runner sync GP_DB STORE CHUNKS     # killed after CHUNKS chunks
    python -m tests.profitlens.fault_runner report CONFIG OUT           # killed half-way through the PDF
    python -m tests.profitlens.fault_runner files FOLDER STORE STREAMS  # killed after STREAMS files were read
                                                                        # (all of them: killed when landing)
    python -m tests.profitlens.fault_runner source KIND FOLDER STORE CHUNKS  # any harness of
        tests/profitlens/sources.py (its own fake service in this process), killed after CHUNKS chunks
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any


def kill_now() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def killed_after(inner: Any, chunks: int, method: str) -> Any:
    """`inner`, whose `method` ("read" or "read_raw") kills this process (SIGKILL) instead of giving its
    chunk number `chunks` + 1, counted over all streams; everything else is `inner`'s."""
    left = [chunks]

    def read(self: Any, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[Any]:
        for chunk in getattr(inner, method)(stream, columns, since):
            if left[0] <= 0:
                kill_now()
            left[0] -= 1
            yield chunk

    def delegate(self: Any, name: str) -> Any:
        return getattr(inner, name)

    killing = type("Killing", (), {"system": inner.system, "__getattr__": delegate, method: read})
    return killing()


def sync(db: str, store_path: str, chunks: int) -> None:
    from connector.gp_sql import GpSqlConnector, sqlite_connection
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync

    inner = GpSqlConnector(sqlite_connection(db), chunk_rows=40)
    killing = killed_after(inner, chunks, "read_raw")  # the path a GP SQL sync takes (set-based mapping)

    with Store(store_path) as store:
        run_sync(killing, load_mapping("gp-sql"), store)


def files(folder: str, store_path: str, streams: int) -> None:
    from connector.files import FilesConnector
    from ledger.staging import SyncWriter
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync

    inner = FilesConnector(folder)
    read = [0]

    class Killing:
        system = inner.system

        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[Any]:
            if read[0] >= streams:
                kill_now()  # every earlier file was read and staged to its end
            read[0] += 1
            yield from inner.read(stream, columns, since)

    def killing_finish(self: SyncWriter) -> None:
        kill_now()  # every file read and staged; nothing landed

    SyncWriter.finish = killing_finish  # type: ignore[method-assign]
    with Store(store_path) as store:
        run_sync(Killing(), load_mapping("files"), store)  # type: ignore[arg-type]


def source(kind: str, folder: str, store_path: str, chunks: int) -> None:
    from pathlib import Path

    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync
    from tests.profitlens.sources import HARNESSES

    Path(folder).mkdir(parents=True, exist_ok=True)
    harness = HARNESSES[kind](Path(folder))
    killing = killed_after(harness.connector(), chunks, "read")

    with Store(store_path) as store:
        run_sync(killing, load_mapping(harness.kind), store)


def report(config: str, out: str) -> None:
    import reports.render as render
    from profitlens.cli import main

    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            kill_now()

    def killing_fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return HalfWriter(real_fdopen(fd, *args, **kwargs))

    render.os.fdopen = killing_fdopen  # type: ignore[assignment]
    main(["report", "--config", config, "--from", "2025-10-01", "--to", "2026-03-31", "--out", out, "--format", "pdf"])


if __name__ == "__main__":
    if sys.argv[1] == "sync":
        sync(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "files":
        files(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "source":
        source(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        report(sys.argv[2], sys.argv[3])
    sys.exit(3)  # not killed: the test fails
