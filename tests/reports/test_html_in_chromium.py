"""The accountant's HTML in real headless Chromium, offline: it loads, sorts, drills down, with no console errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync
from reports.context import ReportMeta, build_context, drilldown_labels
from reports.details import customer_details, html_extras
from reports.i18n import gettext_for
from reports.render import write_html
from tests.cases import alpha
from tests.reports.browser import Browser

ORDER = "Array.from(document.querySelectorAll('#customers tr.customer-row td.customer')).map(t => t.firstChild.textContent.trim())"


def report(tmp_path: Path, lang: str = "en") -> Path:
    folder = alpha.write_files(tmp_path / "files")
    # A name that must stay text: if it ran, it would be a console error and a changed title.
    (folder / "customers.csv").write_text(
        "customer_id,name,referred_by\nC1,Alpha GmbH,\nC2,\"<script>document.title='pwned'</script> & Søn AB\",C1\n"
    )
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        analysis = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
        details = customer_details(store.con, analysis)
    _ = gettext_for(lang)
    meta = ReportMeta(
        company="Alpha Test AG", currency="EUR", source="files", generated_at=dt.datetime(2026, 4, 1), locale=lang
    )
    context = html_extras(build_context(analysis, meta, _), details, drilldown_labels(_))
    return write_html(context, tmp_path / "report.html", lang)


def test_sort_and_drill_down_with_no_console_errors(tmp_path: Path) -> None:
    html = report(tmp_path)
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(html.as_uri())
        assert browser.eval("document.body.getAttribute('data-ready')") == "1"  # the script ran, offline
        assert browser.eval("document.title").startswith("Customer profitability")
        c2_name = "<script>document.title='pwned'</script> & Søn AB"
        assert browser.eval(ORDER) == [c2_name, "Alpha GmbH"]  # by net profit: +28.12, −131.31

        # Sort by net sales (largest first): Alpha sells 700, the other 100.
        browser.eval("document.querySelector('th[data-key=net_sales]').click()")
        assert browser.eval(ORDER) == ["Alpha GmbH", c2_name]

        # Open Alpha's drill-down: the waterfall and the documents and hours behind the figures.
        browser.eval("document.querySelector('tr.customer-row[data-id=\"|C1\"]').click()")
        drill = browser.eval("document.querySelector('tr.drill').innerText")
        assert "Profit waterfall" in drill
        assert "Net sales" in drill and "700.00" in drill and "-131.31" in drill
        assert "INV1" in drill and "Invoice" in drill and "documents.csv" in drill
        assert "Time entries in the period" in drill and "150.00" in drill
        browser.eval("document.querySelector('tr.customer-row[data-id=\"|C1\"]').click()")  # closes again
        assert browser.eval("document.querySelectorAll('tr.drill').length") == 0

        # Filter by name: only the matching customer stays; the count says so.
        browser.eval("var f = document.getElementById('filter'); f.value = 'alpha';f.dispatchEvent(new Event('input'))")
        assert browser.eval(ORDER) == ["Alpha GmbH"]
        assert browser.eval("document.getElementById('shown').textContent") == "Showing 1 of 1 customers"
        assert browser.errors == []
    finally:
        browser.close()


def test_the_drill_down_speaks_the_reports_language(tmp_path: Path) -> None:
    html = report(tmp_path, "de")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(html.as_uri() + "#open=%7CC1")
        drill = browser.eval("document.querySelector('tr.drill').innerText")
        assert "Ergebniswasserfall" in drill and "Rechnung" in drill
        assert "700,00" in drill  # German number format from the page's lang
        assert browser.errors == []
    finally:
        browser.close()
