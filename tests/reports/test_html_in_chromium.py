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


def customer_order(dom: str) -> list[str]:
    table = dom[dom.index('<table id="customers">') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<td class="customer">([^<]+?) <span', table)


def test_report_opens_offline_and_sorts_in_chromium(tmp_path: Path) -> None:
    # The hand-worked case: Beta AB earns +28.14, Alpha GmbH loses −200.27 but sells more (700 against 100).
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    meta = ReportMeta(company="Alpha Test AG", currency="EUR", source="files", generated_at=dt.datetime(2026, 4, 1))
    html = write_html(build_context(analysis, meta), tmp_path / "report.html")

    ranked = dump_dom(html.as_uri(), tmp_path / "profile1")
    assert 'data-ready="1"' in ranked  # the inline script ran with no network
    assert customer_order(ranked) == ["Beta AB", "Alpha GmbH"]  # by net profit

    by_sales = dump_dom(html.as_uri() + "#sort=net_sales", tmp_path / "profile2")
    assert customer_order(by_sales) == ["Alpha GmbH", "Beta AB"]
