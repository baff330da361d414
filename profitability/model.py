"""Inputs and results of an analysis: frozen records, Decimal money."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from profitlens.errors import EngineError

DEFAULT_BUCKETS: tuple[int, ...] = (0, 30, 60, 90, 120)


@dataclass(frozen=True, slots=True)
class Period:
    """An analysis period [start, end] and the date receivables are aged at (default: end)."""

    start: dt.date
    end: dt.date
    as_of: dt.date

    @classmethod
    def of(cls, start: dt.date, end: dt.date, as_of: dt.date | None = None) -> Period:
        if end < start:
            raise EngineError(f"the period ends ({end}) before it starts ({start})", hint="swap --from and --to")
        return cls(start, end, as_of or end)


@dataclass(frozen=True, slots=True)
class AgeingBuckets:
    """Upper bounds in days past due: (0, 30, 60) gives current, 1-30, 31-60, over 60."""

    bounds: tuple[int, ...] = DEFAULT_BUCKETS

    def __post_init__(self) -> None:
        if not self.bounds or list(self.bounds) != sorted(set(self.bounds)) or self.bounds[0] != 0:
            raise EngineError(
                f"ageing buckets {list(self.bounds)} must start at 0 and rise", hint="e.g. [0, 30, 60, 90, 120]"
            )

    def labels(self) -> list[str]:
        out = ["current"]
        for lo, hi in zip(self.bounds, self.bounds[1:], strict=False):
            out.append(f"{lo + 1}-{hi}")
        out.append(f"over {self.bounds[-1]}")
        return out

    def column_keys(self) -> list[str]:
        """Column-safe names: current, d1_30, d31_60, ..., over_120."""
        out = ["current"]
        for lo, hi in zip(self.bounds, self.bounds[1:], strict=False):
            out.append(f"d{lo + 1}_{hi}")
        out.append(f"over_{self.bounds[-1]}")
        return out


@dataclass(frozen=True, slots=True)
class Settings:
    """Cost settings of the method (configurable; see docs/configuration.md)."""

    department_rates: dict[str, Decimal] = field(default_factory=dict)
    buckets: AgeingBuckets = field(default_factory=AgeingBuckets)


@dataclass(frozen=True, slots=True)
class CustomerProfit:
    """One customer's figures for the period, in the functional currency."""

    customer_id: str
    name: str
    parent_id: str | None
    salesperson_id: str | None
    territory: str | None
    customer_class: str | None
    net_sales: Decimal
    cost_of_goods: Decimal
    gross_margin: Decimal
    freight_billed: Decimal
    misc_billed: Decimal
    commissions: Decimal
    labour_hours: Decimal
    labour_cost: Decimal
    net_profit: Decimal
    open_amount: Decimal
    overdue_amount: Decimal
    unapplied_credits: Decimal
    ageing: tuple[Decimal, ...]
    documents: int

    @property
    def gross_margin_pct(self) -> Decimal | None:
        return self.gross_margin / self.net_sales * 100 if self.net_sales else None

    @property
    def net_margin_pct(self) -> Decimal | None:
        return self.net_profit / self.net_sales * 100 if self.net_sales else None


@dataclass(frozen=True)
class Analysis:
    """The result of one analysis run."""

    period: Period
    buckets: AgeingBuckets
    customers: tuple[CustomerProfit, ...]  # ranked by net profit, best first
    totals: dict[str, Decimal]
    ageing_totals: tuple[Decimal, ...]
    counts: dict[str, int]
    reconciliation: dict[str, Any]
    unpriced_hours: Decimal
