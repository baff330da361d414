"""The tables as CSV files (the workbook is reports/workbook.py).

Column names and codes are the stable English ones scripts read. A text value starting with `=`, `+`, `-`
or `@` gets a leading apostrophe, so no spreadsheet runs it on import.
"""

from __future__ import annotations

from pathlib import Path

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
