"""Price every customer for a period, set-based over the ledger store.

    net profit = gross margin − commissions − labour − activity costs − financing cost − expected credit loss

The per-period work is a few materialised temp tables (open items as of the date, the period's sales
documents, its priced time entries) and one query joining them per customer; money that needs a rate
(activity costs, financing, credit loss) is multiplied out exactly in Decimal. The previous period of
the same length is computed the same way, for trends and the watch list.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter, mul
from typing import Any

import duckdb

from profitability import activity, portfolio, risk
from profitability.labour import (
    LABOUR_BY_ACTIVITY_SQL,
    LABOUR_CTE,
    POOL_MINUTES_SQL,
    UNPRICED_SQL,
    labour_table_sql,
)
from profitability.model import Analysis, CustomerProfit, Period, Settings
from profitability.receivables import (
    BEHAVIOUR_CTES,
    FINANCING_CTE,
    OPEN_ITEM_TABLE,
    RECONCILE_OPEN_BY_CUSTOMER_SQL,
    RECONCILE_OPEN_SQL,
    ageing_cte,
)
from profitability.sales import ITEM_CLASS_SQL, SALES_CTE, SALES_DOC_TABLE, SALES_VS_LINES_SQL
from profitlens.errors import EngineError

ZERO = Decimal(0)
MONEY_TOTALS = (
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "freight_billed",
    "misc_billed",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "net_profit",
    "referral_value",
    "open_amount",
    "overdue_amount",
    "unapplied_credits",
    "returns_amount",
    "write_offs",
)
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


def _dec(value: Any) -> Decimal:
    # Sums arrive as text (see _AS_TEXT), other figures as Decimal and used as they are (this runs ~1M times).
    if type(value) is str:
        return Decimal(value)
    if type(value) is Decimal:
        return value
    return ZERO if value is None else Decimal(value) if not isinstance(value, float) else Decimal(repr(value))


# DuckDB turns a DECIMAL(38, s) (every SUM of money) into a Python Decimal at ~1.5 µs a value, its text at
# ~0.3 µs and Decimal(text) is exact with the same digits and exponent: sums are fetched as text.
_AS_TEXT = "CAST({0} AS VARCHAR) AS {0}"


def _complete(customer: CustomerProfit, **figures: Any) -> None:
    """Fill in the figures that need every customer (rank, share, segment…) on a record this module
    has just made and not yet handed out; copying 45 fields per customer instead took a second a year."""
    for name, value in figures.items():
        object.__setattr__(customer, name, value)


@dataclass
class _PeriodFigures:
    customers: list[CustomerProfit]
    referred_by: dict[tuple[str, str], str | None]
    unpriced_hours: Decimal
    used_minutes: dict[str, Decimal]
    item_classes: list[tuple[Any, ...]]


def _period_figures(
    con: duckdb.DuckDBPyConnection, period: Period, settings: Settings, loss_rates: tuple[Decimal, ...]
) -> _PeriodFigures:
    buckets = settings.buckets
    params: dict[str, Any] = {"start": period.start, "end": period.end, "as_of": period.as_of}
    con.execute(OPEN_ITEM_TABLE, {"as_of": period.as_of})
    con.execute(SALES_DOC_TABLE, {"start": period.start, "end": period.end})
    labour_params: dict[str, Any] = {"start": period.start, "end": period.end}
    con.execute(labour_table_sql(settings.department_rates, settings.costing, labour_params), labour_params)
    keys = buckets.column_keys()
    # Zero as NULL: most customers have no freight, returns or old debt, and a NULL costs nothing to fetch
    # where a DECIMAL becomes a Python Decimal (the fetch was a quarter of analyze); NULL reads as 0.
    bucket_cols = ", ".join(f"nullif(a.{k}, 0) AS {k}" for k in keys)
    inner = f"""
WITH {SALES_CTE.strip()},
{LABOUR_CTE.strip()},
{ageing_cte(buckets).strip()},
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
    outer = ", ".join(n if n in _AS_IS else _AS_TEXT.format(f'"{n}"') for n in columns)
    cursor = con.execute(f"SELECT {outer} FROM ({inner}) ORDER BY company, customer_id", params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()

    counts = [
        ((co, c), d, _dec(n))
        for co, c, d, n in con.execute(
            f"SELECT company, customer_id, driver, {_AS_TEXT.format('events')} FROM ({activity.DRIVER_COUNTS_SQL})",
            {**params, "interval": settings.costing.reminder_interval_days},
        ).fetchall()
    ]
    activity_by_customer, used_minutes = activity.activity_costs(settings.costing, counts)
    labour_by_activity: dict[tuple[str, str], dict[str, Decimal]] = {}
    by_activity_sql = (
        f"SELECT company, customer_id, activity, {_AS_TEXT.format('cost')} FROM ({LABOUR_BY_ACTIVITY_SQL})"
    )
    for company, customer_id, name, cost in con.execute(by_activity_sql).fetchall():
        labour_by_activity.setdefault((company, customer_id), {})[name] = _dec(cost)
    for pool, minutes in con.execute(POOL_MINUTES_SQL).fetchall():
        used_minutes[pool] = used_minutes.get(pool, ZERO) + _dec(minutes)
    unpriced = _dec(con.execute(UNPRICED_SQL).fetchone()[0])  # type: ignore[index]
    item_classes = con.execute(ITEM_CLASS_SQL).fetchall()

    make = _CustomerMaker(names, keys, loss_rates, settings, period)
    no_costs: dict[str, Decimal] = {}
    customers = [
        make(
            row,
            activity_by_customer.get((row[0], row[1]), no_costs),
            labour_by_activity.get((row[0], row[1]), no_costs),
        )
        for row in rows
    ]
    referred_at = names.index("referred_by")
    return _PeriodFigures(
        customers,
        {(row[0], row[1]): row[referred_at] for row in rows},
        unpriced,
        used_minutes,
        item_classes,
    )


# The per-customer query's columns up to the ageing buckets, in order (unpacked by position below).
_LEADING = (
    "company",
    "customer_id",
    "name",
    "parent_id",
    "salesperson_id",
    "territory",
    "customer_class",
    "currency",
    "referred_by",
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
_AS_IS = {*TEXT_COLUMNS, "documents"}  # fetched as they are; every other column is a sum, fetched as text


class _CustomerMaker:
    """Turns a row of the per-customer query into its figures; what is the same for every row
    (column positions, buckets past 90 days, rates) is worked out once (this runs 30,000 times a year)."""

    def __init__(
        self,
        names: list[str],
        keys: list[str],
        loss_rates: tuple[Decimal, ...],
        settings: Settings,
        period: Period,
    ) -> None:
        self.buckets = len(keys)
        if names[_AGEING_AT : _AGEING_AT + len(keys)] != keys or names[: len(_LEADING)] != list(_LEADING):
            raise EngineError(f"the per-customer query's columns are not in the expected order: {names}")
        self.loss_rates = loss_rates
        self.over_90 = [i for i, (lo, _hi) in enumerate(settings.buckets.ranges()) if lo is not None and lo > 90]
        self.settings = settings
        self.days = period.days
        self.financing_rate = settings.cost_of_capital
        # Hours and the weights of the days-to-pay averages are not money: no currency rate for them.
        not_money = {*_AS_IS, "labour_hours", "paid_amount_days", "paid_amount_days_late", "amount_paid"}
        self.money = {i for i, name in enumerate(names) if name not in not_money}

    def __call__(
        self, row: tuple[Any, ...], by_driver: dict[str, Decimal], by_activity: dict[str, Decimal]
    ) -> CustomerProfit:
        # Ledger amounts are in the company's functional currency; its rate brings them to the reporting one.
        rate = self.settings.company_rates.get(row[0], Decimal(1))
        if rate != 1:
            row = tuple(Decimal(v) * rate if v is not None and i in self.money else v for i, v in enumerate(row))
        d = _dec
        (company, customer_id, name, parent_id, salesperson_id, territory, customer_class, currency, _, raw_limit) = (
            row[:10]
        )
        net_sales, cost_of_goods, freight, misc, commissions, returns = map(d, row[10:16])
        documents = row[16]
        labour_hours, labour_cost, open_amount, overdue, unapplied = map(d, row[17:_AGEING_AT])
        n = self.buckets
        ageing = tuple(map(d, row[_AGEING_AT : _AGEING_AT + n]))
        financing_days, paid_days, paid_days_late, paid, credit_sales, write_offs = row[_AGEING_AT + n :]
        credit_sales, write_offs = d(credit_sales), d(write_offs)
        gross_margin = net_sales - cost_of_goods
        activity_cost = sum(by_driver.values(), ZERO) if by_driver else ZERO
        financing = d(financing_days) * self.financing_rate / 365
        ecl = sum(map(mul, ageing, self.loss_rates), ZERO)
        net_profit = gross_margin - commissions - labour_cost - activity_cost - financing - ecl

        dso = best = delinquent = None
        if credit_sales > 0:
            dso = open_amount / credit_sales * self.days
            best = ageing[0] / credit_sales * self.days
            delinquent = dso - best
        paid = d(paid)
        avg_days_to_pay = (d(paid_days) / paid) if paid else None
        avg_days_late = (d(paid_days_late) / paid) if paid else None
        limit = d(raw_limit) if raw_limit is not None else None
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


def analyze(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings | None = None) -> Analysis:
    """Compute every customer's figures for `period` from the ledger tables behind `con`."""
    settings = settings or Settings()
    try:
        with _no_cycle_collection():
            return _analyze(con, period, settings)
    except duckdb.Error as exc:
        raise EngineError(f"the analysis query failed: {exc}") from exc


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Analyze makes ~100,000 long-lived containers (records, their dicts and tuples) and no reference
    cycles; Python's cycle collector would walk them all each time a generation fills (large sample: 0.4
    of 3.5 s, at twice the data 1.0 of 7.5 s). Reference counting frees everything as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyze(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings) -> Analysis:
    buckets = settings.buckets
    if settings.loss_rates == "history":
        loss_rates = risk.loss_rates_from_history(con, buckets, period.as_of, settings.history_years)
        source = "history"
    else:
        loss_rates = tuple(settings.loss_rates)
        source = "configured"
    previous = _period_figures(con, period.previous(), settings, loss_rates)
    current = _period_figures(con, period, settings, loss_rates)  # last: its temp tables stay for the checks

    before = {(c.company, c.customer_id): c for c in previous.customers}
    margins = {(c.company, c.customer_id): c.gross_margin for c in current.customers}
    referral: dict[tuple[str, str], Decimal] = {}
    for (company, customer_id), referrer in current.referred_by.items():
        if referrer:  # a referrer is a customer of the same company
            key = (company, referrer)
            referral[key] = referral.get(key, ZERO) + margins[(company, customer_id)] * settings.referral_share
    r = portfolio.retention(con, period.as_of)
    discount = settings.discount_rate if settings.discount_rate is not None else settings.cost_of_capital
    ranked = sorted(current.customers, key=lambda c: (-c.net_profit, c.company, c.customer_id))
    shares, curve = portfolio.whale_curve(ranked)
    totals = {name: sum(map(attrgetter(name), ranked), ZERO) for name in MONEY_TOTALS if name != "referral_value"}
    totals["referral_value"] = sum((referral.get((c.company, c.customer_id), ZERO) for c in ranked), ZERO)
    totals = {name: totals[name] for name in MONEY_TOTALS}
    company_gm = totals["gross_margin"] / totals["net_sales"] * 100 if totals["net_sales"] else None
    large_from = portfolio.large_threshold(ranked)
    for i, c in enumerate(ranked):
        key = (c.company, c.customer_id)
        prev = before.get(key)
        trend = (
            (c.avg_days_to_pay - prev.avg_days_to_pay)
            if (prev is not None and c.avg_days_to_pay is not None and prev.avg_days_to_pay is not None)
            else None
        )
        seg = portfolio.segment(c, large_from, company_gm)
        _complete(
            c,
            referral_value=referral.get(key, ZERO),
            days_to_pay_trend=trend,
            lifetime_value=portfolio.lifetime_value(c.net_profit, period.days, r, discount),
            rank=i + 1,
            cumulative_profit_share=shares[i],
            segment=seg,
            action=portfolio.ACTIONS[seg],
        )
    final = ranked
    ageing_totals = tuple(sum((c.ageing[i] for c in final), ZERO) for i in range(len(buckets)))
    ecl_by_bucket = tuple(a * rate for a, rate in zip(ageing_totals, loss_rates, strict=True))
    previous_totals = {name: sum(map(attrgetter(name), previous.customers), ZERO) for name in MONEY_TOTALS}
    return Analysis(
        period=period,
        buckets=buckets,
        customers=tuple(final),
        totals=totals,
        ageing_totals=ageing_totals,
        ecl_by_bucket=ecl_by_bucket,
        loss_rates=loss_rates,
        loss_rates_source=source,
        counts={**_counts(con, period), "customers": len(final)},
        reconciliation=_reconciliation(con, period.as_of),
        unpriced_hours=current.unpriced_hours,
        unused_capacity=activity.unused_capacity(settings.costing, current.used_minutes),
        driver_rates=activity.driver_rates(settings.costing),
        whale_curve=curve,
        watch_list=tuple(portfolio.watch_list(final, before)),
        groups=portfolio.groups(final, current.item_classes),
        retention=r,
        previous_totals=previous_totals,
    )


def _counts(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, int]:
    row = con.execute(
        """SELECT (SELECT count(*) FROM document),
                  (SELECT count(*) FROM document WHERE document_date BETWEEN $start AND $end),
                  (SELECT count(*) FROM document WHERE voided),
                  (SELECT count(*) FROM document_line),
                  (SELECT count(*) FROM labour),
                  (SELECT count(*) FROM customer),
                  (SELECT count(*) FROM activity_event)""",
        {"start": period.start, "end": period.end},
    ).fetchone()
    keys = (
        "documents_in_ledger",
        "documents_in_period",
        "documents_voided",
        "document_lines",
        "time_entries",
        "customers_in_ledger",
        "activity_events",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True)) if row else {}


def _reconciliation(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, Any]:
    """Open receivables against the ERP's open amounts, and net sales against the lines of each document."""
    ledger_open, erp_open, without, last_activity = con.execute(RECONCILE_OPEN_SQL).fetchone()  # type: ignore[misc]
    comparable = without == 0 and last_activity is not None and as_of >= last_activity
    difference = _dec(ledger_open) - _dec(erp_open)
    open_differences = (
        [
            {
                "company": co,
                "customer_id": cid,
                "ledger_open": _dec(lo),
                "erp_open": _dec(eo),
                "difference": _dec(lo) - _dec(eo),
            }
            for co, cid, lo, eo in con.execute(RECONCILE_OPEN_BY_CUSTOMER_SQL).fetchall()
        ]
        if comparable
        else []
    )
    line_rows = con.execute(SALES_VS_LINES_SQL).fetchall()
    sales_differences = [
        {
            "company": co,
            "document_id": d,
            "customer_id": c,
            "document_sales": _dec(s),
            "lines": _dec(lp),
            "difference": _dec(s) - _dec(lp),
        }
        for co, d, c, s, lp in line_rows
    ]
    ties = (difference == 0) if comparable else None
    if comparable and ties:
        note = "open receivables as of the as-of date tie to the ERP's open amounts"
    elif comparable:
        note = "open receivables do NOT tie to the ERP's open amounts"
    else:
        note = "open receivables not compared: the as-of date is before the last posting, or the source gives no open amounts"
    return {
        "ledger_open_as_of": _dec(ledger_open),
        "erp_open_now": _dec(erp_open),
        "difference": difference if comparable else None,
        "comparable": comparable,
        "ties": ties,
        "note": note,
        "open_differences": open_differences[:100],
        "open_differences_count": len(open_differences),
        "sales_ties_to_lines": not sales_differences,
        "sales_differences": sales_differences[:100],
        "sales_differences_count": len(sales_differences),
    }
