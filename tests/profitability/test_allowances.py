"""The allowance at a date is worked out once per analysis, whichever of its threads asks for it first
(profitability/risk.py: Allowances). The previous period's end is the day before this period starts: both
periods' threads ask for it, at about the same time."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from profitability.model import AgeingBuckets, Settings
from profitability.risk import Allowances

DAY = dt.date(2026, 3, 31)


class CountingConnection:
    """Stands in for a DuckDB connection: every exposure query it is given returns customer C1 with 100.00
    current and 40.00 over 30 days, slowly enough that a second caller arrives while the first waits."""

    def __init__(self, calls: list[dt.date]) -> None:
        self.calls = calls

    def execute(self, sql: str, params: dict[str, Any]) -> CountingConnection:
        self.calls.append(params["at"])
        time.sleep(0.05)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [("NL", "C1", "100.00", None, "40.00")]


def test_a_date_asked_for_by_two_threads_is_worked_out_once_and_both_get_the_same_allowance() -> None:
    # Loss rates 1 % current, 5 % 1-30 days, 50 % over 30: 100 × 1 % + 40 × 50 % = 21.00.
    calls: list[dt.date] = []
    settings = Settings(buckets=AgeingBuckets((30,)), loss_rates=(Decimal("0.01"), Decimal("0.05"), Decimal("0.5")))
    main = Allowances(CountingConnection(calls), settings)  # type: ignore[arg-type]
    other = main.on(CountingConnection(calls))  # type: ignore[arg-type]
    seen: dict[str, dict[tuple[str, str], Decimal]] = {}
    threads = [
        threading.Thread(target=lambda name=name, a=a: seen.__setitem__(name, a.allowance(DAY)))
        for name, a in (("main", main), ("other", other))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [DAY]  # one query for the date, not one per thread
    assert seen["main"] == seen["other"] == {("NL", "C1"): Decimal("21.00")}
    assert other.allowance(DAY - dt.timedelta(days=1)) == {("NL", "C1"): Decimal("21.00")}
    assert calls == [DAY, DAY - dt.timedelta(days=1)]  # another date: asked again


def test_allowances_worked_out_ahead_are_not_asked_again_and_a_date_being_worked_out_is_waited_for() -> None:
    # The analysis works out the dates both periods need in a thread of its own while their rows are read
    # (profitability/analyze.py): a period asking for one of them then gets it without a query of its own,
    # also while the thread ahead is still on it.
    calls: list[dt.date] = []
    settings = Settings(buckets=AgeingBuckets((30,)), loss_rates=(Decimal("0.01"), Decimal("0.05"), Decimal("0.5")))
    period = Allowances(CountingConnection(calls), settings)  # type: ignore[arg-type]
    ahead = threading.Thread(target=period.on(CountingConnection(calls)).work_out, args=([DAY, DAY.replace(day=1)],))  # type: ignore[arg-type]
    ahead.start()
    time.sleep(0.01)  # the thread ahead is in its first query
    assert period.allowance(DAY) == {("NL", "C1"): Decimal("21.00")}
    ahead.join()
    assert period.allowance(DAY.replace(day=1)) == {("NL", "C1"): Decimal("21.00")}
    assert calls == [DAY, DAY.replace(day=1)]  # one query a date, both by the thread ahead
