"""The floor script's smoke run on the tiny sample: it runs and its parts add up (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_is_the_sum_of_its_measured_parts() -> None:
    run = subprocess.run(
        [sys.executable, "bench/analyze_floor.py", "--size", "tiny", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    m = json.loads(run.stdout.strip().splitlines()[-1])
    assert m["customers"] > 0 and m["figures"] > m["customers"]  # every customer has Decimal figures
    parts = ("imports_and_open", "bare_scan_alone", "records_constructed", "figures_read_as_decimal")
    assert abs(m["floor"] - sum(m[p] for p in parts)) < 0.005
    assert m["budget_20x_pandas"] == round(m["pandas"] / 20, 3)
    assert m["budget_3x_scan"] == round(3 * m["scan_step"], 3)
    assert 0 < m["analyze_sql"] <= m["analyze_in_process"]  # the SQL is timed inside the analysis
    assert "floor: the sum" in run.stdout
