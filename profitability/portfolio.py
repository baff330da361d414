"""Across customers: whale curve, segments with a recommended action, watch list, lifetime value, groups.

Whale curve: customers ranked by net profit, best first; the cumulative net profit of the first k
customers as a share of the total. It typically climbs above 100 % and comes back down: the profitable
customers earn more than the company keeps, the unprofitable ones give part of it back.

Segments (net sales size: "large" = in the top fifth of the customers with net sales, by net sales):
    protect          large and earning at least `protect_min_net_margin` (default 5 %) of its net sales:
                     protect and reward
    grow             profitable and small: grow
    fix_cost_to_serve  loses money (or is large on a thinner net margin than protect's) although its gross margin % is at least 80 % of the company's:
                     the cost to serve, waiting and risk eat the margin; fix the cost to serve
    reprice          loses money on a thin gross margin and large, or is large on a thin net margin: reprice
    reprice_or_exit  loses money on a thin margin and small: reprice or exit
    no_sales         no net sales in the period (none, or below zero after returns): review

Watch list: customers profitable in the previous period of the same length whose net profit fell by more
than a quarter, with the reasons: volume down (net sales −10 % or more), margin down (gross margin % −2
points or more), cost to serve up (labour + activity +10 % or more), returns up, paying later (average days
to pay +5 or more), credit loss up (+10 %); "costs up" when none of these is the cause; "no purchases"
for a customer with no net sales now (listed or not at all in this period).

Lifetime value = m × r ÷ (1 + i − r), with m the customer's net profit for a year (the period's, scaled to
365 days), r the yearly retention estimated from history (customers buying in the year before last who
also bought in the last year) and i the discount rate (default: the cost of capital).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

import duckdb

from profitability.model import CustomerProfit, PreviousFigures, WatchItem

ZERO = Decimal(0)
# The watch list's and the segments' thresholds, made once (each runs once a customer).
THREE_QUARTERS, NINE_TENTHS, A_TENTH, FOUR_FIFTHS = Decimal("0.75"), Decimal("0.9"), Decimal("0.1"), Decimal("0.8")
ACTIONS = {
    "protect": "protect and reward",
    "grow": "grow",
    "fix_cost_to_serve": "fix the cost to serve",
    "reprice": "reprice",
    "reprice_or_exit": "reprice or exit",
    "no_sales": "review: cost without sales",
}


def whale_curve(ranked: Sequence[CustomerProfit]) -> tuple[list[Decimal], dict[str, Any]]:
    total = sum((c.net_profit for c in ranked), ZERO)
    running = ZERO
    shares: list[Decimal] = []
    for c in ranked:
        running += c.net_profit
        shares.append(running / total if total else ZERO)
    n = len(ranked)
    points = []
    for pct in range(1, 101):
        k = max(1, round(n * pct / 100)) if n else 0
        if k:
            points.append({"customers_share": Decimal(pct) / 100, "customers": k, "profit_share": shares[k - 1]})
    peak = max(range(n), key=lambda i: shares[i]) if n else None
    return shares, {
        "total_net_profit": total,
        "peak_profit_share": shares[peak] if peak is not None else ZERO,
        "peak_at_customers": (peak + 1) if peak is not None else 0,
        "profitable_customers": sum(1 for c in ranked if c.net_profit > 0),
        "points": points,
    }


def segment(
    c: CustomerProfit, large_from: Decimal, company_gm_pct: Decimal | None, protect_min: Decimal = Decimal("0.05")
) -> str:
    """The customer's segment; `protect_min` is the least net margin (a fraction of net sales) of "protect"."""
    if c.net_sales <= 0:
        return "no_sales"
    large = c.net_sales >= large_from
    if c.net_profit >= 0 and not large:
        return "grow"
    if c.net_profit >= 0 and c.net_profit >= c.net_sales * protect_min:
        return "protect"
    # Losing money, or large on a margin too thin to protect: why is the question.
    gm_pct = c.gross_margin_pct
    if company_gm_pct is not None and gm_pct is not None and gm_pct >= company_gm_pct * FOUR_FIFTHS:
        return "fix_cost_to_serve"
    return "reprice" if large else "reprice_or_exit"


def large_threshold(customers: Sequence[CustomerProfit]) -> Decimal:
    sales = sorted((c.net_sales for c in customers if c.net_sales > 0), reverse=True)
    if not sales:
        return Decimal("Infinity")
    return sales[max(0, len(sales) // 5 - 1)] if len(sales) >= 5 else sales[0]


def watch_list(
    current: Sequence[CustomerProfit], previous: Mapping[tuple[str, str], CustomerProfit | PreviousFigures]
) -> list[WatchItem]:
    items: list[tuple[Decimal, WatchItem]] = []
    for c in current:
        before = previous.get((c.company, c.customer_id))
        if before is None or before.net_profit <= 0:
            continue
        if c.net_profit >= before.net_profit * THREE_QUARTERS:
            continue
        reasons = _reasons(c, before)
        items.append(
            (
                c.net_profit - before.net_profit,
                WatchItem(c.company, c.customer_id, c.name, before.net_profit, c.net_profit, tuple(reasons)),
            )
        )
    listed = {(c.company, c.customer_id) for c in current}
    for (company, customer_id), gone in previous.items():
        # Profitable before, nothing at all in this period: lost, the plainest fall of all.
        if (company, customer_id) not in listed and gone.net_profit > 0:
            name = gone.name if isinstance(gone, PreviousFigures) else ""
            items.append(
                (-gone.net_profit, WatchItem(company, customer_id, name, gone.net_profit, ZERO, ("no purchases",)))
            )
    items.sort(key=lambda t: (t[0], t[1].company, t[1].customer_id))
    return [item for _, item in items]


def _up(now: Decimal, before: Decimal, share: Decimal) -> bool:
    return now > before * (1 + share) if before > 0 else now > 0


def _reasons(c: CustomerProfit, before: CustomerProfit | PreviousFigures) -> list[str]:
    reasons = []
    if c.net_sales <= 0 < before.net_sales:
        reasons.append("no purchases")
    elif c.net_sales <= before.net_sales * NINE_TENTHS:
        reasons.append("volume down")
    if (
        c.gross_margin_pct is not None
        and before.gross_margin_pct is not None
        and (c.gross_margin_pct <= before.gross_margin_pct - 2)
    ):
        reasons.append("margin down")
    if _up(c.cost_to_serve, before.cost_to_serve, A_TENTH):
        reasons.append("cost to serve up")
    if _up(c.returns_amount, before.returns_amount, A_TENTH):
        reasons.append("returns up")
    if (
        c.avg_days_to_pay is not None
        and before.avg_days_to_pay is not None
        and (c.avg_days_to_pay >= before.avg_days_to_pay + 5)
    ):
        reasons.append("paying later")
    if _up(c.credit_loss, before.credit_loss, A_TENTH):
        reasons.append("credit loss up")
    return reasons or ["costs up"]


RETENTION_SQL = """
WITH active AS (
    SELECT company, customer_id,
           bool_or(document_date > $cut) AS recent,
           bool_or(document_date <= $cut) AS prior
    FROM document
    WHERE NOT voided AND document_type IN ('invoice', 'debit_memo', 'service')
      AND document_date > $since AND document_date <= $as_of
    GROUP BY company, customer_id
)
SELECT count(*) FILTER (WHERE prior AND recent), count(*) FILTER (WHERE prior) FROM active
"""


def retention(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> Decimal | None:
    cut = as_of - dt.timedelta(days=365)
    row = con.execute(RETENTION_SQL, {"as_of": as_of, "cut": cut, "since": cut - dt.timedelta(days=365)}).fetchone()
    if not row or not row[1]:
        return None
    return Decimal(row[0]) / Decimal(row[1])  # exact: rounded only when shown


def lifetime_value(net_profit: Decimal, period_days: int, r: Decimal | None, i: Decimal) -> Decimal | None:
    if r is None:
        return None
    yearly = net_profit * 365 / period_days
    return yearly * r / (1 + i - r)


# The first nine are groups.csv's columns before `customers`; later ones follow it (issue 18).
GROUP_FIELDS = (
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "net_profit",
    "discounts_taken",
    "other_income",
    "credit_loss",
)
GROUP_FIELDS_BEFORE_CUSTOMERS = 9


NOT_ON_LINES = "(not on lines)"  # the item-class row of what no sales line carries


def groups(
    customers: Sequence[CustomerProfit],
    item_classes: Sequence[tuple[Any, ...]],
    items: Sequence[tuple[Any, ...]] = (),
    totals: Mapping[str, Decimal] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per dimension, each group's figures summed over its customers in their order. `totals`: the figures
    already summed over every customer in their order (the analysis' totals), taken as they are by a group
    that holds every customer (one company; everyone without a territory) instead of adding them up again."""
    out: dict[str, list[dict[str, Any]]] = {}
    everyone = [totals[name] for name in GROUP_FIELDS] if totals is not None else None
    # Each customer's figures read once (not once per dimension), each group summed column by column in
    # the customers' order: the same sums as adding them up field by field, a third of the time.
    figures = list(map(attrgetter(*GROUP_FIELDS), customers))
    names = ("key", *GROUP_FIELDS, "customers")
    add_zero = ZERO.__add__  # a group of one: 0 + v, as sum() would give
    for dimension, attr in (
        ("company", "company"),
        ("parent", "parent_id"),
        ("salesperson", "salesperson_id"),
        ("territory", "territory"),
        ("customer_class", "customer_class"),
    ):
        keys = list(map(attrgetter(attr), customers))
        if dimension == "parent":  # a customer without a parent is a group of its own
            keys = [key or c.customer_id for key, c in zip(keys, customers, strict=True)]
        else:
            keys = [key or "(none)" for key in keys]
        members: dict[str, list[tuple[Decimal, ...]]] = defaultdict(list)
        for key, row in zip(keys, figures, strict=True):
            members[key].append(row)
        rows_out: list[dict[str, Any]] = [
            dict(zip(names, (key, *_group_sums(rows, everyone, len(customers)), len(rows)), strict=True))
            if len(rows) > 1
            else dict(zip(names, (key, *map(add_zero, rows[0]), 1), strict=True))
            for key, rows in members.items()
        ]
        rows_out.sort(key=lambda g: (-g["net_profit"], g["key"]))
        out[dimension] = rows_out
    lines = [_line_group(row) for row in item_classes]
    # What no line holds (trade and settlement discounts, documents without lines, a cost kept on the
    # document rather than its lines): one row, so that the product lines add up to the customers' totals.
    total_sales = sum((c.net_sales for c in customers), ZERO)
    total_cost = sum((c.cost_of_goods for c in customers), ZERO)
    rest_sales = total_sales - sum((row["net_sales"] for row in lines), ZERO)
    rest_cost = total_cost - sum((row["cost_of_goods"] for row in lines), ZERO)
    if lines and (rest_sales or rest_cost):
        lines.append(
            {
                "key": NOT_ON_LINES,
                "description": "discounts and amounts not on any line",
                "net_sales": rest_sales,
                "cost_of_goods": rest_cost,
                "gross_margin": rest_sales - rest_cost,
                "returns": ZERO,
                "customers": 0,
                "top_customers": "",
            }
        )
    for line in lines:
        # A share of what no line holds would mean nothing: discounts have no margin of their own.
        own = line["key"] == NOT_ON_LINES
        line["gross_margin_share"] = line["gross_margin"] / line["net_sales"] if line["net_sales"] and not own else None
    out["item_class"] = lines
    out["item"] = [_line_group(row) for row in items]
    for item in out["item"]:
        item["gross_margin_share"] = item["gross_margin"] / item["net_sales"] if item["net_sales"] else None
    return out


def _group_sums(
    rows: list[tuple[Decimal, ...]], everyone: list[Decimal] | None, customers: int
) -> list[Decimal] | Iterator[Decimal]:
    """A group's GROUP_FIELDS summed column by column in its customers' order (`everyone`: the sums over
    every customer, when the group holds all `customers`)."""
    if everyone is not None and len(rows) == customers:
        return everyone
    return (sum(column, ZERO) for column in zip(*rows, strict=True))


def attach_buyers(lines: list[dict[str, Any]], buyers: Sequence[tuple[Any, ...]]) -> None:
    """Each product line's `buyers`: (company, customer_id, net sales, cost of goods), most net sales first."""
    by_class: dict[str, list[tuple[str, str, Decimal, Decimal]]] = defaultdict(list)
    for item_class, company, customer_id, net_sales, cost in buyers:
        by_class[str(item_class)].append((str(company), str(customer_id), Decimal(net_sales), Decimal(cost or 0)))
    for line in lines:
        line["buyers"] = by_class.get(str(line["key"]), [])


def _line_group(row: tuple[Any, ...]) -> dict[str, Any]:
    """A product line's or an item's row: (key, description, net sales, cost, returns, customers, top buyers)."""
    key, description, ns, cg, returns, buyers, top = row
    return {
        "key": key,
        "description": description,
        "net_sales": Decimal(ns or 0),
        "cost_of_goods": Decimal(cg or 0),
        "gross_margin": Decimal(ns or 0) - Decimal(cg or 0),
        "returns": Decimal(returns or 0),
        "customers": buyers,
        "top_customers": top or "",
    }
