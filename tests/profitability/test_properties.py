"""Invariants of the engine over generated companies (hypothesis)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Costing, Driver, Period, Pool, Settings
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
    }
)
application = st.tuples(st.integers(0, 30), st.integers(0, 30), money, day, st.sampled_from([None, Decimal("5")]))
labour = st.tuples(
    st.sampled_from(["C1", "C2", ""]),
    day,
    st.decimals(min_value=0, max_value=12, places=2),
    st.sampled_from(["", "80"]),
)
event = st.tuples(st.sampled_from(["C1", "C2", "C3"]), day, st.sampled_from(["call", "visit"]), st.integers(1, 5))

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


def write_company(folder: Path, docs: list[dict], apps: list[tuple], hours: list[tuple], events: list[tuple]) -> None:  # type: ignore[type-arg]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text(
        "customer_id,name,credit_limit,referred_by\nC1,One,1000,\nC2,Two,,C1\nC3,Three,0,C2\n"
    )
    lines = [
        "document_id,customer_id,document_type,document_date,due_date,amount,sales_amount,cost_amount,"
        "commission_amount,voided"
    ]
    for i, d in enumerate(docs):
        due = "" if d["due_in"] is None else (d["date"] + dt.timedelta(days=d["due_in"])).isoformat()
        sales = "" if d["sales_share"] is None else str((d["amount"] * d["sales_share"]).quantize(Decimal("0.01")))
        cost = "" if d["cost_share"] is None else str((d["amount"] * d["cost_share"]).quantize(Decimal("0.01")))
        lines.append(
            f"D{i},{d['customer']},{d['type']},{d['date']},{due},{d['amount']},{sales},{cost},"
            f"{'' if d['commission'] is None else d['commission']},{int(d['voided'])}"
        )
    (folder / "documents.csv").write_text("\n".join(lines) + "\n")
    rows = ["from_document_id,to_document_id,amount,apply_date,write_off_amount"]
    for i, (a, b, amount, when, write_off) in enumerate(apps):
        rows.append(f"D{a},D{b},{amount},{when + dt.timedelta(days=i)},{'' if write_off is None else write_off}")
    (folder / "applications.csv").write_text("\n".join(rows) + "\n")
    (folder / "employees.csv").write_text("employee_id,name,department\nE1,Emp,SUP\n")
    rows = ["entry_id,employee_id,date,hours,customer_id,cost_amount"]
    rows += [f"T{i},E1,{when},{h},{c},{cost}" for i, (c, when, h, cost) in enumerate(hours)]
    (folder / "labour.csv").write_text("\n".join(rows) + "\n")
    rows = ["event_id,customer_id,date,activity,quantity"]
    rows += [f"V{i},{c},{when},{a},{q}" for i, (c, when, a, q) in enumerate(events)]
    (folder / "activity_events.csv").write_text("\n".join(rows) + "\n")


@settings(
    max_examples=int(os.environ.get("PROFITLENS_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
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
            c.gross_margin - c.commissions - c.labour_cost - c.activity_cost - c.financing_cost - c.expected_credit_loss
        )
        assert c.gross_margin == c.net_sales - c.cost_of_goods
        assert c.activity_cost == sum(c.activity_by_driver.values(), Decimal(0))
        # Ageing buckets hold the open invoices: with the unapplied credits they give the open amount.
        assert sum(c.ageing, Decimal(0)) - c.unapplied_credits == c.open_amount
        assert c.overdue_amount == sum(c.ageing[1:], Decimal(0))
        assert c.expected_credit_loss == sum(
            (a * r for a, r in zip(c.ageing, SETTINGS.loss_rates, strict=True)), Decimal(0)
        )
    # Totals are the sums over customers; the ageing totals sum to the open invoices.
    for name, total in first.totals.items():
        assert total == sum((getattr(c, name) for c in first.customers), Decimal(0)), name
    assert sum(first.ageing_totals, Decimal(0)) == first.totals["open_amount"] + first.totals["unapplied_credits"]
    assert sum(first.ecl_by_bucket, Decimal(0)) == first.totals["expected_credit_loss"]
    # Ranked by net profit; the whale curve ends at 100 % of the total.
    profits = [c.net_profit for c in first.customers]
    assert profits == sorted(profits, reverse=True)
    if first.customers and first.totals["net_profit"] != 0:
        assert first.customers[-1].cumulative_profit_share == 1
    # Capacity used plus unused is the practical capacity.
    pool = first.unused_capacity["desk"]
    assert pool["used_minutes"] + pool["minutes"] == pool["practical_minutes"]
    # Re-running gives identical output.
    assert customers_csv(first) == customers_csv(again)
    assert summary(first, None, "x", "EUR") == summary(again, None, "x", "EUR")
