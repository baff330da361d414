"""What any `analyze` of a year must spend in the benchmark's terms, beside the budgets its ratio targets give.

    python bench/analyze_floor.py --size large --repeat 3

The benchmark times `analyze` in a fresh process, from its imports to the finished `Analysis`. Whatever its
queries, such a process imports DuckDB and the method and opens the store, reads the ledger's columns (at best
as fast as the bare scan) and makes one record of exact `Decimal` figures per customer (the `Analysis` that
every report, export and estimate reads). This script measures those parts on the cached sample of
bench/sync_analyze.py (synced first if it is not there), and beside them what analyze spends now in its SQL (both periods'
statements and fetches) and in Python. It prints the parts against the two ratio targets' budgets:
pandas ÷ 20 and 3 × the bare scan. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import sync_analyze  # noqa: E402  (bench/ is not a package)

OPEN = r"""
import sys, time
t = time.perf_counter()
from ledger.store import Store
from profitability.analyze import analyze
from profitability.model import Period
with Store(sys.argv[1], read_only=True) as s:
    s.con.execute("SELECT 1").fetchall()
print(time.perf_counter() - t)
"""


class _TimedConnection:
    """Passes every statement to DuckDB and adds up the seconds spent executing and fetching."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.seconds = 0.0

    def execute(self, *args: Any) -> _TimedCursor:
        started = time.perf_counter()
        cursor = self._con.execute(*args)
        self.seconds += time.perf_counter() - started
        return _TimedCursor(cursor, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class _TimedCursor:
    def __init__(self, cursor: Any, owner: _TimedConnection) -> None:
        self._cursor = cursor
        self._owner = owner

    def _timed(self, fetch: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = fetch()
        self._owner.seconds += time.perf_counter() - started
        return out

    def fetchall(self) -> Any:
        return self._timed(self._cursor.fetchall)

    def fetchone(self) -> Any:
        return self._timed(self._cursor.fetchone)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _least(repeat: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def measure(size: str, repeat: int) -> dict[str, Any]:
    from common.cycles import paused_cycle_collector  # noqa: PLC0415
    from ledger.store import Store  # noqa: PLC0415
    from profitability.analyze import analyze  # noqa: PLC0415
    from profitability.model import CustomerProfit, Period  # noqa: PLC0415

    store = sync_analyze.CACHE / f"bench-{size}.duckdb"
    if not store.exists():  # the sample synced once, as bench/sync_analyze.py leaves it
        sync_analyze.run_size(size, ("sync",), "odbc")
    steps = sync_analyze.run_size(size, ("analyze", "pandas", "scan"), "odbc", repeat)["results"]
    opening = statistics.median(
        float(
            subprocess.run([sys.executable, "-c", OPEN, str(store)], capture_output=True, text=True, check=True).stdout
        )
        for _ in range(repeat)
    )
    period = Period.of(*(dt.date.fromisoformat(d) for d in sync_analyze.YEAR))
    sql, in_process = [], []
    with Store(store, read_only=True) as s:
        kept: list[Any] = []
        for _ in range(repeat):
            kept.clear()  # the run before's analysis freed outside the timing (a fresh process frees none)
            timed = _TimedConnection(s.con)
            started = time.perf_counter()
            kept.append(analyze(timed, period))  # type: ignore[arg-type]
            in_process.append(time.perf_counter() - started)
            sql.append(timed.seconds)
        (analysis,) = kept
    names = [f.name for f in dataclasses.fields(CustomerProfit)]
    values = [tuple(getattr(c, n) for n in names) for c in analysis.customers]
    texts = [str(v) for row in values for v in row if isinstance(v, Decimal)]
    with paused_cycle_collector():  # as analyze makes them
        construct = _least(repeat, lambda: [CustomerProfit(*row) for row in values])
        read = _least(repeat, lambda: [Decimal(t) for t in texts])
    scan_alone = steps["scan"]["seconds"] - opening
    floor = opening + scan_alone + construct + read
    pandas, scan = steps["pandas"]["seconds"], steps["scan"]["seconds"]
    return {
        "size": size,
        "customers": len(values),
        "figures": len(texts),
        "imports_and_open": round(opening, 3),
        "bare_scan_alone": round(scan_alone, 3),
        "records_constructed": round(construct, 3),
        "figures_read_as_decimal": round(read, 3),
        "floor": round(floor, 3),
        "pandas": pandas,
        "scan_step": scan,
        "budget_20x_pandas": round(pandas / 20, 3),
        "budget_3x_scan": round(3 * scan, 3),
        "analyze_step": steps["analyze"]["seconds"],
        "analyze_in_process": round(statistics.median(in_process), 3),
        "analyze_sql": round(statistics.median(sql), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="large", choices=["tiny", "small", "large", "large2x"])
    parser.add_argument("--repeat", type=int, default=3, help="median (steps) or least (parts) of N runs")
    args = parser.parse_args()
    m = measure(args.size, args.repeat)
    print(f"\n{m['size']} sample: {m['customers']:,} customers, {m['figures']:,} Decimal figures in their records")
    rows = [
        ("imports of DuckDB and the method, the store opened", m["imports_and_open"]),
        ("the bare scan of the ledger columns (scan step less the above)", m["bare_scan_alone"]),
        ("the records constructed from ready values", m["records_constructed"]),
        ("their figures read as Decimal from text", m["figures_read_as_decimal"]),
        ("floor: the sum, before any join, aggregate or comparison year", m["floor"]),
        (f"budget ≥ 20× pandas ({m['pandas']:.2f} s ÷ 20)", m["budget_20x_pandas"]),
        (f"budget ≤ 3× the bare scan (3 × {m['scan_step']:.2f} s)", m["budget_3x_scan"]),
        ("analyze now: the benchmark step", m["analyze_step"]),
        ("analyze now: in-process", m["analyze_in_process"]),
        ("analyze now: of that, its SQL (both periods, executed and fetched)", m["analyze_sql"]),
    ]
    for label, seconds in rows:
        print(f"  {label:<72}{seconds:>8.3f} s")
    print(json.dumps(m))


if __name__ == "__main__":
    main()
