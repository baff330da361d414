"""Every figure is a flow of the period: months add up to their union, customer by customer.

The hand-worked two months of tests/cases/gamma.py (a prepayment, a settlement discount, a write-off,
freight and a finance charge), and the sample company's months against its year.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from connector.files import FilesConnector
from connector.sample.generate import generate
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.app import engine_settings, sync
from profitlens.cli.demo import demo_config
from profitlens.config import load_config
from profitlens.sync import run_sync
from tests.cases import gamma
from tests.cases.files import analyse_tables
from tests.profitability.test_properties import FLOWS

TINY = Decimal("1e-18")


def test_two_months_worked_by_hand_and_their_union(tmp_path: Path) -> None:
    gamma.write(tmp_path / "data")
    (tmp_path / "profitlens.toml").write_text(gamma.CONFIG, encoding="utf-8")
    settings = engine_settings(load_config(tmp_path / "profitlens.toml"))
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(tmp_path / "data"), load_mapping("files"), store)
        results = {span: analyze(store.con, Period.of(*span), settings) for span in gamma.EXPECTED}
    for span, expected in gamma.EXPECTED.items():
        (g1,) = results[span].customers
        for name, value in expected.items():
            assert getattr(g1, name) == value, (span, name)
    # The expected credit loss shown is the allowance as of the as-of date (here each period's end).
    assert results[gamma.JANUARY].customers[0].expected_credit_loss == Decimal("28.775")
    # February's "against the previous period" (the 28 days 4-31 January) holds INV10 of 5 January.
    assert results[gamma.FEBRUARY].previous_totals["net_sales"] == Decimal("1000")


def month_spans(first: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    spans = []
    start = first
    for _ in range(months):
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        spans.append((start, following - dt.timedelta(days=1)))
        start = following
    return spans


def per_customer(analysis: Analysis) -> dict[tuple[str, str], dict[str, Decimal]]:
    return {(c.company, c.customer_id): {f: getattr(c, f) for f in FLOWS} for c in analysis.customers}


@pytest.mark.parametrize("size", ["tiny"])
def test_the_sample_companys_twelve_months_add_up_to_its_year(tmp_path: Path, size: str) -> None:
    sample = tmp_path / "sample.sqlite"
    generate(sample, size=size)
    config = tmp_path / "profitlens.toml"
    config.write_text(demo_config(sample.name), encoding="utf-8")
    cfg = load_config(config)
    settings = engine_settings(cfg)
    sync(cfg)
    spans = month_spans(dt.date(2025, 11, 1), 12)
    with Store(cfg.store_path, read_only=True) as store:
        year = analyze(store.con, Period.of(spans[0][0], spans[-1][1]), settings)
        months = [analyze(store.con, Period.of(*span), settings) for span in spans]
    total = per_customer(year)
    added: dict[tuple[str, str], dict[str, Decimal]] = {}
    for month in months:
        for key, figures in per_customer(month).items():
            into = added.setdefault(key, dict.fromkeys(FLOWS, Decimal(0)))
            for name, value in figures.items():
                into[name] += value
    assert added.keys() == total.keys()
    for key, figures in total.items():
        for name in FLOWS:
            assert abs(added[key][name] - figures[name]) < TINY, (key, name)
    # Every pool's cost is charged or reported unused, in the year and in every month.
    for analysis in (year, *months):
        assert all(check["ties"] for check in analysis.pool_check.values()), analysis.pool_check


def test_a_trade_discount_is_taken_off_once(tmp_path: Path) -> None:
    # T1 has a sales amount: 1,000 − 50 trade discount = 950. T2 has none: its amount 595 = sales after
    # discount 480 + tax 95 + freight 20, so net sales are 595 − 95 − 20 = 480 (the discount is already out;
    # taking the 30 off again would give 450). T3, a return with a sales amount: −(200 − 10) = −190.
    # Net sales 950 + 480 − 190 = 1,240; freight 20 is other income.
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_text("customer_id,name\nT,Trade AG\n", encoding="utf-8")
    (data / "documents.csv").write_text(
        "document_id,customer_id,document_type,document_date,amount,sales_amount,trade_discount,tax_amount,"
        "freight_amount\n"
        "T1,T,invoice,2026-01-10,1130.50,1000.00,50.00,180.50,\n"
        "T2,T,invoice,2026-01-11,595.00,,30.00,95.00,20.00\n"
        "T3,T,return,2026-01-12,226.10,200.00,10.00,36.10,\n",
        encoding="utf-8",
    )
    (tmp_path / "profitlens.toml").write_text('[source]\nkind = "files"\npath = "data"\n', encoding="utf-8")
    settings = engine_settings(load_config(tmp_path / "profitlens.toml"))
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(data), load_mapping("files"), store)
        (t,) = analyze(store.con, Period.of(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), settings).customers
    assert (t.net_sales, t.freight_billed, t.other_income) == (Decimal("1240.00"), Decimal("20.00"), Decimal("20.00"))


# One pool costing 1.00 a minute (3,650 a year for 3,650 minutes); a reminder takes 6 minutes.
REMINDER_DESK = (
    '\n[analysis]\nloss_rates = [0, 0, 0, 0, 0, 0]\n\n[[costing.pool]]\nname = "desk"\ncost = 3650\n'
    'practical_minutes = 3650\n\n[costing.drivers]\nreminder = { pool = "desk", minutes = 6 }\n'
)


def test_a_document_settled_then_over_settled_stops_its_reminders_the_day_it_was_settled(tmp_path: Path) -> None:
    # O1 (100.00, due 1 Dec 2025) gets 60.00 on 10 Jan and 50.00 on 20 Jan: settled on 20 Jan (110 ≥ 100),
    # then 30.00 more on 10 Feb (over-settled). Reminders every 30 days past due: 31 Dec, 30 Jan, 1 Mar, 31 Mar.
    # In January-March only 30 Jan would fall in the period, and it is after the day O1 was settled: none.
    # (Taking the last day money moved, 10 Feb, would count 30 Jan: 1 reminder = 6.00.)
    # Its balance: 100 for 1-9 Jan (9 days), 40 for 10-19 Jan (10 days), from 20 Jan below zero (not charged):
    # 900 + 400 = 1,300 amount-days × 0.0002 = 0.26.
    tables = {
        "customers.csv": "customer_id,name\nO,Over Oy\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount\n"
        "O1,O,invoice,2025-11-01,2025-12-01,100.00\n"
        "P1,O,payment,2026-01-10,,60.00\nP2,O,payment,2026-01-20,,50.00\nP3,O,payment,2026-02-10,,30.00\n",
        "applications.csv": "from_document_id,to_document_id,amount,apply_date\n"
        "P1,O1,60.00,2026-01-10\nP2,O1,50.00,2026-01-20\nP3,O1,30.00,2026-02-10\n",
    }
    method = "\n[analysis]\ncost_of_capital = 0.073" + REMINDER_DESK.removeprefix("\n[analysis]")
    (o,) = analyse_tables(tmp_path, tables, (dt.date(2026, 1, 1), dt.date(2026, 3, 31)), settings=method).customers
    assert o.activity_by_driver.get("reminder", Decimal(0)) == 0
    assert o.financing_cost == Decimal("0.26")


def test_no_reminder_is_sent_on_the_day_the_invoice_is_paid(tmp_path: Path) -> None:
    # R1 and R2 each owe 100.00, due 1 Dec 2025; reminders go every 30 days past due: 31 Dec, 30 Jan, 1 Mar.
    # R1 pays on 30 Jan: that day's reminder is not sent (paid before it goes out), so January-March has
    # none. R2 pays on 31 Jan: the 30 Jan reminder was sent, 1 × 6 minutes × 1.00 = 6.00.
    tables = {
        "customers.csv": "customer_id,name\nR1,Paid On The Day\nR2,Paid A Day Later\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount\n"
        "I1,R1,invoice,2025-11-01,2025-12-01,100.00\nI2,R2,invoice,2025-11-01,2025-12-01,100.00\n"
        "P1,R1,payment,2026-01-30,,100.00\nP2,R2,payment,2026-01-31,,100.00\n",
        "applications.csv": "from_document_id,to_document_id,amount,apply_date\n"
        "P1,I1,100.00,2026-01-30\nP2,I2,100.00,2026-01-31\n",
    }
    result = analyse_tables(tmp_path, tables, (dt.date(2026, 1, 1), dt.date(2026, 3, 31)), settings=REMINDER_DESK)
    reminders = {c.customer_id: c.activity_by_driver.get("reminder", Decimal(0)) for c in result.customers}
    assert reminders == {"R1": Decimal(0), "R2": Decimal("6.00")}


def test_the_protect_floor_is_read_from_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "profitlens.toml"
    config.write_text('[source]\nkind = "files"\npath = "data"\n', encoding="utf-8")
    assert engine_settings(load_config(config)).protect_min_net_margin == Decimal("0.05")
    config.write_text(
        '[source]\nkind = "files"\npath = "data"\n\n[analysis]\nprotect_min_net_margin = 0.12\n', encoding="utf-8"
    )
    assert engine_settings(load_config(config)).protect_min_net_margin == Decimal("0.12")
