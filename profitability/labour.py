"""Labour cost to serve per customer.

Each time entry is priced at its own cost, else hours × the employee's hourly_cost, else hours ×
the configured rate of the employee's department. Entries that none of these price are counted as
unpriced hours (reported, never guessed). Entries without a customer are not attributable and stay
out of every customer's figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def department_rates_sql(rates: dict[str, Decimal], params: dict[str, Any]) -> str:
    """A VALUES table of department rates, bound as parameters."""
    if not rates:
        return "SELECT CAST(NULL AS VARCHAR) AS department, CAST(NULL AS DECIMAL(19,5)) AS rate WHERE false"
    rows = []
    for i, (department, rate) in enumerate(sorted(rates.items())):
        params[f"dept{i}"] = department
        params[f"rate{i}"] = rate
        rows.append(f"($dept{i}, CAST($rate{i} AS DECIMAL(19,5)))")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS r(department, rate)"


def labour_ctes(rates_sql: str) -> str:
    return f"""
department_rate AS ({rates_sql}),
labour_priced AS (
    SELECT l.customer_id, l.hours,
           coalesce(l.cost_amount, l.hours * e.hourly_cost, l.hours * r.rate) AS cost
    FROM labour l
    LEFT JOIN employee e USING (employee_id)
    LEFT JOIN department_rate r ON r.department = e.department
    WHERE l.date BETWEEN $start AND $end
),
labour_cost AS (
    SELECT customer_id, sum(hours) AS labour_hours, sum(coalesce(cost, 0)) AS labour_cost
    FROM labour_priced WHERE customer_id IS NOT NULL GROUP BY customer_id
)"""


UNPRICED_SQL = """
SELECT coalesce(sum(l.hours), 0)
FROM labour l
LEFT JOIN employee e USING (employee_id)
LEFT JOIN ({rates}) r ON r.department = e.department
WHERE l.date BETWEEN $start AND $end AND l.customer_id IS NOT NULL
  AND l.cost_amount IS NULL AND e.hourly_cost IS NULL AND r.rate IS NULL
"""
