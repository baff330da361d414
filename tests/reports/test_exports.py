"""XLSX and CSV exports: real numbers with formats, frozen and filtered headers, text that never runs."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from profitability.model import Analysis
from reports.exports import write_csv, write_xlsx
from tests.cases import alpha
from tests.reports.test_report import analysis_of

EVIL = "<script>alert(1)</script> & Søn AB"


def evil_company(tmp_path: Path) -> Analysis:
    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text(
        f'customer_id,name,referred_by\nC1,"=HYPERLINK(""http://x"",""y"")",\nC2,{EVIL},C1\n', encoding="utf-8"
    )
    return analysis_of(folder, tmp_path)


def test_xlsx_has_real_numbers_formats_frozen_filtered_headers_and_inert_text(tmp_path: Path) -> None:
    path = write_xlsx(evil_company(tmp_path), tmp_path / "report.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["customers", "groups", "ageing", "capacity", "driver_rates", "watch_list", "totals"]
    sheet = book["customers"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)}
    c1, c2 = rows["C1"], rows["C2"]
    assert c1["net_profit"].value == Decimal("-131.3083") or float(c1["net_profit"].value) == -131.3083
    assert c1["net_profit"].number_format == "#,##0.00"
    assert c1["name"].data_type == "s" and c1["name"].value == '=HYPERLINK("http://x","y")'  # text, not a formula
    assert c2["name"].value == EVIL
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    ageing = {r[0].value: r for r in book["ageing"].iter_rows(min_row=2)}
    assert float(ageing["31-60"][1].value) == 630.5 and ageing["31-60"][2].number_format == "0.000%"


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
