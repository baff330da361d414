"""The ledger store: one DuckDB file holding the ledger tables, quarantine, sync state and runs.

A sync stages its rows chunk by chunk and lands them in one transaction (see `ledger.staging`):
the ledger changes all at once or not at all, and an interrupted sync resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from common.errors import StoreError
from common.masking import mask
from ledger import schema
from ledger.model import RECORD_TYPES
from ledger.staging import TABLE_ORDER, SyncResult, SyncWriter, new_run_id, now, rollback

__all__ = ["TABLE_ORDER", "Store", "SyncResult", "SyncWriter"]


_FOREIGN_HEADERS = {b"SQLite format 3\x00": "a SQLite database", b"PK\x03\x04": "a ZIP file (a workbook?)"}


def _refuse_foreign_file(path: Path) -> None:
    """A store path that names another program's file (the GP sample, a workbook) is a setting mistake."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return  # absent (a new store) or unreadable: DuckDB says which
    for magic, what in _FOREIGN_HEADERS.items():
        if head.startswith(magic):
            raise StoreError(
                f"{path} is {what}, not a profitlens ledger store",
                hint="set [store] path to a new file name, e.g. profitlens.duckdb (the store is made there)",
            )


class Store:
    """A ledger store file. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path | str, *, read_only: bool = False, memory_limit_mb: int = 512) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"no ledger store at {self.path}", hint="run `profitlens sync` first")
        _refuse_foreign_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Never an extension fetched from the network: a file DuckDB could read only with one (a SQLite
            # database given as the store) is refused above, not downloaded for.
            config: dict[str, str | bool | int | float | list[str]] = {
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            }
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=config)
        except OSError as exc:  # the folder cannot be made or written (permissions, a file in the way)
            raise StoreError(
                f"cannot open the ledger store {self.path}: {exc.strerror}",
                hint="give the account running profitlens write access to that folder, or change [store] path",
            ) from exc
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
        # DuckDB's Python client draws a progress bar on stdout for any query over 2 s, also into a pipe or a
        # file: on a large company it would mix into the paths `analyze` prints, `--json` output and cron logs.
        self.con.execute("SET enable_progress_bar = false")
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

    def start_run(self, kind: str, source_system: str | None = None, run_id: str | None = None) -> str:
        """Record a run as running; an existing `run_id` (a resumed sync) is set running again.

        Whoever starts a run of `kind` holds what keeps two of them apart (a sync holds this store open for
        its whole run, a job its job lock): a run of that kind still marked running was killed. It is
        marked `interrupted` here, not left running in the history for ever."""
        run_id = run_id or new_run_id()
        self.con.execute(
            "UPDATE run SET status = 'interrupted', finished_at = ? WHERE kind = ? AND status = 'running' "
            "AND run_id <> ?",
            [now(), kind, run_id],
        )
        self.con.execute(
            "INSERT OR REPLACE INTO run (run_id, kind, source_system, started_at, status) "
            "VALUES (?, ?, ?, ?, 'running')",
            [run_id, kind, source_system, now()],
        )
        return run_id

    def record_refused(self, kind: str, message: str) -> str:
        """A run that did not start (its job was running already): recorded as it is, leaving the
        running one as it is."""
        run_id = new_run_id()
        self.con.execute(
            "INSERT INTO run (run_id, kind, started_at, finished_at, status, error) VALUES (?, ?, ?, ?, 'refused', ?)",
            [run_id, kind, now(), now(), mask(message)],
        )
        return run_id

    def finish_run(
        self, run_id: str, status: str, summary: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        # Masked here, where it is kept: an error may quote a URL or a connection string holding a
        # secret, and `history` prints what is kept (the console and the log file mask their own lines).
        self.con.execute(
            "UPDATE run SET finished_at = ?, status = ?, summary = ?, error = ? WHERE run_id = ?",
            [
                now(),
                status,
                mask(json.dumps(summary)) if summary is not None else None,
                mask(error) if error is not None else None,
                run_id,
            ],
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
    def sync(
        self,
        source_system: str,
        companies: Sequence[str] = ("",),
        *,
        signature: str = "",
        full: bool = True,
        max_removed_share: Decimal | None = None,
    ) -> Iterator[SyncWriter]:
        """One sync of `source_system`: the ledger changes all at once or not at all.

        Rows are staged as they are read (DuckDB spills those to the file, so memory stays bounded
        however large the source); only landing them runs in one transaction. A sync that fails or
        is killed while reading never touched the ledger, and keeps what it staged for the next
        sync with the same `signature` and mode to resume from.
        """
        try:
            writer = SyncWriter(
                self.con, source_system, companies, signature=signature, full=full, max_removed_share=max_removed_share
            )
            writer.open()
            self.start_run("sync", source_system, writer.run_id)
            yield writer
            self.con.execute("BEGIN TRANSACTION")
            try:
                writer.finish()
                self.con.execute("COMMIT")
            except BaseException:
                rollback(self.con)
                raise
        except duckdb.Error as exc:
            raise store_failure(self.path, exc) from None
        with contextlib.suppress(duckdb.Error):  # landed; leftovers are replaced by the next sync
            writer.drop_staging()

    def cursors(self, source_system: str) -> dict[str, str]:
        """The saved cursor of each stream of `source_system` (from its last landed sync)."""
        rows = self.con.execute(
            "SELECT stream, cursor FROM sync_state WHERE source_system = ? AND cursor IS NOT NULL", [source_system]
        ).fetchall()
        return {str(stream): str(cursor) for stream, cursor in rows}

    def count(self, table: str) -> int:
        if table not in RECORD_TYPES and table != "quarantine":
            raise StoreError(f"unknown ledger table {table!r}")
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def _owner_only(path: Path) -> None:
    """Ledger files hold a company's receivables: readable by their owner only."""
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            with contextlib.suppress(OSError):  # e.g. a file system without POSIX permissions
                os.chmod(p, 0o600)


def store_failure(path: Path, exc: duckdb.Error) -> StoreError:
    """A DuckDB failure while syncing, in words: the ledger itself is as it was before the sync."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if any(s in text for s in ("File too large", "No space left", "Disk quota")):
        return StoreError(
            f"the disk holding the ledger store {path} is full ({text})",
            hint="free some space or move the store (store.path), then sync again; the ledger is as it was",
        )
    return StoreError(
        f"the ledger store {path} failed during the sync: {text}",
        hint="the ledger is as it was before this sync; run it again",
    )
