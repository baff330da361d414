"""Invariants of the engine over generated companies (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Costing, Driver, Period, Pool, Settings
from profitlens.sync import run_sync
from reports.outputs import customers_csv, summary

TYPES = ["invoice", "debit_memo", "service", "finance_charge", "credit_memo", "return", "payment"]
START = dt.date(2025, 10, 1)
money = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False, allow_infinity=False)
day = st.integers(min_value=0, max_value=180).map(lambda n: START + dt.timedelta(days=n))

document = st.fixed_dictionaries(
    {
        "customer": st.sampled_from(["C1", "C2", "C3"]),
        "type": st.sampled_from(TYPES),
        "date": day,
        "due_in": st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
        "amount": money,
        "sales_share": st.sampled_from([None, Decimal("0.8"), Decimal("1")]),
        "cost_share": st.sampled_from([None, Decimal("0"), Decimal("0.6")]),
        "commission": st.one_of(st.none(), st.decimals(min_value=0, max_value=500, places=2)),
        "voided": st.booleans(),
        "trade_discount": st.sampled_from(["", "3.50"]),
        "freight": st.sampled_from(["", "12.00"]),
    }
)
# from, to, amount, day, write-off, settlement discount taken
application = st.tuples(
    st.integers(0, 30),
    st.integers(0, 30),
    money,
    day,
    st.sampled_from([None, Decimal("5")]),
    st.sampled_from([None, Decimal("2.50")]),
)
labour = st.tuples(
    st.sampled_from(["C1", "C2", ""]),
    day,
    st.decimals(min_value=0, max_value=12, places=2),
    st.sampled_from(["", "80"]),
)
event = st.tuples(st.sampled_from(["C1", "C2", "C3"]), day, st.sampled_from(["call", "visit"]), st.integers(1, 5))


def examples(default: int, divide: int = 1) -> settings:
    """Hypothesis settings for a test that syncs and analyses a generated company: `default` examples, or
    PROFITLENS_EXAMPLES (÷ `divide` for the slowest)."""
    return settings(
        max_examples=max(1, int(os.environ.get("PROFITLENS_EXAMPLES", str(default * divide))) // divide),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


SETTINGS = Settings(
    cost_of_capital=Decimal("0.09"),
    loss_rates=(Decimal("0.01"), Decimal("0.03"), Decimal("0.08"), Decimal("0.2"), Decimal("0.5"), Decimal("0.9")),
    department_rates={"SUP": Decimal("50")},
    costing=Costing(
        pools=(Pool("desk", Decimal("9000"), Decimal("20000")),),
        drivers=(
            Driver("invoice", "desk", Decimal("7")),
            Driver("payment", "desk", Decimal("3")),
            Driver("reminder", "desk", Decimal("4")),
            Driver("call", "desk", Decimal("12")),
        ),
    ),
)


def write_company(
    folder: Path,
    docs: list[dict],  # type: ignore[type-arg]
    apps: list[tuple],  # type: ignore[type-arg]
    hours: list[tuple],  # type: ignore[type-arg]
    events: list[tuple],  # type: ignore[type-arg]
    scale: int = 1,  # every amount of money written × scale
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text(
        "customer_id,name,credit_limit,referred_by\nC1,One,1000,\nC2,Two,,C1\nC3,Three,0,C2\n"
    )
    lines = [
        "document_id,customer_id,document_type,document_date,due_date,amount,sales_amount,cost_amount,"
        "commission_amount,voided,trade_discount,freight_amount"
    ]
    for i, d in enumerate(docs):
        due = "" if d["due_in"] is None else (d["date"] + dt.timedelta(days=d["due_in"])).isoformat()

        def money_of(share: Decimal | None, amount: Decimal = d["amount"]) -> str:
            return "" if share is None else str((amount * share).quantize(Decimal("0.01")) * scale)

        commission = "" if d["commission"] is None else str(d["commission"] * scale)
        trade, freight = (str(Decimal(d[k]) * scale) if d[k] else "" for k in ("trade_discount", "freight"))
        lines.append(
            f"D{i},{d['customer']},{d['type']},{d['date']},{due},{d['amount'] * scale},{money_of(d['sales_share'])},"
            f"{money_of(d['cost_share'])},{commission},{int(d['voided'])},{trade},{freight}"
        )
    (folder / "documents.csv").write_text("\n".join(lines) + "\n")
    rows = ["from_document_id,to_document_id,amount,apply_date,write_off_amount,discount_taken"]
    for i, (a, b, amount, when, write_off, discount) in enumerate(apps):
        rows.append(
            f"D{a},D{b},{amount * scale},{when + dt.timedelta(days=i)},"
            f"{'' if write_off is None else write_off * scale},{'' if discount is None else discount * scale}"
        )
    (folder / "applications.csv").write_text("\n".join(rows) + "\n")
    (folder / "employees.csv").write_text("employee_id,name,department\nE1,Emp,SUP\n")
    rows = ["entry_id,employee_id,date,hours,customer_id,cost_amount"]
    rows += [f"T{i},E1,{when},{h},{c},{cost}" for i, (c, when, h, cost) in enumerate(hours)]  # hours: not money
    (folder / "labour.csv").write_text("\n".join(rows) + "\n")
    rows = ["event_id,customer_id,date,activity,quantity"]
    rows += [f"V{i},{c},{when},{a},{q}" for i, (c, when, a, q) in enumerate(events)]
    (folder / "activity_events.csv").write_text("\n".join(rows) + "\n")


@examples(30)
@given(
    docs=st.lists(document, max_size=14),
    apps=st.lists(application, max_size=10),
    hours=st.lists(labour, max_size=6),
    events=st.lists(event, max_size=5),
    as_of_shift=st.sampled_from([0, -40]),
)
def test_engine_invariants(
    tmp_path_factory: pytest.TempPathFactory,
    docs: list[dict],
    apps: list[tuple],  # type: ignore[type-arg]
    hours: list[tuple],
    events: list[tuple],
    as_of_shift: int,
) -> None:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("co")
    write_company(folder, docs, apps, hours, events)
    end = dt.date(2026, 3, 31)
    period = Period.of(dt.date(2026, 1, 1), end, end + dt.timedelta(days=as_of_shift))
    with Store(folder / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        first = analyze(store.con, period, SETTINGS)
        again = analyze(store.con, period, SETTINGS)

    for c in first.customers:
        # Net profit is exactly the sum of its parts.
        assert c.net_profit == (
            c.gross_margin
            + c.other_income
            - c.commissions
            - c.labour_cost
            - c.activity_cost
            - c.financing_cost
            - c.credit_loss
        )
        assert c.other_income == c.freight_billed + c.misc_billed + c.finance_charges_billed
        assert c.credit_loss == c.write_offs + c.allowance_end - c.allowance_start
        assert c.gross_margin == c.net_sales - c.cost_of_goods
        assert c.activity_cost == sum(c.activity_by_driver.values(), Decimal(0))
        # Ageing buckets hold the open invoices: with the unapplied credits they give the open amount.
        assert sum(c.ageing, Decimal(0)) - c.unapplied_credits == c.open_amount
        assert c.overdue_amount == sum(c.ageing[1:], Decimal(0))
        # The allowance is on the net exposure: open debit items less unapplied credits, never below zero.
        assert c.expected_credit_loss == sum(
            (a * r for a, r in zip(c.exposure, SETTINGS.loss_rates, strict=True)), Decimal(0)
        )
        assert all(e >= 0 for e in c.exposure)
        if c.avg_days_delinquent is not None:
            assert c.avg_days_delinquent >= 0
    # Totals are the sums over customers; the ageing totals sum to the open invoices.
    for name, total in first.totals.items():
        assert total == sum((getattr(c, name) for c in first.customers), Decimal(0)), name
    assert sum(first.ageing_totals, Decimal(0)) == first.totals["open_amount"] + first.totals["unapplied_credits"]
    assert abs(sum(first.ecl_by_bucket, Decimal(0)) - first.totals["expected_credit_loss"]) < Decimal("1e-20")
    # Ranked by net profit; the whale curve ends at 100 % of the total.
    profits = [c.net_profit for c in first.customers]
    assert profits == sorted(profits, reverse=True)
    if first.customers and first.totals["net_profit"] != 0:
        assert first.customers[-1].cumulative_profit_share == 1
    # Capacity used plus unused is the practical capacity; the pool's cost is charged or reported unused.
    pool = first.unused_capacity["desk"]
    assert pool["used_minutes"] + pool["minutes"] == pool["practical_minutes"]
    assert first.pool_check["desk"]["ties"], first.pool_check
    # Re-running gives identical output.
    assert customers_csv(first) == customers_csv(again)
    assert summary(first, None, "x", "EUR") == summary(again, None, "x", "EUR")


# Every flow of a period: consecutive periods must add up to their union, customer by customer.
FLOWS = (
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "freight_billed",
    "misc_billed",
    "finance_charges_billed",
    "other_income",
    "discounts_taken",
    "commissions",
    "labour_hours",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "write_offs",
    "allowance_change",
    "credit_loss",
    "returns_amount",
    "net_profit",
)
# What doubles when every amount of money doubles (activity costs count events; hours priced by rate stay).
MONEY_FLOWS = tuple(f for f in FLOWS if f not in ("labour_hours", "labour_cost", "activity_cost", "net_profit"))
TINY = Decimal("1e-18")  # what 28-digit Decimal rounding can leave; far below a cent


def flows(analysis: Analysis) -> dict[tuple[str, str], dict[str, Decimal]]:
    return {(c.company, c.customer_id): {f: getattr(c, f) for f in FLOWS} for c in analysis.customers}


@examples(20)
@given(
    docs=st.lists(document, max_size=14),
    apps=st.lists(application, max_size=10),
    hours=st.lists(labour, max_size=6),
    events=st.lists(event, max_size=5),
    split=st.integers(min_value=1, max_value=89),
    history=st.booleans(),
)
def test_periods_add_up_to_their_union_customer_by_customer(
    tmp_path_factory: pytest.TempPathFactory,
    docs: list[dict],  # type: ignore[type-arg]
    apps: list[tuple],  # type: ignore[type-arg]
    hours: list[tuple],  # type: ignore[type-arg]
    events: list[tuple],  # type: ignore[type-arg]
    split: int,
    history: bool,
) -> None:
    # 1 January - 31 March 2026 cut after `split` days: the two analyses sum to the quarter's, every flow,
    # every customer (a customer missing from one part has nothing in it), with configured loss rates or
    # the rates each date's own history gives.
    method = dataclasses.replace(SETTINGS, loss_rates="history") if history else SETTINGS
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    cut = start + dt.timedelta(days=split)
    folder = tmp_path_factory.mktemp("co")
    write_company(folder, docs, apps, hours, events)
    with Store(folder / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        parts = [
            analyze(store.con, Period.of(start, cut - dt.timedelta(days=1)), method),
            analyze(store.con, Period.of(cut, end), method),
        ]
        whole = analyze(store.con, Period.of(start, end), method)
        before = analyze(store.con, parts[1].period.previous(), method)
    first, second, union = flows(parts[0]), flows(parts[1]), flows(whole)
    zero = dict.fromkeys(FLOWS, Decimal(0))
    for key in first.keys() | second.keys() | union.keys():
        for name in FLOWS:
            added = first.get(key, zero)[name] + second.get(key, zero)[name]
            assert abs(added - union.get(key, zero)[name]) < TINY, (key, name, added, union.get(key))
    # Each pool's cost is charged to customers, priced into labour or reported unused, in every analysis;
    # the three practical capacities add up like the days.
    for analysis in (*parts, whole):
        assert all(check["ties"] for check in analysis.pool_check.values()), analysis.pool_check
    minutes = [a.unused_capacity["desk"]["practical_minutes"] for a in (*parts, whole)]
    assert abs(minutes[0] + minutes[1] - minutes[2]) < TINY
    # "Against the previous period" is what the previous period's own analysis says, term by term.
    for name, total in parts[1].previous_totals.items():
        if name not in ("referral_value",):
            assert total == before.totals[name], name


@examples(10, divide=2)
@given(
    docs=st.lists(document, max_size=12),
    apps=st.lists(application, max_size=8),
    hours=st.lists(labour, max_size=4),
    seed=st.randoms(use_true_random=False),
)
def test_twice_the_money_is_twice_every_money_figure_and_row_order_does_not_matter(
    tmp_path_factory: pytest.TempPathFactory,
    docs: list[dict],  # type: ignore[type-arg]
    apps: list[tuple],  # type: ignore[type-arg]
    hours: list[tuple],  # type: ignore[type-arg]
    seed: random.Random,
) -> None:
    period = Period.of(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    results = []
    for scale in (1, 2):
        folder = tmp_path_factory.mktemp("co")
        write_company(folder, docs, apps, hours, [], scale)
        with Store(folder / "l.duckdb") as store:
            run_sync(FilesConnector(folder), load_mapping("files"), store)
            results.append(analyze(store.con, period, SETTINGS))
    once, twice = flows(results[0]), flows(results[1])
    assert once.keys() == twice.keys()
    for key, figures in once.items():
        for name in MONEY_FLOWS:
            assert abs(figures[name] * 2 - twice[key][name]) < TINY, (key, name)
        ecl = next(c for c in results[0].customers if (c.company, c.customer_id) == key).expected_credit_loss
        ecl2 = next(c for c in results[1].customers if (c.company, c.customer_id) == key).expected_credit_loss
        assert abs(ecl * 2 - ecl2) < TINY
    # The same ledger written in another row order gives the same output, byte for byte.
    folder = tmp_path_factory.mktemp("co")
    write_company(folder, docs, apps, hours, [])
    for name in ("documents.csv", "applications.csv", "labour.csv"):
        path = folder / name
        header, *lines = path.read_text(encoding="utf-8").splitlines()
        seed.shuffle(lines)
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    with Store(folder / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        shuffled = analyze(store.con, period, SETTINGS)
    assert customers_csv(shuffled) == customers_csv(results[0])
    assert summary(shuffled, None, "x", "EUR") == summary(results[0], None, "x", "EUR")
