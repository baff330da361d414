"""XLSX and CSV exports: real numbers with formats, frozen and filtered headers, text that never runs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from profitability.model import Analysis
from reports.context import ReportMeta
from reports.exports import write_csv
from reports.i18n import gettext_for
from reports.workbook import write_xlsx
from tests.cases import alpha
from tests.reports.test_report import analysis_of

EVIL = "<script>alert(1)</script> & Søn AB"


def evil_company(tmp_path: Path) -> Analysis:
    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text(
        f'customer_id,name,referred_by\nC1,"=HYPERLINK(""http://x"",""y"")",\nC2,{EVIL},C1\n', encoding="utf-8"
    )
    return analysis_of(folder, tmp_path)


def workbook(tmp_path: Path, lang: str = "en") -> Path:
    meta = ReportMeta(
        company="Alpha Test AG",
        currency="EUR",
        source="files in /data/alpha",
        generated_at=dt.datetime(2026, 4, 1, 8, 0),
        locale=lang,
    )
    return write_xlsx(
        evil_company(tmp_path), tmp_path / "report.xlsx", meta=meta, _=gettext_for(lang), settings=alpha.settings()
    )


def by_heading(sheet: Any) -> dict[str, dict[str, Any]]:
    header = [c.value for c in sheet[1]]
    return {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)}


def test_xlsx_has_real_numbers_to_the_cent_formats_frozen_filtered_headers_and_inert_text(tmp_path: Path) -> None:
    book = load_workbook(workbook(tmp_path))
    assert book.sheetnames == [
        "Report",
        "Customers",
        "Groups",
        "Ageing",
        "Capacity",
        "Driver rates",
        "Watch list",
        "Totals",
    ]
    sheet = book["Customers"]
    rows = by_heading(sheet)
    c1, c2 = rows["C1"], rows["C2"]
    # Alpha's C1: net profit −131.3083 (tests/cases/alpha.py), shown and stored to the cent.
    assert c1["Net profit"].value == -131.31 and c1["Net profit"].number_format == "#,##0.00"
    assert c1["Financing cost"].value == 20.36  # 20.3633
    assert c1["Name"].data_type == "s" and c1["Name"].value == '=HYPERLINK("http://x","y")'  # text, not a formula
    assert c2["Name"].value == EVIL
    assert c1["Segment"].value == "Sound margin, eaten by the cost to serve"  # not fix_cost_to_serve
    assert c1["Open (days past due: 31–60)"].value == 630.5
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}3"
    ageing = by_heading(book["Ageing"])
    assert ageing["31–60"]["Open amount"].value == 630.5 and ageing["31–60"]["Loss rate"].number_format == "0.000%"
    totals = {r[0].value: r[1].value for r in book["Totals"].iter_rows(min_row=2)}
    assert totals["Net profit"] == round(-131.3083 + 28.1194, 2)  # C1 + C2, to the cent: −103.19
    watch = [[c.value for c in r] for r in book["Watch list"].iter_rows()]
    assert watch[0] == ["Company", "Customer number", "Name", "Previous period", "This period", "Why"]
    assert watch[1][1:] == [
        "C1",
        '=HYPERLINK("http://x","y")',
        70.0,
        -131.31,
        "cost to serve up, returns up, credit loss up",
    ]


def test_the_cover_says_whose_numbers_which_period_and_the_settings(tmp_path: Path) -> None:
    cells = {r[0].value: r[1] for r in load_workbook(workbook(tmp_path))["Report"].iter_rows(min_row=2)}
    cover = {what: cell.value for what, cell in cells.items()}
    # A count is a whole number, money has cents: each with its number format.
    assert (cells["Customers"].number_format, cells["Net profit"].number_format) == ("0", "#,##0.00")
    assert cover["Company"] == "Alpha Test AG"
    assert cover["Period"] == "Jan 1, 2026 – Mar 31, 2026"
    assert cover["Receivables as of"] == "Mar 31, 2026"
    assert cover["Source"] == "files in /data/alpha"
    assert cover["Customers"] == 2 and cover["Net profit"] == -103.19
    assert cover["Cost of capital (a year)"] == "7.30%"  # alpha.settings(): 0.0002 a day × 365
    assert cover["Loss rates"] == "0.50%, 2.00%, 5.00%, 10.00%, 20.00%, 50.00%"
    assert cover["Ageing buckets (days past due)"] == "current, 1–30, 31–60, 61–90, 91–120, over 120"
    assert cover["Capacity pool: service"] == "€21,900.00 a year for 36,500 minutes"


def test_the_workbook_speaks_german_and_its_columns_fit_what_they_hold(tmp_path: Path) -> None:
    book = load_workbook(workbook(tmp_path, "de"))
    assert book.sheetnames[:3] == ["Bericht", "Kunden", "Gruppen"]
    sheet = book["Kunden"]
    rows = by_heading(sheet)
    assert rows["C1"]["Nettoergebnis"].value == -131.31
    assert rows["C1"]["Empfohlene Maßnahme"].value not in ("fix_cost_to_serve", "")
    # The name column is as wide as the longest name (C2's, 34 characters) plus a margin, not the default
    # 10; a number column as wide as its heading.
    header = [c.value for c in sheet[1]]
    name = sheet.cell(1, header.index("Name") + 1).column_letter
    assert sheet.column_dimensions[name].width == len(EVIL) + 2
    net = sheet.cell(1, header.index("Nettoumsatz") + 1).column_letter
    assert sheet.column_dimensions[net].width == len("Nettoumsatz") + 2
    cover = {r[0].value: r[1].value for r in book["Bericht"].iter_rows(min_row=2)}
    assert cover["Zeitraum"] == "01.01.2026 – 31.03.2026" and cover["Unternehmen"] == "Alpha Test AG"


def test_csv_tables_neutralise_formulas_and_keep_names_as_text(tmp_path: Path) -> None:
    paths = write_csv(evil_company(tmp_path), tmp_path / "csv")
    assert [p.name for p in paths] == [
        "customers.csv",
        "groups.csv",
        "ageing.csv",
        "capacity.csv",
        "driver_rates.csv",
        "watch_list.csv",
        "totals.csv",
    ]
    with open(tmp_path / "csv" / "customers.csv", newline="", encoding="utf-8") as f:
        rows = {r["customer_id"]: r for r in csv.DictReader(f)}
    assert rows["C1"]["name"] == '\'=HYPERLINK("http://x","y")'
    assert rows["C2"]["name"] == EVIL
    assert rows["C1"]["net_profit"] == "-131.31"
