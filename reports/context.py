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


@dataclass(frozen=True)
class ReportMeta:
    """What a report says about where its numbers come from."""

    company: str
    currency: str
    source: str
    generated_at: dt.datetime
    sync: dict[str, Any] | None = None  # the last sync's summary (rows read, quarantined)
    locale: str = "en"


def _row(rank: int, c: CustomerProfit, f: Formatter) -> dict[str, Any]:
    return {
        "rank": rank,
        "customer_id": c.customer_id,
        "name": c.name,
        "net_sales": f.money(c.net_sales, whole=True),
        "gross_margin": f.money(c.gross_margin, whole=True),
        "gross_margin_pct": f.percent(c.gross_margin_pct),
        "commissions": f.money(c.commissions, whole=True),
        "labour_cost": f.money(c.labour_cost, whole=True),
        "net_profit": f.money(c.net_profit, whole=True),
        "net_margin_pct": f.percent(c.net_margin_pct),
        "open_amount": f.money(c.open_amount, whole=True),
        "overdue_amount": f.money(c.overdue_amount, whole=True),
        "loss": c.net_profit < 0,
        "sort": {
            "net_sales": str(c.net_sales),
            "net_profit": str(c.net_profit),
            "gross_margin": str(c.gross_margin),
            "labour_cost": str(c.labour_cost),
            "overdue_amount": str(c.overdue_amount),
        },
    }


def build_context(analysis: Analysis, meta: ReportMeta) -> dict[str, Any]:
    f = Formatter(meta.locale, meta.currency)
    t = analysis.totals
    rows = [_row(i, c, f) for i, c in enumerate(analysis.customers, start=1)]
    losing = [c for c in analysis.customers if c.net_profit < 0]
    open_total = sum(analysis.ageing_totals, Decimal(0))
    ageing = [
        {
            "label": label,
            "amount": f.money(amount, whole=True),
            "share": f.percent(amount / open_total * 100 if open_total else None),
            "width": float(amount / open_total * 100) if open_total > 0 and amount > 0 else 0.0,
        }
        for label, amount in zip(analysis.buckets.labels(), analysis.ageing_totals, strict=True)
    ]
    recon = analysis.reconciliation
    sync = meta.sync or {}
    kpis = [
        ("Net sales", f.money(t["net_sales"], whole=True)),
        ("Gross margin", f.money(t["gross_margin"], whole=True)),
        ("Commissions", f.money(t["commissions"], whole=True)),
        ("Labour cost to serve", f.money(t["labour_cost"], whole=True)),
        ("Net profit", f.money(t["net_profit"], whole=True)),
        ("Open receivables", f.money(t["open_amount"], whole=True)),
        ("Overdue", f.money(t["overdue_amount"], whole=True)),
    ]
    return {
        "company": meta.company,
        "currency": meta.currency,
        "source": meta.source,
        "period_from": f.date(analysis.period.start),
        "period_to": f.date(analysis.period.end),
        "as_of": f.date(analysis.period.as_of),
        "generated_at": meta.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "kpis": kpis,
        "gross_margin_pct": f.percent(t["gross_margin"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "net_margin_pct": f.percent(t["net_profit"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "customers": rows,
        "top": rows[:PDF_TOP],
        "bottom": rows[-PDF_BOTTOM:] if len(rows) > PDF_TOP + PDF_BOTTOM else rows[PDF_TOP:],
        "hidden_in_pdf": max(0, len(rows) - PDF_TOP - PDF_BOTTOM),
        "customer_count": len(rows),
        "losing_count": len(losing),
        "losing_sum": f.money(sum((c.net_profit for c in losing), Decimal(0)), whole=True),
        "ageing": ageing,
        "ageing_total": f.money(open_total, whole=True),
        "unapplied_credits": f.money(t["unapplied_credits"], whole=True),
        "reconciled": recon.get("ties"),
        "recon_note": recon.get("note", ""),
        "recon_ledger": f.money(recon.get("ledger_open_as_of"), whole=False),
        "recon_erp": f.money(recon.get("erp_open_now"), whole=False),
        "documents_read": f.number(sync.get("rows_read", 0)),
        "rows_quarantined": f.number(sync.get("rows_quarantined", 0)),
        "documents_in_period": f.number(analysis.counts.get("documents_in_period", 0)),
        "unpriced_hours": f.number(analysis.unpriced_hours, 1) if analysis.unpriced_hours else "",
    }
