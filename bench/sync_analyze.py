"""Time and peak memory of sync and analyze on a sample company.

    python bench/sync_analyze.py --size large            # sqlite3 (the embedded sample's driver)
    python bench/sync_analyze.py --size large --odbc     # pyodbc + the SQLite ODBC driver

Steps: a full sync into a new store, an incremental sync after 1 % of the documents and sales lines
changed (the sample file is changed in place; delete bench/.cache to start afresh), and analyze.

The sample is generated once into bench/.cache and reused. Each step runs in its own process so its
peak resident memory is its own. Figures are printed as a table and as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"

STEP = r"""
import json, resource, sys, time, datetime as dt
from pathlib import Path
step, sample, store, odbc = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t = time.perf_counter()
if step in ("sync", "incremental"):
    import sqlite3
    from connector.gp_sql import GpSqlConnector, odbc_connection, sqlite_connection
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync
    if step == "sync":
        Path(store).unlink(missing_ok=True)
    else:
        # 1 % of the receivables documents and of the sales lines change at the source (GP's update
        # triggers stamp them with a new DEX_ROW_TS); not timed.
        with sqlite3.connect(sample) as con:
            con.execute("UPDATE RM20101 SET CURTRXAM = CURTRXAM WHERE abs(random()) % 100 = 0")
            con.execute("UPDATE RM30101 SET CURTRXAM = CURTRXAM WHERE abs(random()) % 100 = 0")
            con.execute("UPDATE SOP30300 SET QUANTITY = QUANTITY WHERE abs(random()) % 100 = 0")
        t = time.perf_counter()
    factory = odbc_connection(f"DRIVER={{SQLite3}};Database={sample}") if odbc else sqlite_connection(sample)
    with Store(store) as s:
        result = run_sync(GpSqlConnector(factory), load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}}), s)
    rows = result.rows_read
else:
    from ledger.store import Store
    from profitability.analyze import analyze
    from profitability.model import Period
    with Store(store, read_only=True) as s:
        rows = len(analyze(s.con, Period.of(dt.date(2025, 11, 1), dt.date(2026, 10, 31))).customers)
seconds = time.perf_counter() - t
print(json.dumps({"step": step, "seconds": round(seconds, 2), "rows": rows,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", choices=["tiny", "small", "large"])
    parser.add_argument("--odbc", action="store_true", help="read through pyodbc and the SQLite ODBC driver")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    sample = CACHE / f"sample-gp-{args.size}.sqlite"
    if not sample.exists():
        from connector.sample.generate import generate  # noqa: PLC0415

        t = time.perf_counter()
        generate(sample, size=args.size)
        print(f"generated {sample.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = CACHE / f"bench-{args.size}.duckdb"
    results = []
    for step in ("sync", "incremental", "analyze"):
        out = subprocess.run(
            [sys.executable, "-c", STEP, step, str(sample), str(store), "1" if args.odbc else "0"],
            check=True,
            capture_output=True,
            text=True,
            cwd=HERE.parent,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'step':<10}{'seconds':>10}{'rows':>12}{'rows/s':>12}{'peak MB':>10}")
    for r in results:
        rate = r["rows"] / r["seconds"] if r["seconds"] else 0
        print(f"{r['step']:<10}{r['seconds']:>10.2f}{r['rows']:>12,}{rate:>12,.0f}{r['peak_rss_mb']:>10,}")
    print(
        json.dumps(
            {
                "size": args.size,
                "driver": "odbc" if args.odbc else "sqlite3",
                "results": results,
                "self_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
