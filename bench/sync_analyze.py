"""Speed and peak memory of profitlens on a sample company, beside the references it is judged by.

    python bench/sync_analyze.py --size large               # the benchmark of docs/performance.md
    python bench/sync_analyze.py --size large --size large2x   # memory at 1× and 2× the data
    python bench/sync_analyze.py --size tiny                # the smoke run CI makes (no timing asserted)

Steps, each in a fresh process so its peak resident memory (RSS) is its own, and without pandas (installed here
for the reference alone; profitlens does not use it) except in the pandas step:

| step | what | judged against |
|---|---|---|
| fetch | the connector's own queries through pyodbc + the SQLite ODBC driver, rows fetched and dropped | (the limit for sync) |
| sync | a full sync into a new store, same driver | fetch: rows/s as a share of the raw rate |
| incremental | a sync after 1 % of documents and sales lines changed at the source | sync: seconds as a share |
| analyze | `analyze` for a year | pandas, scan |
| pandas | the same rules in pandas, written as a plain analyst would (bench/pandas_reference.py) | (the alternative) |
| scan | a bare DuckDB scan of every column of the ledger tables analyze reads | (the limit for analyze) |
| pdf | the executive PDF (WeasyPrint), the analysis already made | |
| html | the accountant's HTML report, the analysis already made | |
| chromium | that page opened in headless Chromium: seconds to load; sort, drill-down and filter in ms | |

The sample is generated once into bench/.cache, named by a digest of the generator's source (a
changed generator makes it again; delete it to start afresh: the incremental step changes it).
Figures print as a table and as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
YEAR = ("2025-11-01", "2026-10-31")

STEP = r"""
import datetime as dt, json, resource, sys, time
from pathlib import Path
step, sample, store, driver = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[6]
if step != "pandas":
    # profitlens does not depend on pandas; this environment has it only for the pandas reference. pyarrow
    # imports pandas at its first pa.array() when it can (0.3 s and 40 MB a sync process): each step runs
    # without it, as profitlens does where it is installed on its own.
    class _WithoutPandas:
        def find_spec(self, name, path=None, target=None):
            if name == "pandas" or name.startswith("pandas."):
                raise ModuleNotFoundError(f"No module named {name!r} (hidden by the benchmark)", name=name)
    sys.meta_path.insert(0, _WithoutPandas())
ODBC = f"DRIVER={{SQLite3}};Database={sample}"
START, END = dt.date.fromisoformat(sys.argv[4]), dt.date.fromisoformat(sys.argv[5])
MAPPING = {"customer": {"referred_by": "USERDEF1"}}
extra = {}
seconds = None  # a step that times itself sets this
t = time.perf_counter()
if step == "fetch":
    import pyodbc
    from connector.gp_sql import _bind
    from connector.gp_streams import STREAMS, build_query
    from connector.base import SQL_CHUNK_ROWS
    from connector.gp_values import GP_EMPTY_DATE
    from mappings.engine import load_mapping
    mapping = load_mapping("gp-sql", MAPPING)
    import sqlite3
    con = pyodbc.connect(ODBC) if driver == "odbc" else sqlite3.connect(sample)
    rows = 0
    for name, sm in mapping.streams.items():
        sql, _, _ = build_query(STREAMS[name], sm.columns())
        cursor = con.cursor()
        cursor.arraysize = SQL_CHUNK_ROWS  # as the connector reads
        cursor.execute(sql, _bind([GP_EMPTY_DATE] if STREAMS[name].history_filter else [], con))
        while batch := cursor.fetchmany(SQL_CHUNK_ROWS):
            rows += len(batch)
elif step in ("sync", "incremental"):
    import sqlite3
    from connector.gp_sql import GpSqlConnector, odbc_connection, sqlite_connection
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitlens.sync import run_sync
    if step == "sync":
        for suffix in ("", ".wal"):
            Path(store + suffix).unlink(missing_ok=True)
    else:
        # 1 % of the receivables documents and of the sales lines change at the source; not timed. GP's
        # update triggers stamp a row with the time of its change: here a time in the hour after the latest
        # stamp, as if changes came through the hour and profitlens synced hourly; a repeat then reads its
        # own 1 % and, through the 10-minute overlap, about a sixth of the rows the run before it changed.
        with sqlite3.connect(sample) as con:
            latest = con.execute(
                "SELECT max(ts) FROM (SELECT max(DEX_ROW_TS) ts FROM RM20101 UNION ALL SELECT max(DEX_ROW_TS) "
                "FROM RM30101 UNION ALL SELECT max(DEX_ROW_TS) FROM SOP30300 UNION ALL SELECT max(DEX_ROW_TS) "
                "FROM SOP30200)"
            ).fetchone()[0]
            for table, column in (("RM20101", "CURTRXAM"), ("RM30101", "CURTRXAM"), ("SOP30300", "QUANTITY")):
                con.execute(
                    f"UPDATE {table} SET {column} = {column}, DEX_ROW_TS = strftime('%Y-%m-%d %H:%M:%f', ?, "
                    f"'+' || (1 + abs(random()) % 3600) || ' seconds') WHERE abs(random()) % 100 = 0",
                    [latest],
                )
        t = time.perf_counter()
    with Store(store) as s:
        factory = odbc_connection(ODBC) if driver == "odbc" else sqlite_connection(sample)
        result = run_sync(GpSqlConnector(factory), load_mapping("gp-sql", MAPPING), s)
    rows = result.rows_read
elif step in ("analyze", "pandas", "scan"):
    from ledger.store import Store
    from profitability.analyze import analyze
    from profitability.model import Period
    with Store(store, read_only=True) as s:
        if step == "analyze":
            a = analyze(s.con, Period.of(START, END))
            rows = len(a.customers)
            extra = {"net_sales": str(a.totals["net_sales"]), "open_amount": str(a.totals["open_amount"])}
        elif step == "pandas":
            sys.path.insert(0, "bench")
            from pandas_reference import analyse
            frame = analyse(s.con, START, END)
            rows = int(((frame["net_sales"] != 0) | (frame["open_amount"] != 0)).sum())
            extra = {"net_sales": f"{frame['net_sales'].sum():.2f}", "open_amount": f"{frame['open_amount'].sum():.2f}"}
        else:
            rows = 0
            for table in ("customer", "salesperson", "employee", "document", "document_line", "application",
                          "labour", "activity_event"):
                s.con.execute(f"SELECT max(COLUMNS(*)) FROM {table}").fetchall()
                rows += s.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
elif step == "chromium":  # the html step's page, opened in headless Chromium: load, sort, drill down, filter
    from tests.reports.browser import Browser
    page = Path(store).parent / f"reports-{Path(store).stem}" / "report.html"
    browser = Browser(Path(store).parent / "chromium-profile")
    try:
        t = time.perf_counter()
        browser.open(page.as_uri())
        ready = browser.eval("document.body.getAttribute('data-ready')") == "1"
        seconds = time.perf_counter() - t  # to a page that is loaded and ready
        rows = browser.eval("document.querySelectorAll('tr.customer-row').length")  # rows drawn at first
        timed = "(() => {{const t = performance.now(); {}; return performance.now() - t}})()"
        extra = {
            "ready": ready,
            "sort_ms": round(browser.eval(timed.format("document.querySelector('th[data-key=net_sales]').click()"))),
            "drill_ms": round(browser.eval(timed.format("document.querySelector('tr.customer-row').click()"))),
            "filter_ms": round(browser.eval(timed.format(
                "var f = document.getElementById('filter'); f.value = 'a'; f.dispatchEvent(new Event('input'))"))),
            "console_errors": len(browser.errors),
        }
    finally:
        browser.close()
else:  # pdf, html: the analysis is made first and not timed
    from profitlens.app import AnalysisRun, write_reports
    from profitlens.config import load_config
    from profitability.analyze import analyze
    from profitability.model import Period
    from ledger.store import Store
    config_path = Path(store).with_suffix(".toml")
    config_path.write_text(f'[company]\nname = "Nordlicht Handel GmbH"\ncurrency = "EUR"\n'
                           f'[source]\nkind = "gp-sql"\npath = "{sample}"\n[store]\npath = "{store}"\n',
                           encoding="utf-8")
    config = load_config(config_path)
    with Store(store, read_only=True) as s:
        run = AnalysisRun(analyze(s.con, Period.of(START, END)), None)
    out = Path(store).parent / f"reports-{Path(store).stem}"
    t = time.perf_counter()
    (path,) = write_reports(config, run, out, (step,))
    rows = len(run.analysis.customers)
    extra = {"bytes": path.stat().st_size}
seconds = time.perf_counter() - t if seconds is None else seconds
print(json.dumps({"step": step, "seconds": round(seconds, 2), "rows": rows, **extra,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "pandas_loaded": "pandas" in sys.modules}))
"""

STEPS = ("fetch", "sync", "incremental", "analyze", "pandas", "scan", "pdf", "html", "chromium")


def generator_fingerprint() -> str:
    """A digest of the sample generator's source: a cached sample made by another version is made again."""
    digest = hashlib.sha256()
    for source in sorted((HERE.parent / "connector" / "sample").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def sample_for(size: str) -> Path:
    CACHE.mkdir(exist_ok=True)
    sample = CACHE / f"sample-gp-{size}-{generator_fingerprint()}.sqlite"
    if not sample.exists():
        for stale in CACHE.glob(f"sample-gp-{size}*.sqlite"):  # an older generator's company: not this one
            stale.unlink()
        from connector.sample.generate import generate  # noqa: PLC0415

        started = time.perf_counter()
        generate(sample, size=size)
        print(f"generated {sample.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return sample


def run_size(size: str, steps: tuple[str, ...], driver: str, repeat: int = 1) -> dict[str, Any]:
    sample = sample_for(size)
    store = CACHE / f"bench-{size}.duckdb"
    results: dict[str, dict[str, Any]] = {}
    for step in steps:
        runs = []
        for _ in range(repeat):  # the run with the median time is reported; every time is kept
            done = subprocess.run(
                [sys.executable, "-c", STEP, step, str(sample), str(store), *YEAR, driver],
                check=False,
                capture_output=True,
                text=True,
                cwd=HERE.parent,
            )
            if done.returncode:  # the step's own error, not only "exit status 1"
                raise SystemExit(f"step {step} ({size}) failed:\n{done.stderr[-3000:]}")
            out = done.stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        runs.sort(key=lambda r: r["seconds"])
        results[step] = {**runs[len(runs) // 2], "all_seconds": [r["seconds"] for r in runs]}
    return {"size": size, "driver": driver, "results": results, "ratios": ratios(results)}


def ratios(r: dict[str, dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}

    def rate(step: str) -> float:
        return float(r[step]["rows"]) / r[step]["seconds"] if r[step]["seconds"] else 0.0

    if "fetch" in r and "sync" in r:
        out["sync_share_of_raw_fetch_rate"] = round(rate("sync") / rate("fetch"), 3)
    if "sync" in r and "incremental" in r:
        out["incremental_share_of_full_sync"] = round(r["incremental"]["seconds"] / r["sync"]["seconds"], 3)
    if "analyze" in r and "pandas" in r:
        out["pandas_over_analyze"] = round(r["pandas"]["seconds"] / max(r["analyze"]["seconds"], 0.01), 1)
    if "analyze" in r and "scan" in r:
        out["analyze_over_scan"] = round(r["analyze"]["seconds"] / max(r["scan"]["seconds"], 0.01), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", action="append", choices=["tiny", "small", "large", "large2x"])
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each step N times and report the median (this VM varies ±30 %%)"
    )
    parser.add_argument(
        "--driver",
        choices=["odbc", "sqlite3"],
        default="odbc",
        help="odbc: pyodbc + the SQLite ODBC driver (which holds a whole result set in memory); "
        "sqlite3: Python's own driver, which streams (to see profitlens' own memory)",
    )
    args = parser.parse_args()
    steps = tuple(s for s in args.steps.split(",") if s)
    runs = [run_size(size, steps, args.driver, args.repeat) for size in args.size or ["small"]]
    for run in runs:
        print(f"\n{run['size']} sample, driver {run['driver']}")
        print(f"{'step':<12}{'seconds':>9}{'rows':>12}{'rows/s':>12}{'peak MB':>9}  all runs (s)")
        for r in run["results"].values():
            rate = r["rows"] / r["seconds"] if r["seconds"] else 0
            every = ", ".join(f"{x:.2f}" for x in r["all_seconds"])
            print(f"{r['step']:<12}{r['seconds']:>9.2f}{r['rows']:>12,}{rate:>12,.0f}{r['peak_rss_mb']:>9,}  {every}")
        for name, value in run["ratios"].items():
            print(f"  {name}: {value}")
        checks = run["results"]
        if "analyze" in checks and "pandas" in checks:
            same = all(
                round(float(checks["analyze"][k]), 2) == round(float(checks["pandas"][k]), 2)
                for k in ("net_sales", "open_amount")
            )
            print(f"  pandas and analyze agree on net sales and open receivables: {same}")
    machine = {"python": platform.python_version(), "machine": platform.machine(), "system": platform.system()}
    print(json.dumps({"machine": machine, "runs": runs}))


if __name__ == "__main__":
    main()
