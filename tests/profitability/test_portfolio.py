"""Groups of customers (profitability/portfolio.py): sums per salesperson, parent, territory… worked by hand."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from profitability import portfolio
from profitability.model import CustomerProfit

D = Decimal


def customer(customer_id: str, net_sales: str, net_profit: str, **dims: Any) -> CustomerProfit:
    money = {f.name: D(0) for f in dataclasses.fields(CustomerProfit) if f.type == "Decimal"}
    none = {f.name: None for f in dataclasses.fields(CustomerProfit) if "None" in str(f.type)}
    fields: dict[str, Any] = {**money, **none}
    fields.update(company="NL", customer_id=customer_id, name=customer_id, ageing=(), documents=1, risk_grade="A")
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
    out = portfolio.groups(customers, [("widgets", D("300"), D("120"))])
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
    assert out["item_class"] == [
        {"key": "widgets", "net_sales": D("300"), "cost_of_goods": D("120"), "gross_margin": D("180")}
    ]
    # Every group has every summed field, and the counts add up to the customers in each dimension.
    for dimension in ("company", "parent", "salesperson", "territory", "customer_class"):
        assert all(set(portfolio.GROUP_FIELDS) <= set(g) for g in out[dimension])
        assert sum(g["customers"] for g in out[dimension]) == 4
