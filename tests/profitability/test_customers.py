"""A customer's figures from its row (profitability/customers.py): the row read as Decimals, the profit
formula, and what the previous period keeps; worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from profitability.customers import _LEADING, _TRAILING, CustomerMaker, PeriodRows, _as_decimals
from profitability.model import AgeingBuckets, Period, Settings

D = Decimal
BUCKETS = AgeingBuckets((30,))  # current, 1-30, over 30
NAMES = [*_LEADING, *BUCKETS.column_keys(), *_TRAILING]
YEAR = Period.of(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def text_row(company: str, customer_id: str, **figures: str | None) -> tuple[Any, ...]:
    """A row as the per-customer query fetches it: names as they are, every sum as text or NULL."""
    given: dict[str, Any] = {"company": company, "customer_id": customer_id, "name": customer_id, "documents": 2}
    given.update(figures)
    return tuple(given.get(name) for name in NAMES)


def at(row: tuple[Any, ...], name: str) -> Any:
    return row[NAMES.index(name)]


def test_sums_are_read_as_decimals_missing_ones_as_zero_and_a_missing_limit_stays_missing() -> None:
    (row,) = _as_decimals(NAMES, [text_row("NL", "C1", document_net_sales="100.50000", credit_limit=None)], {})
    assert (
        at(row, "document_net_sales") == D("100.50000") and str(at(row, "document_net_sales")) == "100.50000"
    )  # digits kept
    assert at(row, "cost_of_goods") == 0 and at(row, "over_30") == 0 and at(row, "amount_paid") == 0
    assert at(row, "credit_limit") is None
    assert (at(row, "company"), at(row, "name"), at(row, "documents")) == ("NL", "C1", 2)


def test_money_takes_its_company_s_rate_and_hours_and_payment_weights_do_not() -> None:
    # SE's rate 0.1 (SEK → EUR): 1000 SEK net sales = 100 EUR, a 5000 SEK limit = 500 EUR. Its 10 hours and
    # 300 amount-days of paying stay as they are (not money). NL's rate 1: its figures are untouched.
    rows = [
        text_row("NL", "C1", document_net_sales="20.00000", labour_hours="4.00000"),
        text_row(
            "SE", "C2", document_net_sales="1000.00000", credit_limit="5000.00000", labour_hours="10.00000",
            paid_amount_days="300.00000", amount_paid="30.00000", labour_cost="250.00000",
        ),
    ]  # fmt: skip
    nl, se = _as_decimals(NAMES, rows, {"NL": D(1), "SE": D("0.1")})
    assert str(at(nl, "document_net_sales")) == "20.00000" and at(nl, "labour_hours") == 4
    assert at(se, "document_net_sales") == 100 and at(se, "credit_limit") == 500 and at(se, "labour_cost") == 25
    assert at(se, "labour_hours") == 10 and at(se, "paid_amount_days") == 300 and at(se, "amount_paid") == 30


ZERO = D(0)


def maker(allowance_start: Decimal = ZERO, allowance_end: Decimal = ZERO, **settings: Any) -> CustomerMaker:
    config = Settings(buckets=BUCKETS, cost_of_capital=D("0.0365"), **settings)
    key = ("NL", "C1")
    rows = PeriodRows(YEAR, NAMES, [], {}, {}, {key: allowance_start}, {key: allowance_end}, {key: allowance_end}, {})
    return CustomerMaker(rows, config)


def test_net_profit_of_a_row() -> None:
    # Sales 1000 less 10 settlement discounts taken: net sales 990; cost of goods 600: gross margin 390.
    # Other income: freight 15 + misc 5 + finance charges 20 = 40. Commissions 50, labour 80, activity 20.
    # Financing: 36,500 amount-days × 3.65 % ÷ 365 = 3.65.
    # Credit loss: written off 5 + allowance 82 at the end − 30 the day before the start = 57.
    # Net profit = 390 + 40 − 50 − 80 − 20 − 3.65 − 57 = 219.35.
    (row,) = _as_decimals(
        NAMES,
        [
            text_row(
                "NL", "C1", document_net_sales="1000", discounts_taken="10", cost_of_goods="600",
                freight_billed="15", misc_billed="5", finance_charges_billed="20", commissions="50",
                labour_cost="80", financing_amount_days="36500", write_offs="5",
            )
        ],
        {},
    )  # fmt: skip
    p = maker(D(30), D(82)).profit(row, {"invoice": D(20)})
    assert (p["net_sales"], p["gross_margin"], p["other_income"], p["activity_cost"]) == (990, 390, 40, 20)
    assert (p["financing_cost"], p["credit_loss"], p["net_profit"]) == (D("3.65"), 57, D("219.35"))


def test_activity_cost_is_summed_in_driver_name_order_whatever_order_the_counts_came_in() -> None:
    # Three costs of 28 digits: added in the order invoice, payment, reminder the sum ends …461; added in
    # the reverse order it would end …462 (each addition rounds to 28 digits).
    costs = {
        "invoice": D("10.83784615384615384615384615"),
        "payment": D("296.1996666666666666666666667"),
        "reminder": D("89.15333333333333333333333333"),
    }
    (row,) = _as_decimals(NAMES, [text_row("NL", "C1")], {})
    make = maker()
    in_order = make.profit(row, costs)["activity_cost"]
    reversed_order = make.profit(row, dict(reversed(costs.items())))["activity_cost"]
    assert in_order == reversed_order == D("396.1908461538461538461538461")


def test_the_previous_period_keeps_what_the_watch_list_and_the_trend_compare() -> None:
    # Net sales 500, cost 300: margin 200 (40 %); labour 30 + activity 10 = cost to serve 40; returns 25.
    # Paid 1,000 over 20,000 amount-days: 20 days to pay on average.
    (row,) = _as_decimals(
        NAMES,
        [
            text_row(
                "NL", "C1", document_net_sales="500", cost_of_goods="300", labour_cost="30", returns_amount="25",
                paid_amount_days="20000", amount_paid="1000",
            )
        ],
        {},
    )  # fmt: skip
    make = maker()
    before = make.previous(row, make.profit(row, {"invoice": D(10)}))
    assert (before.net_sales, before.gross_margin_pct, before.cost_to_serve, before.returns_amount) == (
        500,
        40,
        40,
        25,
    )
    assert before.avg_days_to_pay == 20 and before.net_profit == 200 - 30 - 10 and before.expected_credit_loss == 0


def test_a_record_takes_each_figure_from_its_own_column() -> None:
    # Every column and every figure a value of its own, so that two figures swapped in the record (made by position, in
    # CustomerProfit's field order) cannot go unnoticed. Cost of capital 3.65 %, a 365-day year.
    # Net sales 1000 − 1 discount = 999; margin 999 − 27 = 972; other income 3 + 4 + 5 = 12; activity 19;
    # financing 36,500 × 3.65 % ÷ 365 = 3.65; credit loss 16 written off + 18 at the end − 13 at the start = 21;
    # net profit 972 + 12 − 6 − 9 − 19 − 3.65 − 21 = 925.35.
    # Net exposure 20 + 30 + 40 = 90 on credit sales 500: DSO 90 ÷ 500 × 365 = 65.7, best 20 ÷ 500 × 365 = 14.6,
    # delinquent 51.1. Paid 100 over 2,000 amount-days (2,500 late): 20 days to pay, 25 late. Limit use 10 ÷ 100.
    (row,) = _as_decimals(
        NAMES,
        [
            text_row(
                "NL", "C1", parent_id="P1", salesperson_id="S1", territory="T1", customer_class="K1",
                currency="EUR", credit_limit="100", document_net_sales="1000", discounts_taken="1",
                cost_of_goods="27", freight_billed="3", misc_billed="4", finance_charges_billed="5",
                commissions="6", returns_amount="7", labour_hours="8", labour_cost="9", open_amount="10",
                overdue_amount="11", unapplied_credits="24", current="13", d1_30="14", over_30="15",
                financing_amount_days="36500", paid_amount_days="2000", paid_amount_days_late="2500",
                amount_paid="100", credit_sales="500", write_offs="16",
            )
        ],
        {},
    )  # fmt: skip
    key = ("NL", "C1")
    rows = PeriodRows(
        YEAR, NAMES, [row], {}, {}, {key: D(13)}, {key: D(18)}, {key: D(50)}, {key: (D(20), D(30), D(40))}
    )
    c = CustomerMaker(rows, Settings(buckets=BUCKETS, cost_of_capital=D("0.0365")))(
        row, {"invoice": D(19)}, {"support": D(21)}
    )
    assert (c.company, c.customer_id, c.name, c.parent_id, c.salesperson_id) == ("NL", "C1", "C1", "P1", "S1")
    assert (c.territory, c.customer_class, c.currency, c.documents) == ("T1", "K1", "EUR", 2)
    assert (c.net_sales, c.cost_of_goods, c.gross_margin, c.discounts_taken) == (999, 27, 972, 1)
    assert (c.freight_billed, c.misc_billed, c.finance_charges_billed, c.other_income) == (3, 4, 5, 12)
    assert (c.commissions, c.returns_amount, c.labour_hours, c.labour_cost, c.activity_cost) == (6, 7, 8, 9, 19)
    assert (c.financing_cost, c.write_offs, c.allowance_start, c.allowance_end) == (D("3.65"), 16, 13, 18)
    assert (c.credit_loss, c.net_profit, c.expected_credit_loss, c.referral_value) == (21, D("925.35"), 50, 0)
    assert (c.open_amount, c.overdue_amount, c.unapplied_credits, c.ageing) == (10, 11, 24, (13, 14, 15))
    assert (c.exposure, c.credit_limit, c.credit_limit_use) == ((20, 30, 40), 100, D("0.1"))
    assert (c.dso, c.best_possible_dso, c.avg_days_delinquent) == (D("65.7"), D("14.6"), D("51.1"))
    assert (c.avg_days_to_pay, c.avg_days_late, c.days_to_pay_trend, c.risk_grade) == (20, 25, None, "E")
    assert (c.labour_by_activity, c.activity_by_driver) == ({"support": 21}, {"invoice": 19})
