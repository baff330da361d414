"""Machine-readable outputs of `analyze`: customers.csv, groups.csv and summary.json.

Column and key names are a promise to users' spreadsheets and scripts: keep them stable, add new ones
at the end. Money is rounded half up to cents; totals are the sums of the exact figures, rounded once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis
from profitability.portfolio import GROUP_FIELDS, GROUP_FIELDS_BEFORE_CUSTOMERS
from profitability.product_line import ProductLine
from reports.render import write_private_file

CUSTOMER_COLUMNS = (
    # issue 2 (first promise)
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
    # issue 3
    "parent_id",
    "segment",
    "rank",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "referral_value",
    "dso",
    "avg_days_to_pay",
    "risk_grade",
    "lifetime_value",
    # further detail
    "company",
    "action",
    "cumulative_profit_share",
    "salesperson_id",
    "territory",
    "customer_class",
    "currency",
    "freight_billed",
    "misc_billed",
    "labour_hours",
    "returns_amount",
    "write_offs",
    "unapplied_credits",
    "best_possible_dso",
    "avg_days_delinquent",
    "days_to_pay_trend",
    "credit_limit",
    "credit_limit_use",
    "documents",
    "avg_days_late",
)
# After the ageing buckets (issue 18: every figure a flow of the period), then the net exposure by bucket.
CUSTOMER_COLUMNS_AFTER_AGEING = (
    "discounts_taken",
    "finance_charges_billed",
    "other_income",
    "credit_loss",
    "allowance_start",
    "allowance_end",
    "allowance_change",
)
TOTAL_KEYS = (
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "net_profit",
    "referral_value",
    "open_amount",
    "overdue_amount",
    "freight_billed",
    "misc_billed",
    "unapplied_credits",
    "returns_amount",
    "write_offs",
    "discounts_taken",
    "finance_charges_billed",
    "other_income",
    "credit_loss",
    "allowance_change",
)
DAYS = ("dso", "avg_days_to_pay", "best_possible_dso", "avg_days_delinquent", "days_to_pay_trend", "avg_days_late")
RATIOS = ("cumulative_profit_share", "credit_limit_use")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")


# Excel splits a CSV at its list separator: "," in English, ";" where the decimal separator is a comma
# (de, es, nb, sv, fi), or a tab. A formula start right after any of them would begin a cell there.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t][\s\"']*)([=+\-@])")


def safe_cell(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection): a quote before a formula
    start at the beginning, and after every separator Excel may split the line at."""
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def cents(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain(value: Any, places: str = "0.01") -> Any:
    """JSON-ready: Decimals as exact strings at the given places, containers walked."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))
    if isinstance(value, dict):
        return {k: _plain(v, places) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, places) for v in value]
    return value


# groups.csv's last columns, filled for the product lines (dimension item_class) only (issue 25).
ITEM_CLASS_FIELDS = ("description", "gross_margin_share", "returns", "top_customers")
MONEY_FORMAT = "#,##0.00"
DAYS_FORMAT = "0.0"
RATIO_FORMAT = "0.00%"
Table = tuple[str, list[str], list[list[Any]], dict[str, str]]  # name, header, rows, column formats


def tables(analysis: Analysis) -> list[Table]:
    """The analysis as named tables of plain values (Decimal, int, str, None)."""
    bucket_keys = [f"ageing_{k}" for k in analysis.buckets.column_keys()]
    exposure_keys = [f"exposure_{k}" for k in analysis.buckets.column_keys()]
    customer_rows = [
        [getattr(c, col) for col in CUSTOMER_COLUMNS]
        + list(c.ageing)
        + [getattr(c, col) for col in CUSTOMER_COLUMNS_AFTER_AGEING]
        + list(c.exposure)
        for c in analysis.customers
    ]
    formats = {col: MONEY_FORMAT for col in (*CUSTOMER_COLUMNS, *CUSTOMER_COLUMNS_AFTER_AGEING, *exposure_keys)}
    formats.update({col: DAYS_FORMAT for col in DAYS})
    formats.update({col: RATIO_FORMAT for col in RATIOS})
    formats.update({col: "0" for col in ("rank", "documents")})
    formats.update({col: MONEY_FORMAT for col in bucket_keys})
    at = GROUP_FIELDS_BEFORE_CUSTOMERS
    group_fields = [*GROUP_FIELDS[:at], "customers", *GROUP_FIELDS[at:]]
    group_rows = [
        [dimension, row["key"], *(row.get(f) for f in group_fields), *(row.get(f) for f in ITEM_CLASS_FIELDS)]
        for dimension, rows in analysis.groups.items()
        for row in rows
    ]
    ageing_rows = [
        [label, amount, rate, ecl, exposure]
        for label, amount, rate, ecl, exposure in zip(
            analysis.buckets.labels(),
            analysis.ageing_totals,
            analysis.loss_rates,
            analysis.ecl_by_bucket,
            analysis.exposure_totals,
            strict=True,
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
        (
            "customers",
            [*CUSTOMER_COLUMNS, *bucket_keys, *CUSTOMER_COLUMNS_AFTER_AGEING, *exposure_keys],
            customer_rows,
            formats,
        ),
        (
            "groups",
            ["dimension", "key", *group_fields, *ITEM_CLASS_FIELDS],
            group_rows,
            {f: MONEY_FORMAT for f in group_fields}
            | {"customers": "0", "returns": MONEY_FORMAT}
            | {"gross_margin_share": RATIO_FORMAT},
        ),
        (
            "ageing",
            ["bucket", "open_amount", "loss_rate", "expected_credit_loss", "exposure"],
            ageing_rows,
            {
                "open_amount": MONEY_FORMAT,
                "loss_rate": "0.000%",
                "expected_credit_loss": MONEY_FORMAT,
                "exposure": MONEY_FORMAT,
            },
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


def table_csv(table: Table) -> str:
    """One table as CSV text: money to cents, days to tenths, text neutralised."""
    _name, header, rows, formats = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v, formats.get(h)) for h, v in zip(header, row, strict=True)])
    return buffer.getvalue()


def customers_csv(analysis: Analysis) -> str:
    return table_csv(tables(analysis)[0])


def groups_csv(analysis: Analysis) -> str:
    return table_csv(tables(analysis)[1])


def summary(analysis: Analysis, sync: dict[str, Any] | None, company: str, currency: str) -> dict[str, Any]:
    t = analysis.totals
    rates = analysis.loss_rates
    return {
        "company": company,
        "currency": currency,
        "period": {
            "from": analysis.period.start.isoformat(),
            "to": analysis.period.end.isoformat(),
            "as_of": analysis.period.as_of.isoformat(),
            "days": analysis.period.days,
        },
        "totals": {k: cents(t[k]) for k in TOTAL_KEYS},
        "previous_period": {
            "from": analysis.period.previous().start.isoformat(),
            "to": analysis.period.previous().end.isoformat(),
            "totals": {k: cents(analysis.previous_totals.get(k, Decimal(0))) for k in TOTAL_KEYS},
        },
        "ageing": [
            {
                "bucket": label,
                "open_amount": cents(amount),
                "loss_rate": str(rate),
                "expected_credit_loss": cents(ecl),
                "exposure": cents(exposure),
            }
            for label, amount, rate, ecl, exposure in zip(
                analysis.buckets.labels(),
                analysis.ageing_totals,
                rates,
                analysis.ecl_by_bucket,
                analysis.exposure_totals,
                strict=True,
            )
        ],
        "loss_rates_source": analysis.loss_rates_source,
        "unused_capacity": {
            name: {
                "minutes": _plain(p["minutes"], "0.01"),
                "cost": cents(p["cost"]),
                "practical_minutes": _plain(p["practical_minutes"], "0.01"),
                "used_minutes": _plain(p["used_minutes"], "0.01"),
                "rate_per_minute": _plain(p["rate_per_minute"], "0.000001"),
                "pool_cost": cents(p["pool_cost"]),
            }
            for name, p in analysis.unused_capacity.items()
        },
        "pool_check": {
            name: {k: (v if isinstance(v, bool) else cents(v)) for k, v in check.items()}
            for name, check in analysis.pool_check.items()
        },
        "driver_rates": {name: cents(rate) for name, rate in analysis.driver_rates.items()},
        "whale_curve": {
            "total_net_profit": cents(analysis.whale_curve["total_net_profit"]),
            "peak_profit_share": _plain(analysis.whale_curve["peak_profit_share"], "0.0001"),
            "peak_at_customers": analysis.whale_curve["peak_at_customers"],
            "profitable_customers": analysis.whale_curve["profitable_customers"],
            "points": [
                {
                    "customers_share": _plain(p["customers_share"]),
                    "customers": p["customers"],
                    "profit_share": _plain(p["profit_share"], "0.0001"),
                }
                for p in analysis.whale_curve["points"]
            ],
        },
        "segments": _segments(analysis),
        "companies": [
            {
                "company": row["key"],
                "customers": row["customers"],
                **{k: cents(row[k]) for k in ("net_sales", "gross_margin", "net_profit")},
            }
            for row in analysis.groups.get("company", [])
        ],
        "product_lines": [
            {
                "item_class": row["key"],
                "description": row.get("description"),
                **{k: cents(row[k]) for k in ("net_sales", "cost_of_goods", "gross_margin", "returns")},
                "gross_margin_share": _plain(row.get("gross_margin_share"), "0.0001"),
                "customers": row.get("customers", 0),
                "top_customers": str(row.get("top_customers") or "").split(),
            }
            for row in analysis.groups.get("item_class", [])
        ],
        "watch_list": [
            {
                "company": w.company,
                "customer_id": w.customer_id,
                "name": w.name,
                "previous_net_profit": cents(w.previous_net_profit),
                "net_profit": cents(w.net_profit),
                "reasons": list(w.reasons),
            }
            for w in analysis.watch_list
        ],
        "retention": _plain(analysis.retention, "0.0001") if analysis.retention is not None else None,
        "unpriced_hours": str(analysis.unpriced_hours),
        "reconciliation": _plain(analysis.reconciliation),
        "counts": dict(analysis.counts),
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


def _segments(analysis: Analysis) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for c in analysis.customers:
        s = out.setdefault(
            c.segment, {"action": c.action, "customers": 0, "net_sales": Decimal(0), "net_profit": Decimal(0)}
        )
        s["customers"] += 1
        s["net_sales"] += c.net_sales
        s["net_profit"] += c.net_profit
    return {k: {**v, "net_sales": cents(v["net_sales"]), "net_profit": cents(v["net_profit"])} for k, v in out.items()}


def write_analysis(
    analysis: Analysis, out: Path, sync: dict[str, Any] | None, company: str, currency: str
) -> tuple[Path, Path, Path]:
    customers_path = out / "customers.csv"
    groups_path = out / "groups.csv"
    summary_path = out / "summary.json"
    write_private_file(customers_path, customers_csv(analysis).encode("utf-8"))
    write_private_file(groups_path, groups_csv(analysis).encode("utf-8"))
    text = json.dumps(summary(analysis, sync, company, currency), indent=2, ensure_ascii=False)
    write_private_file(summary_path, (text + "\n").encode("utf-8"))
    return customers_path, groups_path, summary_path


PRODUCT_LINE_COLUMNS = (
    "company",
    "customer_id",
    "name",
    "item_class",
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "gross_margin_share",
    "returns",
)


def write_product_line(line: ProductLine, out: Path) -> Path:
    """product_line.csv: the customers of one product line, its gross-margin figures only (see
    profitability/product_line.py: the customer-level costs are left out)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PRODUCT_LINE_COLUMNS)
    for c in line.customers:
        share = c.gross_margin_share
        writer.writerow(
            [
                safe_cell(c.company),
                safe_cell(c.customer_id),
                safe_cell(c.name),
                safe_cell(line.item_class),
                cents(c.net_sales),
                cents(c.cost_of_goods),
                cents(c.gross_margin),
                "" if share is None else str(share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
                cents(c.returns),
            ]
        )
    out.mkdir(parents=True, exist_ok=True)
    path = out / "product_line.csv"
    write_private_file(path, buffer.getvalue().encode("utf-8"))
    return path
