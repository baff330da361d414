"""Period rules of scheduled jobs, in words an accountant uses: "previous month", "quarter to date", …"""

from __future__ import annotations

import datetime as dt

from profitability.model import Period

RULES = (
    "previous month",
    "month to date",
    "previous quarter",
    "quarter to date",
    "previous year",
    "year to date",
    "last 12 months",
)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_for(rule: str, today: dt.date) -> Period:
    """The period a rule means on `today` (a run on 3 March with "previous month" analyses February).

    Raises:
        ValueError: an unknown rule (the message lists the known ones).
    """
    yesterday = today - dt.timedelta(days=1)
    if rule == "previous month":
        end = _month_start(today) - dt.timedelta(days=1)
        return Period.of(_month_start(end), end)
    if rule == "month to date":
        return Period.of(_month_start(yesterday), yesterday)
    if rule == "previous quarter":
        end = _quarter_start(today) - dt.timedelta(days=1)
        return Period.of(_quarter_start(end), end)
    if rule == "quarter to date":
        return Period.of(_quarter_start(yesterday), yesterday)
    if rule == "previous year":
        return Period.of(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    if rule == "year to date":
        return Period.of(dt.date(yesterday.year, 1, 1), yesterday)
    if rule == "last 12 months":
        end = _month_start(today) - dt.timedelta(days=1)
        start = dt.date(end.year - 1, end.month, 1) + dt.timedelta(days=32)
        return Period.of(start.replace(day=1), end)
    raise ValueError(f"unknown period rule {rule!r}; use one of: {', '.join(RULES)}")
