"""The view model of the reports: everything a template shows, translated and formatted, nothing computed there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matplotlib.ticker import FuncFormatter

from profitability.model import Analysis, CustomerProfit
from reports import charts
from reports.bridge import profit_bridge, rounded
from reports.formatting import Formatter
from reports.product_lines import product_lines
from reports.reasons import reason

Gettext = Callable[..., str]
TOP = 10


def N_(message: str) -> str:
    return message


WATCH_SHOWN = 12  # watch-list rows in the executive PDF and before "show all" in the HTML

# Where the numbers come from (profitlens.app describes each source with one of these).
SOURCE_LABELS = {
    "files": N_("files in %(where)s"),
    "gp-odbc": N_("Dynamics GP over ODBC (%(where)s)"),
    "gp-file": N_("Dynamics GP database %(where)s"),
    "gp-ws": N_("Dynamics GP Web Services (%(where)s)"),
    "bc": N_("Business Central (%(where)s)"),
}
# The profit bridge's steps (reports/bridge.py), in the words of the headline figures.
BRIDGE_LABELS = {
    "net_sales": N_("Net sales"),
    "cost_of_goods": N_("Cost of goods"),
    "gross_margin": N_("Gross margin"),
    "other_income": N_("Other income"),
    "commissions": N_("Commissions"),
    "labour_cost": N_("Labour cost to serve"),
    "activity_cost": N_("Activity costs"),
    "financing_cost": N_("Financing cost"),
    "credit_loss": N_("Credit loss"),
    "rounding": N_("Rounding difference"),
    "net_profit": N_("Net profit"),
}
# Messages that come from the engine as data; marked here so the catalogs hold them. A segment is named by
# what its customers are (the action column says what to do about them).
SEGMENT_LABELS = {
    "protect": N_("Large and profitable"),
    "grow": N_("Small and profitable"),
    "fix_cost_to_serve": N_("Sound margin, eaten by the cost to serve"),
    "reprice": N_("Large, on a thin margin"),
    "reprice_or_exit": N_("Small, losing on a thin margin"),
    "no_sales": N_("Costs without sales"),
}
ACTIONS = {
    "protect and reward": N_("protect and reward"),
    "grow": N_("grow"),
    "fix the cost to serve": N_("fix the cost to serve"),
    "reprice": N_("reprice"),
    "reprice or exit": N_("reprice or exit"),
    "review: cost without sales": N_("review: cost without sales"),
}
WATCH_REASONS = (
    N_("volume down"),
    N_("margin down"),
    N_("cost to serve up"),
    N_("returns up"),
    N_("paying later"),
    N_("credit loss up"),
    N_("costs up"),
    N_("no purchases"),
)
BUCKET_CURRENT = N_("current")
BUCKET_OVER = N_("over %(days)s")


@dataclass(frozen=True)
class ReportMeta:
    """What a report says about where its numbers come from."""

    company: str
    currency: str
    source: str
    generated_at: dt.datetime
    sync: dict[str, Any] | None = None  # the last sync's summary (rows read, quarantined)
    locale: str = "en"


def money_axis(f: Formatter) -> FuncFormatter:
    """A chart's money axis in whole units, written as the report writes amounts."""
    return FuncFormatter(lambda v, _pos: f.money(Decimal(str(round(v))), whole=True))


def generated(meta: ReportMeta, f: Formatter) -> str:
    """When the report was made, in the reader's date format ("2 Dec 2026 09:23 UTC")."""
    return f"{f.date(meta.generated_at.date())} {meta.generated_at:%H:%M} UTC"


def bucket_labels(analysis: Analysis, _: Gettext) -> list[str]:
    out = [_(BUCKET_CURRENT)]
    out += [f"{lo}–{hi}" for lo, hi in analysis.buckets.ranges()[1:-1]]
    out.append(_(BUCKET_OVER, days=analysis.buckets.bounds[-1]))
    return out


def _row(c: CustomerProfit, f: Formatter, _: Gettext) -> dict[str, Any]:
    waiting = c.financing_cost + c.credit_loss
    return {
        "rank": c.rank,
        "company": c.company,
        "customer_id": c.customer_id,
        "name": c.name,
        "net_sales": f.money(c.net_sales, whole=True),
        "gross_margin": f.money(c.gross_margin, whole=True),
        "gross_margin_pct": f.percent(c.gross_margin_pct),
        "commissions": f.money(c.commissions, whole=True),
        "cost_to_serve": f.money(c.cost_to_serve, whole=True),
        "waiting_and_risk": f.money(waiting, whole=True),
        "net_profit": f.money(c.net_profit, whole=True),
        "net_margin_pct": f.percent(c.net_margin_pct),
        "open_amount": f.money(c.open_amount, whole=True),
        "overdue_amount": f.money(c.overdue_amount, whole=True),
        "segment": _(SEGMENT_LABELS.get(c.segment, c.segment)),
        "risk_grade": c.risk_grade,
        "loss": c.net_profit < 0,
        "reason": reason(c, _, f.percent),
        "days_late": f.number(c.avg_days_late, 0) if c.avg_days_late is not None else "–",
        # What each number column sorts by (a percentage without a base, "–", sorts last either way).
        "sort": {
            "net_sales": float(c.net_sales),
            "gross_margin": float(c.gross_margin),
            "gross_margin_pct": None if c.gross_margin_pct is None else float(c.gross_margin_pct),
            "commissions": float(c.commissions),
            "cost_to_serve": float(c.cost_to_serve),
            "waiting_and_risk": float(waiting),
            "net_profit": float(c.net_profit),
            "net_margin_pct": None if c.net_margin_pct is None else float(c.net_margin_pct),
            "open_amount": float(c.open_amount),
            "overdue_amount": float(c.overdue_amount),
        },
    }


def build_context(
    analysis: Analysis, meta: ReportMeta, _: Gettext | None = None, *, every_customer: bool = True
) -> dict[str, Any]:
    """The report's view model. `every_customer=False` formats only the customers a summary shows
    (the executive PDF of 20,000 customers needs 25 rows, not 20,000)."""
    _ = _ or (lambda message, **kw: message % kw if kw else message)
    f = Formatter(meta.locale, meta.currency)
    t = analysis.totals
    prev = analysis.previous_totals
    customers = analysis.customers
    if every_customer or len(customers) <= 2 * TOP:
        rows = [_row(c, f, _) for c in customers]
        top, bottom = rows[:TOP], (list(reversed(rows[-TOP:])) if len(rows) > TOP else [])
    else:
        rows = []
        top = [_row(c, f, _) for c in customers[:TOP]]
        bottom = [_row(c, f, _) for c in reversed(customers[-TOP:])]
    losing = [c for c in customers if c.net_profit < 0]
    labels = bucket_labels(analysis, _)
    open_total = sum(analysis.ageing_totals, Decimal(0))
    exposure = analysis.exposure_totals
    ageing = [
        {
            "label": label,
            "amount": f.money(amount, whole=True),
            "share": f.percent(amount / open_total * 100 if open_total else None),
            "exposure": f.money(exposed, whole=True),
            "rate": f.percent(rate * 100, 2),
            "ecl": f.money(ecl, whole=True),
        }
        for label, amount, exposed, rate, ecl in zip(
            labels, analysis.ageing_totals, exposure, analysis.loss_rates, analysis.ecl_by_bucket, strict=True
        )
    ]
    recon = analysis.reconciliation
    sync = meta.sync or {}

    def kpi(label: str, value: Decimal, before: Decimal | None) -> dict[str, str]:
        # A rise carries its plus sign, so "+244.0%" and "−3.1%" read as directions.
        ratio = (value - before) / abs(before) * 100 if before else None
        change = "" if ratio is None else ("+" if ratio > 0 else "") + f.percent(ratio)
        return {"label": label, "value": f.money(value, whole=True), "change": change}

    bridge_steps = profit_bridge(t)
    bridge = [
        {
            "label": _(BRIDGE_LABELS[step.key]),
            "amount": f.money(step.shown, whole=True),
            "subtotal": step.subtotal,
            "cost": step.shown < 0 and not step.subtotal,
        }
        for step in bridge_steps
    ]
    cost_to_serve = t["labour_cost"] + t["activity_cost"]
    prev_cts = prev.get("labour_cost", Decimal(0)) + prev.get("activity_cost", Decimal(0))
    headline = [
        kpi(_("Net sales"), t["net_sales"], prev.get("net_sales")),
        kpi(_("Gross margin"), t["gross_margin"], prev.get("gross_margin")),
        kpi(_("Cost to serve"), cost_to_serve, prev_cts),
        kpi(_("Credit loss"), t["credit_loss"], prev.get("credit_loss")),
        kpi(_("Net profit"), t["net_profit"], prev.get("net_profit")),
    ]
    more = [
        kpi(_("Settlement discounts taken"), t["discounts_taken"], prev.get("discounts_taken")),
        kpi(_("Other income"), t["other_income"], prev.get("other_income")),
        kpi(_("Commissions"), t["commissions"], prev.get("commissions")),
        kpi(_("Labour cost to serve"), t["labour_cost"], prev.get("labour_cost")),
        kpi(_("Activity costs"), t["activity_cost"], prev.get("activity_cost")),
        kpi(_("Financing cost"), t["financing_cost"], prev.get("financing_cost")),
        kpi(_("Expected credit loss"), t["expected_credit_loss"], prev.get("expected_credit_loss")),
        kpi(_("Open receivables"), t["open_amount"], prev.get("open_amount")),
        kpi(_("Overdue"), t["overdue_amount"], prev.get("overdue_amount")),
    ]
    segments: dict[str, dict[str, Any]] = {}
    for c in customers:
        s = segments.setdefault(
            c.segment,
            {
                "label": _(SEGMENT_LABELS.get(c.segment, c.segment)),
                "action": _(ACTIONS.get(c.action, c.action)),
                "customers": 0,
                "net_sales": Decimal(0),
                "net_profit": Decimal(0),
            },
        )
        s["customers"] += 1
        s["net_sales"] += c.net_sales
        s["net_profit"] += c.net_profit
    worst = sorted(
        (c for c in customers if c.overdue_amount > 0), key=lambda c: (-c.overdue_amount, c.company, c.customer_id)
    )[:5]
    curve = analysis.whale_curve
    watch = [
        {
            "name": w.name,
            "customer_id": w.customer_id,
            "before": f.money(w.previous_net_profit, whole=True),
            "now": f.money(w.net_profit, whole=True),
            "reasons": ", ".join(_(r) for r in w.reasons),
        }
        for w in (analysis.watch_list if every_customer else analysis.watch_list[:WATCH_SHOWN])
    ]
    axis = money_axis(f)
    return {
        "lang": meta.locale,
        "company": meta.company,
        "currency": meta.currency,
        "source": meta.source,
        "period_from": f.date(analysis.period.start),
        "period_to": f.date(analysis.period.end),
        "as_of": f.date(analysis.period.as_of),
        "generated_at": generated(meta, f),
        "bridge": bridge,
        "bridge_svg": charts.profit_bridge(
            [_(BRIDGE_LABELS[step.key]) for step in bridge_steps],
            [step.shown for step in bridge_steps],
            [step.subtotal for step in bridge_steps],
            money=axis,
        ),
        "headline": headline,
        "kpis": headline + more,
        "gross_margin_pct": f.percent(t["gross_margin"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "net_margin_pct": f.percent(t["net_profit"] / t["net_sales"] * 100 if t["net_sales"] else None),
        "referral_value": f.money(t["referral_value"], whole=True),
        # What the referral credit is: a share of the gross margin of the customers the referrers brought.
        "has_referrals": t["referral_value"] != 0 and analysis.referral_share != 0,
        "referral_share": f.percent(analysis.referral_share * 100, 0),
        "referred_margin": f.money(
            t["referral_value"] / analysis.referral_share if analysis.referral_share else Decimal(0), whole=True
        ),
        "customers": rows,
        "top": top,
        "bottom": bottom,
        "customer_count": f.number(len(customers)),  # "16,352", "16.352", "16 352": as the locale groups
        "losing_count": f.number(len(losing)),
        "losing_sum": f.money(sum((c.net_profit for c in losing), Decimal(0)), whole=True),
        "whale_peak": f.percent(curve["peak_profit_share"] * 100),
        "whale_peak_at": curve["peak_at_customers"],
        "whale_svg": charts.whale_curve(
            [c.cumulative_profit_share for c in customers],
            x_label=_("Share of customers, most profitable first"),
            y_label=_("Share of net profit"),
        ),
        "ageing_svg": charts.ageing_bars(labels, analysis.ageing_totals, money=axis),
        "segments": [
            {**s, "net_sales": f.money(s["net_sales"], whole=True), "net_profit": f.money(s["net_profit"], whole=True)}
            for s in segments.values()
        ],
        "segments_svg": charts.segment_bars(
            [s["label"] for s in segments.values()],
            [s["net_profit"] for s in segments.values()],
            [f.number(s["customers"]) for s in segments.values()],
            money=axis,
        ),
        "product_lines": product_lines(analysis, f, _),
        # The PDF shows the first WATCH_SHOWN; the accountant's HTML lists every one (the PDF points there).
        "watch_list": watch[:WATCH_SHOWN],
        "watch_list_all": watch,
        "watch_count": f.number(len(analysis.watch_list)),
        "watch_more": f.number(len(analysis.watch_list) - WATCH_SHOWN)
        if len(analysis.watch_list) > WATCH_SHOWN
        else "",
        "worst_payers": [_row(c, f, _) for c in worst],
        "ageing": ageing,
        "ageing_total": f.money(open_total, whole=True),
        "exposure_total": f.money(sum(exposure, Decimal(0)), whole=True),
        "ecl_total": f.money(t["expected_credit_loss"], whole=True),
        "loss_rates_from_history": analysis.loss_rates_source == "history",
        "unapplied_credits": f.money(t["unapplied_credits"], whole=True),
        # Open invoices − unapplied credits = open receivables, in whole units that add up with a pen: the
        # credits are shown as the gap between the two rounded totals (each of those as page 1 shows it).
        "open_receivables": f.money(t["open_amount"], whole=True),
        "unapplied_gap": f.money(rounded(t["open_amount"]) - rounded(open_total), whole=True),
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
        "recon_ledger": f.money(recon.get("ledger_open_as_of"), whole=False),
        "recon_erp": f.money(recon.get("erp_open_now"), whole=False),
        "sales_ties": recon.get("sales_ties_to_lines", True),
        "sales_differences": recon.get("sales_differences_count", 0),
        "documents_read": f.number(sync.get("rows_read", 0)),
        "rows_quarantined": f.number(sync.get("rows_quarantined", 0)),
        "documents_in_period": f.number(analysis.counts.get("documents_in_period", 0)),
        "unpriced_hours": f.number(analysis.unpriced_hours, 1) if analysis.unpriced_hours else "",
    }


DOCUMENT_TYPES = {
    "invoice": N_("Invoice"),
    "debit_memo": N_("Debit memo"),
    "finance_charge": N_("Finance charge"),
    "service": N_("Service"),
    "warranty": N_("Warranty"),
    "credit_memo": N_("Credit memo"),
    "return": N_("Return"),
    "payment": N_("Payment"),
}


# GP's tables named as an accountant knows them; {0}, {1} are the parts of a row's key in its table.
# Other sources (Web Services lists, Business Central pages, files) show their name and key as they are.
SOURCE_TEMPLATES = {
    "RM20101": N_("{1} in open receivables (RM20101)"),
    "RM30101": N_("{1} in receivables history (RM30101)"),
    "PA30101": N_("timesheet {0}, line {1} (PA30101)"),
}


def drilldown_labels(_: Gettext) -> dict[str, Any]:
    """The words the HTML's script shows in a drill-down, translated here (the script has no gettext)."""
    return {
        "waterfall": _("Profit waterfall"),
        "documents": _("Documents in the period"),
        "hours": _("Time entries in the period"),
        "net_sales": _("Net sales"),
        "cost_of_goods": _("Cost of goods"),
        "commissions": _("Commissions"),
        "labour_cost": _("Labour cost to serve"),
        "activity_cost": _("Activity costs"),
        "other_income": _("Other income"),
        "financing_cost": _("Financing cost"),
        "credit_loss": _("Credit loss"),
        "net_profit": _("Net profit"),
        "voided": _("voided"),
        "shown": _("Showing %(shown)s of %(count)s customers"),
        "why": _("Why"),
        "rows_of": _("%(first)s–%(last)s of %(count)s"),
        "previous": _("Previous"),
        "next": _("Next"),
        "none": _("None in the period."),
        "sources": {table: _(template) for table, template in SOURCE_TEMPLATES.items()},
        "document_header": [
            _("Date"),
            _("Type"),
            _("Number"),
            _("Amount"),
            _("Sales amount"),
            _("Cost"),
            "",
            _("Source"),
        ],
        "hours_header": [_("Date"), _("Employee"), _("Activity"), _("Hours"), _("Cost"), _("Source")],
        **{key: _(label) for key, label in DOCUMENT_TYPES.items()},
    }


def statement_context(
    base: dict[str, Any], analysis: Analysis, customer: CustomerProfit, meta: ReportMeta, _: Gettext
) -> dict[str, Any]:
    """The one-page statement of one customer, for its account manager."""
    f = Formatter(meta.locale, meta.currency)
    c = customer
    steps = [
        (_("Net sales"), c.net_sales, False),
        (_("Cost of goods"), -c.cost_of_goods, True),
        (_("Gross margin"), c.gross_margin, False),
        (_("Other income"), c.other_income, False),
        (_("Commissions"), -c.commissions, True),
        (_("Labour cost to serve"), -c.labour_cost, True),
        (_("Activity costs"), -c.activity_cost, True),
        (_("Financing cost"), -c.financing_cost, True),
        (_("Credit loss"), -c.credit_loss, True),
        (_("Net profit"), c.net_profit, c.net_profit < 0),
    ]
    labels = bucket_labels(analysis, _)
    row = _row(c, f, _)
    axis = money_axis(f)  # the waterfall as a chart too: gross margin and net profit stand on the axis

    def days(value: Decimal | None) -> str:
        return f.number(value, 1) if value is not None else "–"

    return {
        **base,
        "c": c,
        "s": {
            "net_profit": f.money(c.net_profit),
            "segment": row["segment"],
            "action": _(ACTIONS.get(c.action, c.action)),
            "reason": row["reason"],
            "days_late": _("pays %(days)s days late on average", days=row["days_late"])
            if c.avg_days_late is not None and c.avg_days_late >= 5
            else _("pays on time"),
            "waterfall": [(label, f.money(amount), minus) for label, amount, minus in steps],
            "waterfall_svg": charts.profit_bridge(
                [label for label, _amount, _minus in steps],
                [amount for _label, amount, _minus in steps],
                [label in (_("Gross margin"), _("Net profit")) for label, _amount, _minus in steps],
                money=axis,
            ),
            "referral": f.money(c.referral_value) if c.referral_value and analysis.referral_share else "",
            "referral_share": f.percent(analysis.referral_share * 100, 0),
            "referred_margin": f.money(c.referral_value / analysis.referral_share) if analysis.referral_share else "",
            "discounts_taken": f.money(c.discounts_taken) if c.discounts_taken else "",
            "write_offs": f.money(c.write_offs),
            "allowance_start": f.money(c.allowance_start),
            "allowance_end": f.money(c.allowance_end),
            "expected_credit_loss": f.money(c.expected_credit_loss),
            "open_amount": f.money(c.open_amount),
            "overdue_amount": f.money(c.overdue_amount),
            "dso": days(c.dso),
            "best_dso": days(c.best_possible_dso),
            "days_to_pay": days(c.avg_days_to_pay),
            "limit_use": f.percent(c.credit_limit_use * 100) if c.credit_limit_use is not None else "–",
            # The statement reconciles on its own page: open invoices by age − unapplied credits = open.
            "ageing_total": f.money(sum(c.ageing, Decimal(0))),
            "unapplied_credits": f.money(-c.unapplied_credits) if c.unapplied_credits else "",
            "ageing": [
                {"label": label, "amount": f.money(amount)} for label, amount in zip(labels, c.ageing, strict=True)
            ],
        },
    }
