"""Activity costs by time-driven ABC (Kaplan & Anderson, 2004).

Each capacity pool has a yearly cost and a yearly practical capacity in minutes; a period gets both × its
days ÷ 365, so its rate, cost ÷ practical minutes, is the same for every period. Each driver takes a number of minutes of one pool per event, so a driver's
cost per event is minutes × rate. A customer's activity cost is Σ events × cost per event. Capacity
not used by any driver (or by labour priced at the pool's rate) is reported as unused capacity, in
minutes and money, and is never spread over customers.

Drivers counted from the ledger, per customer and period (voided documents never count):
  invoice      invoices, debit memos and service documents issued
  credit_memo  credit memos issued
  return       returns issued
  payment      payments received
  reminder     late-payment reminders: one every `reminder_interval_days` past the due date while the
               document is still open, dated in the period
Any other driver name counts `activity_event` rows with that activity (their quantity, default 1).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from profitability.model import Costing

ZERO = Decimal(0)

DRIVER_COUNTS_SQL = """
WITH reminder AS (
    SELECT company, customer_id,
           CAST(greatest(0,
               floor(date_diff('day', due_date, last_day) / $interval)
               - greatest(1, ceil(date_diff('day', due_date, CAST($start AS DATE)) / $interval)) + 1
           ) AS BIGINT) AS reminders
    FROM (
        SELECT company, customer_id, due_date,
               least(CAST($end AS DATE), coalesce(settled_on - INTERVAL 1 DAY, CAST($end AS DATE)))::DATE AS last_day
        FROM receivable
        WHERE sign = 1 AND due_date IS NOT NULL AND due_date < $end AND amount > 0
    )
)
SELECT company, customer_id, driver, sum(quantity) AS events FROM (
    SELECT company, customer_id,
           CASE WHEN document_type IN ('invoice', 'debit_memo', 'service') THEN 'invoice'
                ELSE document_type END AS driver,
           1 AS quantity
    FROM document
    WHERE NOT voided AND document_date BETWEEN $start AND $end
      AND document_type IN ('invoice', 'debit_memo', 'service', 'credit_memo', 'return', 'payment')
    UNION ALL
    SELECT company, customer_id, 'reminder', reminders FROM reminder WHERE reminders > 0
    UNION ALL
    SELECT company, customer_id, activity, quantity FROM activity_event WHERE date BETWEEN $start AND $end
) GROUP BY company, customer_id, driver
"""


def driver_rates(costing: Costing) -> dict[str, Decimal]:
    """Cost per event of each configured driver: minutes × its pool's rate per minute."""
    rates: dict[str, Decimal] = {}
    for driver in costing.drivers:
        pool = costing.pool(driver.pool)
        assert pool is not None  # checked when the costing was built
        rates[driver.name] = driver.minutes * pool.cost / pool.practical_minutes
    return rates


def activity_costs(
    costing: Costing, counts: list[tuple[tuple[str, str], str, Decimal]]
) -> tuple[dict[tuple[str, str], dict[str, Decimal]], dict[str, Decimal]]:
    """Per (company, customer), the cost of each configured driver; and the minutes each pool's drivers used."""
    drivers = {d.name: d for d in costing.drivers}
    rates = driver_rates(costing)
    by_customer: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    used: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for customer_id, driver_name, events in counts:
        driver = drivers.get(driver_name)
        if driver is None:
            continue  # counted but not costed: no [costing.drivers] entry for it
        by_customer[customer_id][driver_name] = by_customer[customer_id].get(driver_name, ZERO) + (
            Decimal(events) * rates[driver_name]
        )
        used[driver.pool] += Decimal(events) * driver.minutes
    return dict(by_customer), dict(used)


def unused_capacity(costing: Costing, used_minutes: dict[str, Decimal], days: int) -> dict[str, dict[str, Decimal]]:
    """Per pool, for a period of `days` days: the pool's cost and practical minutes (its yearly figures ×
    days ÷ 365), minutes used, unused minutes and their cost (negative = overloaded)."""
    out: dict[str, dict[str, Decimal]] = {}
    for pool in costing.pools:
        used = used_minutes.get(pool.name, ZERO)
        practical = pool.practical_minutes * days / 365
        rate = pool.cost / pool.practical_minutes
        unused = practical - used
        out[pool.name] = {
            "practical_minutes": practical,
            "used_minutes": used,
            "minutes": unused,
            "cost": unused * rate,
            "rate_per_minute": rate,
            "pool_cost": pool.cost * days / 365,
        }
    return out
