"""Why a customer earns or loses money, in words a manager reads in a second.

Each reason is a gettext message (translated with the report) chosen from the customer's own figures:
what eats the margin of a loss-maker, or what makes a good customer good.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from profitability.model import CustomerProfit

ZERO = Decimal(0)
Gettext = Callable[..., str]


def reason(c: CustomerProfit, _: Gettext, percent: Callable[[Decimal], str]) -> str:
    """`percent` writes a percentage in the report's locale (12.5 → "12.5%", "12,5 %")."""
    parts: list[str] = []
    late = c.avg_days_late
    if c.net_profit < 0:
        if c.net_sales <= 0:
            return _("costs money without sales in the period")
        if c.gross_margin <= 0:
            parts.append(_("sold below cost"))
        else:
            heavy_returns = c.returns_amount > c.net_sales * Decimal("0.1")
            support = c.labour_cost
            if heavy_returns and support > ZERO:
                parts.append(_("returns and support time exceed the margin"))
            elif support >= c.activity_cost and support > c.gross_margin / 3:
                parts.append(_("support time exceeds the margin"))
            elif c.activity_cost > c.gross_margin / 3:
                parts.append(_("handling costs (orders, returns, reminders) exceed the margin"))
            elif c.commissions > c.gross_margin / 2:
                parts.append(_("commissions take most of the margin"))
        if late is not None and late >= 15:
            parts.append(_("pays %(days)s days late on average", days=int(late.to_integral_value())))
        elif c.credit_loss > c.gross_margin / 4 and c.credit_loss > 0:
            parts.append(_("overdue invoices carry a high credit risk"))
        return "; ".join(parts) or _("the costs to serve and to wait exceed a thin margin")
    margin = c.gross_margin_pct or ZERO
    if c.cost_to_serve < c.gross_margin / 10:
        parts.append(_("healthy margin (%(pct)s) and little time to serve", pct=percent(margin)))
    else:
        parts.append(_("healthy margin (%(pct)s) covers the cost to serve", pct=percent(margin)))
    if late is not None and late <= 0:
        parts.append(_("pays on time"))
    elif late is not None and late >= 15:
        parts.append(_("but pays %(days)s days late on average", days=int(late.to_integral_value())))
    return "; ".join(parts)
