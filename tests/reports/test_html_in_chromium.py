"""The accountant's HTML in real headless Chromium, offline, as an accountant works it: it loads, sorts by every
column, drills down through every entry, fits a 1024 px screen, and never writes a console error."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

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


# C2's thirty time entries of half an hour (0.01 each, so the ranking stays alpha's), one a day from 1
# January, by a second employee: more than one drill-down page (25) holds.
THIRTY_ENTRIES = "".join(
    f"T{100 + i},E2,{dt.date(2026, 1, 1) + dt.timedelta(days=i)},0.5,C2,service,0.01\n" for i in range(30)
)


def report(tmp_path: Path, lang: str = "en") -> Path:
    folder = alpha.write_files(tmp_path / "files")
    # A name that must stay text: if it ran, it would be a console error and a changed title.
    (folder / "customers.csv").write_text(
        "customer_id,name,referred_by\nC1,Alpha GmbH,\nC2,\"<script>document.title='pwned'</script> & Søn AB\",C1\n"
    )
    with (folder / "employees.csv").open("a", encoding="utf-8") as employees:
        employees.write("E2,Kari Nordmann,SERVICE\n")
    with (folder / "labour.csv").open("a", encoding="utf-8") as labour:
        labour.write(THIRTY_ENTRIES)
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
        assert browser.eval(ORDER) == [c2_name, "Alpha GmbH"]  # by net profit: C2 +27.82 (28.12 − 0.30), C1 −131.31

        # Sort by net sales (largest first): Alpha sells 700, the other 100.
        browser.eval("document.querySelector('th[data-key=net_sales]').click()")
        assert browser.eval(ORDER) == ["Alpha GmbH", c2_name]

        # Open Alpha's drill-down: the waterfall and the documents and hours behind the figures.
        browser.eval("document.querySelector('tr.customer-row[data-id=\"|C1\"]').click()")
        drill = browser.eval("document.querySelector('tr.drill').innerText")
        assert "Profit waterfall" in drill
        assert "Net sales" in drill and "€700.00" in drill and "-€131.31" in drill
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
        # German amounts with the currency and German dates (CLDR "medium": INV1 of 10 January 2026).
        assert "700,00\u00a0€" in drill and "-131,31\u00a0€" in drill
        assert "10.01.2026" in drill and "2026-01-10" not in drill
        segments = (
            "Array.from(document.querySelectorAll('#customers tr.customer-row td:last-child')).map(t => t.textContent)"
        )
        assert browser.eval(segments) == ["Klein und profitabel", "Solide Marge, von den Betreuungskosten aufgezehrt"]
        assert browser.errors == []
    finally:
        browser.close()


IDS = "Array.from(document.querySelectorAll('#customers tr.customer-row')).map(r => r.getAttribute('data-id'))"
SORTED = "Array.from(document.querySelectorAll('#customers th[aria-sort]')).map(t => [t.dataset.key, t.getAttribute('aria-sort')])"
# The first click on each heading (alpha's figures, docs in tests/cases/alpha.py; C2 with the thirty 0.01
# entries above): numbers largest first, text and the rank from the top. C1 sells 700.00 against C2's
# 100.00, margin 220.00 (31.4 %) against 40.00 (40.0 %), commissions 40.00/5.00, cost to serve 288.00/6.30,
# waiting 73.31/0.88, net profit −131.31/+27.82 (−18.8 %/+27.8 %), open 868.50/119.00, overdue
# 1,106.50/0.00; risk grade D/A; segments "Sound margin, eaten by the cost to serve"/"Small and profitable"
# ("Sm" before "So").
FIRST_CLICK = {
    "rank": ["|C2", "|C1"],
    "name": ["|C2", "|C1"],  # "<script>…" before "Alpha": punctuation sorts before letters
    "net_sales": ["|C1", "|C2"],
    "gross_margin": ["|C1", "|C2"],
    "gross_margin_pct": ["|C2", "|C1"],
    "commissions": ["|C1", "|C2"],
    "cost_to_serve": ["|C1", "|C2"],
    "waiting_and_risk": ["|C1", "|C2"],
    "net_profit": ["|C2", "|C1"],
    "net_margin_pct": ["|C2", "|C1"],
    "open_amount": ["|C1", "|C2"],
    "overdue_amount": ["|C1", "|C2"],
    "risk_grade": ["|C2", "|C1"],
    "segment": ["|C2", "|C1"],
}


def test_every_column_sorts_both_ways_and_shows_its_direction(tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(report(tmp_path).as_uri())
        assert browser.eval(SORTED) == [["rank", "ascending"]]  # as the page opens: ranked by net profit
        headings = browser.eval("Array.from(document.querySelectorAll('#customers thead th')).map(t => t.dataset.key)")
        assert headings == list(FIRST_CLICK)  # every column sorts, none left out
        for key, order in FIRST_CLICK.items():
            if key == "rank":  # the page opened sorted by it: a click reverses it first
                browser.eval("document.querySelector('th[data-key=rank]').click()")
            browser.eval(f"document.querySelector('th[data-key={key}]').click()")
            direction = "ascending" if key in ("rank", "name", "risk_grade", "segment") else "descending"
            assert (browser.eval(IDS), browser.eval(SORTED)) == (order, [[key, direction]]), key
            browser.eval(f"document.querySelector('th[data-key={key}]').click()")  # again: the other way
            flipped = "descending" if direction == "ascending" else "ascending"
            assert (browser.eval(IDS), browser.eval(SORTED)) == (order[::-1], [[key, flipped]]), key
        assert browser.errors == []
    finally:
        browser.close()


def test_the_reason_shows_under_the_name_and_the_drill_down_pages_through_every_entry(tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(report(tmp_path).as_uri() + "#open=%7CC2")
        reason = "document.querySelector('tr.customer-row[data-id=\"|C1\"] .reason').textContent"
        assert browser.eval(reason) == "returns and support time exceed the margin"
        hours = "document.querySelectorAll('tr.drill table')[1]"
        rows = f"Array.from({hours}.tBodies[0].rows).map(r => Array.from(r.cells).map(c => c.textContent))"
        info = f"{hours}.nextElementSibling.querySelector('.note').textContent.trim()"
        # The latest first: 30 January, 29 January, … on page one; page two holds 5 January … 1 January.
        first = browser.eval(rows)
        assert browser.eval(info) == "1–25 of 30" and len(first) == 25
        assert first[0] == ["Jan 30, 2026", "Kari Nordmann (E2)", "service", "0.5", "€0.01", "labour.csv T129"]
        assert browser.eval(f"{hours}.nextElementSibling.querySelector('.previous').disabled") is True
        browser.eval(f"{hours}.nextElementSibling.querySelector('.next').click()")
        second = browser.eval(rows)
        assert browser.eval(info) == "26–30 of 30"
        assert [r[0] for r in second] == ["Jan 5, 2026", "Jan 4, 2026", "Jan 3, 2026", "Jan 2, 2026", "Jan 1, 2026"]
        assert browser.eval(f"{hours}.nextElementSibling.querySelector('.next').disabled") is True
        # Every entry seen once across the pages; the drill-down stays open while paging.
        assert sorted(r[-1] for r in first + second) == sorted(f"labour.csv T{100 + i}" for i in range(30))
        assert browser.eval("document.querySelectorAll('tr.drill').length") == 1
        assert browser.errors == []
    finally:
        browser.close()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_at_1024_px_the_page_fits_and_the_heading_row_stays_in_sight(tmp_path: Path, lang: str) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1024, height=768, deviceScaleFactor=1, mobile=False)
        browser.open(report(tmp_path, lang).as_uri() + "#open=%7CC2")
        assert browser.eval("document.documentElement.scrollWidth") <= 1024  # nothing past the right edge
        # The filter's hint is read whole: its text is narrower than the box.
        fits = (
            "(() => { const f = document.getElementById('filter'), s = getComputedStyle(f);"
            " const c = document.createElement('canvas').getContext('2d'); c.font = s.font;"
            " return c.measureText(f.placeholder).width < f.clientWidth - parseFloat(s.paddingLeft)"
            " - parseFloat(s.paddingRight); })()"
        )
        assert browser.eval(fits) is True
        # Scrolled down inside the customer table, its heading row is still at the top of the box.
        box = "document.querySelector('.table-wrap')"
        assert browser.eval(f"{box}.scrollHeight > {box}.clientHeight")  # the open drill-down makes it tall
        browser.eval(f"{box}.scrollTop = 300")
        top = browser.eval(f"{box}.getBoundingClientRect().top + {box}.clientTop")
        heading = browser.eval("document.querySelector('#customers thead th').getBoundingClientRect().top")
        assert browser.eval(f"{box}.scrollTop") == 300 and abs(heading - top) < 1
        assert browser.errors == []
    finally:
        browser.close()


def test_gp_sources_and_employees_read_as_an_accountant_knows_them(tmp_path: Path, tiny_sample: Path) -> None:
    # The tiny GP sample: a customer's documents come from RM20101/RM30101 keyed "type|number", its time
    # from PA30101 keyed "timesheet|line sequence"; the employees' names from UPR00100.
    from connector.gp_sql import GpSqlConnector, sqlite_connection

    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(tiny_sample))), load_mapping("gp-sql"), store)
        analysis = analyze(store.con, Period.of(dt.date(2025, 11, 1), dt.date(2026, 10, 31)))
        details = customer_details(store.con, analysis)
        company, busy, name = store.con.execute(
            "SELECT l.company, l.customer_id, any_value(e.name) FROM labour l JOIN employee e USING (company, employee_id)"
            " WHERE l.date BETWEEN '2025-11-01' AND '2026-10-31' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    meta = ReportMeta(company="Tiny", currency="EUR", source="gp", generated_at=dt.datetime(2026, 11, 1))
    _ = gettext_for("en")
    html = write_html(html_extras(build_context(analysis, meta, _), details, drilldown_labels(_)), tmp_path / "r.html")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(html.as_uri() + f"#open={company}%7C{busy}")
        drill = browser.eval("document.querySelector('tr.drill').innerText")
        assert re.search(r"in (open receivables \(RM20101\)|receivables history \(RM30101\))", drill)
        assert re.search(r"timesheet TS\d+, line \d+ \(PA30101\)", drill)
        assert f"{name} (E" in drill and "|" not in drill  # a person, not only an id; no raw keys
        assert browser.errors == []
    finally:
        browser.close()
