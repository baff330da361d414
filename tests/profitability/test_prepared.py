"""The tables every analysis starts from, stored by the sync (profitability/prepared.py): used only while
they are those of the ledger, and then giving exactly the figures an analysis working them out itself gives.

One customer, R1: invoice R1-1 of 100.00 dated 2 March, due 1 April; payment P1 of 60.00 on 10 March,
applied to it (applications.csv). As of 31 March: 40.00 open, paid 60.00 after 8 days, nothing unapplied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability import prepared
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitability.prepared import FINGERPRINT_KEY, PREPARED, store_prepared, use_prepared
from profitlens import sync as sync_module
from profitlens.sync import run_sync
from tests.cases.files import write_tables

MARCH = Period.of(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
TABLES = {
    "customers.csv": "customer_id,name\nR1,Rho One\n",
    "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,sales_amount\n"
    "R1-1,R1,invoice,2026-03-02,2026-04-01,100.00,100.00\n"
    "P1,R1,payment,2026-03-10,,60.00,\n",
    "document_lines.csv": "document_id,line_no,item_id,quantity,unit_price,extended_price\nR1-1,1,A-100,1,100.00,100.00\n",
    "applications.csv": "from_document_id,to_document_id,amount,apply_date\nP1,R1-1,60.00,2026-03-10\n",
}


def synced(tmp_path: Path) -> Store:
    write_tables(tmp_path / "data", TABLES)
    store = Store(tmp_path / "l.duckdb")
    run_sync(FilesConnector(tmp_path / "data"), load_mapping("files"), store)
    return store


def figures(analysis: Analysis) -> list[dict[str, object]]:
    return [dataclasses.asdict(c) for c in analysis.customers]


def test_the_sync_stores_them_and_an_analysis_from_them_equals_one_that_works_them_out(tmp_path: Path) -> None:
    with synced(tmp_path) as store:
        assert use_prepared(store.con) is True  # the sync stored them, for this very ledger
        stored = analyze(store.con, MARCH)
        store.con.execute("DELETE FROM store_info WHERE key = ?", [FINGERPRINT_KEY])
        assert use_prepared(store.con) is False  # without their fingerprint they are not trusted
        afresh = analyze(store.con, MARCH)
    (r1,) = stored.customers
    assert (r1.open_amount, r1.unapplied_credits, r1.avg_days_to_pay) == (Decimal("40.00"), 0, 8)
    assert figures(stored) == figures(afresh) and stored.totals == afresh.totals


def test_a_ledger_changed_after_the_sync_is_not_analysed_with_the_stale_tables(tmp_path: Path) -> None:
    # The application is taken out of the ledger behind the sync's back: R1-1 is 100.00 open again and P1's
    # 60.00 unapplied (40.00 open net), nothing was paid on an invoice in March. The stored tables still say
    # R1-1 was settled by 60.00: they must not be used.
    with synced(tmp_path) as store:
        store.con.execute("DELETE FROM application")
        assert use_prepared(store.con) is False
        (r1,) = analyze(store.con, MARCH).customers
    assert (r1.open_amount, r1.unapplied_credits, r1.avg_days_to_pay) == (Decimal("40.00"), Decimal("60.00"), None)


def test_a_sync_that_changes_nothing_keeps_them_and_one_that_changes_something_makes_them_again(
    tmp_path: Path,
) -> None:
    # The application changed to 50.00 (as a sync would land it): R1-1 50.00 open, P1 10.00 unapplied.
    with synced(tmp_path) as store:
        assert store_prepared(store.con) is False  # the same ledger: nothing to make
        store.con.execute("UPDATE application SET amount = 50.00")
        assert store_prepared(store.con) is True
        assert use_prepared(store.con) is True
        (r1,) = analyze(store.con, MARCH).customers
    assert (r1.open_amount, r1.unapplied_credits) == (Decimal("40.00"), Decimal("10.00"))


def test_a_sync_whose_tables_cannot_be_stored_still_lands_and_the_analysis_works_them_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def disk_full(con: duckdb.DuckDBPyConnection) -> bool:
        raise duckdb.IOException("could not write: no space left on device")

    monkeypatch.setattr(sync_module, "store_prepared", disk_full)
    with caplog.at_level(logging.WARNING), synced(tmp_path) as store:
        found = store.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE list_contains(?, table_name)", [[n for n, _ in PREPARED]]
        ).fetchone()
        assert found == (0,)
        assert store.con.execute("SELECT status FROM run ORDER BY started_at DESC LIMIT 1").fetchone() == ("ok",)
        (r1,) = analyze(store.con, MARCH).customers
    assert r1.open_amount == Decimal("40.00")
    assert "were not stored (could not write: no space left on device)" in caplog.text


def test_tables_made_by_a_version_that_makes_them_differently_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A later profitlens changes how the settlements are worked out: the tables an earlier one stored for
    # this very ledger are not used, and the next sync makes them again.
    with synced(tmp_path) as store:
        monkeypatch.setattr(prepared, "SQL_DIGEST", "another-version")
        assert use_prepared(store.con) is False
        assert store_prepared(store.con) is True and use_prepared(store.con) is True
