"""Spreadsheet exports: one XLSX workbook (a sheet per table) and the same tables as CSV files.

Numbers are real numbers with number formats (accountants sort and sum them); headers are frozen and
filtered. Text is always stored as text: in XLSX a value starting with `=`, `+`, `-` or `@` is written as a
string cell, never a formula; in CSV it gets a leading apostrophe, so no spreadsheet runs it on import.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis
from reports.outputs import table_csv, tables
from reports.render import write_private_file


def write_csv(analysis: Analysis, folder: Path) -> list[Path]:
    """One CSV file per table (customers.csv is the same file `analyze` writes)."""
    paths = []
    for table in tables(analysis):
        path = folder / f"{table[0]}.csv"
        write_private_file(path, table_csv(table).encode("utf-8"))
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
