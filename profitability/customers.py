"""Each customer's figures for one period: the per-customer query, its rows as Decimals, and the records.

    net profit = gross margin + other income − commissions − labour − activity costs − financing cost
                 − credit loss

Every figure is a flow of the period, so that consecutive periods add up to their union. The period's temp
tables (open items as of the as-of date, its sales documents, its priced time entries) and the analysis'
(settlements, documents with their settling day, the day-by-day balance) feed one query that joins them per
customer; money that needs a rate (activity costs, financing, the allowance) is multiplied out exactly in
Decimal here. The current period becomes full records (`CustomerProfit`); the previous period only what
the watch list, the trend and its totals compare with (`PreviousFigures`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

import duckdb

from common.errors import EngineError
from ledger.schema import create_table_sql
from profitability import activity, risk
from profitability.labour import LABOUR_BY_ACTIVITY_SQL, LABOUR_CTE, labour_table_sql
from profitability.model import CustomerProfit, Period, PreviousFigures, Settings
from profitability.prepared import WORKSPACE, attach_workspace, search_path, store_database, use_prepared
from profitability.receivables import (
    BEHAVIOUR_CTES,
    FINANCING_CTE,
    OPEN_IN_PERIOD_CTE,
    OPEN_ITEM_TABLE,
    ageing_cte,
)
from profitability.risk import Allowances
from profitability.sales import FINANCE_CHARGE_CTE, SALES_CTE, SALES_DOC_TABLE

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
    "document_net_sales",
    "cost_of_goods",
    "freight_billed",
    "misc_billed",
    "finance_charges_billed",
    "discounts_taken",
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
_AT = {name: at for at, name in enumerate(_LEADING)}
_AS_IS = {*TEXT_COLUMNS, "documents"}  # fetched as they are; every other column is a sum, fetched as text
# Hours and the weights of the days-to-pay averages are not money: no currency rate for them.
_NOT_MONEY = {*_AS_IS, "labour_hours", "paid_amount_days", "paid_amount_days_late", "amount_paid"}
# What the previous period's figures (`CustomerMaker.previous`) and totals do not read: its query gives them as
# NULL, left as None (the ageing buckets too): a fifth less of its rows to fetch and to turn into Decimals.
_NOT_PREVIOUS = frozenset(
    (
        *TEXT_COLUMNS[3:],
        "credit_limit",
        "documents",
        "labour_hours",
        "paid_amount_days_late",
        "credit_sales",
    )
)


@dataclass
class PeriodRows:
    """The per-customer query's rows for a period (ordered by company and customer), every figure a
    Decimal in the reporting currency, each customer's activity cost by driver, and the allowance for
    credit losses the day before the period, at its end and at its as-of date (with the net exposure)."""

    period: Period
    names: list[str]
    rows: list[tuple[Any, ...]]
    activity_by_customer: dict[tuple[str, str], dict[str, Decimal]]
    used_minutes: dict[str, Decimal]
    allowance_start: dict[tuple[str, str], Decimal]
    allowance_end: dict[tuple[str, str], Decimal]
    allowance_as_of: dict[tuple[str, str], Decimal]
    exposure_as_of: dict[tuple[str, str], tuple[Decimal, ...]]

    def column(self, name: str) -> list[Any]:
        at = self.names.index(name)
        return [row[at] for row in self.rows]


def prepare_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Once for the periods that follow: the prepared tables (see profitability.prepared), visible to every
    connection `second_connection` makes, and an empty item master where the store has none. Each connection's
    own period tables (open_item, sales_doc, labour_priced) stay temp tables."""
    use_prepared(con)
    ensure_item_table(con)


def ensure_item_table(con: duckdb.DuckDBPyConnection) -> None:
    """A store made before the item master existed (and opened read-only by analyze or report, so not
    upgraded yet) has no `item` table: an empty one in the workspace stands in until the next sync makes it."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'item' AND database_name = ?", [store_database(con)]
    ).fetchone()
    if found and found[0]:
        return
    attach_workspace(con)
    con.execute(create_table_sql("item", f"{WORKSPACE}.item", keys=False))


def second_connection(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to the same store that sees the prepared tables (see WORKSPACE); close it after."""
    cursor = con.cursor()
    cursor.execute("SET search_path = ?", [search_path(con)])
    return cursor


def period_rows(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    settings: Settings,
    allowances: Allowances,
    *,
    previous: bool = False,
) -> PeriodRows:
    """Build the period's temp tables (open_item, sales_doc, labour_priced; they stay for the caller's
    checks) and read each customer with anything in the period: a document, an application, a time entry,
    an activity event, something open on any day of it (which covers reminders and the allowance), a
    referral, or an open item at the as-of date. Needs `prepare_ledger` first. `previous`: only what
    `previous_figures` reads (the rest None, see _NOT_PREVIOUS)."""
    params: dict[str, Any] = {
        "start": period.start,
        "end": period.end,
        "as_of": period.as_of,
        "after": period.end + dt.timedelta(days=1),
    }
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
{FINANCE_CHARGE_CTE.strip()},
{OPEN_IN_PERIOD_CTE.strip()},
event AS (SELECT DISTINCT company, customer_id FROM activity_event WHERE date BETWEEN $start AND $end),
referrer AS (
    SELECT DISTINCT c.company, c.referred_by AS customer_id FROM customer c JOIN sales USING (company, customer_id)
    WHERE c.referred_by IS NOT NULL
)
SELECT c.company, c.customer_id, c.name, c.parent_id, c.salesperson_id, c.territory, c.customer_class, c.currency,
       c.referred_by, c.credit_limit,
       nullif(s.net_sales, 0) AS document_net_sales, nullif(s.cost_of_goods, 0) AS cost_of_goods,
       nullif(s.freight_billed, 0) AS freight_billed, nullif(s.misc_billed, 0) AS misc_billed,
       nullif(fc.finance_charges_billed, 0) AS finance_charges_billed,
       nullif(w.discounts_taken, 0) AS discounts_taken,
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
LEFT JOIN finance_charge fc USING (company, customer_id)
LEFT JOIN event ev USING (company, customer_id)
LEFT JOIN open_in_period op USING (company, customer_id)
LEFT JOIN referrer rf USING (company, customer_id)
WHERE s.customer_id IS NOT NULL OR lc.customer_id IS NOT NULL OR a.customer_id IS NOT NULL
   OR ev.customer_id IS NOT NULL OR f.customer_id IS NOT NULL
   OR op.customer_id IS NOT NULL OR rf.customer_id IS NOT NULL
"""
    columns = [*_LEADING, *keys, *_TRAILING]
    left_out = _NOT_PREVIOUS.union(keys) if previous else frozenset()
    outer = ", ".join(
        f'NULL AS "{n}"' if n in left_out else n if n in _AS_IS else AS_TEXT.format(f'"{n}"') for n in columns
    )
    cursor = con.execute(f"SELECT {outer} FROM ({inner}) ORDER BY company, customer_id", params)
    names = [d[0] for d in cursor.description]
    if names[:_AGEING_AT] != list(_LEADING) or names[_AGEING_AT : _AGEING_AT + len(keys)] != keys:
        raise EngineError(f"the per-customer query's columns are not in the expected order: {names}")
    rows = _as_decimals(names, cursor.fetchall(), settings.company_rates, left_out)
    by_customer, used_minutes = _activity_costs(con, {"start": period.start, "end": period.end}, settings)
    start = allowances.allowance(period.start - dt.timedelta(days=1))
    end = allowances.allowance(period.end)
    listed = {(row[0], row[1]) for row in rows}
    # Whoever carries a cost of the period is listed: else a pool's cost would not add up (see above).
    for key in (*by_customer, *start, *end):
        if key not in listed:
            raise EngineError(f"customer {key[1]!r} of company {key[0]!r} has costs in the period but was not listed")
    return PeriodRows(
        period,
        names,
        rows,
        by_customer,
        used_minutes,
        allowance_start=start,
        allowance_end=end,
        allowance_as_of=allowances.allowance(period.as_of),
        exposure_as_of=allowances.exposure(period.as_of),
    )


def _as_decimals(
    names: list[str],
    rows: list[tuple[Any, ...]],
    company_rates: dict[str, Decimal],
    left_out: frozenset[str] = frozenset(),
) -> list[tuple[Any, ...]]:
    """Every sum (fetched as text) as a Decimal, a missing one as 0 (a missing credit limit stays None);
    money times its company's rate where that is not 1 (ledger amounts are in the company's functional
    currency). Column by column: one comprehension a column instead of a function call a value. Columns
    `left_out` stay as they are (None)."""
    if not rows:
        return []
    columns: list[Any] = list(zip(*rows, strict=True))
    rates = [company_rates.get(company) for company in columns[0]] if company_rates else None
    if rates is not None and all(rate is None or rate == 1 for rate in rates):
        rates = None
    for at, name in enumerate(names):
        if name in _AS_IS or name in left_out:
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
    (buckets past 90 days, rates, column positions) is worked out once (this runs 30,000 times a year)."""

    def __init__(self, rows: PeriodRows, settings: Settings) -> None:
        self.rows = rows
        self.buckets = len(settings.buckets)
        self.over_90 = [i for i, (lo, _hi) in enumerate(settings.buckets.ranges()) if lo is not None and lo > 90]
        self.days = rows.period.days
        self.financing_rate = settings.cost_of_capital
        self.trailing = {name: _AGEING_AT + self.buckets + i for i, name in enumerate(_TRAILING)}
        self.none = tuple(ZERO for _ in range(self.buckets))

    def profit(self, row: tuple[Any, ...], by_driver: dict[str, Decimal]) -> dict[str, Decimal]:
        """The flows of the period that need more than a sum: net sales after settlement discounts, gross
        margin, other income, activity cost, financing, credit loss (with the allowances) and net profit."""
        key = (row[0], row[1])
        net_sales = row[_AT["document_net_sales"]] - row[_AT["discounts_taken"]]
        gross_margin = net_sales - row[_AT["cost_of_goods"]]
        other_income = row[_AT["freight_billed"]] + row[_AT["misc_billed"]] + row[_AT["finance_charges_billed"]]
        # Summed in driver-name order: a sum of 28-digit Decimals rounds by its order, and the drivers'
        # counts come from a GROUP BY, in no defined order.
        activity_cost = sum([cost for _, cost in sorted(by_driver.items())], ZERO) if by_driver else ZERO
        financing = row[self.trailing["financing_amount_days"]] * self.financing_rate / 365  # Σ balance × days
        allowance_start = self.rows.allowance_start.get(key, ZERO)
        allowance_end = self.rows.allowance_end.get(key, ZERO)
        credit_loss = row[self.trailing["write_offs"]] + allowance_end - allowance_start
        net_profit = (
            gross_margin
            + other_income
            - row[_AT["commissions"]]
            - row[_AT["labour_cost"]]
            - activity_cost
            - financing
            - credit_loss
        )
        return {
            "net_sales": net_sales,
            "gross_margin": gross_margin,
            "other_income": other_income,
            "activity_cost": activity_cost,
            "financing_cost": financing,
            "allowance_start": allowance_start,
            "allowance_end": allowance_end,
            "credit_loss": credit_loss,
            "net_profit": net_profit,
        }

    def previous(self, row: tuple[Any, ...], profit: dict[str, Decimal]) -> PreviousFigures:
        """What the watch list and the trend compare with, from a row and its `profit()`."""
        paid_days, paid = row[self.trailing["paid_amount_days"]], row[self.trailing["amount_paid"]]
        return PreviousFigures(
            name=row[2],
            net_sales=profit["net_sales"],
            gross_margin=profit["gross_margin"],
            labour_cost=row[_AT["labour_cost"]],
            activity_cost=profit["activity_cost"],
            returns_amount=row[_AT["returns_amount"]],
            expected_credit_loss=profit["allowance_end"],  # the previous period's as-of date is its end
            net_profit=profit["net_profit"],
            avg_days_to_pay=paid_days / paid if paid else None,
            other_income=profit["other_income"],
            financing_cost=profit["financing_cost"],
            credit_loss=profit["credit_loss"],
            allowance_change=profit["allowance_end"] - profit["allowance_start"],
        )

    def __call__(
        self, row: tuple[Any, ...], by_driver: dict[str, Decimal], by_activity: dict[str, Decimal]
    ) -> CustomerProfit:
        # One unpacking of the row in _LEADING's order (this runs once a customer: named lookups cost a
        # tenth of analyze's Python).
        (
            company,
            customer_id,
            name,
            parent_id,
            salesperson_id,
            territory,
            customer_class,
            currency,
            _referred_by,
            limit,
            _document_net_sales,
            cost_of_goods,
            freight_billed,
            misc_billed,
            finance_charges_billed,
            discounts_taken,
            commissions,
            returns_amount,
            documents,
            labour_hours,
            labour_cost,
            open_amount,
            overdue_amount,
            unapplied_credits,
        ) = row[:_AGEING_AT]
        n = self.buckets
        ageing = row[_AGEING_AT : _AGEING_AT + n]
        _financing, paid_days, paid_days_late, paid, credit_sales, write_offs = row[_AGEING_AT + n :]
        p = self.profit(row, by_driver)
        key = (company, customer_id)
        exposure = self.rows.exposure_as_of.get(key, self.none)
        exposed = sum(exposure, ZERO)

        # DSO and best possible DSO on the same basis, the net exposure: their difference, the average days
        # delinquent, is the overdue part of it and cannot fall below zero.
        dso = best = delinquent = None
        if credit_sales > 0:
            dso = exposed / credit_sales * self.days
            best = exposure[0] / credit_sales * self.days
            delinquent = dso - best
        limit_use = open_amount / limit if limit else None
        over_90 = sum([exposure[i] for i in self.over_90], ZERO)
        # Positional, in CustomerProfit's field order (a call by 46 keywords took a sixth of the records' time
        # matching them); each value names its field, or a comment does (tests/profitability/test_customers.py
        # checks every field).
        return CustomerProfit(
            company,
            customer_id,
            name,
            parent_id,
            salesperson_id,
            territory,
            customer_class,
            currency,
            p["net_sales"],
            cost_of_goods,
            p["gross_margin"],
            freight_billed,
            misc_billed,
            commissions,
            labour_hours,
            labour_cost,
            p["activity_cost"],
            p["financing_cost"],
            self.rows.allowance_as_of.get(key, ZERO),  # expected_credit_loss
            p["net_profit"],
            ZERO,  # referral_value
            open_amount,
            overdue_amount,
            unapplied_credits,
            ageing,
            int(documents),
            returns_amount,
            write_offs,
            limit,  # credit_limit
            dso,
            best,  # best_possible_dso
            delinquent,  # avg_days_delinquent
            paid_days / paid if paid else None,  # avg_days_to_pay
            paid_days_late / paid if paid else None,  # avg_days_late
            None,  # days_to_pay_trend
            limit_use,  # credit_limit_use
            risk.risk_grade(exposed, over_90, delinquent, limit_use, write_offs),  # risk_grade
            discounts_taken,
            finance_charges_billed,
            p["other_income"],
            p["credit_loss"],
            p["allowance_start"],
            p["allowance_end"],
            exposure,
            by_activity or {},  # labour_by_activity: its own, in activity order (see current_records)
            dict(sorted(by_driver.items())) if by_driver else {},  # activity_by_driver
        )


PREVIOUS_FIELDS = frozenset(PreviousFigures.__dataclass_fields__)  # the previous period's totals read from these


def previous_figures(
    rows: PeriodRows, settings: Settings, totals_of: Sequence[str]
) -> tuple[dict[tuple[str, str], PreviousFigures], dict[str, Decimal]]:
    """The previous period, analysed as its own report would: each customer's figures the watch list and
    the trend compare with, and the period's totals of the figures `totals_of` (the same sums, in the same
    order, as over full records)."""
    make = CustomerMaker(rows, settings)
    no_costs: dict[str, Decimal] = {}
    by_customer = rows.activity_by_customer
    before: dict[tuple[str, str], PreviousFigures] = {}
    for row in rows.rows:
        key = (row[0], row[1])
        before[key] = make.previous(row, make.profit(row, by_customer.get(key, no_costs)))
    figures = list(before.values())
    totals: dict[str, Decimal] = {}
    for name in totals_of:
        values: list[Decimal]
        if name in PREVIOUS_FIELDS:
            values = list(map(attrgetter(name), figures))
        elif name in rows.names:
            values = rows.column(name)
        else:  # valued in the current period only (referrals) or a view at the as-of date
            values = []
        totals[name] = sum(values, ZERO)
    return before, totals


def current_records(con: duckdb.DuckDBPyConnection, rows: PeriodRows, settings: Settings) -> list[CustomerProfit]:
    """The current period's full records, with labour cost by activity (from its labour_priced table)."""
    make = CustomerMaker(rows, settings)
    # In customer and activity order: each customer's costs come together, already in the order its record
    # keeps them (DuckDB orders text by its UTF-8 bytes, as Python orders it by code points).
    by_activity_sql = (
        f"SELECT company, customer_id, activity, {AS_TEXT.format('cost')} FROM ({LABOUR_BY_ACTIVITY_SQL}) "
        "ORDER BY company, customer_id, activity"
    )
    labour_by_activity = {
        key: {name: ZERO if cost is None else Decimal(cost) for _, _, name, cost in costs}
        for key, costs in groupby(con.execute(by_activity_sql).fetchall(), itemgetter(0, 1))
    }
    no_costs: dict[str, Decimal] = {}
    by_driver = rows.activity_by_customer
    return [
        make(row, by_driver.get((row[0], row[1]), no_costs), labour_by_activity.get((row[0], row[1]), no_costs))
        for row in rows.rows
    ]
