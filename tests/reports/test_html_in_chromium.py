"""The accountant's HTML opened in real headless Chromium, offline: it loads, its script runs and sorts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

from reports.context import ReportMeta, build_context
from reports.render import write_html
from tests.cases import alpha
from tests.reports.test_report import analysis_of

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


def dump_dom(url: str, profile: Path) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Chromium is needed for this test (Debian: chromium)"
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_report_opens_offline_and_sorts_in_chromium(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    # A second customer with more sales but less profit, so the two orders differ.
    (folder / "customers.csv").write_text("customer_id,name\nC1,Alpha GmbH\nC2,Beta AB\n")
    with open(folder / "documents.csv", "a") as f:
        f.write("INV9,C2,invoice,2026-03-15,2380.00,2026-04-14,2380.00,2000.00,1990.00,0,380.00,0,0\n")
    analysis = analysis_of(folder, tmp_path)
    meta = ReportMeta(company="Alpha Test AG", currency="EUR", source="files", generated_at=dt.datetime(2026, 4, 1))
    html = write_html(build_context(analysis, meta), tmp_path / "report.html")

    ranked = dump_dom(html.as_uri(), tmp_path / "profile1")
    assert 'data-ready="1"' in ranked  # the inline script ran with no network
    order = re.findall(r'<td class="customer">([^<]+?) <span', ranked)
    assert order == ["Beta AB", "Alpha GmbH"]  # by net profit: Beta +10, Alpha −60

    by_sales = dump_dom(html.as_uri() + "#sort=labour_cost", tmp_path / "profile2")
    assert re.findall(r'<td class="customer">([^<]+?) <span', by_sales) == ["Alpha GmbH", "Beta AB"]
