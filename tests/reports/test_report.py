"""Reports: real WeasyPrint PDFs read back with pdftotext; HTML autoescaped; CSV cells neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.sync import run_sync
from reports.context import ReportMeta, build_context, statement_context
from reports.i18n import gettext_for
from reports.outputs import CUSTOMER_COLUMNS, customers_csv, safe_cell
from reports.render import render, render_html, write_html, write_pdf
from tests.cases import alpha
from tests.conftest import pdf_text

EVIL_NAME = "<script>alert(1)</script> & Søn AB"


def analysis_of(folder: Path, tmp_path: Path) -> Analysis:
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        return analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())


def meta() -> ReportMeta:
    return ReportMeta(
        company="Alpha Test AG",
        currency="EUR",
        source="files",
        generated_at=dt.datetime(2026, 4, 1, 8, 0),
        sync={"rows_read": 19, "rows_quarantined": 2},
    )


@pytest.fixture
def evil_analysis(tmp_path: Path) -> Analysis:
    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text(
        f'customer_id,name\nC1,"{EVIL_NAME.replace(chr(34), chr(34) * 2)}"\nC2,=HYPERLINK("http://x")\n',
        encoding="utf-8",
    )
    return analysis_of(folder, tmp_path)


def test_pdf_shows_the_ranking_figures_and_data_quality(tmp_path: Path) -> None:
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    path = write_pdf(build_context(analysis, meta()), tmp_path / "report.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    assert "Most profitable customers" in text and "Least profitable customers" not in text  # only 2 customers
    assert "Alpha GmbH" in text
    assert "-€131" in text  # C1's net profit in the hand-worked case (−131.31)
    assert "€800" in text  # net sales: 700 (C1) + 100 (C2)
    assert "Reconciled" in text
    assert "19 source rows read, 2 rows quarantined" in text
    assert "Page 1 of" in text


def test_html_escapes_names_from_the_erp(evil_analysis: Analysis) -> None:
    html = render_html(build_context(evil_analysis, meta()))
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(" in html


def test_html_is_self_contained(evil_analysis: Analysis, tmp_path: Path) -> None:
    import re

    html = write_html(build_context(evil_analysis, meta()), tmp_path / "r.html").read_text()
    # Nothing is fetched when the file opens: no links, sources, imports or url() references.
    # (References inside the inline SVG charts, url(#id) and href="#id", stay within the file.)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)
    assert not re.search(r"\b(src|href)\s*=\s*\"(?!#)", html)


def test_csv_cells_cannot_run_as_formulas(evil_analysis: Analysis) -> None:
    rows = list(csv.DictReader(io.StringIO(customers_csv(evil_analysis))))
    names = {r["customer_id"]: r["name"] for r in rows}
    assert names["C1"] == EVIL_NAME
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("-2") == "'-2" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("Alpha") == "Alpha"


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_no_csv_cell_starts_a_formula_whatever_separator_excel_splits_at(tmp_path: Path, separator: str) -> None:
    # Issue 20 (12): Excel in de/es/nb/sv/fi opens a .csv with ";" as its list separator; a name holding
    # ";=cmd…" then began a cell with a formula. Every cell Excel could make must start harmlessly.
    folder = alpha.write_files(tmp_path / "files")
    names = ["ACME;=cmd|' /C calc'!A0;", "Beta\t@SUM(A1)", 'Gamma,"+1+1"']
    rows = "".join(f'C{i},"{n.replace(chr(34), chr(34) * 2)}"\n' for i, n in enumerate(names, start=1))
    (folder / "customers.csv").write_text("customer_id,name\n" + rows, encoding="utf-8")
    text = customers_csv(analysis_of(folder, tmp_path))
    cells = [c.strip().lstrip('"') for row in csv.reader(io.StringIO(text), delimiter=separator) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@")) or (c.startswith("-") and not _number(c))]
    by_id = {r["customer_id"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
    assert by_id["C1"] == "ACME;'=cmd|' /C calc'!A0;"  # the text kept, the formula start neutralised


def _number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def test_customers_csv_keeps_its_promised_columns(tmp_path: Path) -> None:
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    header = customers_csv(analysis).splitlines()[0].split(",")
    assert header[:10] == [
        "customer_id",
        "name",
        "net_sales",
        "cost_of_goods",
        "gross_margin",
        "commissions",
        "labour_cost",
        "net_profit",
        "open_amount",
        "overdue_amount",
    ]
    assert header[: len(CUSTOMER_COLUMNS)] == list(CUSTOMER_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(customers_csv(analysis))))
    c2, c1 = rows  # ranked by net profit
    assert (c1["net_sales"], c1["net_profit"], c1["open_amount"]) == ("700.00", "-131.31", "868.50")
    assert (c1["financing_cost"], c1["expected_credit_loss"], c1["activity_cost"]) == ("20.36", "55.33", "48.00")
    assert (c1["rank"], c1["segment"], c1["risk_grade"], c1["dso"], c1["avg_days_to_pay"]) == (
        "2",
        "fix_cost_to_serve",
        "D",
        "62.6",
        "22.0",
    )
    assert (c2["customer_id"], c2["referral_value"], c1["referral_value"]) == ("C2", "0.00", "4.00")


def test_statement_is_one_page_with_the_customers_waterfall(tmp_path: Path) -> None:
    from reports.context import statement_context
    from reports.i18n import gettext_for

    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text(
        "customer_id,name,referred_by\nC1,<script>alert(1)</script> & Søn AB,\nC2,Beta AB,C1\n", encoding="utf-8"
    )
    analysis = analysis_of(folder, tmp_path)
    c1 = next(c for c in analysis.customers if c.customer_id == "C1")
    _ = gettext_for("sv")
    m = ReportMeta(
        company="Alpha Test AG", currency="SEK", source="files", generated_at=dt.datetime(2026, 4, 1), locale="sv"
    )
    page = statement_context(build_context(analysis, m, _), analysis, c1, m, _)
    path = write_pdf(page, tmp_path / "statement.pdf", "sv", template="statement.html")
    text = pdf_text(path).replace("\u00a0", " ")
    assert "<script>alert(1)</script> & Søn AB" in text  # the ERP's name is text, not markup
    assert "Resultatbrygga" in text and "Nettoomsättning" in text
    assert (
        "700,00 kr" in text and "\u2212131,31 kr" in text
    )  # Swedish formats (CLDR minus U+2212); the hand-worked net profit
    assert "Plats 2 av 2" in text
    assert "Sida 1 av 1" in text


def test_the_executive_pdf_shows_a_name_with_markup_as_text(evil_analysis: Analysis, tmp_path: Path) -> None:
    text = pdf_text(write_pdf(build_context(evil_analysis, meta()), tmp_path / "r.pdf"))
    assert EVIL_NAME in text


def test_a_planted_symlink_in_the_output_folder_is_never_followed(tmp_path: Path) -> None:
    # Issue 20 (13): `.summary.json.part` planted as a symlink made the write overwrite a file elsewhere.
    from reports.render import write_private_file

    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    for name in (".summary.json.part", ".summary.json.tmp"):
        (out / name).symlink_to(victim)
    write_private_file(out / "summary.json", b'{"ok": true}\n')
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (out / "summary.json").read_bytes() == b'{"ok": true}\n'
    assert oct((out / "summary.json").stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in out.iterdir()) == [".summary.json.part", ".summary.json.tmp", "summary.json"]


BREAKOUT_NAME = "</script><script>document.title='pwned'</script><!--"


def test_a_name_cannot_close_the_html_reports_data_block(tmp_path: Path) -> None:
    # The accountant's HTML carries every customer as JSON inside <script type="application/json">. The
    # browser ends that block at the first "</script" whatever JSON thinks: a name with one would close it
    # and run what follows. Escaping only & or " passes an escaping test that looks for "&lt;": here the
    # blocks are cut out as a browser would and must each parse back to the name as the ERP gave it.
    import json
    import re

    from reports.context import drilldown_labels
    from reports.details import html_extras
    from reports.i18n import gettext_for

    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text(
        f'customer_id,name\nC1,"{BREAKOUT_NAME.replace(chr(34), chr(34) * 2)}"\nC2,Beta AB\n', encoding="utf-8"
    )
    analysis = analysis_of(folder, tmp_path)
    _ = gettext_for("en")
    context = html_extras(build_context(analysis, meta()), None, drilldown_labels(_))
    html = write_html(context, tmp_path / "r.html").read_text(encoding="utf-8")
    blocks = dict(re.findall(r'<script type="application/json" id="(\w+)">(.*?)</script>', html, flags=re.S))
    rows = json.loads(blocks["rows"])
    name = rows["columns"].index("name")
    assert BREAKOUT_NAME in [row[name] for row in rows["rows"]]
    # One closing tag per script element of the template, none from the data.
    assert html.count("</script>") == html.count("<script")
    assert "document.title='pwned'</script>" not in html


def test_script_json_escapes_what_html_could_read_and_keeps_names_readable() -> None:
    # OWASP's rule for JSON inside HTML: <, > and & as \u escapes (then neither "</script", "<!--" nor
    # an entity can appear); names stay UTF-8 as they are (ensure_ascii would triple the size of a Nordic
    # or German name list).
    from reports.details import script_json

    assert str(script_json("</script><!-- & Søn -->")) == '"\\u003c/script\\u003e\\u003c!-- \\u0026 Søn --\\u003e"'
    assert str(script_json({"a": [1, "Ø"]})) == '{"a":[1,"Ø"]}'


def test_a_formula_after_any_separator_excel_may_split_at_is_neutralised() -> None:
    # Excel opens a CSV split at "," (English), ";" (de, es, nb, sv, fi) or a tab, and trims the spaces
    # and quotes before a cell's first character: a formula start after any of them would begin a cell.
    assert safe_cell("x,=1+1") == "x,'=1+1"
    assert safe_cell("x; =1") == "x; '=1"
    assert safe_cell("x,\t-2") == "x,\t'-2"
    assert safe_cell('x;"@SUM(A1)') == "x;\"'@SUM(A1)"
    assert safe_cell("a\t+1") == "a\t'+1"
    assert safe_cell("\r=1") == "'\r=1" and safe_cell("\t=1") == "'\t'=1"
    assert safe_cell("x, 1-2") == "x, 1-2"  # a minus inside a number's text starts nothing
    # Every character a spreadsheet starts a formula with, at the start of a cell (OWASP's list).
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1") == f"'{start}1", repr(start)


def test_the_ageing_table_totals_every_bucket_the_current_one_included(tmp_path: Path) -> None:
    # Alpha as of 31 March: C2's INV5 119.00 current, C1's INV1 630.50 (31-60) and INV3 476.00 (61-90):
    # total 1,225.50, shown whole as €1,226 (without the current bucket it would read €1,107); shares of it
    # 9.7 %, 51.4 %, 38.8 %.
    # Less RTN1's 238.00 unapplied: open receivables 987.50, shown €988 — €1,226 − €238 = €988 with a pen.
    context = build_context(analysis_of(alpha.write_files(tmp_path / "files"), tmp_path), meta())
    assert context["ageing_total"] == "€1,226"
    assert (context["unapplied_gap"], context["open_receivables"]) == ("-€238", "€988")
    assert [(row["amount"], row["share"]) for row in context["ageing"]] == [
        ("€119", "9.7%"),
        ("€0", "0.0%"),
        ("€631", "51.4%"),
        ("€476", "38.8%"),
        ("€0", "0.0%"),
        ("€0", "0.0%"),
    ]


def test_the_reason_writes_the_margin_as_the_locale_does_not_truncated(tmp_path: Path) -> None:
    # Alpha's C2: gross margin 40.00 on 100.00 of net sales = 40.0 %; German writes it "40,0 %".
    import dataclasses

    from reports.i18n import gettext_for

    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    english = {r["customer_id"]: r["reason"] for r in build_context(analysis, meta())["customers"]}
    german_meta = dataclasses.replace(meta(), locale="de")
    german = {
        r["customer_id"]: r["reason"] for r in build_context(analysis, german_meta, gettext_for("de"))["customers"]
    }
    assert english["C2"].startswith("healthy margin (40.0%)")
    assert german["C2"].startswith("gesunde Marge (40,0\u00a0%)")


def test_changes_carry_their_sign_and_dates_read_as_the_locale_writes_them(tmp_path: Path) -> None:
    # Alpha against its previous period: net sales 400.00 → 800.00 (+100.0 %), net profit 70.0016 →
    # −103.1889 (−247.4 %: a fall, whatever the signs). Generated 1 April 2026 08:00 UTC.
    import dataclasses

    from reports.i18n import gettext_for

    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    context = build_context(analysis, meta())
    changes = {tile["label"]: tile["change"] for tile in context["headline"]}
    assert changes["Net sales"] == "+100.0%" and changes["Net profit"] == "-247.4%"
    assert context["generated_at"] == "Apr 1, 2026 08:00 UTC"
    german = build_context(analysis, dataclasses.replace(meta(), locale="de"), gettext_for("de"))
    assert german["generated_at"] == "01.04.2026 08:00 UTC"
    assert german["headline"][0]["change"] == "+100,0\u00a0%"


def test_a_statement_reconciles_its_open_balance_on_its_own_page(tmp_path: Path) -> None:
    # Alpha's C1 as of 31 March: open invoices INV1 630.50 (31-60) + INV3 476.00 (61-90) = 1,106.50, less
    # RTN1's 238.00 not yet applied = 868.50, the open receivables the page states above.
    from reports.context import statement_context
    from reports.i18n import gettext_for

    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    context = build_context(analysis, meta())
    c1 = next(c for c in analysis.customers if c.customer_id == "C1")
    page = statement_context(context, analysis, c1, meta(), gettext_for("en"))
    path = write_pdf(page, tmp_path / "statement.pdf", template="statement.html")
    text = pdf_text(path)
    assert re.search(r"Open invoices\s+€1,106\.50", text)
    assert re.search(r"Unapplied credits and payments\s+-€238\.00", text)
    assert re.search(r"Open receivables\s+€868\.50", text)


def test_the_referral_credit_says_what_it_is(tmp_path: Path) -> None:
    # Alpha's C2 was referred by C1: C2's gross margin 40.00, C1's credit 10 % of it = 4.00.
    from reports.context import statement_context
    from reports.i18n import gettext_for

    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    context = build_context(analysis, meta())
    assert (context["referral_value"], context["referral_share"], context["referred_margin"]) == ("€4", "10%", "€40")
    c1 = next(c for c in analysis.customers if c.customer_id == "C1")
    page = statement_context(context, analysis, c1, meta(), gettext_for("en"))
    text = " ".join(pdf_text(write_pdf(page, tmp_path / "s.pdf", template="statement.html")).split())
    assert "Referral credit €4.00: 10% of the €40.00 gross margin of the customers this one referred" in text


def test_an_amount_in_a_sentence_does_not_break_from_its_minus_sign(tmp_path: Path) -> None:
    # "… lose money, -€131 together.": the amount is one unbreakable piece in the HTML and the PDF.
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    html = render_html(build_context(analysis, meta()))
    assert '<span class="nobr">-€131</span> together' in html


def test_the_statement_draws_its_waterfall_and_the_summary_its_segments(tmp_path: Path) -> None:
    # Alpha: C1's waterfall as a chart beside its table (one page), and the executive PDF's segment page
    # with a bar per segment, labelled with its name and its number of customers, the loss in red.
    analysis = analysis_of(alpha.write_files(tmp_path / "files"), tmp_path)
    c1 = next(c for c in analysis.customers if c.customer_id == "C1")
    _ = gettext_for("en")
    context = build_context(analysis, meta(), _)
    page = render("statement.html", statement_context(context, analysis, c1, meta(), _))
    assert page.count("<svg") == 1 and "Gross margin" in page[page.index("<svg") :]
    summary = render("executive.html", context)
    assert summary.count("<svg") == 4  # profit bridge, whale curve, segments, ageing
    segments = str(context["segments_svg"])
    labels = sorted(f"{s['label']} ({s['customers']})" for s in context["segments"])
    assert labels == ["Small and profitable (1)", "Sound margin, eaten by the cost to serve (1)"]
    assert all(label in segments for label in labels)
    assert "#b3261e" in segments  # C1's segment loses money: its bar is red
