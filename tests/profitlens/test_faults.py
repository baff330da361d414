"""Faults survived: what the user sees, the ledger exactly as before (never half), and a re-run completes.

Each test is one row of the fault table in docs/reliability.md. The kills are real SIGKILLs of a
child process (tests/profitlens/fault_runner.py); the full disk is a real file size limit
(RLIMIT_FSIZE, so every write past it fails with EFBIG as on a full disk); the SMTP servers are real
aiosmtpd servers on loopback that refuse or drop the message.
"""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from common.errors import ProfitlensError
from connector.base import RawChunk
from connector.gp_sql import GpSqlConnector, sqlite_connection
from ledger.store import Store
from mappings.engine import load_mapping
from profitlens import sync
from profitlens.sync import run_sync
from tests.connector.test_gp_sql import make_slow
from tests.profitlens.sources import GpSqlHarness
from tests.profitlens.test_incremental import ledger

ROOT = Path(__file__).resolve().parents[2]


def clean_ledger(db: Path, folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The ledger one uninterrupted sync of `db` gives (run ids left out)."""
    with Store(folder / "clean.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        return ledger(store, with_run_id=False)


def child(*args: str, limit_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limit
    )


@pytest.fixture
def source(tmp_path: Path) -> GpSqlHarness:
    return GpSqlHarness(tmp_path)


def test_sql_connection_closed_under_the_fetch(source: GpSqlHarness, tmp_path: Path) -> None:
    store_path = tmp_path / "ledger.duckdb"
    with Store(store_path) as store:
        run_sync(source.connector(), load_mapping("gp-sql"), store)
        before = ledger(store)
    source.change_one_invoice()
    inner = GpSqlConnector(sqlite_connection(str(source.path)), chunk_rows=40)

    class ClosedUnderTheFetch:
        system = inner.system

        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def read_raw(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[RawChunk]:
            for chunk in inner.read_raw(stream, columns, since):
                yield chunk
                if stream == "sales_lines":
                    inner.connection().close()  # the server went away between two fetches

    with Store(store_path) as store:
        with pytest.raises(ProfitlensError) as caught:
            run_sync(ClosedUnderTheFetch(), load_mapping("gp-sql"), store)  # type: ignore[arg-type]
        assert ledger(store) == before  # exactly as before
    assert "sales_lines" in str(caught.value) or "GP database" in str(caught.value)
    with Store(store_path) as store:
        run_sync(source.connector(), load_mapping("gp-sql"), store)
        assert ledger(store, with_run_id=False) == clean_ledger(source.path, tmp_path)


def test_a_failed_sync_cancels_the_query_being_read(
    source: GpSqlHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The customers' query first counts to 30 million (seconds; on a GP server, a long query). The sync
    # fails before it stages a row: it cancels the query running on the read-ahead thread, and reports
    # its own error, instead of waiting for the query to finish.
    make_slow(source.path, "RM00101", 30_000_000)
    connector = source.connector()
    cancels: list[str] = []
    cancel = connector.cancel  # type: ignore[attr-defined]

    def counted_cancel() -> None:
        cancels.append("cancel")
        cancel()

    def refused(*args: object) -> None:
        raise ProfitlensError("the store refused the stream")

    monkeypatch.setattr(connector, "cancel", counted_cancel)
    monkeypatch.setattr(sync, "_stage_stream", refused)
    with Store(tmp_path / "ledger.duckdb") as store, pytest.raises(ProfitlensError, match="refused the stream"):
        run_sync(connector, load_mapping("gp-sql"), store)
    assert cancels == ["cancel"]


@pytest.mark.parametrize(("first_sync", "chunks"), [(True, 20), (False, 2)], ids=["first sync", "incremental"])
def test_killed_during_a_sync(source: GpSqlHarness, tmp_path: Path, first_sync: bool, chunks: int) -> None:
    store_path = tmp_path / "ledger.duckdb"
    with Store(store_path) as store:
        if not first_sync:
            run_sync(source.connector(), load_mapping("gp-sql"), store)
        before = ledger(store)
    if not first_sync:
        source.change_one_invoice()
    killed = child("-m", "tests.profitlens.fault_runner", "sync", str(source.path), str(store_path), str(chunks))
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no chance to clean up
    with Store(store_path) as store:
        assert ledger(store) == before  # the kill left the ledger exactly as it was
        result = run_sync(source.connector(), load_mapping("gp-sql"), store)
        assert result.resumed  # the staged chunks were kept and used
        assert ledger(store, with_run_id=False) == clean_ledger(source.path, tmp_path)


def report_config(source: GpSqlHarness, tmp_path: Path) -> Path:
    config = tmp_path / "p.toml"
    config.write_text(
        f'[company]\nname = "Nordlicht"\ncurrency = "EUR"\n[source]\nkind = "gp-sql"\npath = "{source.path}"\n'
        f'[store]\npath = "{tmp_path / "ledger.duckdb"}"\n'
    )
    return config


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_killed_while_writing_the_pdf(source: GpSqlHarness, tmp_path: Path) -> None:
    config = report_config(source, tmp_path)
    out = tmp_path / "reports"
    args = ["--config", str(config), "--from", "2025-10-01", "--to", "2026-03-31", "--out", str(out), "--format", "pdf"]
    assert child("-m", "profitlens.cli", "sync", "--config", str(config)).returncode == 0
    first = child("-m", "profitlens.cli", "report", *args)
    assert first.returncode == 0, first.stderr
    (pdf,) = out.glob("*.pdf")
    good = pdf.read_bytes()
    killed = child("-m", "tests.profitlens.fault_runner", "report", str(config), str(out))
    assert killed.returncode == -9, killed.stderr
    assert pdf.read_bytes() == good  # the reader still finds the whole previous report
    assert "Nordlicht" in pdf_text(pdf)
    again = child("-m", "profitlens.cli", "report", *args)
    assert again.returncode == 0, again.stderr
    assert "Nordlicht" in pdf_text(pdf)


def test_the_disk_fills_up_during_a_sync(source: GpSqlHarness, tmp_path: Path) -> None:
    config = report_config(source, tmp_path)
    assert child("-m", "profitlens.cli", "sync", "--config", str(config)).returncode == 0
    with Store(tmp_path / "ledger.duckdb") as store:
        before = ledger(store)
    with sqlite3.connect(source.path) as con:  # a lot of new data: far more than the space left
        con.execute("UPDATE SOP30300 SET ITEMNMBR = ITEMNMBR || hex(randomblob(450))")
    # ~700 kB of new text, but no file may grow past 300 kB (the WAL included): the disk is "full".
    full = child("-m", "profitlens.cli", "sync", "--config", str(config), "--full", limit_bytes=300 * 1024)
    assert full.returncode == 1, full.stdout + full.stderr
    assert "Traceback" not in full.stderr
    assert "error: the disk holding the ledger store" in full.stderr and "free some space" in full.stderr
    with Store(tmp_path / "ledger.duckdb") as store:
        assert ledger(store) == before
    again = child("-m", "profitlens.cli", "sync", "--config", str(config), "--full")
    assert again.returncode == 0, again.stderr
    with Store(tmp_path / "ledger.duckdb") as store:
        assert ledger(store, with_run_id=False) == clean_ledger(source.path, tmp_path)


class Refusing:
    """An SMTP server that takes the envelope, then refuses the message (4xx) or drops the line."""

    def __init__(self, how: str) -> None:
        self.how = how

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.how == "drop":
            server.transport.close()  # the connection is gone mid-message; no reply comes
            return "421 closing"
        return "451 4.3.0 Mailbox temporarily unavailable, try again later"


@pytest.mark.parametrize("how", ["refuse", "drop"])
def test_the_mail_server_refuses_or_drops_the_message(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    from tests.profitlens.test_jobs import SECRET, free_port, run_job, smtp_server, write_config

    monkeypatch.setenv("PROFITLENS_TEST_SMTP_PASSWORD", SECRET)
    port = free_port()
    config = write_config(tmp_path, port)
    config.write_text(config.read_text().replace('username = "reports"\n', ""))
    bad = Controller(Refusing(how), hostname="127.0.0.1", port=port)
    bad.start()
    try:
        first = run_job(config)
    finally:
        bad.stop()
    assert first.returncode == 75, first.stderr  # the reports are written; the mail waits (EX_TEMPFAIL)
    assert "1 waiting in the outbox for the next run" in first.stdout
    assert "Traceback" not in first.stderr
    outbox = tmp_path / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 1
    controller, inbox = smtp_server(port)
    try:
        second = run_job(config)
    finally:
        controller.stop()
    assert second.returncode == 0, second.stderr
    assert len(inbox.messages) == 2  # the kept message, then this run's: none lost, none twice
    assert list(outbox.glob("*.eml")) == []


def files_clean_ledger(folder: Path, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The ledger one uninterrupted first sync of the files in `folder` gives (run ids left out)."""
    from connector.files import FilesConnector

    with Store(tmp_path / "clean-files.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        return ledger(store, with_run_id=False)


# Killed before reading each of the 8 files in turn (customers … activity_events), and with every file read
# but nothing landed (8): wherever it dies, the re-run lands exactly what a clean sync would.
@pytest.mark.parametrize("streams_read", range(9))
def test_a_files_sync_killed_anywhere_then_rerun_lands_what_a_clean_sync_would(
    tmp_path: Path, streams_read: int
) -> None:
    # Issue 20 (1): killed after documents.csv was read, the re-run kept the rows deleted from it.
    from connector.files import FilesConnector
    from tests.cases import alpha

    data = tmp_path / "data"
    alpha.write_files(data)
    store_path = tmp_path / "ledger.duckdb"
    with Store(store_path) as store:
        run_sync(FilesConnector(data), load_mapping("files"), store)
        before = ledger(store)
    documents = data / "documents.csv"
    kept = [line for line in documents.read_text(encoding="utf-8").splitlines() if not line.startswith("INV3,")]
    documents.write_text("\n".join(kept) + "\n", encoding="utf-8")  # INV3 deleted in the ERP's export
    killed = child("-m", "tests.profitlens.fault_runner", "files", str(data), str(store_path), str(streams_read))
    assert killed.returncode == -9, killed.stderr
    with Store(store_path) as store:
        assert ledger(store) == before  # the kill left the ledger exactly as it was
        result = run_sync(FilesConnector(data), load_mapping("files"), store)
        assert result.resumed  # what was staged before the kill was kept and used
        assert result.removed["document"] == 1
        assert ledger(store, with_run_id=False) == files_clean_ledger(data, tmp_path)


# Issue 20: a kill loop for the connectors that talk to a service. The child process runs its own fake
# Business Central (HTTP mocked with `responses`) or GP Web Services (SOAP on loopback) holding the same
# company as the parent's; it is killed (SIGKILL) after a few chunks, at points spread over the streams.
@pytest.mark.parametrize(
    ("kind", "chunks"), [("bc", 1), ("bc", 4), ("bc", 9), ("gp-ws", 1), ("gp-ws", 4), ("gp-ws", 9)]
)
def test_a_service_sync_killed_then_rerun_lands_what_a_clean_sync_would(tmp_path: Path, kind: str, chunks: int) -> None:
    from tests.profitlens.sources import HARNESSES

    store_path = tmp_path / "ledger.duckdb"
    killed = child(
        "-m", "tests.profitlens.fault_runner", "source", kind, str(tmp_path / "child"), str(store_path), str(chunks)
    )
    assert killed.returncode == -9, killed.stderr
    (tmp_path / "parent").mkdir()
    harness = HARNESSES[kind](tmp_path / "parent")
    try:
        with Store(store_path) as store:
            assert ledger(store) == {t: [] for t in ledger(store)}  # the first sync never landed
            result = run_sync(harness.connector(), load_mapping(kind), store)
            assert result.resumed
            resumed = ledger(store, with_run_id=False)
        with Store(tmp_path / "clean.duckdb") as store:
            run_sync(harness.connector(), load_mapping(kind), store)
            assert resumed == ledger(store, with_run_id=False)
    finally:
        harness.close()
