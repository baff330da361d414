"""Spreadsheet exports: one XLSX workbook (a sheet per table) and the same tables as CSV files.

Numbers are real numbers with number formats (accountants sort and sum them); headers are frozen and
filtered. Text is always stored as text: in XLSX a value starting with `=`, `+`, `-` or `@` is written as a
string cell, never a formula; in CSV it gets a leading apostrophe, so no spreadsheet runs it on import.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis
from reports.outputs import CUSTOMER_COLUMNS, DAYS, RATIOS, safe_cell
from reports.render import write_private_file

MONEY_FORMAT = "#,##0.00"
DAYS_FORMAT = "0.0"
RATIO_FORMAT = "0.00%"
Table = tuple[str, list[str], list[list[Any]], dict[str, str]]  # name, header, rows, column formats


def tables(analysis: Analysis) -> list[Table]:
    """The analysis as named tables of plain values (Decimal, int, str, None)."""
    bucket_keys = [f"ageing_{k}" for k in analysis.buckets.column_keys()]
    customer_rows = [[getattr(c, col) for col in CUSTOMER_COLUMNS] + list(c.ageing) for c in analysis.customers]
    formats = {col: MONEY_FORMAT for col in CUSTOMER_COLUMNS}
    formats.update({col: DAYS_FORMAT for col in DAYS})
    formats.update({col: RATIO_FORMAT for col in RATIOS})
    formats.update({col: "0" for col in ("rank", "documents")})
    formats.update({col: MONEY_FORMAT for col in bucket_keys})
    group_fields = [
        "net_sales",
        "cost_of_goods",
        "gross_margin",
        "commissions",
        "labour_cost",
        "activity_cost",
        "financing_cost",
        "expected_credit_loss",
        "net_profit",
        "customers",
    ]
    group_rows = [
        [dimension, row["key"], *(row.get(f) for f in group_fields)]
        for dimension, rows in analysis.groups.items()
        for row in rows
    ]
    ageing_rows = [
        [label, amount, rate, ecl]
        for label, amount, rate, ecl in zip(
            analysis.buckets.labels(), analysis.ageing_totals, analysis.loss_rates, analysis.ecl_by_bucket, strict=True
        )
    ]
    capacity_rows = [
        [name, p["practical_minutes"], p["used_minutes"], p["minutes"], p["cost"]]
        for name, p in analysis.unused_capacity.items()
    ]
    driver_rows = [[name, rate] for name, rate in analysis.driver_rates.items()]
    watch_rows = [
        [w.company, w.customer_id, w.name, w.previous_net_profit, w.net_profit, ", ".join(w.reasons)]
        for w in analysis.watch_list
    ]
    total_rows = [[name, value] for name, value in analysis.totals.items()]
    return [
        ("customers", [*CUSTOMER_COLUMNS, *bucket_keys], customer_rows, formats),
        (
            "groups",
            ["dimension", "key", *group_fields],
            group_rows,
            {f: MONEY_FORMAT for f in group_fields} | {"customers": "0"},
        ),
        (
            "ageing",
            ["bucket", "open_amount", "loss_rate", "expected_credit_loss"],
            ageing_rows,
            {"open_amount": MONEY_FORMAT, "loss_rate": "0.000%", "expected_credit_loss": MONEY_FORMAT},
        ),
        (
            "capacity",
            ["pool", "practical_minutes", "used_minutes", "unused_minutes", "unused_cost"],
            capacity_rows,
            {
                "practical_minutes": "#,##0",
                "used_minutes": "#,##0",
                "unused_minutes": "#,##0",
                "unused_cost": MONEY_FORMAT,
            },
        ),
        ("driver_rates", ["driver", "cost_per_event"], driver_rows, {"cost_per_event": MONEY_FORMAT}),
        (
            "watch_list",
            ["company", "customer_id", "name", "previous_net_profit", "net_profit", "reasons"],
            watch_rows,
            {"previous_net_profit": MONEY_FORMAT, "net_profit": MONEY_FORMAT},
        ),
        ("totals", ["figure", "amount"], total_rows, {"amount": MONEY_FORMAT}),
    ]


def _csv_value(value: Any, fmt: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        places = {DAYS_FORMAT: "0.1", RATIO_FORMAT: "0.0001", "0": "1", "0.000%": "0.000001"}.get(fmt or "", "0.01")
        return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))
    if isinstance(value, int):
        return str(value)
    return safe_cell(str(value))


def write_csv(analysis: Analysis, folder: Path) -> list[Path]:
    """One CSV file per table (customers.csv keeps the analyze contract's columns)."""
    paths = []
    for name, header, rows, formats in tables(analysis):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_value(v, formats.get(h)) for h, v in zip(header, row, strict=True)])
        path = folder / f"{name}.csv"
        write_private_file(path, buffer.getvalue().encode("utf-8"))
        paths.append(path)
    return paths


def write_xlsx(analysis: Analysis, path: Path, *, title: str = "profitlens") -> Path:
    """Stream the workbook (openpyxl write-only mode): memory and time stay flat for 20,000 customers."""
    from openpyxl import Workbook  # noqa: PLC0415 - only when a workbook is asked for
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header, rows, formats in tables(analysis):
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        if rows:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        for c, column in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(column) + 2))
        head = []
        for column in header:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        cell_formats = [formats.get(column) for column in header]
        for row in rows:
            sheet.append([_cell(sheet, value, fmt) for value, fmt in zip(row, cell_formats, strict=True)])
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    write_private_file(path, buffer.getvalue())
    return path


def _cell(sheet: Any, value: Any, fmt: str | None) -> Any:
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        if not fmt:
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = fmt
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" is shown, never run
    return cell
