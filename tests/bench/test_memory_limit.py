"""The load run: the large sample synced, analysed and reported inside a 1 GiB kernel memory limit.

Slow (about 3 minutes, plus generating the sample once) and needs root for the cgroup, so it runs only
when asked: `pytest -m soak`. Figures and the last run are in docs/reliability.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.soak
def test_the_large_job_fits_in_one_gibibyte() -> None:
    run = subprocess.run(
        [sys.executable, "bench/memory_limit.py", "--size", "large", "--limit-mib", "1024"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if run.returncode == 2:
        pytest.skip(run.stdout.strip())
    assert run.returncode == 0, run.stdout + run.stderr
    assert "peak memory of the job inside the cgroup" in run.stdout
