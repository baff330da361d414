"""The profit bridge: from net sales to net profit in the steps of the method, shown so that they add up.

    net sales − cost of goods = gross margin
    gross margin + other income − commissions − labour − activity costs − financing − credit loss = net profit

The figures are exact decimals; page 1 shows them in whole units, each rounded half up on its own — the
same number the headline tiles, the later pages and the workbook show for it, so that a figure that
appears twice reads the same. Rounded one by one, the steps need not add up to the rounded net profit: the
unit or two between them is shown as its own step, "rounding difference", just before net profit, so a
reader adding page 1 with a pen arrives exactly. Cost of goods is shown as what lies between the rounded
net sales and the rounded gross margin (it appears nowhere else on the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# (key in Analysis.totals, its sign on the way to net profit); gross margin and net profit are subtotals.
MIDDLE_STEPS = (
    ("other_income", 1),
    ("commissions", -1),
    ("labour_cost", -1),
    ("activity_cost", -1),
    ("financing_cost", -1),
    ("credit_loss", -1),
)


@dataclass(frozen=True)
class BridgeStep:
    key: str
    amount: Decimal  # exact, with its sign on the way to net profit (a cost is negative)
    shown: Decimal  # rounded to the report's unit; the shown steps add up to the shown totals
    subtotal: bool  # net sales, gross margin and net profit: bars that stand on the axis


def rounded(value: Decimal, unit: Decimal = Decimal(1)) -> Decimal:
    """Half up to `unit`, as the report shows a figure (Formatter.money(whole=True) rounds the same way)."""
    return value.quantize(unit, rounding=ROUND_HALF_UP)


def profit_bridge(totals: dict[str, Decimal], unit: Decimal = Decimal(1)) -> list[BridgeStep]:
    """The bridge's steps from `totals` (Analysis.totals), rounded to `unit`; a "rounding" step (exact
    amount 0) stands before net profit when the rounded steps would not add up to it."""
    net_sales, gross_margin, net_profit = totals["net_sales"], totals["gross_margin"], totals["net_profit"]
    sales_shown, margin_shown, profit_shown = (rounded(v, unit) for v in (net_sales, gross_margin, net_profit))
    middle = [
        BridgeStep(key, sign * totals[key], rounded(sign * totals[key], unit), False) for key, sign in MIDDLE_STEPS
    ]
    rounding = profit_shown - margin_shown - sum((step.shown for step in middle), Decimal(0))
    return [
        BridgeStep("net_sales", net_sales, sales_shown, True),
        BridgeStep("cost_of_goods", -(net_sales - gross_margin), margin_shown - sales_shown, False),
        BridgeStep("gross_margin", gross_margin, margin_shown, True),
        *middle,
        *([BridgeStep("rounding", Decimal(0), rounding, False)] if rounding else []),
        BridgeStep("net_profit", net_profit, profit_shown, True),
    ]
