"""Inputs and results of an analysis: frozen records, Decimal money."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from common.errors import EngineError

DEFAULT_BOUNDS: tuple[int, ...] = (30, 60, 90, 120)
ZERO = Decimal(0)

# Driver names counted from the ledger itself; any other driver name is an activity_event.activity.
LEDGER_DRIVERS = ("invoice", "credit_memo", "return", "payment", "reminder")


FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


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
        for day in (start, end, as_of or end):
            if not FIRST_DAY <= day <= LAST_DAY:
                # Ledger dates lie in 1950-2199 (the mappings refuse others); the previous period of the
                # same length, which every analysis also computes, must exist in the calendar too.
                raise EngineError(
                    f"{day} is outside the dates profitlens analyses ({FIRST_DAY} to {LAST_DAY})",
                    hint="give --from, --to and --as-of within those dates",
                )
        return cls(start, end, as_of or end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for trends and the watch list)."""
        end = self.start - dt.timedelta(days=1)
        start = end - dt.timedelta(days=self.days - 1)
        return Period(start, end, end)


@dataclass(frozen=True, slots=True)
class AgeingBuckets:
    """Upper bounds in days past due. (30, 60, 90) gives: current (not yet due, 0 days included),
    1-30, 31-60, 61-90 and over 90. A day count equal to a bound belongs to the bucket it closes.
    A leading 0 is accepted and ignored (current always exists)."""

    bounds: tuple[int, ...] = DEFAULT_BOUNDS

    def __post_init__(self) -> None:
        bounds = tuple(b for b in self.bounds if b != 0) if self.bounds[:1] == (0,) else self.bounds
        if not bounds or list(bounds) != sorted(set(bounds)) or bounds[0] <= 0:
            raise EngineError(
                f"ageing buckets {list(self.bounds)} must be rising day counts above 0", hint="e.g. [30, 60, 90, 120]"
            )
        object.__setattr__(self, "bounds", bounds)

    def ranges(self) -> list[tuple[int | None, int | None]]:
        """(lowest, highest) days past due of each bucket; None is open-ended."""
        edges = (0, *self.bounds)
        return [
            (None, 0),
            *((lo + 1, hi) for lo, hi in itertools.pairwise(edges)),
            (self.bounds[-1] + 1, None),
        ]

    def labels(self) -> list[str]:
        out = ["current"]
        out += [f"{lo}-{hi}" for lo, hi in self.ranges()[1:-1]]
        out.append(f"over {self.bounds[-1]}")
        return out

    def column_keys(self) -> list[str]:
        """Column-safe names: current, d1_30, d31_60, ..., over_120."""
        out = ["current"]
        out += [f"d{lo}_{hi}" for lo, hi in self.ranges()[1:-1]]
        out.append(f"over_{self.bounds[-1]}")
        return out

    def __len__(self) -> int:
        return len(self.bounds) + 2


@dataclass(frozen=True, slots=True)
class Pool:
    """A capacity pool of time-driven ABC: what its capacity costs in the period, and how many minutes
    of practical capacity it supplies (typically 80-85 % of the theoretical)."""

    name: str
    cost: Decimal
    practical_minutes: Decimal

    @property
    def rate_per_minute(self) -> Decimal:
        return self.cost / self.practical_minutes


@dataclass(frozen=True, slots=True)
class Driver:
    """A cost driver: each event takes `minutes` of `pool`'s capacity."""

    name: str
    pool: str
    minutes: Decimal


@dataclass(frozen=True, slots=True)
class Costing:
    pools: tuple[Pool, ...] = ()
    drivers: tuple[Driver, ...] = ()
    reminder_interval_days: int = 30  # a late-payment reminder goes out every N days past due

    def __post_init__(self) -> None:
        names = [p.name for p in self.pools]
        for pool in self.pools:
            if pool.practical_minutes <= 0:
                raise EngineError(f"pool {pool.name!r}: practical_minutes must be above 0")
        for driver in self.drivers:
            if driver.pool not in names:
                raise EngineError(
                    f"driver {driver.name!r} names the pool {driver.pool!r}, which is not configured",
                    hint=f"pools: {', '.join(names) or 'none'}",
                )

    def pool(self, name: str) -> Pool | None:
        return next((p for p in self.pools if p.name == name), None)


LossRates = tuple[Decimal, ...] | Literal["history"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The method's settings (configurable; see docs/configuration.md)."""

    department_rates: dict[str, Decimal] = field(default_factory=dict)  # cost per hour
    buckets: AgeingBuckets = field(default_factory=AgeingBuckets)
    cost_of_capital: Decimal = Decimal("0.08")  # yearly
    loss_rates: LossRates = "history"
    referral_share: Decimal = Decimal("0.10")
    discount_rate: Decimal | None = None  # for lifetime value; default: the cost of capital
    costing: Costing = field(default_factory=Costing)
    history_years: int = 3  # how far back loss rates and retention are estimated
    # "protect and reward" holds only customers earning at least this share of their net sales.
    protect_min_net_margin: Decimal = Decimal("0.05")
    # Several companies: each company's functional amounts × its rate give the reporting currency.
    company_rates: dict[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.loss_rates != "history" and len(self.loss_rates) != len(self.buckets):
            raise EngineError(
                f"loss_rates has {len(self.loss_rates)} rates but the ageing buckets need {len(self.buckets)} "
                f"(current, {', '.join(self.buckets.labels()[1:])})",
                hint='give one rate per bucket, or loss_rates = "history"',
            )


class _Ratios:
    """What a customer's figures give: cost to serve and the margins as percentages of net sales."""

    __slots__ = ()
    net_sales: Decimal
    gross_margin: Decimal
    labour_cost: Decimal
    activity_cost: Decimal
    net_profit: Decimal

    @property
    def cost_to_serve(self) -> Decimal:
        return self.labour_cost + self.activity_cost

    @property
    def gross_margin_pct(self) -> Decimal | None:
        return self.gross_margin / self.net_sales * 100 if self.net_sales else None

    @property
    def net_margin_pct(self) -> Decimal | None:
        return self.net_profit / self.net_sales * 100 if self.net_sales else None


@dataclass(frozen=True, slots=True)
class CustomerProfit(_Ratios):
    """One customer's figures for the period, in the reporting currency."""

    company: str
    customer_id: str
    name: str
    parent_id: str | None
    salesperson_id: str | None
    territory: str | None
    customer_class: str | None
    currency: str | None
    net_sales: Decimal
    cost_of_goods: Decimal
    gross_margin: Decimal
    freight_billed: Decimal
    misc_billed: Decimal
    commissions: Decimal
    labour_hours: Decimal
    labour_cost: Decimal
    activity_cost: Decimal
    financing_cost: Decimal
    expected_credit_loss: Decimal
    net_profit: Decimal
    referral_value: Decimal
    open_amount: Decimal
    overdue_amount: Decimal
    unapplied_credits: Decimal
    ageing: tuple[Decimal, ...]
    documents: int
    returns_amount: Decimal
    write_offs: Decimal
    credit_limit: Decimal | None
    dso: Decimal | None
    best_possible_dso: Decimal | None
    avg_days_delinquent: Decimal | None
    avg_days_to_pay: Decimal | None
    avg_days_late: Decimal | None  # days after the due date, weighted by the amount paid
    days_to_pay_trend: Decimal | None
    credit_limit_use: Decimal | None
    risk_grade: str
    discounts_taken: Decimal  # settlement discounts taken in the period (already out of net sales)
    finance_charges_billed: Decimal
    other_income: Decimal  # freight + misc + finance charges billed
    credit_loss: Decimal  # write-offs + allowance_end − allowance_start
    allowance_start: Decimal  # the allowance the day before the period
    allowance_end: Decimal  # the allowance at the period's end
    exposure: tuple[Decimal, ...]  # net exposure by ageing bucket at the as-of date (what the ECL is on)
    labour_by_activity: dict[str, Decimal] = field(default_factory=dict)
    activity_by_driver: dict[str, Decimal] = field(default_factory=dict)
    rank: int = 0
    cumulative_profit_share: Decimal = ZERO
    segment: str = ""
    action: str = ""
    lifetime_value: Decimal | None = None

    @property
    def allowance_change(self) -> Decimal:
        return self.allowance_end - self.allowance_start


@dataclass(frozen=True, slots=True)
class PreviousFigures(_Ratios):
    """A customer's figures in the previous period of the same length: what the watch list and the
    days-to-pay trend compare the current period with."""

    name: str
    net_sales: Decimal
    gross_margin: Decimal
    labour_cost: Decimal
    activity_cost: Decimal
    returns_amount: Decimal
    expected_credit_loss: Decimal
    net_profit: Decimal
    avg_days_to_pay: Decimal | None
    other_income: Decimal
    financing_cost: Decimal
    credit_loss: Decimal
    allowance_change: Decimal


@dataclass(frozen=True)
class WatchItem:
    company: str
    customer_id: str
    name: str
    previous_net_profit: Decimal
    net_profit: Decimal
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Analysis:
    """The result of one analysis run."""

    period: Period
    buckets: AgeingBuckets
    customers: tuple[CustomerProfit, ...]  # ranked by net profit, best first
    totals: dict[str, Decimal]
    ageing_totals: tuple[Decimal, ...]
    ecl_by_bucket: tuple[Decimal, ...]
    loss_rates: tuple[Decimal, ...]
    loss_rates_source: str
    counts: dict[str, int]
    reconciliation: dict[str, Any]
    unpriced_hours: Decimal
    unused_capacity: dict[str, dict[str, Decimal]]
    driver_rates: dict[str, Decimal]
    whale_curve: dict[str, Any]
    watch_list: tuple[WatchItem, ...]
    groups: dict[str, list[dict[str, Any]]]
    retention: Decimal | None
    exposure_totals: tuple[Decimal, ...]  # net exposure by bucket at the as-of date (what the ECL is on)
    pool_check: dict[str, dict[str, Any]]  # per pool: its cost = charged + priced into labour + unused
    previous_totals: dict[str, Decimal] = field(default_factory=dict)
    referral_share: Decimal = ZERO  # the referrer's credit: this share of the referred customers' gross margin
