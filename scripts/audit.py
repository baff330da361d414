"""Audit the locked dependencies (constraints.txt) for known vulnerabilities with pip-audit.

Fails (exit 1) when any locked package has a known vulnerability. Where no vulnerability
database can be reached (an offline build machine), it says so plainly and exits 0: an audit that
could not run is reported, never counted as passed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    run = subprocess.run(  # noqa: S603 - our own interpreter and a fixed argument list
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(ROOT / "constraints.txt"),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,  # pip-audit exits 1 on findings; the JSON says which
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        first = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"dependency audit NOT RUN: pip-audit could not reach a vulnerability database ({first[:160]})")
        return 0
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']} {dep['version']}: {ids}")
    if not audited:
        print(f"dependency audit NOT RUN: none of the {len(deps)} locked packages could be looked up (offline?)")
        return 0
    print(f"dependency audit: {len(audited)} of {len(deps)} locked packages checked, {len(vulnerable)} vulnerable")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
