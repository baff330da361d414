"""The embedded sample company: deterministic, GP-shaped, and with the patterns a report needs."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from connector.sample.generate import generate


def digest(path: Path) -> str:
    con = sqlite3.connect(path)
    h = hashlib.sha256()
    for table in ("RM00101", "RM20101", "RM30101", "RM20201", "RM30201", "SOP30300", "PA30101", "MC020102"):
        for row in con.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


def test_same_seed_same_company(tmp_path: Path, tiny_sample: Path) -> None:
    again = tmp_path / "again.sqlite"
    generate(again, size="tiny", seed=7)
    assert digest(again) == digest(tiny_sample)
    other = tmp_path / "other.sqlite"
    generate(other, size="tiny", seed=8)
    assert digest(other) != digest(tiny_sample)


def test_gp_storage_conventions(small_sample: Path) -> None:
    con = sqlite3.connect(small_sample)
    custnmbr, paid_off = con.execute("SELECT CUSTNMBR, DINVPDOF FROM RM20101 WHERE CURTRXAM > 0 LIMIT 1").fetchone()
    assert len(custnmbr) == 15 and custnmbr != custnmbr.rstrip()  # char(15), right-padded
    assert paid_off == "1900-01-01 00:00:00"  # GP's empty date


def test_the_patterns_worth_a_report(small_sample: Path) -> None:
    con = sqlite3.connect(small_sample)
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM RM00101") == 200
    assert one("SELECT count(DISTINCT CURNCYID) FROM RM00101") == 2  # EUR and SEK
    assert one("SELECT count(*) FROM MC020102") > 0  # originating currency
    assert one("SELECT count(*) FROM RM00101 WHERE USERDEF1 <> ''") >= 10  # referrals
    assert one("SELECT count(*) FROM RM00101 WHERE CPRCSTNM <> ''") >= 1  # corporate accounts
    assert one("SELECT count(*) FROM SOP30300 WHERE CMPNTSEQ > 0") > 0  # kit components
    assert one("SELECT count(*) FROM RM30101 WHERE VOIDSTTS = 1") > 0  # voided invoices
    assert (
        one("SELECT count(*) FROM RM30201 WHERE WROFAMNT > 0") + one("SELECT count(*) FROM RM20201 WHERE WROFAMNT > 0")
        > 0
    )  # write-offs
    assert (
        one("SELECT count(*) FROM RM20101 WHERE RMDTYPAL = 8") + one("SELECT count(*) FROM RM30101 WHERE RMDTYPAL = 8")
        > 20
    )  # returns
    # Chronic late payers: invoices paid more than 60 days after their due date.
    late = one("""SELECT count(*) FROM RM30201 a JOIN RM30101 d ON d.DOCNUMBR = a.APTODCNM AND d.RMDTYPAL = 1
                  WHERE a.APFRDCTY = 9 AND julianday(a.DATE1) - julianday(d.DUEDATE) > 60""")
    assert late > 20
    # A few customers dominate: the top 5 % bring more than a quarter of sales.
    shares = [
        r[0]
        for r in con.execute("SELECT sum(SLSAMNT) s FROM RM30101 WHERE RMDTYPAL = 1 GROUP BY CUSTNMBR ORDER BY s DESC")
    ]
    assert sum(shares[: len(shares) // 20]) > 0.25 * sum(shares)


def test_foreign_currency_documents_keep_their_source_amount(tmp_path: Path, tiny_sample: Path) -> None:
    from connector.gp_sql import GpSqlConnector, sqlite_connection
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync

    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(tiny_sample))), load_mapping("gp-sql"), store)
        rows = store.con.execute(
            "SELECT amount, source_amount, exchange_rate FROM document WHERE currency = 'SEK' AND amount > 0"
        ).fetchall()
    assert rows, "the sample has SEK customers"
    for amount, source_amount, rate in rows:
        # Functional EUR amount = SEK amount × rate (multiply method), to the cent of the SEK amount's rounding.
        assert abs(source_amount * rate - amount) <= rate / 2 + 0, (amount, source_amount, rate)


def test_the_sample_has_gp_primary_keys_and_statistics(tiny_sample: Path) -> None:
    # A GP server has a clustered primary key on every table and keeps statistics; without them SQLite
    # would join the sales lines to their headers through a throw-away index built for every query.
    con = sqlite3.connect(tiny_sample)
    indexes = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"PKSOP30200", "PKSOP30300", "PKRM20101", "PKRM30101", "PKMC020102", "PKRM00101"} <= indexes
    line = con.execute("SELECT SOPTYPE, SOPNUMBE, CMPNTSEQ, LNITMSEQ FROM SOP30300 LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError):  # the key (SOPNUMBE, SOPTYPE, CMPNTSEQ, LNITMSEQ) is unique
        con.execute("INSERT INTO SOP30300 (SOPTYPE, SOPNUMBE, CMPNTSEQ, LNITMSEQ) VALUES (?, ?, ?, ?)", line)
    assert con.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'SOP30300'").fetchone()[0] > 0
    plan = " ".join(
        str(row[-1])
        for row in con.execute(
            "EXPLAIN QUERY PLAN SELECT l.XTNDPRCE FROM SOP30300 l "
            "JOIN SOP30200 h ON h.SOPTYPE = l.SOPTYPE AND h.SOPNUMBE = l.SOPNUMBE"
        )
    )
    assert "AUTOMATIC" not in plan and "PKSOP30" in plan


def test_generating_a_sample_reports_each_step(tmp_path: Path) -> None:
    # `profitlens demo --size large` is silent for a minute without it: each step is told as it starts.
    heard: list[str] = []
    generate(tmp_path / "s.sqlite", size="tiny", progress=heard.append)
    assert heard == [
        "customers, salespeople, employees, items",
        "invoices, returns, payments and their applications",
        "timesheets",
        "keys and statistics",
    ]
