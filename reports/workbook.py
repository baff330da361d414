"""The workbook (report.xlsx) as an accountant opens it: a cover sheet that says what the numbers are, then
one sheet per table with headings, sheet names and codes in the report's language, money to the cent and
columns as wide as what they hold.

The CSV files keep the stable English column names and codes scripts read (reports/outputs.py); the
workbook is for people. Text is always stored as text, never a formula (see `_cell`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis, Settings
from reports.context import ACTIONS, SEGMENT_LABELS, ReportMeta, bucket_labels, generated
from reports.formatting import Formatter
from reports.outputs import DAYS_FORMAT, MONEY_FORMAT, RATIO_FORMAT, tables
from reports.render import write_private_file

Gettext = Callable[..., str]


def N_(message: str) -> str:
    return message


# Every column of every table, in words (the CSV's names are the keys).
COLUMN_LABELS = {
    "customer_id": N_("Customer number"),
    "name": N_("Name"),
    "net_sales": N_("Net sales"),
    "cost_of_goods": N_("Cost of goods"),
    "gross_margin": N_("Gross margin"),
    "commissions": N_("Commissions"),
    "labour_cost": N_("Labour cost to serve"),
    "net_profit": N_("Net profit"),
    "open_amount": N_("Open amount"),
    "overdue_amount": N_("Overdue"),
    "parent_id": N_("Parent customer"),
    "segment": N_("Segment"),
    "rank": N_("Rank"),
    "activity_cost": N_("Activity costs"),
    "financing_cost": N_("Financing cost"),
    "expected_credit_loss": N_("Expected credit loss"),
    "referral_value": N_("Referral value"),
    "dso": N_("Days sales outstanding (DSO)"),
    "avg_days_to_pay": N_("Average days to pay"),
    "risk_grade": N_("Risk grade"),
    "lifetime_value": N_("Lifetime value"),
    "company": N_("Company"),
    "action": N_("Recommended action"),
    "cumulative_profit_share": N_("Cumulative share of net profit"),
    "salesperson_id": N_("Salesperson"),
    "territory": N_("Territory"),
    "customer_class": N_("Customer class"),
    "currency": N_("Currency"),
    "freight_billed": N_("Freight billed"),
    "misc_billed": N_("Miscellaneous billed"),
    "labour_hours": N_("Labour hours"),
    "returns_amount": N_("Returns"),
    "write_offs": N_("Write-offs"),
    "unapplied_credits": N_("Unapplied credits and payments"),
    "best_possible_dso": N_("Best possible DSO"),
    "avg_days_delinquent": N_("Average days delinquent"),
    "days_to_pay_trend": N_("Days to pay against the previous period"),
    "credit_limit": N_("Credit limit"),
    "credit_limit_use": N_("Credit limit used"),
    "documents": N_("Documents"),
    "avg_days_late": N_("Days late on average"),
    "discounts_taken": N_("Settlement discounts taken"),
    "finance_charges_billed": N_("Finance charges billed"),
    "other_income": N_("Other income"),
    "credit_loss": N_("Credit loss"),
    "allowance_start": N_("Allowance at the start"),
    "allowance_end": N_("Allowance at the end"),
    "allowance_change": N_("Change in the allowance"),
    "dimension": N_("Grouped by"),
    "key": N_("Group"),
    "customers": N_("Customers"),
    "description": N_("Description"),
    "gross_margin_share": N_("Gross margin share"),
    "returns": N_("Returns"),
    "top_customers": N_("Largest buyers"),
    "bucket": N_("Days past due"),
    "loss_rate": N_("Loss rate"),
    "exposure": N_("After unapplied credits"),
    "pool": N_("Pool"),
    "practical_minutes": N_("Practical minutes in the period"),
    "used_minutes": N_("Minutes used"),
    "unused_minutes": N_("Minutes unused"),
    "unused_cost": N_("Cost of unused capacity"),
    "driver": N_("Activity"),
    "cost_per_event": N_("Cost per event"),
    "previous_net_profit": N_("Previous period"),
    "reasons": N_("Why"),
    "figure": N_("Figure"),
    "amount": N_("Amount"),
    "watch_list.net_profit": N_("This period"),  # beside "Previous period": the net profit of each
}
# The groups sheet's dimensions (its first column's codes).
DIMENSION_LABELS = {
    "company": N_("Company"),
    "parent": N_("Parent customer"),
    "salesperson": N_("Salesperson"),
    "territory": N_("Territory"),
    "customer_class": N_("Customer class"),
    "item_class": N_("Product line"),
    "item": N_("Item"),
}
SHEET_LABELS = {
    "customers": N_("Customers"),
    "groups": N_("Groups"),
    "ageing": N_("Ageing"),
    "capacity": N_("Capacity"),
    "driver_rates": N_("Driver rates"),
    "watch_list": N_("Watch list"),
    "totals": N_("Totals"),
}
# Values rounded as the sheet shows them: money to the cent, days to a tenth, shares to a hundredth of a %.
PLACES = {MONEY_FORMAT: Decimal("0.01"), DAYS_FORMAT: Decimal("0.1"), RATIO_FORMAT: Decimal("0.0001")}
WIDTH_SAMPLE = 2000  # rows read to size a column: enough to see its longest values, quick for 20,000
_BAD_SHEET_CHARACTERS = str.maketrans({c: " " for c in "[]:*?/\\"})


def write_xlsx(
    analysis: Analysis,
    path: Path,
    *,
    meta: ReportMeta,
    _: Gettext,
    settings: Settings | None = None,
    title: str = "profitlens",
) -> Path:
    """Stream the workbook (openpyxl write-only mode): memory and time stay flat for 20,000 customers."""
    from openpyxl import Workbook  # noqa: PLC0415 - only when a workbook is asked for

    book = Workbook(write_only=True)
    _write_sheet(book, _("Report"), [_("What"), _("Value")], cover(analysis, meta, _, settings), {}, filtered=False)
    labels = _column_labels(analysis, _)
    for name, header, rows, formats in tables(analysis):
        shown = [_translate_row(name, header, row, _) for row in rows]
        if name == "ageing":  # the buckets as the report names them ("current", "31–60", "over 90")
            shown = [[label, *row[1:]] for label, row in zip(bucket_labels(analysis, _), shown, strict=True)]
        cell_formats = [formats.get(column) for column in header]
        rounded = [[_rounded(value, fmt) for value, fmt in zip(row, cell_formats, strict=True)] for row in shown]
        sheet_name = _(SHEET_LABELS.get(name, name)).translate(_BAD_SHEET_CHARACTERS)[:31]
        headings = [labels.get(f"{name}.{c}", labels.get(c, c)) for c in header]
        _write_sheet(book, sheet_name, headings, rounded, dict(enumerate(cell_formats)))
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    write_private_file(path, buffer.getvalue())
    return path


def cover(analysis: Analysis, meta: ReportMeta, _: Gettext, settings: Settings | None) -> list[list[Any]]:
    """The cover sheet: whose numbers, which period, from where, and the settings they were made with."""
    f = Formatter(meta.locale, meta.currency)
    period = analysis.period
    rows: list[list[Any]] = [
        [_("Company"), meta.company],
        [_("Period"), f"{f.date(period.start)} – {f.date(period.end)}"],
        [_("Receivables as of"), f.date(period.as_of)],
        [_("Currency"), meta.currency],
        [_("Source"), meta.source],
        [_("Generated"), generated(meta, f)],
        [_("Customers"), len(analysis.customers)],
        [_("Net profit"), _rounded(analysis.totals["net_profit"], MONEY_FORMAT)],
    ]
    if settings is not None:
        rates = (
            _("estimated from the payment history")
            if analysis.loss_rates_source == "history"
            else ", ".join(f.percent(r * 100, 2) for r in analysis.loss_rates)
        )
        rows += [
            [_("Cost of capital (a year)"), f.percent(settings.cost_of_capital * 100, 2)],
            [_("Loss rates"), rates],
            [_("Ageing buckets (days past due)"), ", ".join(bucket_labels(analysis, _))],
            [_("Referral credit"), f.percent(settings.referral_share * 100, 1)],
        ]
        for pool in settings.costing.pools:
            rows.append(
                [
                    _("Capacity pool: %(name)s", name=pool.name),
                    _(
                        "%(cost)s a year for %(minutes)s minutes",
                        cost=f.money(pool.cost),
                        minutes=f.number(pool.practical_minutes),
                    ),
                ]
            )
    rows.append([_("Rounding"), _("Amounts are rounded to the cent; totals are sums of the exact figures.")])
    return rows


def _column_labels(analysis: Analysis, _: Gettext) -> dict[str, str]:
    labels = {key: _(label) for key, label in COLUMN_LABELS.items()}
    for key, bucket in zip(analysis.buckets.column_keys(), bucket_labels(analysis, _), strict=True):
        labels[f"ageing_{key}"] = _("Open (days past due: %(bucket)s)", bucket=bucket)
        labels[f"exposure_{key}"] = _("After unapplied credits (days past due: %(bucket)s)", bucket=bucket)
    return labels


def _translate_row(table: str, header: Sequence[str], row: Sequence[Any], _: Gettext) -> list[Any]:
    """Codes the engine writes (segments, actions, reasons, dimensions, figure names) in the report's words."""
    out = list(row)
    for i, column in enumerate(header):
        value = out[i]
        if not isinstance(value, str):
            continue
        if column == "segment":
            out[i] = _(SEGMENT_LABELS.get(value, value))
        elif column == "action":
            out[i] = _(ACTIONS.get(value, value))
        elif column == "reasons":
            out[i] = ", ".join(_(reason) for reason in value.split(", ")) if value else value
        elif column == "dimension":
            out[i] = _(DIMENSION_LABELS.get(value, value))
        elif table == "totals" and column == "figure":
            out[i] = _(COLUMN_LABELS.get(value, value))
    return out


def _rounded(value: Any, fmt: str | None) -> Any:
    places = PLACES.get(fmt or "")
    if places is not None and isinstance(value, Decimal):
        return value.quantize(places, rounding=ROUND_HALF_UP)
    return value


def _width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        # As the number format shows it: grouped thousands and the places of the format.
        return len(f"{value:,.2f}") if fmt in (MONEY_FORMAT, None) else len(f"{value:,}") + 1
    return max(len(line) for line in str(value).split("\n"))


def _write_sheet(
    book: Any,
    name: str,
    header: list[str],
    rows: list[list[Any]],
    formats: dict[int, str | None],
    *,
    filtered: bool = True,
) -> None:
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    if rows and filtered:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    # Each column as wide as its heading or its widest value (of the first rows), within bounds a screen holds.
    for c, column in enumerate(header):
        widest = max([len(column), *(_width(row[c], formats.get(c)) for row in rows[:WIDTH_SAMPLE])])
        sheet.column_dimensions[get_column_letter(c + 1)].width = max(8, min(60, widest + 2))
    bold = Font(bold=True)
    head = []
    for column in header:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([_cell(sheet, value, formats.get(c)) for c, value in enumerate(row)])


def _cell(sheet: Any, value: Any, fmt: str | None) -> Any:
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = fmt or ("0" if isinstance(value, int) else MONEY_FORMAT)
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" is shown, never run
    return cell
