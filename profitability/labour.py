"""Labour cost to serve per customer and activity.

Each time entry is priced at, in order: its own cost; hours × the employee's hourly cost; hours × the
configured hourly rate of the employee's department; hours × 60 × the time-driven ABC rate of the capacity
pool named like the department (pool cost ÷ practical minutes). Entries none of these price are counted
as unpriced hours (reported, never guessed). Entries without a customer are not attributable: they stay
out of every customer's figures (but do use their pool's capacity).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from profitability.model import Costing

RATE_TYPE = "DECIMAL(38,20)"  # a rate per minute to 20 places; hours (19,5) × 60 × rate keeps 13 whole digits


def rates_sql(rates: dict[str, Decimal], params: dict[str, Any], prefix: str, key: str) -> str:
    """A two-column VALUES table (key, rate) with every value a bound parameter."""
    if not rates:
        return f"SELECT CAST(NULL AS VARCHAR) AS {key}, CAST(NULL AS {RATE_TYPE}) AS rate WHERE false"
    rows = []
    for i, (name, rate) in enumerate(sorted(rates.items())):
        params[f"{prefix}k{i}"] = name
        params[f"{prefix}r{i}"] = rate
        rows.append(f"(${prefix}k{i}, CAST(${prefix}r{i} AS {RATE_TYPE}))")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS r({key}, rate)"


def labour_table_sql(department_rates: dict[str, Decimal], costing: Costing, params: dict[str, Any]) -> str:
    """CREATE the temp table `labour_priced`: each time entry of the period with its cost and how it was priced."""
    dept = rates_sql(department_rates, params, "dept", "department")
    pools = rates_sql(
        {p.name: p.rate_per_minute.quantize(Decimal("1e-20")) for p in costing.pools}, params, "pool", "pool"
    )
    return f"""
CREATE OR REPLACE TEMP TABLE labour_priced AS
WITH department_rate AS ({dept}),
pool_rate AS ({pools})
SELECT l.company, l.customer_id, l.hours, coalesce(l.activity, 'unspecified') AS activity, e.department,
       CASE WHEN l.cost_amount IS NOT NULL THEN 'entry' WHEN e.hourly_cost IS NOT NULL THEN 'employee'
            WHEN r.rate IS NOT NULL THEN 'department' WHEN p.rate IS NOT NULL THEN 'pool' END AS priced_by,
       coalesce(l.cost_amount, l.hours * e.hourly_cost, l.hours * r.rate, l.hours * 60 * p.rate) AS cost
FROM labour l
LEFT JOIN employee e USING (company, employee_id)
LEFT JOIN department_rate r ON r.department = e.department
LEFT JOIN pool_rate p ON p.pool = e.department
WHERE l.date BETWEEN $start AND $end
"""


LABOUR_CTE = """
labour_cost AS (
    SELECT company, customer_id, sum(hours) AS labour_hours, sum(coalesce(cost, 0)) AS labour_cost
    FROM labour_priced WHERE customer_id IS NOT NULL GROUP BY company, customer_id
)"""

LABOUR_BY_ACTIVITY_SQL = """
SELECT company, customer_id, activity, sum(coalesce(cost, 0)) AS cost FROM labour_priced
WHERE customer_id IS NOT NULL GROUP BY company, customer_id, activity
"""
UNPRICED_SQL = "SELECT coalesce(sum(hours), 0) FROM labour_priced WHERE customer_id IS NOT NULL AND priced_by IS NULL"
POOL_COST_SQL = (
    "SELECT department, customer_id IS NOT NULL, sum(cost) FROM labour_priced WHERE priced_by = 'pool' GROUP BY ALL"
)
POOL_MINUTES_SQL = "SELECT department, sum(hours) * 60 FROM labour_priced WHERE priced_by = 'pool' GROUP BY department"
