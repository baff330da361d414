"""Overdue risk: expected credit loss by a provision matrix (IFRS 9 simplified approach) and a risk grade.

Allowance (expected credit loss) at a date = Σ over ageing buckets of the net exposure aged at that date ×
the bucket's loss rate at that date; the net exposure is the open debit items less the customer's unapplied
credits and cash, which reduce the oldest items first. The credit loss of a period is a flow: write-offs in
the period + the allowance at its end − the allowance the day before it starts. The rates are
configured (`loss_rates`), or estimated from the company's own history (`loss_rates = "history"`):

    for each bucket b with lowest age lo_b (current: every invoice),
    rate_b = Σ written off / Σ invoiced, over the invoices of the last `history_years` that were settled
             by the as-of date (paid, credited or written off) and that reached age lo_b before settling.

That is: of the money that once was this late, the share that was never collected. Invoices still open
are left out of the estimate (their outcome is unknown), however overdue; what they still owe is in the
allowance instead, at the rate of the bucket they have reached. Without write-offs in the history every rate is
0, and the report says the rates came from history.

Risk grade, from the payment behaviour and the open items:
    E  more than a quarter of the open amount is over 90 days past due, or something was written off
       in the period
    D  paying more than 30 days late on average (average days delinquent), or over the credit limit
    C  more than 15 days late on average
    B  more than 5 days late on average
    A  otherwise
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from decimal import Decimal
from operator import mul

import duckdb

from profitability.model import AgeingBuckets, Settings
from profitability.receivables import DEBIT_TYPES, exposure_sql

ZERO = Decimal(0)

HISTORY_SQL = f"""
WITH applied AS (  -- what settled each debit document (applied + discount + write-off; no voided side)
    SELECT company, document_id, sum(amount) AS applied, sum(coalesce(write_off_amount, 0)) AS written_off,
           max(apply_date) AS settled_on
    FROM settlement WHERE sign = 1 AND apply_date <= $as_of GROUP BY company, document_id
)
SELECT d.amount, a.written_off, date_diff('day', d.due_date, a.settled_on) AS max_days_past_due
FROM document d JOIN applied a USING (company, document_id)
WHERE NOT d.voided AND d.document_type IN {DEBIT_TYPES} AND d.due_date IS NOT NULL
  AND d.document_date BETWEEN $since AND $as_of AND a.applied >= d.amount
"""


def loss_rates_from_history(
    con: duckdb.DuckDBPyConnection, buckets: AgeingBuckets, as_of: dt.date, years: int
) -> tuple[Decimal, ...]:
    lows = [lo for lo, _ in buckets.ranges()]
    cases = []
    for i, lo in enumerate(lows):
        cond = "true" if lo is None else f"max_days_past_due >= {lo}"
        cases.append(f"sum(written_off) FILTER (WHERE {cond}) AS w{i}, sum(amount) FILTER (WHERE {cond}) AS a{i}")
    since = (
        as_of.replace(year=as_of.year - years)
        if not (as_of.month == 2 and as_of.day == 29)
        else (as_of - dt.timedelta(days=365 * years))
    )
    row = con.execute(f"SELECT {', '.join(cases)} FROM ({HISTORY_SQL})", {"as_of": as_of, "since": since}).fetchone()
    rates = []
    for i in range(len(lows)):
        written, amount = (row[2 * i], row[2 * i + 1]) if row else (None, None)
        rates.append(Decimal(written) / Decimal(amount) if written is not None and amount else ZERO)
    return tuple(rates)  # exact: rounded only when shown


def risk_grade(
    open_amount: Decimal,
    over_90: Decimal,
    delinquent: Decimal | None,
    limit_use: Decimal | None,
    write_offs: Decimal,
) -> str:
    """The grade (see above) from the net exposure open, its part over 90 days, the average days
    delinquent, the credit limit's use and the period's write-offs."""
    if (open_amount > 0 and over_90 > open_amount / 4) or write_offs > 0:
        return "E"
    if (delinquent is not None and delinquent > 30) or (limit_use is not None and limit_use > 1):
        return "D"
    if delinquent is not None and delinquent > 15:
        return "C"
    if delinquent is not None and delinquent > 5:
        return "B"
    return "A"


Exposure = tuple[Decimal, ...]  # net exposure by ageing bucket
Key = tuple[str, str]  # (company, customer_id)


class _Known:
    """What the Allowances of one analysis have worked out, shared by its connections' threads: each date
    under a lock of its own, so that the date both periods ask for (the previous period's end is the day
    before this one) is worked out once, by whichever thread asks first, while the other waits for it."""

    def __init__(self) -> None:
        self.rates: dict[dt.date, tuple[Decimal, ...]] = {}
        self.exposure: dict[dt.date, dict[Key, Exposure]] = {}
        self.allowance: dict[dt.date, dict[Key, Decimal]] = {}
        self._locks: dict[tuple[str, dt.date], threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, what: str, at: dt.date) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((what, at), threading.Lock())


class Allowances:
    """The allowance for credit losses at any date, per customer: the provision matrix over the net
    exposure aged at that date, at the loss rates of that date (configured, or estimated from the history
    up to that date). Dates are asked again and again (a period's end is the next one's start): each is
    worked out once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, known: _Known | None = None) -> None:
        self._con = con
        self._settings = settings
        self._sql = exposure_sql(settings.buckets)
        self._known = known or _Known()

    def on(self, con: duckdb.DuckDBPyConnection) -> Allowances:
        """The same allowances read through another connection (another thread's): a date worked out through
        either is not worked out again through the other."""
        return Allowances(con, self._settings, self._known)

    def rates(self, at: dt.date) -> tuple[Decimal, ...]:
        known = self._known
        with known.lock("rates", at):
            if at not in known.rates:
                s = self._settings
                known.rates[at] = (
                    loss_rates_from_history(self._con, s.buckets, at, s.history_years)
                    if s.loss_rates == "history"
                    else tuple(s.loss_rates)
                )
            return known.rates[at]

    def exposure(self, at: dt.date) -> dict[Key, Exposure]:
        """Each customer's net exposure by bucket at the end of the day `at` (customers with none left out)."""
        known = self._known
        with known.lock("exposure", at):
            if at not in known.exposure:
                company_rates = self._settings.company_rates
                out: dict[Key, Exposure] = {}
                for company, customer_id, *values in self._con.execute(self._sql, {"at": at}).fetchall():
                    rate = company_rates.get(company)
                    amounts = tuple(ZERO if v is None else Decimal(v) for v in values)
                    out[(company, customer_id)] = (
                        amounts if rate is None or rate == 1 else tuple(v * rate for v in amounts)
                    )
                known.exposure[at] = out
            return known.exposure[at]

    def work_out(self, dates: Iterable[dt.date]) -> None:
        """Work out the allowance at each of `dates` ahead of being asked (in a thread of its own: a date
        another thread asks for meanwhile is waited for, not worked out twice)."""
        for at in dates:
            self.allowance(at)

    def allowance(self, at: dt.date) -> dict[Key, Decimal]:
        """Each customer's allowance at the end of the day `at`."""
        known = self._known
        with known.lock("allowance", at):
            if at not in known.allowance:
                rates = self.rates(at)
                known.allowance[at] = {key: sum(map(mul, e, rates), ZERO) for key, e in self.exposure(at).items()}
            return known.allowance[at]
