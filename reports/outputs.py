"""Machine-readable outputs of `analyze`: customers.csv and summary.json.

Column names are a promise to users' scripts (issue 2): keep them stable, add new ones at the end.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis
from reports.render import write_private_file

CUSTOMER_COLUMNS = (
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
    # added after the first promise; keep the order
    "parent_id",
    "salesperson_id",
    "territory",
    "customer_class",
    "freight_billed",
    "misc_billed",
    "labour_hours",
    "unapplied_credits",
    "documents",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")


def safe_cell(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cents(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def customers_csv(analysis: Analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    bucket_columns = [f"ageing_{k}" for k in analysis.buckets.column_keys()]
    writer.writerow([*CUSTOMER_COLUMNS, *bucket_columns])
    for c in analysis.customers:
        row: list[str] = []
        for column in CUSTOMER_COLUMNS:
            value = getattr(c, column)
            if isinstance(value, Decimal):
                row.append(_cents(value))
            elif value is None:
                row.append("")
            elif isinstance(value, int):
                row.append(str(value))
            else:
                row.append(safe_cell(str(value)))
        row += [_cents(v) for v in c.ageing]
        writer.writerow(row)
    return buffer.getvalue()


def summary(analysis: Analysis, sync: dict[str, Any] | None, company: str, currency: str) -> dict[str, Any]:
    def money(v: Any) -> Any:
        return _cents(v) if isinstance(v, Decimal) else v

    return {
        "company": company,
        "currency": currency,
        "period": {
            "from": analysis.period.start.isoformat(),
            "to": analysis.period.end.isoformat(),
            "as_of": analysis.period.as_of.isoformat(),
        },
        "totals": {k: money(v) for k, v in analysis.totals.items()},
        "ageing": {label: money(v) for label, v in zip(analysis.buckets.labels(), analysis.ageing_totals, strict=True)},
        "counts": dict(analysis.counts),
        "unpriced_hours": str(analysis.unpriced_hours),
        "reconciliation": {k: money(v) for k, v in analysis.reconciliation.items()},
        "last_sync": {
            "run_id": sync.get("run_id"),
            "rows_read": sync.get("rows_read", 0),
            "rows_landed": sync.get("rows_landed", 0),
            "rows_quarantined": sync.get("rows_quarantined", 0),
            "rows_skipped": sync.get("rows_skipped", 0),
            "quarantined": sync.get("quarantined", {}),
        }
        if sync
        else None,
    }


def write_analysis(
    analysis: Analysis, out: Path, sync: dict[str, Any] | None, company: str, currency: str
) -> tuple[Path, Path]:
    customers_path = out / "customers.csv"
    summary_path = out / "summary.json"
    write_private_file(customers_path, customers_csv(analysis).encode("utf-8"))
    text = json.dumps(summary(analysis, sync, company, currency), indent=2, ensure_ascii=False)
    write_private_file(summary_path, (text + "\n").encode("utf-8"))
    return customers_path, summary_path
