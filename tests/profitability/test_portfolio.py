"""Groups of customers (profitability/portfolio.py): sums per salesperson, parent, territory… worked by hand."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from profitability import portfolio
from profitability.model import CustomerProfit, PreviousFigures

D = Decimal


def customer(customer_id: str, net_sales: str, net_profit: str, **dims: Any) -> CustomerProfit:
    money = {f.name: D(0) for f in dataclasses.fields(CustomerProfit) if f.type == "Decimal"}
    none = {f.name: None for f in dataclasses.fields(CustomerProfit) if "None" in str(f.type)}
    fields: dict[str, Any] = {**money, **none}
    fields.update(
        company="NL", customer_id=customer_id, name=customer_id, ageing=(), exposure=(), documents=1, risk_grade="A"
    )
    fields.update(net_sales=D(net_sales), gross_margin=D(net_sales) / 2, net_profit=D(net_profit), **dims)
    return CustomerProfit(**fields)


def test_groups_sum_their_members_and_rank_by_net_profit() -> None:
    # SP1 has C1 (sales 100, profit 30) and C3 (sales 50.5, profit -10): 150.5 and 20, margin 75.25.
    # SP2 has C2 alone (sales 200, profit 5). C4 has no salesperson: "(none)", profit 1.
    # C3's parent is C1: the parent group C1 is C1 + C3; C2 and C4 are their own parents.
    customers = [
        customer("C1", "100", "30", salesperson_id="SP1", territory="NORTH"),
        customer("C2", "200", "5", salesperson_id="SP2", territory="NORTH"),
        customer("C3", "50.5", "-10", salesperson_id="SP1", parent_id="C1"),
        customer("C4", "10", "1"),
    ]
    # Lines of one class, widgets (description "Widgets"): 300 of sales at cost 120, 20 of it returned,
    # bought by C2, C1 and C4 (largest first).
    out = portfolio.groups(customers, [("widgets", "Widgets", D("300"), D("120"), D("20"), 3, "C2 C1 C4")])
    by_salesperson = [
        (g["key"], g["net_sales"], g["net_profit"], g["gross_margin"], g["customers"]) for g in out["salesperson"]
    ]
    assert by_salesperson == [
        ("SP1", D("150.5"), D("20"), D("75.25"), 2),
        ("SP2", D("200"), D("5"), D("100"), 1),
        ("(none)", D("10"), D("1"), D("5"), 1),
    ]
    assert [(g["key"], g["net_profit"], g["customers"]) for g in out["parent"]] == [
        ("C1", D("20"), 2),
        ("C2", D("5"), 1),
        ("C4", D("1"), 1),
    ]
    assert [(g["key"], g["net_profit"]) for g in out["territory"]] == [("NORTH", D("35")), ("(none)", D("-9"))]
    assert [(g["key"], g["net_sales"], g["customers"]) for g in out["company"]] == [("NL", D("360.5"), 4)]
    # The customers' net sales are 100 + 200 + 50.5 + 10 = 360.5 at no cost of goods: what the lines do not
    # hold (60.5 of sales, −120 of cost) is one more row, so that the classes add up to the customers' totals.
    widgets, rest = out["item_class"]
    assert widgets == {
        "key": "widgets",
        "description": "Widgets",
        "net_sales": D("300"),
        "cost_of_goods": D("120"),
        "gross_margin": D("180"),
        "gross_margin_share": D("0.6"),
        "returns": D("20"),
        "customers": 3,
        "top_customers": "C2 C1 C4",
    }
    assert (rest["key"], rest["net_sales"], rest["cost_of_goods"], rest["customers"]) == (
        portfolio.NOT_ON_LINES,
        D("60.5"),
        D("-120"),
        0,
    )
    # Every group has every summed field, and the counts add up to the customers in each dimension.
    for dimension in ("company", "parent", "salesperson", "territory", "customer_class"):
        assert all(set(portfolio.GROUP_FIELDS) <= set(g) for g in out[dimension])
        assert sum(g["customers"] for g in out[dimension]) == 4


def test_lifetime_value_of_gupta_and_lehmann() -> None:
    # Gupta & Lehmann (2003): margin m = 100 a year, retention r = 0.9, discount rate i = 0.12:
    # 100 × 0.9 ÷ (1 + 0.12 − 0.9) = 90 ÷ 0.22 = 409.09, a multiple of 4.09 of the yearly margin.
    value = portfolio.lifetime_value(D("100"), 365, D("0.9"), D("0.12"))
    assert value is not None and value.quantize(D("0.01")) == D("409.09")
    assert (value / 100).quantize(D("0.01")) == D("4.09")
    # A period's net profit is scaled to a year first: 25 in 73 days is 25 × 365 ÷ 73 = 125 a year.
    quarterly = portfolio.lifetime_value(D("25"), 73, D("0.9"), D("0.12"))
    assert quarterly is not None and quarterly.quantize(D("0.01")) == D("511.36")  # 125 × 0.9 ÷ 0.22
    assert portfolio.lifetime_value(D("100"), 365, None, D("0.12")) is None  # no history: no value


def test_segments_keep_thin_margins_out_of_protect() -> None:
    # Large from 1,000 of net sales; the company's gross margin is 50 %, so 40 % is "at least 80 % of it".
    # L1 earns 60 on 1,000 (6 %): protect. L2 earns 5 on 1,000 (0.5 %, under the 5 % floor) with a 50 %
    # gross margin: its cost to serve eats the margin — fix it. L3 the same on a 20 % gross margin: reprice.
    # S1 is small and earns 1 (any margin): grow. S2 loses 5 on a 10 % gross margin: reprice or exit.
    # N1 has returns only (net sales −50): no sales.
    l1, l2 = customer("L1", "1000", "60"), customer("L2", "1000", "5")
    l3 = dataclasses.replace(customer("L3", "1000", "5"), gross_margin=D("200"))
    s1 = customer("S1", "100", "1")
    s2 = dataclasses.replace(customer("S2", "100", "-5"), gross_margin=D("10"))
    n1 = customer("N1", "-50", "-3")
    large = D("1000")
    assert [portfolio.segment(c, large, D("50")) for c in (l1, l2, l3, s1, s2, n1)] == [
        "protect",
        "fix_cost_to_serve",
        "reprice",
        "grow",
        "reprice_or_exit",
        "no_sales",
    ]
    # The floor is a setting: at 0.5 % L2 is protected again (a margin equal to the floor is enough).
    assert portfolio.segment(l2, large, D("50"), D("0.005")) == "protect"
    # "Large" is the top fifth of the customers with net sales: N1 (no sales) does not count.
    ten = [customer(f"C{i}", str(100 * i), "1") for i in range(1, 11)]
    assert portfolio.large_threshold([*ten, n1]) == D("900")


def previous(customer_id: str, net_sales: str, net_profit: str) -> PreviousFigures:
    zero = D(0)
    return PreviousFigures(
        name=f"was {customer_id}", net_sales=D(net_sales), gross_margin=D(net_sales) / 2, labour_cost=zero,
        activity_cost=zero, returns_amount=zero, expected_credit_loss=zero, net_profit=D(net_profit),
        avg_days_to_pay=None, other_income=zero, financing_cost=zero, credit_loss=zero, allowance_change=zero,
    )  # fmt: skip


def test_the_watch_list_keeps_customers_that_bought_nothing_now() -> None:
    # C1 earned 100 and now 20 (fell by 80 %, sales 1000 → 200): volume down.
    # C2 earned 50 and now has only an open balance (no sales, −2 financing): no purchases.
    # C3 earned 40 and has nothing at all in this period (not listed): no purchases, now 0.
    # C4 earned 10 and now 8 (fell by only 20 %): not on the list. C5 lost money before: not on the list.
    now = [customer("C1", "200", "20"), customer("C2", "0", "-2"), customer("C4", "100", "8")]
    before = {
        ("NL", "C1"): previous("C1", "1000", "100"),
        ("NL", "C2"): previous("C2", "500", "50"),
        ("NL", "C3"): previous("C3", "400", "40"),
        ("NL", "C4"): previous("C4", "100", "10"),
        ("NL", "C5"): previous("C5", "100", "-10"),
    }
    items = portfolio.watch_list(now, before)
    assert [(w.customer_id, w.name, w.net_profit, w.reasons[0]) for w in items] == [
        ("C1", "C1", D("20"), "volume down"),
        ("C2", "C2", D("-2"), "no purchases"),
        ("C3", "was C3", D("0"), "no purchases"),
    ]


def test_the_watch_list_bound_is_a_fall_of_more_than_a_quarter() -> None:
    # Before 100.00 each. Now 75.00 (fell by exactly a quarter): kept off. 74.99: on the list. Before 0 or
    # a loss: never on it, however far it falls. The list runs from the largest fall.
    now = [
        customer("AT", "1000", "75.00"),
        customer("BELOW", "1000", "74.99"),
        customer("ZERO", "1000", "-50"),
        customer("LOSS", "1000", "-500"),
        customer("FAR", "1000", "-20"),
    ]
    before = {
        ("NL", "AT"): previous("AT", "1000", "100.00"),
        ("NL", "BELOW"): previous("BELOW", "1000", "100.00"),
        ("NL", "ZERO"): previous("ZERO", "1000", "0"),
        ("NL", "LOSS"): previous("LOSS", "1000", "-10"),
        ("NL", "FAR"): previous("FAR", "1000", "100.00"),
        ("NL", "EVEN"): previous("EVEN", "1000", "0"),  # broke even before, nothing now: nothing fell
    }
    items = portfolio.watch_list(now, before)
    assert [(w.customer_id, w.previous_net_profit, w.net_profit) for w in items] == [
        ("FAR", D("100.00"), D("-20")),
        ("BELOW", D("100.00"), D("74.99")),
    ]


def test_the_watch_lists_reasons_at_their_bounds() -> None:
    # Sales 1000 → 900 (exactly −10 %): volume down; → 901: not. Gross margin 50 % → 48 % (exactly −2
    # points): margin down; → 48.001 %: not. Days to pay 30 → 35 (exactly +5): paying later; → 34.9: not.
    def now(sales: str, margin: str, days: str | None) -> CustomerProfit:
        c = customer("C", sales, "10")
        return dataclasses.replace(c, gross_margin=D(margin), avg_days_to_pay=None if days is None else D(days))

    def was() -> PreviousFigures:
        return dataclasses.replace(previous("C", "1000", "100"), gross_margin=D("500"), avg_days_to_pay=D("30"))

    def reasons(c: CustomerProfit) -> list[str]:
        (item,) = portfolio.watch_list([c], {("NL", "C"): was()})
        return list(item.reasons)

    assert reasons(now("900", "432", "35")) == ["volume down", "margin down", "paying later"]  # 48 % of 900
    assert reasons(now("901", "432.4901", "34.9")) == ["costs up"]  # 48.001 % of 901, nothing else moved


def test_a_cost_counts_as_up_when_it_rose_by_more_than_a_tenth() -> None:
    # Cost to serve (labour + activity) 100 before: 110 now (exactly +10 %) is not "up", 110.01 is. From 0
    # before, anything above 0 is up; from 1 before, 1.05 (+5 %) is not.
    def reasons(before: str, now: str) -> list[str]:
        was = dataclasses.replace(previous("C", "1000", "100"), labour_cost=D(before))
        c = dataclasses.replace(customer("C", "1000", "10"), labour_cost=D(now))
        (item,) = portfolio.watch_list([c], {("NL", "C"): was})
        return list(item.reasons)

    assert reasons("100", "110") == ["costs up"]
    assert reasons("100", "110.01") == ["cost to serve up"]
    assert reasons("0", "0.01") == ["cost to serve up"]
    assert reasons("1", "1.05") == ["costs up"]


def test_retention_counts_last_years_buyers_who_bought_again() -> None:
    # As of 31 Mar 2026: "last year" is 1 Apr 2024 - 31 Mar 2025, "this year" 1 Apr 2025 - 31 Mar 2026.
    # A bought in both (10 Jan 2025, 1 Feb 2026): kept. B only last year: lost. C on the last day of last
    # year (31 Mar 2025) and the first of this one: kept. D on 31 Mar 2024 (the day before last year) and
    # this year: new, not counted. E's invoice of last year is voided and F's is a credit memo: new too.
    # Retention = kept ÷ last year's buyers = 2 ÷ 3 (A, B, C). Lifetime value of a net profit of 100 a year
    # at 10 %: 100 × (2/3) ÷ (1 + 0.10 − 2/3) = 100 × 20/13 = 153.85.
    import datetime as dt

    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE document (company VARCHAR, customer_id VARCHAR, document_type VARCHAR, document_date DATE, "
        "voided BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO document VALUES ('NL', ?, ?, ?, ?)",
        [
            ("A", "invoice", dt.date(2025, 1, 10), False),
            ("A", "invoice", dt.date(2026, 2, 1), False),
            ("B", "invoice", dt.date(2024, 12, 1), False),
            ("C", "service", dt.date(2025, 3, 31), False),
            ("C", "debit_memo", dt.date(2025, 4, 1), False),
            ("D", "invoice", dt.date(2024, 3, 31), False),
            ("D", "invoice", dt.date(2026, 1, 1), False),
            ("E", "invoice", dt.date(2025, 1, 1), True),
            ("E", "invoice", dt.date(2026, 1, 1), False),
            ("F", "credit_memo", dt.date(2025, 1, 1), False),
            ("F", "invoice", dt.date(2026, 1, 1), False),
        ],
    )
    r = portfolio.retention(con, dt.date(2026, 3, 31))
    assert r == D(2) / D(3)
    value = portfolio.lifetime_value(D("100"), 365, r, D("0.10"))
    assert value is not None and value.quantize(D("0.01")) == D("153.85")
    # A fifth of a year (73 days) earning 20 is the same 100 a year.
    fifth = portfolio.lifetime_value(D("20"), 73, r, D("0.10"))
    assert fifth is not None and fifth.quantize(D("0.01")) == D("153.85")


def test_a_group_of_every_customer_takes_the_totals_and_the_others_add_up_their_own() -> None:
    # The analysis hands over its totals (each figure summed over every customer in rank order): the one
    # company's group holds all three customers and shows them as they are; SP1's two add up their own.
    customers = [
        customer("C1", "100", "30", salesperson_id="SP1"),
        customer("C2", "200", "5", salesperson_id="SP2"),
        customer("C3", "50.5", "-10", salesperson_id="SP1"),
    ]
    totals = {name: sum((getattr(c, name) for c in customers), D(0)) for name in portfolio.GROUP_FIELDS}
    with_totals = portfolio.groups(customers, [], totals=totals)
    assert with_totals == portfolio.groups(customers, [])  # the same sums, not worked out again
    assert [(g["key"], g["net_sales"], g["net_profit"]) for g in with_totals["company"]] == [("NL", D("350.5"), 25)]
    # Handed other totals (here every one 1 higher), the group of every customer shows them; SP1 its own sums.
    marked = portfolio.groups(customers, [], totals={name: total + 1 for name, total in totals.items()})
    assert [(g["key"], g["net_sales"], g["net_profit"]) for g in marked["company"]] == [("NL", D("351.5"), 26)]
    assert [(g["key"], g["net_sales"]) for g in marked["salesperson"]][:2] == [("SP1", D("150.5")), ("SP2", D("200"))]
