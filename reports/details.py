"""What lies behind each customer's figures: every document and time entry of the period, for the drill-down.

The accountant's HTML carries all of them, not a sample: its drill-down pages through them. To keep the
page of the `large` sample (20,000 customers, 350,000 entries) small enough to open in about a second,
they travel as compact arrays — a day as its offset from the period's first day, a type, an employee and
a source table as an index into one list each — and the page's script writes them out in its locale.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
from markupsafe import Markup

from profitability.model import Analysis
from reports.outputs import CENT

# One drill-down page; the rest is a click away ("next").
PAGE_ROWS = 25


def _number(column: str) -> str:
    """SQL for a DECIMAL column as a JSON number rounded half up to the cent, trailing zeros dropped
    ("4390.47", "12.5", "0"): every byte counts 350,000 times."""
    cents = f"{column}::DECIMAL(19,2)::VARCHAR"
    return f"coalesce(rtrim(rtrim({cents}, '0'), '.'), 'null')"


def _indexed(name: str) -> str:
    """A list parameter as a table of (value, its place in the list from 0)."""
    return f"(SELECT unnest(${name}) AS value, generate_subscripts(${name}, 1) - 1 AS i)"


# Each entry is written as JSON text by DuckDB, in parallel, and a customer's entries are joined there
# too: Python only strings the customers together. A type, a source table, an employee and an activity
# travel as their place in a list the page holds once (LISTS_SQL reads the lists; the queries get them).
# A document's key repeats its number at the end ("9|PMT0047819", or "INV1" for files): only the part
# before it travels ("9|", ""), and the page puts the number back.
DOCUMENTS_SQL = f"""
SELECT d.company, d.customer_id, string_agg(
        '[' || date_diff('day', $start::DATE, d.document_date) || ',' || t.i || ',' || to_json(d.shown)::VARCHAR
        || ',' || {_number("d.amount")} || ',' || {_number("d.sales_amount")} || ',' || {_number("d.cost_amount")}
        || ',' || d.voided::INT || ',' || s.i || ','
        || to_json(CASE WHEN suffix(d.source_key, d.shown)
                        THEN left(d.source_key, length(d.source_key) - length(d.shown))
                        ELSE d.source_key END)::VARCHAR || ']',
        ',' ORDER BY d.document_date DESC, d.document_id)
FROM (SELECT *, coalesce(number, document_id) AS shown FROM document
      WHERE document_date BETWEEN $start AND $end) d
JOIN {_indexed("types")} t ON t.value = d.document_type
JOIN {_indexed("document_sources")} s ON s.value = d.source_table
GROUP BY d.company, d.customer_id
"""  # noqa: S608 - built from this module's own names, no input
HOURS_SQL = f"""
SELECT l.company, l.customer_id, string_agg(
        '[' || date_diff('day', $start::DATE, l.date) || ',' || p.i || ',' || a.i || ','
        || {_number("l.hours")} || ',' || {_number("l.cost_amount")} || ',' || s.i || ','
        || to_json(l.source_key)::VARCHAR || ']',
        ',' ORDER BY l.date DESC, l.entry_id)
FROM labour l
JOIN {_indexed("people")} p ON p.value = l.company || '|' || coalesce(l.employee_id, '')
JOIN {_indexed("activities")} a ON a.value = coalesce(l.activity, '')
JOIN {_indexed("hour_sources")} s ON s.value = l.source_table
WHERE l.date BETWEEN $start AND $end AND l.customer_id IS NOT NULL
GROUP BY l.company, l.customer_id
"""  # noqa: S608 - as above
_LABOUR = "FROM labour WHERE date BETWEEN $start AND $end AND customer_id IS NOT NULL"
LISTS_SQL = {
    "types": "SELECT DISTINCT document_type FROM document WHERE document_date BETWEEN $start AND $end ORDER BY 1",
    "document_sources": "SELECT DISTINCT source_table FROM document WHERE document_date BETWEEN $start AND $end "
    "ORDER BY 1",
    "employees": "SELECT DISTINCT l.company, coalesce(l.employee_id, '') AS person, coalesce(e.name, '') FROM labour l "
    "LEFT JOIN employee e ON e.company = l.company AND e.employee_id = l.employee_id "
    "WHERE l.date BETWEEN $start AND $end AND l.customer_id IS NOT NULL ORDER BY l.company, person",
    "activities": f"SELECT DISTINCT coalesce(activity, '') AS what {_LABOUR} ORDER BY 1",
    "hour_sources": f"SELECT DISTINCT source_table {_LABOUR} ORDER BY 1",
}


def _cents(value: Decimal) -> float | int:
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def customer_details(con: duckdb.DuckDBPyConnection, analysis: Analysis) -> Markup:
    """Every document and time entry of the period per customer, and each customer's profit waterfall, as
    JSON text safe inside the page's <script type="application/json">."""
    period = analysis.period
    params = {"start": period.start, "end": period.end}
    lists = {name: con.execute(sql, params).fetchall() for name, sql in LISTS_SQL.items()}
    one = {name: [row[0] for row in rows] for name, rows in lists.items() if name != "employees"}
    by_document = {**params, "types": one["types"], "document_sources": one["document_sources"]}
    people = [f"{company}|{person}" for company, person, _name in lists["employees"]]
    by_hour = {**params, "people": people, "activities": one["activities"], "hour_sources": one["hour_sources"]}
    documents = {f"{co}|{cid}": text for co, cid, text in con.execute(DOCUMENTS_SQL, by_document).fetchall()}
    hours = {f"{co}|{cid}": text for co, cid, text in con.execute(HOURS_SQL, by_hour).fetchall()}
    waterfalls = {
        f"{c.company}|{c.customer_id}": json.dumps(
            [
                _cents(value)
                for value in (
                    c.net_sales,
                    -c.cost_of_goods,
                    c.other_income,
                    -c.commissions,
                    -c.labour_cost,
                    -c.activity_cost,
                    -c.financing_cost,
                    -c.credit_loss,
                    c.net_profit,
                )
            ],
            separators=(",", ":"),
        )
        for c in analysis.customers
    }
    customers = ",".join(
        f'{json.dumps(key, ensure_ascii=False)}:{{"d":[{documents.get(key, "")}],"h":[{hours.get(key, "")}],'
        f'"w":{waterfalls.get(key, "[]")}}}'
        for key in sorted(documents.keys() | hours.keys() | waterfalls.keys())
    )
    head = {
        "start": period.start.isoformat(),
        **one,
        "employees": [[person, name] for _company, person, name in lists["employees"]],
    }
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + f',"customers":{{{customers}}}}}'
    return _safe_in_script(text)


# The waterfall's steps, in the order customer_details writes them.
WATERFALL = (
    "net_sales",
    "cost_of_goods",
    "other_income",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "credit_loss",
    "net_profit",
)
# The customer table's columns, in the order of the page's headings; each row carries these, then the
# values its columns sort by (numbers; text columns sort by their text).
ROW_COLUMNS = (
    "rank",
    "company",
    "customer_id",
    "name",
    "net_sales",
    "gross_margin",
    "gross_margin_pct",
    "commissions",
    "cost_to_serve",
    "waiting_and_risk",
    "net_profit",
    "net_margin_pct",
    "open_amount",
    "overdue_amount",
    "risk_grade",
    "segment",
    "reason",
    "loss",
)


def _safe_in_script(text: str) -> Markup:
    # <, > and & as JSON's own escapes: then no "</script", "<!--" or entity can appear (OWASP's rule).
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for the script context


def script_json(value: Any) -> Markup:
    """JSON safe to place inside <script type="application/json">: no `</script>` can close it early."""
    return _safe_in_script(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _rows(customers: list[dict[str, Any]]) -> dict[str, Any]:
    sort_keys: list[str] = list(customers[0]["sort"]) if customers else []
    rows = [[r[c] for c in ROW_COLUMNS] + [r["sort"][k] for k in sort_keys] for r in customers]
    return {"columns": [*ROW_COLUMNS, *(f"sort:{k}" for k in sort_keys)], "rows": rows}


def html_extras(context: dict[str, Any], details: Markup | None, labels: dict[str, Any]) -> dict[str, Any]:
    """What the accountant's HTML adds to the common context: its data, as JSON for its script."""
    return {
        **context,
        "rows_json": script_json(_rows(context["customers"])),
        "details_json": details if details is not None else script_json({"customers": {}}),
        "labels_json": script_json(
            {**labels, "page_rows": PAGE_ROWS, "currency": context["currency"], "waterfall_steps": WATERFALL}
        ),
    }
