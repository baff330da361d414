"""The benchmark's smoke run: every step runs on the tiny sample and the references agree.

No timing is asserted (speed is measured by `python bench/sync_analyze.py --size large`, see
docs/performance.md); this keeps the benchmark itself from rotting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_step_runs_and_pandas_agrees_with_analyze() -> None:
    run = subprocess.run(
        [sys.executable, "bench/sync_analyze.py", "--size", "tiny"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1])
    (tiny,) = report["runs"]
    results = tiny["results"]
    assert list(results) == ["fetch", "sync", "incremental", "analyze", "pandas", "scan", "pdf", "html", "chromium"]
    assert results["sync"]["rows"] == results["fetch"]["rows"] > 0  # sync read what the raw fetch read
    # pandas prints its float sums to the cent; analyze its exact Decimals: they agree to the cent.
    for total in ("net_sales", "open_amount"):
        exact = Decimal(results["analyze"][total]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert exact == Decimal(results["pandas"][total]), total
        assert exact > 0, total
    assert results["pdf"]["bytes"] > 1000 and results["html"]["bytes"] > 1000
    assert results["chromium"]["ready"] and results["chromium"]["console_errors"] == 0
    # profitlens' steps run as where it is installed on its own: pandas (the reference's) is not loaded.
    assert [step for step, r in results.items() if r["pandas_loaded"]] == ["pandas"]
    assert set(tiny["ratios"]) == {
        "sync_share_of_raw_fetch_rate",
        "incremental_share_of_full_sync",
        "pandas_over_analyze",
        "analyze_over_scan",
    }
    assert "pandas and analyze agree on net sales and open receivables: True" in run.stdout
