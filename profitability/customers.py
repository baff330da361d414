"""Each customer's figures for one period: the per-customer query, its rows as Decimals, and the records.

    net profit = gross margin − commissions − labour − activity costs − financing cost − expected credit loss

The period's temp tables (open items as of the date, its sales documents, its priced time entries) feed one
query that joins them per customer; money that needs a rate (activity costs, financing, credit loss) is
multiplied out exactly in Decimal here. The current period becomes full records (`CustomerProfit`); the
previous period only what the watch list, the trend and its totals compare with (`PreviousFigures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter, mul
from typing import Any

import duckdb

from profitability import activity, risk
from profitability.labour import LABOUR_BY_ACTIVITY_SQL, LABOUR_CTE, labour_table_sql
from profitability.model import CustomerProfit, Period, PreviousFigures, Settings
from profitability.receivables import BEHAVIOUR_CTES, FINANCING_CTE, OPEN_ITEM_TABLE, ageing_cte
from profitability.sales import LINE_TOTAL_TABLE, SALES_CTE, SALES_DOC_TABLE
from profitlens.errors import EngineError

ZERO = Decimal(0)
TEXT_COLUMNS = (
    "company",
    "customer_id",
    "name",
    "parent_id",
    "salesperson_id",
    "territory",
    "customer_class",
    "currency",
    "referred_by",
)

# DuckDB turns a DECIMAL(38, s) (every SUM of money) into a Python Decimal at ~1.5 µs a value, its text at
# ~0.3 µs and Decimal(text) is exact with the same digits and exponent: sums are fetched as text.
AS_TEXT = "CAST({0} AS VARCHAR) AS {0}"

# The per-customer query's columns up to the ageing buckets, in order (unpacked by position below).
_LEADING = (
    *TEXT_COLUMNS,
    "credit_limit",
    "net_sales",
    "cost_of_goods",
    "freight_billed",
    "misc_billed",
    "commissions",
    "returns_amount",
    "documents",
    "labour_hours",
    "labour_cost",
    "open_amount",
    "overdue_amount",
    "unapplied_credits",
)
_AGEING_AT = len(_LEADING)  # the ageing buckets follow, then these
_TRAILING = (
    "financing_amount_days",
    "paid_amount_days",
    "paid_amount_days_late",
    "amount_paid",
    "credit_sales",
    "write_offs",
)
_NET_SALES, _COST_OF_GOODS, _COMMISSIONS, _RETURNS, _LABOUR_COST = map(
    _LEADING.index, ("net_sales", "cost_of_goods", "commissions", "returns_amount", "labour_cost")
)
_AS_IS = {*TEXT_COLUMNS, "documents"}  # fetched as they are; every other column is a sum, fetched as text
# Hours and the weights of the days-to-pay averages are not money: no currency rate for them.
_NOT_MONEY = {*_AS_IS, "labour_hours", "paid_amount_days", "paid_amount_days_late", "amount_paid"}


@dataclass
class PeriodRows:
    """The per-customer query's rows for a period (ordered by company and customer), every figure a
    Decimal in the reporting currency, and each customer's activity cost by driver."""

    period: Period
    names: list[str]
    rows: list[tuple[Any, ...]]
    activity_by_customer: dict[tuple[str, str], dict[str, Decimal]]
    used_minutes: dict[str, Decimal]

    def column(self, name: str) -> list[Any]:
        at = self.names.index(name)
        return [row[at] for row in self.rows]


def sum_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Sum each document's lines into the temp table line_total, once for the periods that follow."""
    con.execute(LINE_TOTAL_TABLE)


def period_rows(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings) -> PeriodRows:
    """Build the period's temp tables (open_item, sales_doc, labour_priced; they stay for the caller's
    checks) and read each customer with anything in the period. Needs `sum_lines` first."""
    params: dict[str, Any] = {"start": period.start, "end": period.end, "as_of": period.as_of}
    con.execute(OPEN_ITEM_TABLE, {"as_of": period.as_of})
    con.execute(SALES_DOC_TABLE, {"start": period.start, "end": period.end})
    labour_params: dict[str, Any] = {"start": period.start, "end": period.end}
    con.execute(labour_table_sql(settings.department_rates, settings.costing, labour_params), labour_params)
    keys = settings.buckets.column_keys()
    # Zero as NULL: most customers have no freight, returns or old debt, and a NULL costs nothing to fetch
    # where a DECIMAL becomes a Python Decimal (the fetch was a quarter of analyze); NULL reads as 0.
    bucket_cols = ", ".join(f"nullif(a.{k}, 0) AS {k}" for k in keys)
    inner = f"""
WITH {SALES_CTE.strip()},
{LABOUR_CTE.strip()},
{ageing_cte(settings.buckets).strip()},
{FINANCING_CTE.strip()},
{BEHAVIOUR_CTES.strip()},
event AS (SELECT DISTINCT company, customer_id FROM activity_event WHERE date BETWEEN $start AND $end)
SELECT c.company, c.customer_id, c.name, c.parent_id, c.salesperson_id, c.territory, c.customer_class, c.currency,
       c.referred_by, c.credit_limit,
       nullif(s.net_sales, 0) AS net_sales, nullif(s.cost_of_goods, 0) AS cost_of_goods,
       nullif(s.freight_billed, 0) AS freight_billed, nullif(s.misc_billed, 0) AS misc_billed,
       nullif(s.commissions, 0) AS commissions, nullif(s.returns_amount, 0) AS returns_amount,
       coalesce(s.documents, 0) AS documents,
       nullif(lc.labour_hours, 0) AS labour_hours, nullif(lc.labour_cost, 0) AS labour_cost,
       nullif(a.open_amount, 0) AS open_amount, nullif(a.overdue_amount, 0) AS overdue_amount,
       nullif(a.unapplied_credits, 0) AS unapplied_credits, {bucket_cols},
       nullif(f.amount_days, 0) AS financing_amount_days,
       p.amount_days AS paid_amount_days, p.amount_days_late AS paid_amount_days_late, p.amount_paid, cs.credit_sales, nullif(w.write_offs, 0) AS write_offs
FROM customer c
LEFT JOIN sales s USING (company, customer_id)
LEFT JOIN labour_cost lc USING (company, customer_id)
LEFT JOIN ageing a USING (company, customer_id)
LEFT JOIN financing f USING (company, customer_id)
LEFT JOIN paid p USING (company, customer_id)
LEFT JOIN credit_sales cs USING (company, customer_id)
LEFT JOIN write_off w USING (company, customer_id)
LEFT JOIN event ev USING (company, customer_id)
WHERE s.customer_id IS NOT NULL OR lc.customer_id IS NOT NULL OR a.customer_id IS NOT NULL
   OR ev.customer_id IS NOT NULL OR f.customer_id IS NOT NULL
"""
    columns = [*_LEADING, *keys, *_TRAILING]
    outer = ", ".join(n if n in _AS_IS else AS_TEXT.format(f'"{n}"') for n in columns)
    cursor = con.execute(f"SELECT {outer} FROM ({inner}) ORDER BY company, customer_id", params)
    names = [d[0] for d in cursor.description]
    if names[:_AGEING_AT] != list(_LEADING) or names[_AGEING_AT : _AGEING_AT + len(keys)] != keys:
        raise EngineError(f"the per-customer query's columns are not in the expected order: {names}")
    rows = _as_decimals(names, cursor.fetchall(), settings.company_rates)
    by_customer, used_minutes = _activity_costs(con, params, settings)
    return PeriodRows(period, names, rows, by_customer, used_minutes)


def _as_decimals(
    names: list[str], rows: list[tuple[Any, ...]], company_rates: dict[str, Decimal]
) -> list[tuple[Any, ...]]:
    """Every sum (fetched as text) as a Decimal, a missing one as 0 (a missing credit limit stays None);
    money times its company's rate where that is not 1 (ledger amounts are in the company's functional
    currency). Column by column: one comprehension a column instead of a function call a value."""
    if not rows:
        return []
    columns: list[Any] = list(zip(*rows, strict=True))
    rates = [company_rates.get(company) for company in columns[0]] if company_rates else None
    if rates is not None and all(rate is None or rate == 1 for rate in rates):
        rates = None
    for at, name in enumerate(names):
        if name in _AS_IS:
            continue
        missing = None if name == "credit_limit" else ZERO
        if rates is None or name in _NOT_MONEY:
            columns[at] = [missing if v is None else Decimal(v) for v in columns[at]]
        else:
            columns[at] = [
                missing if v is None else Decimal(v) if r is None or r == 1 else Decimal(v) * r
                for v, r in zip(columns[at], rates, strict=True)
            ]
    return list(zip(*columns, strict=True))


def _activity_costs(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], settings: Settings
) -> tuple[dict[tuple[str, str], dict[str, Decimal]], dict[str, Decimal]]:
    costing = settings.costing
    if not costing.drivers:  # nothing to cost: the drivers need not be counted
        return {}, {}
    counted = con.execute(
        f"SELECT company, customer_id, driver, {AS_TEXT.format('events')} FROM ({activity.DRIVER_COUNTS_SQL}) "
        "WHERE list_contains($drivers, driver)",
        {**params, "interval": costing.reminder_interval_days, "drivers": [d.name for d in costing.drivers]},
    ).fetchall()
    return activity.activity_costs(
        costing, [((co, c), d, ZERO if n is None else Decimal(n)) for co, c, d, n in counted]
    )


class CustomerMaker:
    """Turns a row of the per-customer query into a customer's figures; what is the same for every row
    (buckets past 90 days, rates) is worked out once (this runs 30,000 times a year)."""

    def __init__(self, period: Period, loss_rates: tuple[Decimal, ...], settings: Settings) -> None:
        self.buckets = len(settings.buckets)
        self.loss_rates = loss_rates
        self.over_90 = [i for i, (lo, _hi) in enumerate(settings.buckets.ranges()) if lo is not None and lo > 90]
        self.days = period.days
        self.financing_rate = settings.cost_of_capital

    def profit(self, row: tuple[Any, ...], by_driver: dict[str, Decimal]) -> tuple[Decimal, ...]:
        """Gross margin, activity cost, financing cost, expected credit loss and net profit."""
        gross_margin = row[_NET_SALES] - row[_COST_OF_GOODS]
        # Summed in driver-name order: a sum of 28-digit Decimals rounds by its order, and the drivers'
        # counts come from a GROUP BY, in no defined order.
        activity_cost = sum([cost for _, cost in sorted(by_driver.items())], ZERO) if by_driver else ZERO
        financing = row[_AGEING_AT + self.buckets] * self.financing_rate / 365  # Σ amount × days waited
        ecl = sum(map(mul, row[_AGEING_AT : _AGEING_AT + self.buckets], self.loss_rates), ZERO)
        net_profit = gross_margin - row[_COMMISSIONS] - row[_LABOUR_COST] - activity_cost - financing - ecl
        return gross_margin, activity_cost, financing, ecl, net_profit

    def previous(self, row: tuple[Any, ...], profit: tuple[Decimal, ...]) -> PreviousFigures:
        """What the watch list and the trend compare with, from a row and its `profit()`."""
        gross_margin, activity_cost, _, ecl, net_profit = profit
        paid_days, paid = row[_AGEING_AT + self.buckets + 1], row[_AGEING_AT + self.buckets + 3]
        return PreviousFigures(
            net_sales=row[_NET_SALES],
            gross_margin=gross_margin,
            labour_cost=row[_LABOUR_COST],
            activity_cost=activity_cost,
            returns_amount=row[_RETURNS],
            expected_credit_loss=ecl,
            net_profit=net_profit,
            avg_days_to_pay=paid_days / paid if paid else None,
        )

    def __call__(
        self, row: tuple[Any, ...], by_driver: dict[str, Decimal], by_activity: dict[str, Decimal]
    ) -> CustomerProfit:
        (company, customer_id, name, parent_id, salesperson_id, territory, customer_class, currency, _, limit) = row[
            :10
        ]
        net_sales, cost_of_goods, freight, misc, commissions, returns, documents = row[10:17]
        labour_hours, labour_cost, open_amount, overdue, unapplied = row[17:_AGEING_AT]
        n = self.buckets
        ageing = row[_AGEING_AT : _AGEING_AT + n]
        _, paid_days, paid_days_late, paid, credit_sales, write_offs = row[_AGEING_AT + n :]
        gross_margin, activity_cost, financing, ecl, net_profit = self.profit(row, by_driver)

        dso = best = delinquent = None
        if credit_sales > 0:
            dso = open_amount / credit_sales * self.days
            best = ageing[0] / credit_sales * self.days
            delinquent = dso - best
        avg_days_to_pay = (paid_days / paid) if paid else None
        avg_days_late = (paid_days_late / paid) if paid else None
        limit_use = open_amount / limit if limit else None
        figures = {
            "open_amount": open_amount,
            "avg_days_delinquent": delinquent,
            "credit_limit_use": limit_use,
            "write_offs": write_offs,
        }
        over_90 = sum([ageing[i] for i in self.over_90], ZERO)
        return CustomerProfit(
            company=company,
            customer_id=customer_id,
            name=name,
            parent_id=parent_id,
            salesperson_id=salesperson_id,
            territory=territory,
            customer_class=customer_class,
            currency=currency,
            net_sales=net_sales,
            cost_of_goods=cost_of_goods,
            gross_margin=gross_margin,
            freight_billed=freight,
            misc_billed=misc,
            commissions=commissions,
            labour_hours=labour_hours,
            labour_cost=labour_cost,
            activity_cost=activity_cost,
            financing_cost=financing,
            expected_credit_loss=ecl,
            net_profit=net_profit,
            referral_value=ZERO,
            open_amount=open_amount,
            overdue_amount=overdue,
            unapplied_credits=unapplied,
            ageing=ageing,
            documents=int(documents),
            returns_amount=returns,
            write_offs=write_offs,
            credit_limit=limit,
            dso=dso,
            best_possible_dso=best,
            avg_days_delinquent=delinquent,
            avg_days_to_pay=avg_days_to_pay,
            avg_days_late=avg_days_late,
            days_to_pay_trend=None,
            credit_limit_use=limit_use,
            risk_grade=risk.risk_grade(figures, over_90),
            labour_by_activity=dict(sorted(by_activity.items())) if by_activity else {},
            activity_by_driver=dict(sorted(by_driver.items())) if by_driver else {},
        )


def previous_figures(
    rows: PeriodRows, make: CustomerMaker, totals_of: Sequence[str]
) -> tuple[dict[tuple[str, str], PreviousFigures], dict[str, Decimal]]:
    """The previous period: each customer's figures the watch list and the trend compare with, and the
    period's totals of the figures `totals_of` (the same sums, in the same order, as over full records)."""
    no_costs: dict[str, Decimal] = {}
    by_customer = rows.activity_by_customer
    before: dict[tuple[str, str], PreviousFigures] = {}
    financing: list[Decimal] = []
    for row in rows.rows:
        key = (row[0], row[1])
        profit = make.profit(row, by_customer.get(key, no_costs))
        financing.append(profit[2])
        before[key] = make.previous(row, profit)
    figures = list(before.values())
    totals: dict[str, Decimal] = {}
    for name in totals_of:
        values: list[Decimal]
        if name in rows.names:
            values = rows.column(name)
        elif name == "financing_cost":
            values = financing
        elif name == "referral_value":  # referrals are valued in the current period only
            values = []
        else:
            values = list(map(attrgetter(name), figures))
        totals[name] = sum(values, ZERO)
    return before, totals


def current_records(con: duckdb.DuckDBPyConnection, rows: PeriodRows, make: CustomerMaker) -> list[CustomerProfit]:
    """The current period's full records, with labour cost by activity (from its labour_priced table)."""
    labour_by_activity: dict[tuple[str, str], dict[str, Decimal]] = {}
    by_activity_sql = f"SELECT company, customer_id, activity, {AS_TEXT.format('cost')} FROM ({LABOUR_BY_ACTIVITY_SQL})"
    for company, customer_id, name, cost in con.execute(by_activity_sql).fetchall():
        labour_by_activity.setdefault((company, customer_id), {})[name] = ZERO if cost is None else Decimal(cost)
    no_costs: dict[str, Decimal] = {}
    by_driver = rows.activity_by_customer
    return [
        make(row, by_driver.get((row[0], row[1]), no_costs), labour_by_activity.get((row[0], row[1]), no_costs))
        for row in rows.rows
    ]
