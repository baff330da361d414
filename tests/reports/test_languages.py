"""Every report in all six languages: translated headings, locale-formatted figures, complete catalogs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from connector.gp_sql import GpSqlConnector, sqlite_connection
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.sync import run_sync
from reports.context import ReportMeta, build_context
from reports.formatting import Formatter
from reports.i18n import LANGUAGES, gettext_for, language
from reports.messages import extract, problems
from reports.render import render, write_pdf
from tests.conftest import pdf_text

# Headings a reader must find in the executive PDF, per language.
HEADINGS = {
    "en": ("Headline figures", "Whale curve", "Most profitable customers", "Overdue risk", "Method and data"),
    "de": (
        "Die wichtigsten Zahlen",
        "Walkurve",
        "Die profitabelsten Kunden",
        "Überfälligkeitsrisiko",
        "Methode und Daten",
    ),
    "es": ("Cifras principales", "Curva de la ballena", "Clientes más rentables", "Riesgo de impago", "Método y datos"),
    "nb": ("Nøkkeltall", "Hvalkurve", "Mest lønnsomme kunder", "Risiko ved forfalte fordringer", "Metode og data"),
    "sv": ("Nyckeltal", "Valkurva", "Mest lönsamma kunder", "Risk i förfallna fordringar", "Metod och data"),
    "fi": (
        "Tärkeimmät luvut",
        "Valaskäyrä",
        "Kannattavimmat asiakkaat",
        "Erääntyneiden saatavien riski",
        "Menetelmä ja aineisto",
    ),
}
# The reconciliation line shows the open receivables to the cent, in the locale's format.
CURRENCY = {"en": "EUR", "de": "EUR", "es": "EUR", "nb": "NOK", "sv": "SEK", "fi": "EUR"}
# The small sample (seed 7) analysed for 1 Nov 2025 - 31 Oct 2026: open receivables 296,619.00 (GP's own
# CURTRXAM gives the same: test_reconciliation.py), the least profitable customer's net profit −3,008.51;
# written as each locale writes them (CLDR: grouping and decimal marks, the symbol's place; compared with
# plain spaces, see plain()).
OPEN_RECEIVABLES = Decimal("296619.00")
OPEN_SHOWN = {
    "en": "€296,619.00",
    "de": "296.619,00 €",
    "es": "296.619,00 €",
    "nb": "296 619,00 kr",
    "sv": "296 619,00 kr",
    "fi": "296 619,00 €",
}
WORST_NET_PROFIT = Decimal("-3008.51")
WORST_SHOWN = {
    "en": "-€3,008.51",
    "de": "-3.008,51 €",
    "es": "-3.008,51 €",
    "nb": "\u22123 008,51 kr",  # CLDR's minus sign in nb, sv and fi: U+2212
    "sv": "\u22123 008,51 kr",
    "fi": "\u22123 008,51 €",
}


@pytest.fixture(scope="module")
def sample_analysis(tmp_path_factory: pytest.TempPathFactory, small_sample: Path) -> Analysis:
    store_path = tmp_path_factory.mktemp("lang") / "l.duckdb"
    with Store(store_path) as store:
        run_sync(
            GpSqlConnector(sqlite_connection(str(small_sample))),
            load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}}),
            store,
        )
        return analyze(store.con, Period.of(dt.date(2025, 11, 1), dt.date(2026, 10, 31)))


def plain(text: str) -> str:
    """pdftotext keeps the locale's no-break and narrow no-break spaces; compare with plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_executive_pdf_in_every_language(tmp_path: Path, sample_analysis: Analysis, lang: str) -> None:
    meta = ReportMeta(
        company="Nordlicht Handel GmbH",
        currency=CURRENCY[lang],
        source="GP",
        generated_at=dt.datetime(2026, 11, 1),
        sync={"rows_read": 18616},
        locale=lang,
    )
    context = build_context(sample_analysis, meta, gettext_for(lang))
    text = plain(pdf_text(write_pdf(context, tmp_path / f"report-{lang}.pdf", lang)))
    for heading in HEADINGS[lang]:
        assert heading in text, (lang, heading)
    assert sample_analysis.reconciliation["ledger_open_as_of"] == OPEN_RECEIVABLES
    assert OPEN_SHOWN[lang] in text, (lang, OPEN_SHOWN[lang])
    if lang != "en":
        assert "Headline figures" not in text and "Whale curve" not in text  # nothing left in English


def test_locale_formats_read_as_accountants_write_them() -> None:
    amount = Decimal("1234567.891")
    assert plain(Formatter("de", "EUR").money(amount)) == "1.234.567,89 €"
    assert plain(Formatter("sv", "SEK").money(amount)) == "1 234 567,89 kr"
    assert plain(Formatter("fi", "EUR").money(amount)) == "1 234 567,89 €"
    assert plain(Formatter("es", "EUR").money(amount)) == "1.234.567,89 €"
    assert plain(Formatter("nb", "NOK").money(amount)) == "1 234 567,89 kr"
    assert Formatter("en", "EUR").money(amount) == "€1,234,567.89"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_template_string_is_translated(lang: str) -> None:
    assert problems(lang, extract()) == []


def test_the_accountants_html_is_translated(sample_analysis: Analysis) -> None:
    meta = ReportMeta(company="N", currency="EUR", source="GP", generated_at=dt.datetime(2026, 11, 1), locale="fi")
    html = render("report.html", build_context(sample_analysis, meta, gettext_for("fi")), "fi")
    assert 'lang="fi"' in html and "Asiakkaat nettotuloksen mukaan" in html and "Kate-%" in html


def test_an_unknown_language_is_refused_with_the_choices() -> None:
    from common.errors import ConfigError

    assert language("no") == "nb" and language("de_AT") == "de"
    with pytest.raises(ConfigError, match="choose one of en, de, es, nb, sv, fi"):
        language("xx")


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_a_percent_sign_in_a_translation_is_doubled(lang: str) -> None:
    # Templates format every message (newstyle gettext), so a lone "%" would break the report.
    import re

    from reports.i18n import catalog_path

    text = catalog_path(lang).read_text(encoding="utf-8")
    lone = [line for line in text.splitlines() if line.startswith("msgstr") and re.search(r"(?<!%)%(?![%(])", line)]
    assert lone == []


HTML_HEADING = {
    "en": "Customers ranked by net profit",
    "de": "Kunden nach Nettoergebnis",
    "es": "Clientes por beneficio neto",
    "nb": "Kunder rangert etter nettoresultat",
    "sv": "Kunder rangordnade efter nettoresultat",
    "fi": "Asiakkaat nettotuloksen mukaan",
}
STATEMENT_HEADING = {
    "en": "Profit waterfall",
    "de": "Ergebniswasserfall",
    "es": "Cascada de resultados",
    "nb": "Resultatfoss",
    "sv": "Resultatbrygga",
    "fi": "Tulosvesiputous",
}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_html_and_statement_in_every_language(tmp_path: Path, sample_analysis: Analysis, lang: str) -> None:
    from reports.context import statement_context

    _ = gettext_for(lang)
    meta = ReportMeta(
        company="Nordlicht Handel GmbH",
        currency=CURRENCY[lang],
        source="GP",
        generated_at=dt.datetime(2026, 11, 1),
        locale=lang,
    )
    context = build_context(sample_analysis, meta, _)
    html = render("report.html", context, lang)
    assert f'lang="{lang}"' in html and HTML_HEADING[lang] in html
    worst = sample_analysis.customers[-1]
    page = statement_context(context, sample_analysis, worst, meta, _)
    text = plain(pdf_text(write_pdf(page, tmp_path / "statement.pdf", lang, template="statement.html")))
    assert STATEMENT_HEADING[lang] in text
    assert round(worst.net_profit, 2) == WORST_NET_PROFIT
    assert WORST_SHOWN[lang] in text, (lang, WORST_SHOWN[lang])


def test_the_source_is_described_in_the_reports_language_for_every_kind(tmp_path: Path) -> None:
    # "Source: …" at the foot of every report: the kind of source in the reader's language, with where it is.
    from profitlens.app import _describe_source
    from profitlens.config import load_config

    path = tmp_path / "p.toml"
    path.write_text(
        '[company]\nname = "G"\ncurrency = "EUR"\n\n'
        '[[sources]]\ncompany = "DE"\nkind = "files"\npath = "exports"\n\n'
        '[[sources]]\ncompany = "FI"\nkind = "gp-sql"\nconnection = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=gp01;'
        'DATABASE=TWO;Trusted_Connection=yes"\n\n'
        '[[sources]]\ncompany = "SE"\nkind = "gp-ws"\nurl = "http://gpws.example:48620/DynamicsGPWebServices/'
        'DynamicsGPService.asmx"\ncompany_key = -1\nusername = "u"\npassword = "p"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    english = _describe_source(config)
    german = _describe_source(config, gettext_for("de"))
    assert english.startswith("DE: files in ") and "FI: Dynamics GP over ODBC (gp01/TWO)" in english
    assert "SE: Dynamics GP Web Services (gpws.example)" in english
    assert german.startswith("DE: Dateien in ") and "FI: Dynamics GP über ODBC (gp01/TWO)" in german


def test_the_pdfs_watch_list_points_to_the_html_which_lists_every_customer_on_it(
    tmp_path: Path, sample_analysis: Analysis
) -> None:
    # The small sample's year: more customers on the watch list than the PDF's twelve rows. The PDF says how
    # many more and where; the accountant's HTML has a row for each of them (twelve shown, the rest behind
    # "Show all"), so the pointer is true.
    import re

    watched = len(sample_analysis.watch_list)
    assert watched > 12
    meta = ReportMeta(company="N", currency="EUR", source="GP", generated_at=dt.datetime(2026, 11, 1), locale="en")
    context = build_context(sample_analysis, meta, gettext_for("en"))
    text = " ".join(pdf_text(write_pdf(context, tmp_path / "r.pdf", "en")).split())
    assert f"… and {watched - 12} more in the accountant’s report (report.html), under “Watch list”." in text
    html = render("report.html", context, "en")
    table = html[html.index('<table id="watch">') : html.index("</table>", html.index('<table id="watch">'))]
    assert table.count("<tr") - 1 == watched  # the heading row and one per customer
    assert len(re.findall(r'<tr class="later" hidden>', table)) == watched - 12
    assert f"Show all {watched}" in html
    from markupsafe import escape

    assert all(str(escape(w.name)) in table for w in sample_analysis.watch_list)
