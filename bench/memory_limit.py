"""Sync and analyse the `large` sample company inside a 1 GiB memory cgroup (Linux, root).

    python bench/memory_limit.py [--size large] [--limit-mib 1024]

The limit is a real kernel limit (cgroup v1 `memory.limit_in_bytes`, or v2 `memory.max`), with swap
counted too where the kernel allows it: a job that needs more is killed by the kernel, not asked
nicely. Prints each step's result and the cgroup's peak usage. Exits 2 where cgroups cannot be
created (not root, or a read-only /sys/fs/cgroup), 1 when a step fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sync_analyze import generator_fingerprint  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parents[1]
V1 = Path("/sys/fs/cgroup/memory")
V2 = Path("/sys/fs/cgroup")


def make_cgroup(limit: int) -> tuple[Path, str]:
    name = f"profitlens-bench-{os.getpid()}"
    if (V1 / "memory.limit_in_bytes").exists():
        group = V1 / name
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(limit), encoding="ascii")
        swap = group / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(limit), encoding="ascii")
        return group, "memory.max_usage_in_bytes"
    if (V2 / "cgroup.controllers").exists() and "memory" in (V2 / "cgroup.controllers").read_text(encoding="ascii"):
        group = V2 / name
        group.mkdir()
        (group / "memory.max").write_text(str(limit), encoding="ascii")
        (group / "memory.swap.max").write_text("0", encoding="ascii")
        return group, "memory.peak"
    raise PermissionError("no memory cgroup controller")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--limit-mib", type=int, default=1024)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "profitlens-bench"))
    args = parser.parse_args()
    try:
        group, peak_file = make_cgroup(args.limit_mib * 1024 * 1024)
    except (OSError, PermissionError) as exc:
        print(f"cannot create a memory cgroup here ({exc}); run as root on Linux")
        return 2
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"sample-gp-{args.size}-{generator_fingerprint()}.sqlite"  # remade when the generator changes
    if not db.exists():
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from connector.sample.generate import generate; generate({str(db)!r}, size={args.size!r})",
            ],
            cwd=ROOT,
            check=True,
        )
    work = Path(tempfile.mkdtemp(prefix="profitlens-memory-"))
    config = work / "p.toml"
    config.write_text(
        f'[company]\nname = "Nordlicht"\ncurrency = "EUR"\n[source]\nkind = "gp-sql"\npath = "{db}"\n'
        f'[store]\npath = "{work / "ledger.duckdb"}"\n',
        encoding="utf-8",
    )

    def in_group() -> None:
        (group / "cgroup.procs").write_text(str(os.getpid()), encoding="ascii")

    steps = [
        ("sync (full)", ["sync", "--config", str(config)]),
        (
            "analyze (a year)",
            [
                "analyze",
                "--config",
                str(config),
                "--from",
                "2025-11-01",
                "--to",
                "2026-10-31",
                "--out",
                str(work / "results"),
            ],
        ),
        (
            "report (PDF)",
            [
                "report",
                "--config",
                str(config),
                "--from",
                "2025-11-01",
                "--to",
                "2026-10-31",
                "--out",
                str(work / "reports"),
                "--format",
                "pdf",
            ],
        ),
    ]
    failed = False
    print(f"memory limit: {args.limit_mib} MiB (kernel cgroup {group}), sample: {args.size}")
    for label, command in steps:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "profitlens.cli", *command],
            cwd=ROOT,
            preexec_fn=in_group,
            capture_output=True,
            text=True,
            check=False,  # a failed step is reported below
        )
        seconds = time.perf_counter() - started
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        print(f"{label:18} {status:>20} {seconds:8.1f} s")
        if run.returncode != 0:
            failed = True
            print(run.stderr[-2000:])
            break
    peak = int((group / peak_file).read_text(encoding="ascii"))
    print(f"peak memory of the job inside the cgroup: {peak / 2**20:,.0f} MiB of {args.limit_mib:,} MiB")
    group.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
