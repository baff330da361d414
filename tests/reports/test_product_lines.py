"""The product lines as the reports show them: the GP company of tests/connector/test_gp_items.py (worked there).

SERVICES 300 (margin 200, 66.7 %), HARDWARE 200 (80, 40.0 %, 100 returned, K1 and K2), KITS 150 (60, 40.0 %).
Best line by gross margin: Services, 200; weakest by margin share: HARDWARE and KITS tie at 40 %, the
first by class code — Hardware. In the accountant's HTML the table sorts by each money column in Chromium.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from connector.gp_sql import GpSqlConnector, sqlite_connection
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitlens.sync import run_sync
from reports.context import ReportMeta, build_context, drilldown_labels
from reports.details import customer_details, html_extras
from reports.i18n import gettext_for
from reports.render import write_html, write_pdf
from tests.connector.test_gp_items import MARCH, gp_database
from tests.reports.browser import Browser

LINES = "Array.from(document.querySelectorAll('#product-lines > tbody > tr')).map(r => r.cells[0].firstChild.textContent.trim())"


def context(tmp_path: Path, lang: str = "en") -> dict[str, object]:
    db = gp_database(tmp_path / "gp.sqlite")
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        analysis = analyze(store.con, MARCH)
        details = customer_details(store.con, analysis)
    meta = ReportMeta(
        company="Kappa AG", currency="EUR", source="gp", generated_at=dt.datetime(2026, 4, 1), locale=lang
    )
    _ = gettext_for(lang)
    return html_extras(build_context(analysis, meta, _), details, drilldown_labels(_))


def test_the_lines_their_figures_and_the_best_and_weakest(tmp_path: Path) -> None:
    lines = context(tmp_path)["product_lines"]
    rows = [
        (r["name"], r["net_sales"], r["gross_margin"], r["share"], r["returns"], r["customers"], r["buyers"])
        for r in lines["rows"]
    ]  # type: ignore[index]
    assert rows == [
        ("Services", "€300", "€200", "66.7%", "", "1", "Kappa One"),
        ("Hardware", "€200", "€80", "40.0%", "€100", "2", "Kappa One, Kappa Two"),
        ("Kits and bundles", "€150", "€60", "40.0%", "", "1", "Kappa One"),
    ]
    assert lines["summary"] == (  # type: ignore[index]
        "Best product line: Services, €200 of gross margin (66.7% of its sales). Weakest: Hardware, 40.0%."
    )


def test_the_executive_pdf_names_them_in_german(tmp_path: Path) -> None:
    pdf = write_pdf(context(tmp_path, "de"), tmp_path / "report.pdf", "de")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Produktlinien" in text
    assert (
        "Beste Produktlinie: Services, 200 € Rohertrag (66,7 % ihres Umsatzes). Schwächste: Hardware, 40,0 %."
        in " ".join(text.split())
    )


def test_the_accountants_html_sorts_the_lines_in_chromium(tmp_path: Path) -> None:
    html = write_html(context(tmp_path), tmp_path / "report.html", "en")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(html.as_uri())
        assert browser.eval("document.body.getAttribute('data-ready')") == "1"
        assert browser.eval(LINES) == ["Services", "Hardware", "Kits and bundles"]
        browser.eval("document.querySelector('#product-lines > thead th[data-key=customers]').click()")  # most first
        assert browser.eval(LINES)[0] == "Hardware"
        browser.eval("document.querySelector('#product-lines > thead th[data-key=net_sales]').click()")
        browser.eval(
            "document.querySelector('#product-lines > thead th[data-key=net_sales]').click()"
        )  # smallest first
        assert browser.eval(LINES) == ["Kits and bundles", "Hardware", "Services"]
        # The drill-down: Hardware's customers, most net sales first (K1 200, K2 0 after its return).
        browser.eval(
            "Array.from(document.querySelectorAll('#product-lines > tbody > tr'))"
            ".find(r => r.cells[0].textContent.startsWith('Hardware')).querySelector('summary').click()"
        )
        buyers = browser.eval(
            "Array.from(document.querySelectorAll('#product-lines details[open] table.buyers tbody tr'))"
            ".map(r => r.innerText.replace(/\\s+/g, ' ').trim())"
        )
        assert buyers == ["Kappa One K1 €200 €80", "Kappa Two K2 €0 €0"]
        assert browser.errors == []
    finally:
        browser.close()
