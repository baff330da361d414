"""Price every customer for a period, set-based over the ledger store.

    net profit = gross margin + other income − commissions − labour − activity costs − financing cost
                 − credit loss

Every figure is a flow of the period: the analyses of consecutive periods add up to the analysis of their
union, customer by customer. Each customer's figures come from profitability.customers (per period: a few
temp tables and one query joining them per customer, rates multiplied out exactly in Decimal). This module
puts the period together: the previous period of the same length, analysed as its own report would (for
the trend, the watch list and its totals), referral value, ranking, whale curve, segments, lifetime value,
groups, the capacity pools' check and the checks against the ERP.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from operator import attrgetter
from typing import Any

import duckdb

from common.cycles import paused_cycle_collector
from common.errors import EngineError
from profitability import activity, portfolio
from profitability.customers import (
    PeriodRows,
    current_records,
    period_rows,
    prepare_ledger,
    previous_figures,
    second_connection,
)
from profitability.labour import POOL_COST_SQL, POOL_MINUTES_SQL, UNPRICED_SQL
from profitability.model import Analysis, CustomerProfit, Period, PreviousFigures, Settings
from profitability.receivables import RECONCILE_OPEN_BY_CUSTOMER_SQL, RECONCILE_OPEN_SQL
from profitability.risk import Allowances
from profitability.sales import (
    CLASS_BUYERS_SQL,
    ITEM_CLASS_SQL,
    ITEM_SQL,
    LINE_SALES_TABLE,
    SALES_DOC_TABLE,
    SALES_VS_LINES_SQL,
)

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
    "discounts_taken",
    "finance_charges_billed",
    "other_income",
    "credit_loss",
    "allowance_change",
)


def _dec(value: Any) -> Decimal:
    # Sums arrive as text (see AS_TEXT), other figures as Decimal.
    if type(value) is str:
        return Decimal(value)
    if type(value) is Decimal:
        return value
    return ZERO if value is None else Decimal(value) if not isinstance(value, float) else Decimal(repr(value))


def _complete(customer: CustomerProfit, **figures: Any) -> None:
    """Fill in the figures that need every customer (rank, share, segment…) on a record this module
    has just made and not yet handed out; copying 45 fields per customer instead took a second a year."""
    for name, value in figures.items():
        object.__setattr__(customer, name, value)


def analyze(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings | None = None) -> Analysis:
    """Compute every customer's figures for `period` from the ledger tables behind `con`."""
    settings = settings or Settings()
    try:
        with paused_cycle_collector():  # ~100,000 records, no cycles
            return _analyze(con, period, settings)
    except duckdb.Error as exc:
        raise EngineError(f"the analysis query failed: {exc}") from exc


def _analyze(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings) -> Analysis:
    prepare_ledger(con)
    allowances = Allowances(con, settings)
    prior = period.previous()
    with ThreadPoolExecutor(3, thread_name_prefix="profitlens-analyze") as pool:
        # The previous period, as its own report would analyse it, and the period's product lines, each on a
        # connection of its own in a thread, while this one analyses the current period: DuckDB runs one's
        # queries while Python works in another. The product lines start once this period's rows are read
        # (their queries beside its records' Python; started with the previous period they slowed both).
        # Each connection is made by this thread, between its own queries (`con` serves one caller at a time).
        previous = pool.submit(
            _previous_period, second_connection(con), prior, settings, allowances, decimal.getcontext()
        )
        # The allowances both periods ask for once their rows are read, worked out meanwhile: Python that
        # would otherwise wait for the periods' queries (the dates both ask for first).
        ahead = pool.submit(
            _allowances_ahead,
            second_connection(con),
            allowances,
            [
                period.start - dt.timedelta(days=1),
                period.end,
                period.as_of,
                prior.start - dt.timedelta(days=1),
            ],
            decimal.getcontext(),
        )
        rows = period_rows(con, period, settings, allowances)  # on `con`: its temp tables stay for the checks
        lines = pool.submit(_product_line_rows, second_connection(con), period)
        current = _current_period(con, rows, settings, allowances)
        before, previous_totals = previous.result()
        for c in current.customers:
            prev = before.get((c.company, c.customer_id))
            if prev is not None and c.avg_days_to_pay is not None and prev.avg_days_to_pay is not None:
                _complete(c, days_to_pay_trend=c.avg_days_to_pay - prev.avg_days_to_pay)
        watch_list = tuple(portfolio.watch_list(current.customers, before))
        # Last: the product lines' queries run meanwhile. Summed in rank order, as the totals are (a sum of
        # 28-digit Decimals rounds by its order).
        item_classes, items, buyers = lines.result()
        ahead.result()  # (done long before; a failure of its own would surface here)
    groups = portfolio.groups(current.customers, item_classes, items, current.totals)
    portfolio.attach_buyers(groups["item_class"], buyers)
    return dataclasses.replace(current, watch_list=watch_list, previous_totals=previous_totals, groups=groups)


def _current_period(
    con: duckdb.DuckDBPyConnection, rows: PeriodRows, settings: Settings, allowances: Allowances
) -> Analysis:
    """The current period's analysis, all but its comparison with the previous period (the days-to-pay
    trend, the watch list and the previous totals are left empty) and its groups."""
    period, buckets = rows.period, settings.buckets
    customers = current_records(con, rows, settings)
    loss_rates = allowances.rates(period.as_of)
    source = "history" if settings.loss_rates == "history" else "configured"
    margins = {(c.company, c.customer_id): c.gross_margin for c in customers}
    referral: dict[tuple[str, str], Decimal] = {}
    for (company, customer_id), referrer in zip(
        zip(rows.column("company"), rows.column("customer_id"), strict=True), rows.column("referred_by"), strict=True
    ):
        if referrer:  # a referrer is a customer of the same company
            key = (company, referrer)
            referral[key] = referral.get(key, ZERO) + margins[(company, customer_id)] * settings.referral_share
    r = portfolio.retention(con, period.as_of)
    discount = settings.discount_rate if settings.discount_rate is not None else settings.cost_of_capital
    ranked = sorted(customers, key=lambda c: (-c.net_profit, c.company, c.customer_id))
    shares, curve = portfolio.whale_curve(ranked)
    totals = _column_sums(ranked, [name for name in MONEY_TOTALS if name != "referral_value"])
    totals["referral_value"] = sum((referral.get((c.company, c.customer_id), ZERO) for c in ranked), ZERO)
    totals = {name: totals[name] for name in MONEY_TOTALS}
    company_gm = totals["gross_margin"] / totals["net_sales"] * 100 if totals["net_sales"] else None
    large_from = portfolio.large_threshold(ranked)
    for i, c in enumerate(ranked):
        seg = portfolio.segment(c, large_from, company_gm, settings.protect_min_net_margin)
        _complete(
            c,
            referral_value=referral.get((c.company, c.customer_id), ZERO),
            lifetime_value=portfolio.lifetime_value(c.net_profit, period.days, r, discount),
            rank=i + 1,
            cumulative_profit_share=shares[i],
            segment=seg,
            action=portfolio.ACTIONS[seg],
        )
    final = ranked
    ageing_totals = _bucket_sums(final, "ageing", len(buckets))
    exposure_totals = _bucket_sums(final, "exposure", len(buckets))
    ecl_by_bucket = tuple(a * rate for a, rate in zip(exposure_totals, loss_rates, strict=True))
    unused = activity.unused_capacity(settings.costing, _used_minutes(con, rows), period.days)
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
        unpriced_hours=_dec(con.execute(UNPRICED_SQL).fetchone()[0]),  # type: ignore[index]
        unused_capacity=unused,
        pool_check=_pool_check(con, settings, final, unused),
        driver_rates=activity.driver_rates(settings.costing),
        whale_curve=curve,
        watch_list=(),
        groups={},
        retention=r,
        previous_totals={},
        exposure_totals=exposure_totals,
        referral_share=settings.referral_share,
    )


def _previous_period(
    second: duckdb.DuckDBPyConnection,
    period: Period,
    settings: Settings,
    allowances: Allowances,
    context: decimal.Context,
) -> tuple[dict[tuple[str, str], PreviousFigures], dict[str, Decimal]]:
    """The previous period's figures and totals, read through a connection of its own, which it closes (run
    in a thread: decimal contexts are per thread, so it computes in the caller's)."""
    decimal.setcontext(context.copy())
    try:  # (the collector stays paused by the caller, which waits for this thread)
        return previous_figures(
            period_rows(second, period, settings, allowances.on(second), previous=True), settings, MONEY_TOTALS
        )
    finally:
        second.close()


def _allowances_ahead(
    con: duckdb.DuckDBPyConnection, allowances: Allowances, dates: list[dt.date], context: decimal.Context
) -> None:
    """The allowances at `dates`, worked out through a connection of its own, which it closes (in a thread)."""
    decimal.setcontext(context.copy())
    try:
        allowances.on(con).work_out(dates)
    finally:
        con.close()


ProductLineRows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _product_line_rows(con: duckdb.DuckDBPyConnection, period: Period) -> ProductLineRows:
    """The period's product lines, its items and each line's buyers (see profitability.sales), read through
    a connection of its own (its own sales_doc), which it closes (run in a thread)."""
    try:
        con.execute(SALES_DOC_TABLE, {"start": period.start, "end": period.end})
        con.execute(LINE_SALES_TABLE)
        return (
            con.execute(ITEM_CLASS_SQL).fetchall(),
            con.execute(ITEM_SQL).fetchall(),
            con.execute(CLASS_BUYERS_SQL).fetchall(),
        )
    finally:
        con.close()


def _bucket_sums(customers: list[CustomerProfit], name: str, buckets: int) -> tuple[Decimal, ...]:
    """Σ over the customers of a figure given by ageing bucket (`ageing`, `exposure`), bucket by bucket."""
    columns = list(zip(*map(attrgetter(name), customers), strict=True)) or [()] * buckets
    return tuple(sum(column, ZERO) for column in columns)


def _column_sums(customers: list[CustomerProfit], names: list[str]) -> dict[str, Decimal]:
    """Σ of each named figure over the customers, in their order (a sum of 28-digit Decimals rounds by its
    order); each figure read by one C-level pass (a fifth faster than transposing every record's figures)."""
    return {name: sum(map(attrgetter(name), customers), ZERO) for name in names}


def _pool_check(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    customers: list[CustomerProfit],
    unused: dict[str, dict[str, Decimal]],
) -> dict[str, dict[str, Any]]:
    """Per pool: its cost for the period = what customers were charged by its drivers + labour priced at its
    rate (customers' and internal) + its unused capacity. A difference means a cost charged to nobody."""
    pool_of = {d.name: d.pool for d in settings.costing.drivers}
    activity_charged: dict[str, Decimal] = {}
    for c in customers:
        for driver, cost in c.activity_by_driver.items():
            activity_charged[pool_of[driver]] = activity_charged.get(pool_of[driver], ZERO) + cost
    labour: dict[tuple[str, bool], Decimal] = {
        (pool, bool(attributed)): _dec(cost) for pool, attributed, cost in con.execute(POOL_COST_SQL).fetchall()
    }
    out: dict[str, dict[str, Any]] = {}
    for name, p in unused.items():
        charged = activity_charged.get(name, ZERO)
        labour_charged = labour.get((name, True), ZERO)
        internal = labour.get((name, False), ZERO)
        difference = p["pool_cost"] - charged - labour_charged - internal - p["cost"]
        out[name] = {
            "pool_cost": p["pool_cost"],
            "activity_charged": charged,
            "labour_charged": labour_charged,
            "labour_internal": internal,
            "unused_cost": p["cost"],
            "difference": difference,
            "ties": abs(difference) < Decimal("0.005"),
        }
    return out


def _used_minutes(con: duckdb.DuckDBPyConnection, rows: PeriodRows) -> dict[str, Decimal]:
    """Minutes of each pool used in the current period: by its drivers, and by labour priced at its rate."""
    used = dict(rows.used_minutes)
    for pool, minutes in con.execute(POOL_MINUTES_SQL).fetchall():
        used[pool] = used.get(pool, ZERO) + _dec(minutes)
    return used


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
    row = con.execute(RECONCILE_OPEN_SQL, {"as_of": as_of}).fetchone()
    ledger_open, erp_open, without, compared, last_activity, inferred, inferred_amount = row  # type: ignore[misc]
    comparable = compared > 0 and last_activity is not None and as_of >= last_activity
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
    if comparable and without:
        note += f" ({without} documents without an open amount in the source left out of both sides)"
    if inferred:
        note += (
            f"; {inferred} documents were settled from the source's open amounts, without a payment record "
            f"({_dec(inferred_amount)}): on the day the source says each was paid off, else the day a sync first saw it"
        )
    return {
        "ledger_open_as_of": _dec(ledger_open),
        "erp_open_now": _dec(erp_open),
        "difference": difference if comparable else None,
        "comparable": comparable,
        "ties": ties,
        "documents_without_open_amount": int(without),
        "inferred_settlements": int(inferred),
        "inferred_settlement_amount": _dec(inferred_amount),
        "note": note,
        "open_differences": open_differences[:100],
        "open_differences_count": len(open_differences),
        "sales_ties_to_lines": not sales_differences,
        "sales_differences": sales_differences[:100],
        "sales_differences_count": len(sales_differences),
    }
