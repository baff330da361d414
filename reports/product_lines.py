"""The product lines (item classes) as the reports show them: one row per line, the best and the weakest.

From `Analysis.groups["item_class"]` (profitability/portfolio.py): net sales, gross margin and its share,
returns, the number of customers and the three that buy most — named here. The row of what no sales line
carries (discounts, documents without lines) closes the table under its own label, so that the lines add
up to the customers' net sales on the page; it is never "best" or "weakest", nor is "unclassified".
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from profitability.model import Analysis
from profitability.portfolio import NOT_ON_LINES
from profitability.product_line import ProductLine
from reports.formatting import Formatter

Gettext = Callable[..., str]


def product_lines(analysis: Analysis, f: Formatter, _: Gettext) -> dict[str, Any]:
    """`rows` for the table, `summary` (one sentence naming the best and weakest line, or "")."""
    groups = analysis.groups.get("item_class", [])
    names = {c.customer_id: c.name for c in analysis.customers}
    rows = []
    for g in groups:
        own = g["key"] == NOT_ON_LINES
        share = g.get("gross_margin_share")
        rows.append(
            {
                "key": "" if own else g["key"],
                "name": _("Not on any line (discounts, documents without lines)")
                if own
                else g["description"] or g["key"],
                "net_sales": f.money(g["net_sales"], whole=True),
                "gross_margin": f.money(g["gross_margin"], whole=True),
                "share": "" if own else f.percent(share * 100 if share is not None else None),
                "returns": f.money(g.get("returns"), whole=True) if g.get("returns") else "",
                "customers": f.number(g.get("customers") or 0) if not own else "",
                "buyers": ", ".join(names.get(c, c) for c in str(g.get("top_customers") or "").split()),
                # The drill-down: the line's customers, most net sales first (up to 50; the rest: --item-class).
                "detail": [
                    {
                        "name": names.get(customer_id, customer_id),
                        "customer_id": customer_id,
                        "net_sales": f.money(net, whole=True),
                        "gross_margin": f.money(net - cost, whole=True),
                    }
                    for _company, customer_id, net, cost in g.get("buyers", [])
                ],
                "more": max(int(g.get("customers") or 0) - len(g.get("buyers", [])), 0),
                "sort": {
                    "net_sales": float(g["net_sales"]),
                    "gross_margin": float(g["gross_margin"]),
                    "share": float(share) if share is not None else -1e18,
                    "customers": int(g.get("customers") or 0),
                },
                "own": own,
            }
        )
    ranked = [g for g in groups if g["key"] not in (NOT_ON_LINES, "unclassified") and g["net_sales"] > 0]
    summary = ""
    if len(ranked) >= 2:
        best = max(ranked, key=lambda g: (g["gross_margin"], g["key"]))
        weakest = min(ranked, key=lambda g: (g["gross_margin_share"], g["key"]))
        summary = _(
            "Best product line: %(best)s, %(margin)s of gross margin (%(share)s of its sales). "
            "Weakest: %(weakest)s, %(weakest_share)s.",
            best=best["description"] or best["key"],
            margin=f.money(best["gross_margin"], whole=True),
            share=f.percent(best["gross_margin_share"] * 100),
            weakest=weakest["description"] or weakest["key"],
            weakest_share=f.percent(Decimal(weakest["gross_margin_share"]) * 100),
        )
    return {"rows": rows, "summary": summary}


def product_line_context(line: ProductLine, meta: Any, f: Formatter, _: Gettext) -> dict[str, Any]:
    """The one-line report of `report --item-class` (templates/product_line.html)."""
    share = line.gross_margin / line.net_sales if line.net_sales else None
    return {
        "lang": meta.locale,
        "company": meta.company,
        "currency": meta.currency,
        "line_key": line.item_class,
        "line_name": line.description or line.item_class,
        "period_from": f.date(line.period.start),
        "period_to": f.date(line.period.end),
        "rows": [
            {
                "name": c.name,
                "customer_id": c.customer_id,
                "net_sales": f.money(c.net_sales),
                "cost": f.money(c.cost_of_goods),
                "gross_margin": f.money(c.gross_margin),
                "share": f.percent(c.gross_margin_share * 100 if c.gross_margin_share is not None else None),
                "returns": f.money(c.returns) if c.returns else "",
            }
            for c in line.customers
        ],
        "totals": {
            "net_sales": f.money(line.net_sales),
            "cost": f.money(line.cost_of_goods),
            "gross_margin": f.money(line.gross_margin),
            "share": f.percent(share * 100 if share is not None else None),
            "returns": f.money(line.returns) if line.returns else "",
            "customers": f.number(len(line.customers)),
        },
    }
