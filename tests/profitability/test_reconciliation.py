"""Numbers that reconcile: the ledger's open receivables equal the ERP's to the cent.

The ledger works out what is open from documents and applications (as of a date); GP keeps its own
running figure, CURTRXAM. Summed straight from the GP tables here (not through the ledger), with GP's
signs (credit memos, returns and payments lower the balance; balance-forward and scheduled payments
are not documents), the two must agree for every customer of the sample company and of companies
generated with other seeds. And the ageing buckets must sum to the open total (ERPNext's receivables
report is known to drift here).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from connector.gp_sql import GpSqlConnector, sqlite_connection
from connector.sample.generate import TODAY, generate
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync

SOURCE_OPEN = """
SELECT trim(CUSTNMBR), sum(CASE WHEN RMDTYPAL IN (7, 8, 9) THEN -CURTRXAM ELSE CURTRXAM END)
FROM (SELECT CUSTNMBR, RMDTYPAL, CURTRXAM, VOIDSTTS FROM RM20101
      UNION ALL SELECT CUSTNMBR, RMDTYPAL, CURTRXAM, VOIDSTTS FROM RM30101)
WHERE VOIDSTTS = 0 AND RMDTYPAL NOT IN (0, 2)
GROUP BY trim(CUSTNMBR)
"""


def source_open(db: Path) -> dict[str, Decimal]:
    with sqlite3.connect(db) as con:
        rows = con.execute(SOURCE_OPEN).fetchall()
    # SQLite sums the stored text exactly enough for cents; quantise to the cent like GP shows it.
    return {c: Decimal(str(v)).quantize(Decimal("0.01")) for c, v in rows if Decimal(str(v)).quantize(Decimal("0.01"))}


@pytest.mark.parametrize(("size", "seed"), [("small", 7), ("tiny", 1), ("tiny", 2), ("tiny", 3)])
def test_open_receivables_equal_the_erps_to_the_cent(tmp_path: Path, size: str, seed: int) -> None:
    db = tmp_path / "gp.sqlite"
    generate(db, size=size, seed=seed)
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        analysis = analyze(store.con, Period(TODAY.replace(month=1, day=1), TODAY, TODAY))
    ledger_open = {c.customer_id: c.open_amount for c in analysis.customers if c.open_amount}
    assert ledger_open == source_open(db)
    assert analysis.reconciliation["ties"] is True
    assert analysis.totals["open_amount"] == sum(source_open(db).values(), Decimal(0))
    # The buckets hold the open debits; with the unapplied credits they give the open total.
    for customer in analysis.customers:
        assert sum(customer.ageing, Decimal(0)) - customer.unapplied_credits == customer.open_amount
    assert (
        sum(analysis.ageing_totals, Decimal(0)) == analysis.totals["open_amount"] + analysis.totals["unapplied_credits"]
    )


def test_a_difference_from_the_erp_is_listed_by_customer_and_by_document(tmp_path: Path) -> None:
    # R1: INV R1-1 100.00, paid 10.00 on 2 March (P1): the ERP shows 90.00 open, as the ledger does; its one
    # line 90.00 (the document says 100.00 of sales).
    # R2: INV R2-1 200.00, the ERP shows 150.00 open (an application the ledger does not have).
    # R3: INV R3-1 100.00, the ERP shows 40.00 open.
    # As of 31 March, after every posting: ledger open 390.00, the ERP's 280.00 → 110.00 not tied: R3's
    # 60.00 first (the largest difference), then R2's 50.00; and R1-1's sales differ from its lines by 10.00.
    # As of 3 March, after P1 but before R3-1 was posted (the latest posting, 4 March), the ledger's open
    # amount cannot be compared with the ERP's (which is today's): no difference is claimed.
    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nR1,Rho One\nR2,Rho Two\nR3,Rho Three\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount,sales_amount\n"
        "R1-1,R1,invoice,2026-03-02,2026-04-01,100.00,90.00,100.00\n"
        "P1,R1,payment,2026-03-02,,10.00,0.00,\n"
        "R2-1,R2,invoice,2026-03-03,2026-04-02,200.00,150.00,200.00\n"
        "R3-1,R3,invoice,2026-03-04,2026-04-03,100.00,40.00,100.00\n",
        "document_lines.csv": "document_id,line_no,item_id,quantity,unit_price,extended_price\n"
        "R1-1,1,A-100,1,90.00,90.00\n",
        "applications.csv": "from_document_id,to_document_id,amount,apply_date\nP1,R1-1,10.00,2026-03-02\n",
    }
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    reconciliation = analyse_tables(tmp_path / "end", tables, march).reconciliation
    early = analyse_tables(tmp_path / "early", tables, march, as_of=dt.date(2026, 3, 3))
    assert early.reconciliation["comparable"] is False and early.reconciliation["difference"] is None
    assert early.reconciliation["open_differences"] == []
    assert reconciliation["comparable"] is True and reconciliation["ties"] is False
    assert reconciliation["ledger_open_as_of"] == Decimal("390.00")
    assert reconciliation["erp_open_now"] == Decimal("280.00")
    assert reconciliation["difference"] == Decimal("110.00")
    assert reconciliation["open_differences"] == [
        {
            "company": "",
            "customer_id": "R3",
            "ledger_open": Decimal("100.00"),
            "erp_open": Decimal("40.00"),
            "difference": Decimal("60.00"),
        },
        {
            "company": "",
            "customer_id": "R2",
            "ledger_open": Decimal("200.00"),
            "erp_open": Decimal("150.00"),
            "difference": Decimal("50.00"),
        },
    ]
    assert reconciliation["sales_ties_to_lines"] is False
    assert [
        (d["document_id"], d["document_sales"], d["lines"], d["difference"])
        for d in reconciliation["sales_differences"]
    ] == [("R1-1", Decimal("100.00"), Decimal("90.00"), Decimal("10.00"))]


def test_a_source_with_open_amounts_and_no_payments_settles_by_its_open_amounts(tmp_path: Path) -> None:
    # Business Central's API and a files export without payments give each document's open amount but no
    # payment. S1 (no payment anywhere in the source):
    #   S1-1 invoice 1,000.00 of 1 March, 400.00 open, no paid-off date;
    #   S1-2 invoice   500.00 of 5 March, nothing open, paid off on 20 March;
    #   S1-3 credit memo 100.00 of 10 March, applied to S1-1 (applications.csv), no open amount (as in BC).
    # What the open amounts settled beyond the applications: S1-1 1,000 − 400 − 100 = 500.00, dated the day
    # of the sync that saw it (today: after March); S1-2 500.00 on 20 March. Inferred: 2 documents, 1,000.00.
    # As of a day after the sync: S1-1 400.00 open, S1-2 and S1-3 nothing: 400.00, tying to the source's 400.00
    # (S1-3, without an open amount, left out of both sides).
    # As of 31 March: S1-2 paid (20 March), S1-1 1,000 − 100 = 900.00 open (its 500.00 came later) — not
    # compared with the source's open amounts, which are today's.
    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nS1,Sigma One\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount,"
        "sales_amount,paid_off_date\n"
        "S1-1,S1,invoice,2026-03-01,2026-03-31,1000.00,400.00,1000.00,\n"
        "S1-2,S1,invoice,2026-03-05,2026-04-04,500.00,0.00,500.00,2026-03-20\n"
        "S1-3,S1,credit_memo,2026-03-10,,100.00,,100.00,\n",
        "applications.csv": "from_document_id,to_document_id,amount,apply_date\nS1-3,S1-1,100.00,2026-03-10\n",
    }
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    later = analyse_tables(tmp_path / "a", tables, march, as_of=dt.date.today() + dt.timedelta(days=2))
    (s1,) = later.customers
    assert s1.open_amount == Decimal("400.00")
    recon = later.reconciliation
    assert recon["ties"] is True and recon["erp_open_now"] == Decimal("400.00")
    assert recon["documents_without_open_amount"] == 1
    assert (recon["inferred_settlements"], recon["inferred_settlement_amount"]) == (2, Decimal("1000.00"))
    assert "without a payment record" in recon["note"]

    march_end = analyse_tables(tmp_path / "b", tables, march)
    (s1,) = march_end.customers
    assert s1.open_amount == Decimal("900.00") and s1.overdue_amount == 0  # S1-1 is due on 31 March
    assert march_end.reconciliation["comparable"] is False
    assert (
        march_end.reconciliation["inferred_settlements"],
        march_end.reconciliation["inferred_settlement_amount"],
    ) == (
        1,
        Decimal("500.00"),
    )


def test_payments_without_applications_are_matched_oldest_first(tmp_path: Path) -> None:
    # A files export with payments and open amounts but no applications.csv. P1:
    #   A invoice 100.00 (1 March), nothing open: settled 100.00
    #   B invoice 200.00 (5 March), 50.00 open: settled 150.00
    #   X payment 120.00 (10 March), nothing open: gave 120.00
    #   Y payment 150.00 (20 March), 20.00 open: gave 130.00
    # Oldest first, where the running totals overlap: X → A 100.00 and X → B 20.00 on 10 March; Y → B
    # 130.00 on 20 March. As of 31 March: B 50.00 open, Y 20.00 unapplied: 30.00, tying to the source
    # (50 − 20). As of 15 March: B 200 − 20 = 180.00 open (Y not yet received).
    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nP1,Pi One\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount,sales_amount\n"
        "A,P1,invoice,2026-03-01,2026-03-31,100.00,0.00,100.00\n"
        "B,P1,invoice,2026-03-05,2026-04-04,200.00,50.00,200.00\n"
        "X,P1,payment,2026-03-10,,120.00,0.00,\n"
        "Y,P1,payment,2026-03-20,,150.00,20.00,\n",
    }
    end = analyse_tables(tmp_path / "a", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    (p1,) = end.customers
    assert (p1.open_amount, p1.unapplied_credits) == (Decimal("30.00"), Decimal("20.00"))
    assert end.reconciliation["ties"] is True
    assert (end.reconciliation["inferred_settlements"], end.reconciliation["inferred_settlement_amount"]) == (
        2,
        Decimal("250.00"),
    )
    mid = analyse_tables(tmp_path / "b", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 15)))
    (p1,) = mid.customers
    assert p1.open_amount == Decimal("180.00")


def test_a_credit_memo_without_an_open_amount_is_not_counted_twice(tmp_path: Path) -> None:
    # A source like Business Central: open amounts (salesInvoices.remainingAmount, computed on read from the
    # invoice's customer ledger entry, APIV2SalesInvoices.Page.al), no payments (customerPayments are unposted
    # journal lines), no applications (no credit memo names its invoice), and credit memos without an open
    # amount (salesCreditMemos has no remainingAmount: dynamics_salescreditmemo.md; ../shared NOTES.md). S2:
    #   S2-1 invoice 1,000.00 of 1 March, nothing open, paid off on 25 March;
    #   S2-2 credit memo 300.00 of 10 March, no open amount (BC gives none): it gave all of it;
    #   S2-3 invoice   500.00 of 15 March, 500.00 open (settled nothing);
    #   S2-4 invoice     0.80 of 16 March, nothing open, paid off on 18 March (less than a euro, no credit).
    # Oldest first: S2-2 → S2-1 300.00 on 10 March; the rest of S2-1, 1,000 − 0 − 300 = 700.00, on 25 March;
    # S2-4's 0.80 on 18 March.
    # As of 31 March: S2-3 500.00 open and nothing else: 500.00, the source's own 500.00 (S2-2, without an
    # open amount, left out of both sides). Counting S2-2 again as an unapplied credit would give 200.00.
    # Inferred: S2-1 and S2-4, 1,000.80.
    # As of 20 March: S2-1 1,000 − 300 = 700.00 (its 700.00 came on 25 March) + S2-3 500.00 = 1,200.00.
    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nS2,Sigma Two\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount,"
        "sales_amount,paid_off_date\n"
        "S2-1,S2,invoice,2026-03-01,2026-03-31,1000.00,0.00,1000.00,2026-03-25\n"
        "S2-2,S2,credit_memo,2026-03-10,,300.00,,300.00,\n"
        "S2-3,S2,invoice,2026-03-15,2026-04-14,500.00,500.00,500.00,\n"
        "S2-4,S2,invoice,2026-03-16,2026-04-15,0.80,0.00,0.80,2026-03-18\n",
    }
    end = analyse_tables(tmp_path / "a", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    (s2,) = end.customers
    assert (s2.open_amount, s2.unapplied_credits) == (Decimal("500.00"), Decimal("0.00"))
    recon = end.reconciliation
    assert recon["ties"] is True and recon["erp_open_now"] == Decimal("500.00")
    assert (recon["inferred_settlements"], recon["inferred_settlement_amount"]) == (2, Decimal("1000.80"))
    mid = analyse_tables(tmp_path / "b", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 20)))
    (s2,) = mid.customers
    assert s2.open_amount == Decimal("1200.00")


def test_matching_without_applications_at_its_edges(tmp_path: Path) -> None:
    # A files export with payments and open amounts but no applications.csv, at the edges of the matching
    # (each case is what a one-token change to the matching SQL would get wrong; docs/testing.md):
    # Q1 — two invoices and two payments of 100.00 each: A (1 February, due 12 February) and B (5 March),
    #   X (10 March) and Y (20 March): X → A on 10 March, Y → B on 20 March, nothing else (running totals
    #   that only touch match nothing). A is paid on 10 March, before its reminder of 14 March (due + 30
    #   days) would go out: no reminder, no activity cost (a reminder costs 6 minutes at 1.00 a minute).
    # Q2 — a payment with an open amount: C invoice 100.00 (1 March, nothing open), W payment 150.00
    #   (10 March, 50.00 open: it gave 100.00), D invoice 80.00 (15 March, due 20 March, nothing open: paid
    #   by something the export does not hold, so settled on the day of the sync, after March). W → C 100.00;
    #   as of 31 March D 80.00 is open and overdue, W 50.00 unapplied: open 30.00, overdue 80.00. (Had W
    #   given all its 150.00, D would show 30.00 overdue.)
    # Q3 — a voided payment, a fully open invoice and half a euro: E invoice 100.00 (1 March), V payment
    #   100.00 (2 March, voided), F invoice 50.00 (3 March, 50.00 open: settled nothing), G invoice 0.50
    #   (4 March, nothing open), Z payment 100.50 (12 March, nothing open). Z → E 100.00 and Z → G 0.50 on
    #   12 March; V gives nothing; F is open: 50.00.
    # Inferred by 31 March: A, B, C, E, G — 5 documents, 100 + 100 + 100 + 100 + 0.50 = 400.50 (D's 80.00
    # comes after March; F none).
    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nQ1,Q One\nQ2,Q Two\nQ3,Q Three\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount,"
        "sales_amount,voided\n"
        "A,Q1,invoice,2026-02-01,2026-02-12,100.00,0.00,100.00,0\n"
        "B,Q1,invoice,2026-03-05,2026-04-04,100.00,0.00,100.00,0\n"
        "X,Q1,payment,2026-03-10,,100.00,0.00,,0\n"
        "Y,Q1,payment,2026-03-20,,100.00,0.00,,0\n"
        "C,Q2,invoice,2026-03-01,2026-03-31,100.00,0.00,100.00,0\n"
        "W,Q2,payment,2026-03-10,,150.00,50.00,,0\n"
        "D,Q2,invoice,2026-03-15,2026-03-20,80.00,0.00,80.00,0\n"
        "E,Q3,invoice,2026-03-01,2026-03-31,100.00,0.00,100.00,0\n"
        "V,Q3,payment,2026-03-02,,100.00,0.00,,1\n"
        "F,Q3,invoice,2026-03-03,2026-04-02,50.00,50.00,50.00,0\n"
        "G,Q3,invoice,2026-03-04,2026-04-03,0.50,0.00,0.50,0\n"
        "Z,Q3,payment,2026-03-12,,100.50,0.00,,0\n",
    }
    reminders = (
        '\n[[costing.pool]]\nname = "desk"\ncost = 3650\npractical_minutes = 3650\n\n'
        '[costing.drivers]\nreminder = { pool = "desk", minutes = 6 }\n'
    )
    march = analyse_tables(tmp_path / "a", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 31)), settings=reminders)
    q = {c.customer_id: c for c in march.customers}
    assert (q["Q1"].open_amount, q["Q1"].unapplied_credits, q["Q1"].activity_cost) == (0, 0, 0)
    assert (q["Q2"].open_amount, q["Q2"].overdue_amount, q["Q2"].unapplied_credits) == (
        Decimal("30.00"),
        Decimal("80.00"),
        Decimal("50.00"),
    )
    assert (q["Q3"].open_amount, q["Q3"].unapplied_credits) == (Decimal("50.00"), 0)
    recon = march.reconciliation
    assert (recon["inferred_settlements"], recon["inferred_settlement_amount"]) == (5, Decimal("400.50"))
    # As of 15 March, A was paid on 10 March, B not yet: Q1 owes B's 100.00 and nothing of A.
    mid = analyse_tables(tmp_path / "b", tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 15)))
    q = {c.customer_id: c for c in mid.customers}
    assert q["Q1"].open_amount == Decimal("100.00") and q["Q1"].overdue_amount == 0
