"""What lies behind each customer's figures: the documents and time entries of the period, for the drill-down."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
from markupsafe import Markup

from profitability.model import Analysis

# Enough to see what drives a figure without turning the HTML for 20,000 customers into hundreds of MB;
# the report says when a list is cut and summary/exports hold the totals.
MAX_ROWS = 25

DOCUMENTS_SQL = """
SELECT company, customer_id, strftime(document_date, '%Y-%m-%d'), document_type, coalesce(number, document_id),
       amount::DOUBLE, sales_amount::DOUBLE, cost_amount::DOUBLE, voided, source_table || ' ' || source_key
FROM document
WHERE document_date BETWEEN $start AND $end
QUALIFY row_number() OVER (PARTITION BY company, customer_id ORDER BY document_date DESC, document_id) <= $limit
ORDER BY company, customer_id, document_date DESC, document_id
"""
HOURS_SQL = """
SELECT company, customer_id, strftime(date, '%Y-%m-%d'), employee_id, coalesce(activity, ''), hours::DOUBLE,
       cost_amount::DOUBLE, source_table || ' ' || source_key
FROM labour
WHERE date BETWEEN $start AND $end AND customer_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY company, customer_id ORDER BY date DESC, entry_id) <= $limit
ORDER BY company, customer_id, date DESC, entry_id
"""
COUNTS_SQL = """
SELECT company, customer_id, 'documents', count(*) FROM document WHERE document_date BETWEEN $start AND $end GROUP BY 1, 2
UNION ALL
SELECT company, customer_id, 'hours', count(*) FROM labour WHERE date BETWEEN $start AND $end
  AND customer_id IS NOT NULL GROUP BY 1, 2
ORDER BY 1, 2, 3
"""


def customer_details(con: duckdb.DuckDBPyConnection, analysis: Analysis) -> dict[str, dict[str, Any]]:
    period = analysis.period
    params = {"start": period.start, "end": period.end, "limit": MAX_ROWS}
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"documents": [], "hours": [], "counts": {}})
    # Amounts as DOUBLE and dates as ISO text straight from DuckDB: the page's script wants JSON numbers and
    # text, and DECIMAL → Decimal → float for 400,000 values took two seconds.
    for co, cid, day, kind, number, amount, sales, cost, voided, source in con.execute(
        DOCUMENTS_SQL, params
    ).fetchall():
        out[f"{co}|{cid}"]["documents"].append([day, kind, number, amount, sales, cost, bool(voided), source])
    for co, cid, day, employee, activity, hours, cost, source in con.execute(HOURS_SQL, params).fetchall():
        out[f"{co}|{cid}"]["hours"].append([day, employee, activity, hours, cost, source])
    for co, cid, what, n in con.execute(COUNTS_SQL, {"start": period.start, "end": period.end}).fetchall():
        out[f"{co}|{cid}"]["counts"][what] = int(n)
    for c in analysis.customers:
        d = out[f"{c.company}|{c.customer_id}"]
        d["waterfall"] = [
            ["net_sales", float(c.net_sales)],
            ["cost_of_goods", -float(c.cost_of_goods)],
            ["other_income", float(c.other_income)],
            ["commissions", -float(c.commissions)],
            ["labour_cost", -float(c.labour_cost)],
            ["activity_cost", -float(c.activity_cost)],
            ["financing_cost", -float(c.financing_cost)],
            ["credit_loss", -float(c.credit_loss)],
            ["net_profit", float(c.net_profit)],
        ]
    return dict(out)


def script_json(value: Any) -> Markup:
    """JSON safe to place inside <script type="application/json">: no `</script>` can close it early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for the script context


def html_extras(context: dict[str, Any], details: dict[str, dict[str, Any]], labels: dict[str, Any]) -> dict[str, Any]:
    """What the accountant's HTML adds to the common context: its data, as JSON for its script."""
    return {
        **context,
        "rows_json": script_json(context["customers"]),
        "details_json": script_json(details),
        "labels_json": script_json(labels),
    }
