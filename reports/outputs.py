"""Machine-readable outputs of `analyze`: customers.csv, groups.csv and summary.json.

Column and key names are a promise to users' spreadsheets and scripts: keep them stable, add new ones
at the end. Money is rounded half up to cents; totals are the sums of the exact figures, rounded once.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from profitability.model import Analysis, CustomerProfit
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
)
DAYS = ("dso", "avg_days_to_pay", "best_possible_dso", "avg_days_delinquent", "days_to_pay_trend", "avg_days_late")
RATIOS = ("cumulative_profit_share", "credit_limit_use")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")


def safe_cell(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection): prefix a quote."""
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


def _cell(c: CustomerProfit, column: str) -> str:
    value = getattr(c, column)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if column in DAYS:
            return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        if column in RATIOS:
            return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        return cents(value)
    if isinstance(value, int):
        return str(value)
    return safe_cell(str(value))


def customers_csv(analysis: Analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    bucket_columns = [f"ageing_{k}" for k in analysis.buckets.column_keys()]
    writer.writerow([*CUSTOMER_COLUMNS, *bucket_columns])
    for c in analysis.customers:
        writer.writerow([*(_cell(c, col) for col in CUSTOMER_COLUMNS), *(cents(v) for v in c.ageing)])
    return buffer.getvalue()


def groups_csv(analysis: Analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    fields = (
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
    )
    writer.writerow(["dimension", "key", *fields])
    for dimension, rows in analysis.groups.items():
        for row in rows:
            cells = [row.get(f) for f in fields]
            writer.writerow(
                [
                    dimension,
                    safe_cell(str(row["key"])),
                    *("" if v is None else cents(v) if isinstance(v, Decimal) else str(v) for v in cells),
                ]
            )
    return buffer.getvalue()


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
            {"bucket": label, "open_amount": cents(amount), "loss_rate": str(rate), "expected_credit_loss": cents(ecl)}
            for label, amount, rate, ecl in zip(
                analysis.buckets.labels(), analysis.ageing_totals, rates, analysis.ecl_by_bucket, strict=True
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
            }
            for name, p in analysis.unused_capacity.items()
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
