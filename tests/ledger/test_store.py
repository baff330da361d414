"""The ledger store: atomic syncs, duplicates and dangling references quarantined, owner-only files."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from common.errors import SourceUnavailable
from connector.gp_sql import GpSqlConnector, sqlite_connection
from ledger.model import Customer, Document, DocumentType, SourceRef
from ledger.store import TABLE_ORDER, Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.cases import alpha

SRC = SourceRef("test", "t", "k")


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: sorted(store.con.execute(f"SELECT * EXCLUDE (run_id) FROM {t}").fetchall(), key=repr)
        for t in (*TABLE_ORDER, "quarantine")
    }


class DroppingConnection:
    """A DB-API connection whose cursor loses the server after `rows_before_drop` rows of one stream."""

    def __init__(self, inner: Any, table: str, rows_before_drop: int) -> None:
        self.inner, self.table, self.left = inner, table, rows_before_drop

    def cursor(self) -> Any:
        return DroppingCursor(self.inner.cursor(), self)

    def close(self) -> None:
        self.inner.close()


class DroppingCursor:
    def __init__(self, inner: Any, conn: DroppingConnection) -> None:
        self.inner, self.conn, self.armed = inner, conn, False
        self.description = None

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.armed = f"FROM {self.conn.table} " in sql
        return self.inner.execute(sql, params)

    def fetchmany(self, size: int) -> Any:
        if self.armed:
            if self.conn.left <= 0:
                import sqlite3

                raise sqlite3.OperationalError("disk I/O error: connection to the server was lost")
            self.conn.left -= 1
            return self.inner.fetchmany(1)
        return self.inner.fetchmany(size)

    def close(self) -> None:
        self.inner.close()


def test_a_sync_that_fails_half_way_leaves_the_store_unchanged(tmp_path: Path) -> None:
    db = alpha.write_gp_database(tmp_path / "alpha.sqlite")
    mapping = load_mapping("gp-sql")
    with Store(tmp_path / "ledger.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), mapping, store)
        before = snapshot(store)
        assert store.count("document") == 7
        # Second sync: customers, salespeople, employees and open receivables are read (and staged),
        # then the connection drops after the first row of the receivables history.
        import sqlite3

        def connect() -> Any:
            return DroppingConnection(sqlite3.connect(db), "RM30101", rows_before_drop=1)

        with pytest.raises(SourceUnavailable, match="connection to the server was lost"):
            run_sync(GpSqlConnector(connect), mapping, store)
        assert snapshot(store) == before
        runs = store.con.execute("SELECT status, error FROM run ORDER BY started_at").fetchall()
        assert [r[0] for r in runs] == ["ok", "failed"]
        assert "connection to the server was lost" in runs[1][1]


def test_a_resync_replaces_the_sources_rows_and_is_idempotent(tmp_path: Path) -> None:
    db = alpha.write_gp_database(tmp_path / "alpha.sqlite")
    with Store(tmp_path / "ledger.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        first = snapshot(store)
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        assert snapshot(store) == first


def test_duplicate_keys_and_dangling_references_are_quarantined(tmp_path: Path) -> None:
    with Store(tmp_path / "ledger.duckdb") as store:
        with store.sync("test") as writer:
            writer.add(
                "customer",
                "customers",
                [
                    (Customer(SRC, customer_id="C1", name="First"), 2),
                    (Customer(SRC, customer_id="C1", name="Again"), 3),
                ],
            )
            doc = Document(
                SRC,
                document_id="D1",
                customer_id="C9",
                document_type=DocumentType.INVOICE,
                document_date=dt.date(2026, 1, 1),
                amount=Decimal("10"),
            )
            writer.add("document", "documents", [(doc, 2)])
            result = writer.result
        assert store.con.execute("SELECT name FROM customer").fetchall() == [("Again",)]
        reasons = dict(store.con.execute("SELECT target_table, reason FROM quarantine").fetchall())
        assert reasons["customer"].startswith("duplicate key: customer_id C1 appears again at row 3")
        assert store.count("document") == 0
        assert result.quarantined == {"customer": 1, "document": 1}
        assert reasons["document"] == "unknown customer: customer_id 'C9' is not in the customer table"


def test_money_round_trips_exactly_through_the_store(tmp_path: Path) -> None:
    amounts = [Decimal("0.00001"), Decimal("99999999999999.99999"), Decimal("1234.5"), Decimal("0.1")]
    with Store(tmp_path / "ledger.duckdb") as store:
        with store.sync("test") as writer:
            writer.add("customer", "c", [(Customer(SRC, customer_id="C1", name="A"), 2)])
            writer.add(
                "document",
                "d",
                [
                    (
                        Document(
                            SRC,
                            document_id=f"D{i}",
                            customer_id="C1",
                            document_type=DocumentType.INVOICE,
                            document_date=dt.date(2026, 1, 1),
                            amount=a,
                        ),
                        i,
                    )
                    for i, a in enumerate(amounts)
                ],
            )
        stored = [r[0] for r in store.con.execute("SELECT amount FROM document ORDER BY document_id").fetchall()]
    assert stored == amounts


def test_the_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.duckdb"
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_store_in_use_gives_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from common.errors import StoreError

    path = tmp_path / "ledger.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="another profitlens run"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_reading_the_ledger_does_not_load_pyarrow() -> None:
    # analyze and the reports open the store and never need Arrow (only a sync does): loading it cost ~0.13 s
    # of every such command.
    code = "import sys, ledger.store, profitability.analyze; print('pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("read_only", [False, True])
def test_a_long_query_draws_no_progress_bar_on_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, read_only: bool
) -> None:
    # DuckDB draws its bar for queries over progress_bar_time (2 s) on fd 1, pipes and files included; here
    # every connection starts with the threshold at 0, so a short query would draw it. stdout carries the
    # paths `analyze` prints and `--json` output.
    import duckdb

    connect = duckdb.connect

    def connect_with_the_bar_at_once(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        con = connect(*args, **kwargs)
        con.execute("SET progress_bar_time = 0")
        return con

    monkeypatch.setattr(duckdb, "connect", connect_with_the_bar_at_once)
    path = tmp_path / "ledger.duckdb"
    Store(path).close()
    with Store(path, read_only=read_only) as store:
        capfd.readouterr()  # the store's own settings, made while the threshold was still 0
        query = "SELECT count(*) FROM range(50000000) t(i) WHERE i % 7 = 3"
        (count,) = store.con.execute(query).fetchone()  # type: ignore[misc]
    assert count == 7142857
    assert capfd.readouterr().out == ""


def test_a_killed_run_is_marked_interrupted_when_the_next_run_of_its_kind_starts(tmp_path: Path) -> None:
    # Issue 20 (14): a killed run stayed "running" in the history for ever.
    with Store(tmp_path / "l.duckdb") as store:
        killed_sync = store.start_run("sync", "files")  # never finished: the process was killed
        killed_job = store.start_run("job:monthly")
        resumed = store.start_run("sync", "files", run_id=killed_sync)  # a resumed sync keeps its run id
        assert resumed == killed_sync
        store.finish_run(resumed, "ok")
        lost = store.start_run("sync", "files")  # killed too, and started afresh next time
        store.start_run("sync", "files")
        status = dict(store.con.execute("SELECT run_id, status FROM run").fetchall())
        assert status[killed_sync] == "ok"
        assert status[lost] == "interrupted"
        assert status[killed_job] == "running"  # another kind: its own next run decides
        store.start_run("job:monthly")
        assert store.con.execute("SELECT status FROM run WHERE run_id = ?", [killed_job]).fetchone() == ("interrupted",)
