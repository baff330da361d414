"""The view model of a report: everything a template shows, already formatted, nothing computed there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from profitability.model import Analysis, CustomerProfit
from reports.formatting import Formatter

PDF_TOP = 15
PDF_BOTTOM = 10
SEGMENT_LABELS = {
    "protect": "Protect and reward",
    "grow": "Grow",
    "fix_cost_to_serve": "Fix the cost to serve",
    "reprice": "Reprice",
    "reprice_or_exit": "Reprice or exit",
    "no_sales": "No sales",
}


@dataclass(frozen=True)
class ReportMeta:
    """What a report says about where its numbers come from."""

    company: str
    currency: str
    source: str
    generated_at: dt.datetime
    sync: dict[str, Any] | None = None  # the last sync's summary (rows read, quarantined)
    locale: str = "en"


def _row(c: CustomerProfit, f: Formatter) -> dict[str, Any]:
    waiting = c.financing_cost + c.expected_credit_loss
    return {
        "rank": c.rank,
        "customer_id": c.customer_id,
        "name": c.name,
        "net_sales": f.money(c.net_sales, whole=True),
        "gross_margin": f.money(c.gross_margin, whole=True),
        "gross_margin_pct": f.percent(c.gross_margin_pct),
        "commissions": f.money(c.commissions, whole=True),
        "cost_to_serve": f.money(c.cost_to_serve, whole=True),
        "waiting_and_risk": f.money(waiting, whole=True),
        "labour_cost": f.money(c.labour_cost, whole=True),
        "activity_cost": f.money(c.activity_cost, whole=True),
        "net_profit": f.money(c.net_profit, whole=True),
        "net_margin_pct": f.percent(c.net_margin_pct),
        "open_amount": f.money(c.open_amount, whole=True),
        "overdue_amount": f.money(c.overdue_amount, whole=True),
        "segment": SEGMENT_LABELS.get(c.segment, c.segment),
        "risk_grade": c.risk_grade,
        "loss": c.net_profit < 0,
        "sort": {
            "net_sales": str(c.net_sales),
            "net_profit": str(c.net_profit),
            "gross_margin": str(c.gross_margin),
            "cost_to_serve": str(c.cost_to_serve),
            "overdue_amount": str(c.overdue_amount),
            "labour_cost": str(c.labour_cost),
        },
    }


def build_context(analysis: Analysis, meta: ReportMeta) -> dict[str, Any]:
    f = Formatter(meta.locale, meta.currency)
    t = analysis.totals
    prev = analysis.previous_totals
    rows = [_row(c, f) for c in analysis.customers]
    losing = [c for c in analysis.customers if c.net_profit < 0]
    open_total = sum(analysis.ageing_totals, Decimal(0))
    ageing = [
        {
            "label": label,
            "amount": f.money(amount, whole=True),
            "share": f.percent(amount / open_total * 100 if open_total else None),
            "rate": f.percent(rate * 100),
            "ecl": f.money(ecl, whole=True),
            "width": float(amount / open_total * 100) if open_total > 0 and amount > 0 else 0.0,
        }
        for label, amount, rate, ecl in zip(
            analysis.buckets.labels(), analysis.ageing_totals, analysis.loss_rates, analysis.ecl_by_bucket, strict=True
        )
    ]
    recon = analysis.reconciliation
    sync = meta.sync or {}

    def kpi(label: str, key: str) -> tuple[str, str, str]:
        change = ""
        if prev and key in prev and prev[key]:
            change = f.percent((t[key] - prev[key]) / abs(prev[key]) * 100)
        return label, f.money(t[key], whole=True), change

    curve = analysis.whale_curve
    segments: dict[str, dict[str, Any]] = {}
    for c in analysis.customers:
        s = segments.setdefault(
            c.segment,
            {
                "label": SEGMENT_LABELS.get(c.segment, c.segment),
                "action": c.action,
                "customers": 0,
                "net_sales": Decimal(0),
                "net_profit": Decimal(0),
            },
        )
        s["customers"] += 1
        s["net_sales"] += c.net_sales
        s["net_profit"] += c.net_profit
    return {
        "company": meta.company,
        "currency": meta.currency,
        "source": meta.source,
        "period_from": f.date(analysis.period.start),
        "period_to": f.date(analysis.period.end),
        "as_of": f.date(analysis.period.as_of),
        "generated_at": meta.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "kpis": [
            kpi("Net sales", "net_sales"),
            kpi("Gross margin", "gross_margin"),
            kpi("Labour cost to serve", "labour_cost"),
            kpi("Activity costs", "activity_cost"),
            kpi("Financing cost", "financing_cost"),
            kpi("Expected credit loss", "expected_credit_loss"),
            kpi("Net profit", "net_profit"),
            kpi("Open receivables", "open_amount"),
            kpi("Overdue", "overdue_amount"),
        ],
        "gross_margin_pct": f.percent(t["gross_margin"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "net_margin_pct": f.percent(t["net_profit"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "referral_value": f.money(t["referral_value"], whole=True),
        "customers": rows,
        "top": rows[:PDF_TOP],
        "bottom": rows[-PDF_BOTTOM:] if len(rows) > PDF_TOP + PDF_BOTTOM else rows[PDF_TOP:],
        "hidden_in_pdf": max(0, len(rows) - PDF_TOP - PDF_BOTTOM),
        "customer_count": len(rows),
        "losing_count": len(losing),
        "losing_sum": f.money(sum((c.net_profit for c in losing), Decimal(0)), whole=True),
        "whale_peak": f.percent(curve["peak_profit_share"] * 100),
        "whale_peak_at": curve["peak_at_customers"],
        "segments": [
            {**s, "net_sales": f.money(s["net_sales"], whole=True), "net_profit": f.money(s["net_profit"], whole=True)}
            for s in segments.values()
        ],
        "watch_list": [
            {
                "name": w.name,
                "customer_id": w.customer_id,
                "before": f.money(w.previous_net_profit, whole=True),
                "now": f.money(w.net_profit, whole=True),
                "reasons": ", ".join(w.reasons),
            }
            for w in analysis.watch_list[:15]
        ],
        "watch_more": max(0, len(analysis.watch_list) - 15),
        "ageing": ageing,
        "ageing_total": f.money(open_total, whole=True),
        "ecl_total": f.money(t["expected_credit_loss"], whole=True),
        "loss_rates_source": analysis.loss_rates_source,
        "unapplied_credits": f.money(t["unapplied_credits"], whole=True),
        "capacity": [
            {
                "pool": name,
                "used": f.number(p["used_minutes"]),
                "unused": f.number(p["minutes"]),
                "cost": f.money(p["cost"], whole=True),
            }
            for name, p in analysis.unused_capacity.items()
        ],
        "reconciled": recon.get("ties"),
        "recon_note": recon.get("note", ""),
        "recon_ledger": f.money(recon.get("ledger_open_as_of"), whole=False),
        "recon_erp": f.money(recon.get("erp_open_now"), whole=False),
        "sales_ties": recon.get("sales_ties_to_lines", True),
        "sales_differences": recon.get("sales_differences_count", 0),
        "documents_read": f.number(sync.get("rows_read", 0)),
        "rows_quarantined": f.number(sync.get("rows_quarantined", 0)),
        "documents_in_period": f.number(analysis.counts.get("documents_in_period", 0)),
        "unpriced_hours": f.number(analysis.unpriced_hours, 1) if analysis.unpriced_hours else "",
    }
