"""Price every customer for a period: one set-based query over the ledger store.

    net profit = gross margin − commissions − labour cost to serve

(the fuller method of DESIGN.md adds activity costs, financing cost and expected credit loss as
further terms; each is one more CTE joined here).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from profitability.labour import UNPRICED_SQL, department_rates_sql, labour_ctes
from profitability.model import Analysis, CustomerProfit, Period, Settings
from profitability.receivables import OPEN_ITEMS_CTES, RECONCILIATION_SQL, ageing_cte
from profitability.sales import SALES_CTES
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
    "net_profit",
    "open_amount",
    "overdue_amount",
    "unapplied_credits",
)


def analyze(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings | None = None) -> Analysis:
    """Compute every customer's figures for `period` from the ledger tables behind `con`."""
    settings = settings or Settings()
    buckets = settings.buckets
    params: dict[str, Any] = {"start": period.start, "end": period.end, "as_of": period.as_of}
    rates_sql = department_rates_sql(settings.department_rates, params)
    bucket_cols = ", ".join(f"coalesce(a.{k}, 0) AS {k}" for k in buckets.column_keys())
    sql = f"""
WITH {SALES_CTES.strip()},
{labour_ctes(rates_sql).strip()},
{OPEN_ITEMS_CTES.strip()},
{ageing_cte(buckets).strip()},
customer_figures AS (
    SELECT c.customer_id, c.name, c.parent_id, c.salesperson_id, c.territory, c.customer_class,
           coalesce(s.net_sales, 0) AS net_sales,
           coalesce(s.cost_of_goods, 0) AS cost_of_goods,
           coalesce(s.net_sales, 0) - coalesce(s.cost_of_goods, 0) AS gross_margin,
           coalesce(s.freight_billed, 0) AS freight_billed,
           coalesce(s.misc_billed, 0) AS misc_billed,
           coalesce(s.commissions, 0) AS commissions,
           coalesce(lc.labour_hours, 0) AS labour_hours,
           coalesce(lc.labour_cost, 0) AS labour_cost,
           coalesce(a.open_amount, 0) AS open_amount,
           coalesce(a.overdue_amount, 0) AS overdue_amount,
           coalesce(a.unapplied_credits, 0) AS unapplied_credits,
           {bucket_cols},
           coalesce(s.documents, 0) AS documents
    FROM customer c
    LEFT JOIN sales s USING (customer_id)
    LEFT JOIN labour_cost lc USING (customer_id)
    LEFT JOIN ageing a USING (customer_id)
    WHERE s.customer_id IS NOT NULL OR lc.customer_id IS NOT NULL OR a.customer_id IS NOT NULL
)
SELECT *, gross_margin - commissions - labour_cost AS net_profit
FROM customer_figures
ORDER BY net_profit DESC, customer_id
"""
    try:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        recon_row = con.execute(RECONCILIATION_SQL, {"as_of": period.as_of}).fetchone()
        unpriced_row = con.execute(
            UNPRICED_SQL.format(rates=rates_sql), {k: v for k, v in params.items() if k != "as_of"}
        ).fetchone()
        counts = _counts(con, period)
    except duckdb.Error as exc:
        raise EngineError(f"the analysis query failed: {exc}") from exc

    customers = tuple(_customer(dict(zip(names, row, strict=True)), buckets.column_keys()) for row in rows)
    totals = {name: sum((getattr(c, name) for c in customers), ZERO) for name in MONEY_TOTALS}
    ageing_totals = tuple(sum((c.ageing[i] for c in customers), ZERO) for i in range(len(buckets.column_keys())))
    return Analysis(
        period=period,
        buckets=buckets,
        customers=customers,
        totals=totals,
        ageing_totals=ageing_totals,
        counts={**counts, "customers": len(customers)},
        reconciliation=_reconciliation(recon_row, period.as_of),
        unpriced_hours=Decimal(unpriced_row[0]) if unpriced_row else ZERO,
    )


def _customer(row: dict[str, Any], bucket_keys: list[str]) -> CustomerProfit:
    money = {
        k: Decimal(v) if v is not None else ZERO
        for k, v in row.items()
        if k not in ("customer_id", "name", "parent_id", "salesperson_id", "territory", "customer_class", "documents")
    }
    return CustomerProfit(
        customer_id=row["customer_id"],
        name=row["name"],
        parent_id=row["parent_id"],
        salesperson_id=row["salesperson_id"],
        territory=row["territory"],
        customer_class=row["customer_class"],
        net_sales=money["net_sales"],
        cost_of_goods=money["cost_of_goods"],
        gross_margin=money["gross_margin"],
        freight_billed=money["freight_billed"],
        misc_billed=money["misc_billed"],
        commissions=money["commissions"],
        labour_hours=money["labour_hours"],
        labour_cost=money["labour_cost"],
        net_profit=money["net_profit"],
        open_amount=money["open_amount"],
        overdue_amount=money["overdue_amount"],
        unapplied_credits=money["unapplied_credits"],
        ageing=tuple(money[k] for k in bucket_keys),
        documents=int(row["documents"]),
    )


def _counts(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, int]:
    row = con.execute(
        """SELECT (SELECT count(*) FROM document),
                  (SELECT count(*) FROM document WHERE document_date BETWEEN $start AND $end),
                  (SELECT count(*) FROM document WHERE voided),
                  (SELECT count(*) FROM document_line),
                  (SELECT count(*) FROM labour),
                  (SELECT count(*) FROM customer)""",
        {"start": period.start, "end": period.end},
    ).fetchone()
    keys = (
        "documents_in_ledger",
        "documents_in_period",
        "documents_voided",
        "document_lines",
        "time_entries",
        "customers_in_ledger",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True)) if row else {}


def _reconciliation(row: Any, as_of: dt.date) -> dict[str, Any]:
    ledger_open, erp_open, without, last_activity = row
    comparable = without == 0 and last_activity is not None and as_of >= last_activity
    difference = Decimal(ledger_open) - Decimal(erp_open)
    return {
        "ledger_open_as_of": Decimal(ledger_open),
        "erp_open_now": Decimal(erp_open),
        "difference": difference if comparable else None,
        "comparable": comparable,
        "ties": (difference == 0) if comparable else None,
        "note": (
            "open receivables as of the as-of date tie to the ERP's open amounts"
            if comparable and difference == 0
            else "open receivables do NOT tie to the ERP's open amounts"
            if comparable
            else "not compared: the as-of date is before the last posting, or the source gives no open amounts"
        ),
    }
