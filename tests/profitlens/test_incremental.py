"""Incremental and resumable sync, for every connector.

The same three promises for each source kind:
- syncing an unchanged source again changes nothing (not even a run id in the ledger);
- changing one invoice at the source changes exactly that invoice in the ledger;
- a sync cut off half-way and run again ends with the same ledger as one clean sync, and counts
  every row once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from common.errors import SourceUnavailable
from connector.base import Connector, SourceRow, Watermark
from ledger.store import TABLE_ORDER, Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.profitlens.sources import HARNESSES, GpSqlHarness, Harness


def ledger(store: Store, *, with_run_id: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    drop = "" if with_run_id else " EXCLUDE (run_id)"
    return {t: sorted(store.con.execute(f"SELECT *{drop} FROM {t}").fetchall(), key=repr) for t in TABLE_ORDER}


class Interrupting:
    """A connector that loses its source after `chunks` chunks (all streams together)."""

    def __init__(self, inner: Connector, chunks: int) -> None:
        self.inner, self.left = inner, chunks
        self.system = inner.system

    def stream_names(self) -> Sequence[str]:
        return self.inner.stream_names()

    def available_columns(self, stream: str) -> Sequence[str] | None:
        return self.inner.available_columns(stream)

    def watermark(self, stream: str) -> Watermark | None:
        return self.inner.watermark(stream)

    def fingerprint(self, stream: str) -> str | None:
        return self.inner.fingerprint(stream)

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        for chunk in self.inner.read(stream, columns, since):
            if self.left <= 0:
                raise SourceUnavailable("the connection to the ERP was lost", stream=stream)
            self.left -= 1
            yield chunk

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(params=sorted(HARNESSES))
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    harness = HARNESSES[request.param](tmp_path)
    yield harness
    harness.close()


def test_a_second_sync_of_an_unchanged_source_changes_nothing(source: Harness, tmp_path: Path) -> None:
    mapping = load_mapping(source.kind)
    with Store(tmp_path / "ledger.duckdb") as store:
        first = run_sync(source.connector(), mapping, store)
        assert first.mode == "full"
        before = ledger(store)
        second = run_sync(source.connector(), mapping, store)
        assert second.mode == "incremental"
        assert sum(second.changed.values()) == 0 and sum(second.removed.values()) == 0
        assert ledger(store) == before


def test_one_changed_invoice_changes_exactly_that_invoice(source: Harness, tmp_path: Path) -> None:
    mapping = load_mapping(source.kind)
    with Store(tmp_path / "ledger.duckdb") as store:
        run_sync(source.connector(), mapping, store)
        before = ledger(store)
        document_id = source.change_one_invoice()
        result = run_sync(source.connector(), mapping, store)
        after = ledger(store)
    assert result.changed == {t: (1 if t == "document" else 0) for t in TABLE_ORDER}
    assert sum(result.removed.values()) == 0
    for table in TABLE_ORDER:
        if table != "document":
            assert after[table] == before[table], table
    gone = set(before["document"]) - set(after["document"])
    new = set(after["document"]) - set(before["document"])
    assert len(gone) == len(new) == 1
    (old_row,) = gone
    (new_row,) = new
    assert document_id in old_row and document_id in new_row
    assert old_row != new_row


def test_an_interrupted_sync_resumes_to_the_ledger_of_one_clean_sync(source: Harness, tmp_path: Path) -> None:
    mapping = load_mapping(source.kind)
    with Store(tmp_path / "clean.duckdb") as store:
        clean = run_sync(source.connector(), mapping, store)
        expected = ledger(store, with_run_id=False)
        cursors = store.cursors(source.connector().system)
    with Store(tmp_path / "resumed.duckdb") as store:
        with pytest.raises(SourceUnavailable):
            run_sync(Interrupting(source.connector(), chunks=source.chunks_before_cut), mapping, store)
        assert all(n == 0 for n in (store.count(t) for t in TABLE_ORDER))  # nothing landed
        resumed = run_sync(source.connector(), mapping, store)
        assert resumed.resumed
        assert ledger(store, with_run_id=False) == expected
        assert resumed.rows_read == clean.rows_read  # no row counted twice
        assert resumed.landed == clean.landed
        # The streams read whole before the interruption keep their cursors too: the next sync reads
        # only what changed since, as after the clean sync.
        assert store.cursors(source.connector().system) == cursors
        # The staging tables are gone once the sync has landed.
        staged = store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'sync_stage_%'")
        assert staged.fetchone() == (0,)


def test_an_interrupted_incremental_sync_resumes_too(source: Harness, tmp_path: Path) -> None:
    mapping = load_mapping(source.kind)
    with Store(tmp_path / "ledger.duckdb") as store:
        run_sync(source.connector(), mapping, store)
        source.change_one_invoice()
        with pytest.raises(SourceUnavailable):
            run_sync(Interrupting(source.connector(), chunks=1), mapping, store)
        resumed = run_sync(source.connector(), mapping, store)
        assert resumed.resumed and resumed.mode == "incremental"
        assert resumed.changed["document"] == 1
        after = ledger(store, with_run_id=False)
    with Store(tmp_path / "clean.duckdb") as store:
        run_sync(source.connector(), mapping, store)
        assert ledger(store, with_run_id=False) == after


def test_sync_full_removes_what_the_source_no_longer_has(tmp_path: Path) -> None:
    harness = GpSqlHarness(tmp_path)
    mapping = load_mapping("gp-sql")
    harness.add_customer("ZZGONE")
    with Store(tmp_path / "ledger.duckdb") as store:
        run_sync(harness.connector(), mapping, store)
        customers = store.count("customer")
        harness.delete_customer("ZZGONE")
        incremental = run_sync(harness.connector(), mapping, store)
        assert store.count("customer") == customers  # deletions are not seen incrementally
        assert sum(incremental.removed.values()) == 0
        full = run_sync(harness.connector(), mapping, store, full=True)
        assert full.mode == "full" and full.removed["customer"] == 1
        assert store.count("customer") == customers - 1
    harness.close()


def test_gp_rows_changed_before_the_saved_cursor_minus_overlap_are_not_read_again(tmp_path: Path) -> None:
    # The cursor is DEX_ROW_TS: an incremental sync asks only for rows stamped since the last
    # sync's highest stamp minus 10 minutes, so the second sync reads few rows.
    harness = GpSqlHarness(tmp_path)
    mapping = load_mapping("gp-sql")
    with Store(tmp_path / "ledger.duckdb") as store:
        first = run_sync(harness.connector(), mapping, store)
        with sqlite3.connect(harness.path) as con:
            con.execute("UPDATE RM00101 SET DEX_ROW_TS = '2020-01-01 00:00:00'")
            con.execute("UPDATE SOP30300 SET DEX_ROW_TS = '2020-01-01 00:00:00'")
            con.execute("UPDATE SOP30200 SET DEX_ROW_TS = '2020-01-01 00:00:00'")
        second = run_sync(harness.connector(), mapping, store)
    assert first.streams["customers"].read > 0
    assert second.streams["customers"].read == 0
    assert second.streams["sales_lines"].read == 0
    harness.close()
