"""The hand-worked branches of tests/cases/delta.py: one customer a branch of the method (a trade discount,
freight without a sales amount, a pre-period invoice paid in the period, an earlier write-off, an item due
on the as-of date, the ageing bounds, every risk grade, the document's salesperson), and an as-of date
inside the period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.app import engine_settings
from profitlens.config import load_config
from profitlens.sync import run_sync
from tests.cases import delta
from tests.cases.files import analyse_tables


def analysed(tmp_path: Path, as_of: dt.date | None = None, **method: object) -> Analysis:
    delta.write(tmp_path / "data")
    (tmp_path / "profitlens.toml").write_text(delta.CONFIG, encoding="utf-8")
    settings = dataclasses.replace(engine_settings(load_config(tmp_path / "profitlens.toml")), **method)
    with Store(tmp_path / "l.duckdb") as store:
        result = run_sync(FilesConnector(tmp_path / "data"), load_mapping("files"), store)
        assert result.rows_quarantined == 0, result.as_dict()
        return analyze(store.con, Period.of(*delta.PERIOD, as_of), settings)


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    return analysed(tmp_path_factory.mktemp("delta"))


@pytest.mark.parametrize("customer_id", sorted(delta.EXPECTED))
def test_each_branch_worked_by_hand(march: Analysis, customer_id: str) -> None:
    (customer,) = (c for c in march.customers if c.customer_id == customer_id)
    for name, expected in delta.EXPECTED[customer_id].items():
        assert getattr(customer, name) == expected, name


def test_every_risk_grade_is_reached(march: Analysis) -> None:
    assert {c.risk_grade for c in march.customers} == {"A", "B", "C", "D", "E"}


def test_segments_against_the_companys_margin_and_the_large_customers(march: Analysis) -> None:
    assert {c.customer_id: c.segment for c in march.customers} == delta.EXPECTED_SEGMENTS


def test_the_whale_curve(march: Analysis) -> None:
    curve = march.whale_curve
    assert curve["total_net_profit"] == delta.TOTAL_NET_PROFIT
    half = next(p for p in curve["points"] if p["customers_share"] == Decimal("0.5"))
    assert half["customers"] == delta.FIRST_HALF_CUSTOMERS
    assert half["profit_share"] == delta.FIRST_HALF_NET_PROFIT / delta.TOTAL_NET_PROFIT
    assert curve["peak_at_customers"] == curve["profitable_customers"] == delta.PEAK_CUSTOMERS
    assert curve["peak_profit_share"] == delta.PEAK_NET_PROFIT / delta.TOTAL_NET_PROFIT


def test_an_as_of_date_inside_the_period(tmp_path: Path) -> None:
    inside = analysed(tmp_path, delta.AS_OF_INSIDE)
    (d3,) = (c for c in inside.customers if c.customer_id == "D3")
    for name, expected in delta.EXPECTED_D3_AS_OF_INSIDE.items():
        assert getattr(d3, name) == expected, name


def test_an_as_of_date_after_the_period(tmp_path: Path) -> None:
    after = analysed(tmp_path, delta.AS_OF_AFTER)
    (d1,) = (c for c in after.customers if c.customer_id == "D1")
    for name, expected in delta.EXPECTED_D1_AS_OF_AFTER.items():
        assert getattr(d1, name) == expected, name


def test_loss_rates_estimated_from_the_companys_history(tmp_path: Path) -> None:
    history = analysed(tmp_path, loss_rates="history")
    assert history.loss_rates_source == "history"
    assert history.loss_rates == delta.HISTORY_RATES
    (d1,) = (c for c in history.customers if c.customer_id == "D1")
    assert d1.expected_credit_loss == Decimal("900.00") * delta.HISTORY_RATES[0]


def test_loss_rates_from_history_as_of_a_day_inside_the_period(tmp_path: Path) -> None:
    # As of 10 March only D4-1 was settled (200.00, 41 days past due, 150.00 written off): D3-1 is paid the
    # next day, D15-1 only "by" a voided payment. Every bucket its settlement reached: 150 / 200 = 0.75.
    history = analysed(tmp_path, delta.AS_OF_INSIDE, loss_rates="history")
    three_quarters = Decimal(150) / Decimal(200)
    assert history.loss_rates == (three_quarters, three_quarters, three_quarters, 0, 0, 0)


def test_a_company_rate_converts_every_amount(tmp_path: Path) -> None:
    doubled = analysed(tmp_path, company_rates={"": Decimal("2")})
    (d1,) = (c for c in doubled.customers if c.customer_id == "D1")
    for name, expected in delta.EXPECTED_D1_AT_RATE_2.items():
        assert getattr(d1, name) == expected, name


def test_bounds_of_a_twenty_day_period(tmp_path: Path) -> None:
    # 1-20 March 2026 (20 days), as of 20 March. G1: INV G1-1 1 Mar, due 10 Mar, 100.00 (10 days past due),
    # INV G1-2 5 Mar, due 4 Apr, 300.00. Credit sales 400, all of it open: DSO 400 / 400 × 20 = 20, best
    # possible 300 / 400 × 20 = 15, days delinquent exactly 5 — grade A ("more than 5" is B).
    # G2: a finance charge of 12.00 with 2.00 tax: 10.00 billed, other income.
    # G3 sold for exactly 1.00 (no cost); G4's invoice is of 0.00: it is listed, earning exactly nothing.
    # G5's only invoice is of 25 March, after the period: G5 is not listed.
    # G6: an invoice of 100.00 (current) and a credit memo of 150.00 not applied: open −50.00, net exposure
    # nothing (the credit covers the invoice: never below zero), so no allowance.
    # G7: an invoice of 300.00 paid 100.00 on 20 March, the as-of date itself: exposed 200.00.
    # The whale curve counts G1, G2, G3 and G7 as profitable, not G4 or G6 (the credit memo is a loss of sales).
    # The lines: G1-1 one TOOLS line (100.00, cost 60.00), G1-2 one PARTS line (300.00, cost 200.00): by item
    # class PARTS 300 / 200 / 100 and TOOLS 100 / 60 / 40 (net sales / cost / margin), largest first; the
    # documents without lines make one more row, so that the classes add up to the customers' 651.00:
    # G3 1.00 + G6 100.00 − 150.00 + G7 300.00 = 251.00, no cost.
    tables = {
        "customers.csv": "customer_id,name\n" + "".join(f"G{i},Gee {i}\n" for i in range(1, 8)),
        "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,sales_amount,tax_amount\n"
        "G1-1,G1,invoice,2026-03-01,2026-03-10,100.00,100.00,\n"
        "G1-2,G1,invoice,2026-03-05,2026-04-04,300.00,300.00,\n"
        "G2-F,G2,finance_charge,2026-03-15,,12.00,,2.00\n"
        "G3-1,G3,invoice,2026-03-02,2026-04-01,1.00,1.00,\n"
        "G4-1,G4,invoice,2026-03-02,2026-04-01,0.00,0.00,\n"
        "G5-1,G5,invoice,2026-03-25,2026-04-24,500.00,500.00,\n"
        "G6-1,G6,invoice,2026-03-02,2026-04-01,100.00,100.00,\n"
        "G6-C,G6,credit_memo,2026-03-03,,150.00,150.00,\n"
        "G7-1,G7,invoice,2026-03-02,2026-04-01,300.00,300.00,\n"
        "G7-P,G7,payment,2026-03-20,,100.00,,\n",
        "applications.csv": "from_document_id,to_document_id,amount,apply_date\nG7-P,G7-1,100.00,2026-03-20\n",
        "document_lines.csv": "document_id,line_no,item_id,item_class,quantity,unit_price,extended_price,unit_cost,"
        "extended_cost\nG1-1,1,T-1,TOOLS,1,100.00,100.00,60.00,60.00\nG1-2,1,P-1,PARTS,3,100.00,300.00,66.67,200.00\n",
    }
    result = analyse_tables(tmp_path, tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 20)))
    g1, g2 = (next(c for c in result.customers if c.customer_id == cid) for cid in ("G1", "G2"))
    assert (g1.dso, g1.best_possible_dso, g1.avg_days_delinquent, g1.risk_grade) == (
        Decimal(20),
        Decimal(15),
        Decimal(5),
        "A",
    )
    assert g2.finance_charges_billed == Decimal("10.00") and g2.other_income == Decimal("10.00")
    g3, g4 = (next(c for c in result.customers if c.customer_id == cid) for cid in ("G3", "G4"))
    assert g3.net_sales == Decimal("1.00") and g4.net_sales == 0 and g4.net_profit == 0
    # G3's 1.00 is open and exposed like any invoice (not settled on its date as a zero document is), and
    # its credit sales of 1.00 give a DSO: 1 / 1 × 20 days.
    assert sum(g3.exposure, Decimal(0)) == Decimal("1.00") and g3.dso == Decimal(20)
    listed = {c.customer_id: c for c in result.customers}
    assert "G5" not in listed
    g6, g7 = listed["G6"], listed["G7"]
    assert g6.open_amount == Decimal("-50.00") and sum(g6.exposure, Decimal(0)) == 0
    assert g6.expected_credit_loss == 0
    assert sum(g7.exposure, Decimal(0)) == Decimal("200.00")
    assert result.whale_curve["profitable_customers"] == 4
    assert [(g["key"], g["net_sales"], g["cost_of_goods"], g["gross_margin"]) for g in result.groups["item_class"]] == [
        ("PARTS", Decimal("300.00"), Decimal("200.00"), Decimal("100.00")),
        ("TOOLS", Decimal("100.00"), Decimal("60.00"), Decimal("40.00")),
        ("(not on lines)", Decimal("251.00"), Decimal("0"), Decimal("251.00")),
    ]
