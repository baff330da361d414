"""What a prospect is likely worth, from the customers most like it.

Peers are the customers with sales in the analysed period, ranked by likeness: the same customer class
counts most, then the same territory, then the closest yearly net sales (by ratio, so 50,000 is as far
from 100,000 as 200,000 is). The `k` most alike give the estimate:

    expected net profit = expected yearly sales × the peers' median net margin
    (low and high: the peers' 25th and 75th percentile net margins)
    lifetime value      = expected net profit × r ÷ (1 + i − r)

Peers' figures are scaled to a year, so a quarter's analysis still compares with yearly sales.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from common.errors import EngineError
from profitability.model import Analysis, CustomerProfit
from profitability.portfolio import lifetime_value


@dataclass(frozen=True)
class Estimate:
    expected_sales: Decimal
    net_margin: Decimal  # median, a fraction
    net_profit: Decimal
    net_profit_low: Decimal
    net_profit_high: Decimal
    gross_margin: Decimal
    cost_to_serve: Decimal
    lifetime_value: Decimal | None
    peers: tuple[CustomerProfit, ...]


def _quantile(values: list[Decimal], q: Decimal) -> Decimal:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def estimate(
    analysis: Analysis,
    customer_class: str | None,
    territory: str | None,
    yearly_sales: Decimal,
    *,
    k: int = 10,
    discount_rate: Decimal = Decimal("0.08"),
) -> Estimate:
    if yearly_sales <= 0:
        raise EngineError("the expected yearly sales must be above 0", hint="e.g. --sales 50000")
    scale = Decimal(365) / analysis.period.days
    candidates = [c for c in analysis.customers if c.net_sales > 0]
    if not candidates:
        raise EngineError(
            "no customer has sales in the analysed period, so there is nothing to compare with",
            hint="choose a period with sales (--from/--to)",
        )

    def likeness(c: CustomerProfit) -> tuple[int, float, str]:
        match = (2 if customer_class and c.customer_class == customer_class else 0) + (
            1 if territory and c.territory == territory else 0
        )
        distance = abs(math.log(float(c.net_sales * scale / yearly_sales)))
        return (-match, distance, c.customer_id)

    peers = tuple(sorted(candidates, key=likeness)[:k])
    margins = [c.net_profit / c.net_sales for c in peers]
    gm = [c.gross_margin / c.net_sales for c in peers]
    cts = [c.cost_to_serve / c.net_sales for c in peers]
    median = _quantile(margins, Decimal("0.5"))
    profit = yearly_sales * median
    return Estimate(
        expected_sales=yearly_sales,
        net_margin=median,
        net_profit=profit,
        net_profit_low=yearly_sales * _quantile(margins, Decimal("0.25")),
        net_profit_high=yearly_sales * _quantile(margins, Decimal("0.75")),
        gross_margin=yearly_sales * _quantile(gm, Decimal("0.5")),
        cost_to_serve=yearly_sales * _quantile(cts, Decimal("0.5")),
        lifetime_value=lifetime_value(profit, 365, analysis.retention, discount_rate),
        peers=peers,
    )
