"""The engine on the hand-worked case (tests/cases/alpha.py), from GP over ODBC and from files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from connector.files import FilesConnector
from connector.gp_sql import GpSqlConnector, sqlite_connection
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import AgeingBuckets, Period, Settings
from profitlens.sync import run_sync
from tests.cases import alpha
from tests.connector.test_gp_sql import odbc_factory


def synced_store(tmp_path: Path, source: str) -> Store:
    store = Store(tmp_path / "ledger.duckdb")
    if source == "gp-odbc":
        connector = GpSqlConnector(odbc_factory(alpha.write_gp_database(tmp_path / "alpha.sqlite")))
        mapping = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
    elif source == "gp-sqlite":
        connector = GpSqlConnector(sqlite_connection(str(alpha.write_gp_database(tmp_path / "alpha.sqlite"))))
        mapping = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
    else:
        connector = FilesConnector(alpha.write_files(tmp_path / "files"))
        mapping = load_mapping("files")
    result = run_sync(connector, mapping, store)
    assert result.rows_quarantined == 0, result.as_dict()
    return store


@pytest.mark.parametrize("source", ["gp-odbc", "gp-sqlite", "files"])
def test_hand_worked_customer_figures(tmp_path: Path, source: str) -> None:
    with synced_store(tmp_path, source) as store:
        result = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
    c1, c2 = (next(c for c in result.customers if c.customer_id == cid) for cid in ("C1", "C2"))
    for name, expected in alpha.EXPECTED_FULL.items():
        assert getattr(c1, name) == expected, name
    assert c1.ageing == alpha.EXPECTED_AGEING
    assert c1.labour_hours == Decimal("4.5")
    assert c1.activity_by_driver == {
        "credit_memo": Decimal("12"),
        "invoice": Decimal("6"),
        "payment": Decimal("3"),
        "reminder": Decimal("9"),
        "return": Decimal("18"),
    }
    assert c1.labour_by_activity == {"service": Decimal("90"), "support": Decimal("150")}
    assert list(c1.labour_by_activity) == ["service", "support"]  # in activity order, as shown
    assert c1.risk_grade == "D" and round(c1.dso or 0, 2) == Decimal("62.56") and c1.best_possible_dso == 0
    assert c2.net_profit == alpha.EXPECTED_C2_NET_PROFIT and c2.risk_grade == "A"
    assert [c.customer_id for c in result.customers] == ["C2", "C1"]  # ranked by net profit
    assert result.totals["net_profit"] == c1.net_profit + c2.net_profit
    assert result.unused_capacity["service"]["minutes"] == alpha.EXPECTED_UNUSED["minutes"]
    assert result.unused_capacity["service"]["cost"] == alpha.EXPECTED_UNUSED["cost"]
    # The pool's 90 days cost 21,900 × 90 ÷ 365 = 5,400.00 = activity charged 48.00 (C1) + 6.00 (C2) + unused
    # 5,346.00 (no labour is priced at the pool's rate).
    check = result.pool_check["service"]
    assert (check["pool_cost"], check["activity_charged"], check["labour_charged"], check["unused_cost"]) == (
        Decimal("5400"),
        Decimal("54.00"),
        0,
        Decimal("5346.00"),
    )
    assert check["ties"] and check["difference"] == 0
    assert result.driver_rates["invoice"] == Decimal("6")
    assert result.reconciliation["ties"] is True
    assert result.reconciliation["erp_open_now"] == alpha.EXPECTED_ERP_OPEN
    assert result.reconciliation["sales_ties_to_lines"] is True
    assert result.previous_totals["net_profit"] == alpha.EXPECTED_PREVIOUS_NET_PROFIT
    [watch] = result.watch_list
    assert (watch.customer_id, watch.previous_net_profit, watch.net_profit) == (
        "C1",
        alpha.EXPECTED_PREVIOUS_NET_PROFIT,
        alpha.EXPECTED_FULL["net_profit"],
    )
    assert watch.reasons == ("cost to serve up", "returns up", "credit loss up")


def test_ageing_as_of_an_earlier_date_uses_only_what_was_applied_by_then(tmp_path: Path) -> None:
    with synced_store(tmp_path, "files") as store:
        result = analyze(store.con, Period.of(*alpha.PERIOD, as_of=dt.date(2026, 2, 10)))
    [c1] = [c for c in result.customers if c.customer_id == "C1"]
    assert c1.open_amount == alpha.EXPECTED_OPEN_FEB_10
    # INV1 is 1 day past due, INV3 27 days: both in 1-30.
    assert c1.ageing == (Decimal(0), Decimal("1225.50"), Decimal(0), Decimal(0), Decimal(0), Decimal(0))
    assert c1.ageing[1] == c1.open_amount  # no unapplied credits yet
    assert result.reconciliation["comparable"] is False  # later postings exist: no false "reconciled"


def test_custom_ageing_buckets(tmp_path: Path) -> None:
    with synced_store(tmp_path, "files") as store:
        result = analyze(store.con, Period.of(*alpha.PERIOD), Settings(buckets=AgeingBuckets((60,))))
    # current, 1-60, over 60: INV1 (50 days) and INV3 (76 days); C2's INV5 is not yet due
    c1 = next(c for c in result.customers if c.customer_id == "C1")
    assert c1.ageing == (Decimal(0), Decimal("630.50"), Decimal("476.00"))
    assert sum(result.ageing_totals) == Decimal("1225.50")


def write_labour_case(folder: Path, labour: str, employees: str) -> None:
    alpha.write_files(folder)
    (folder / "labour.csv").write_text(labour, encoding="utf-8")
    (folder / "employees.csv").write_text(employees, encoding="utf-8")


def test_labour_is_priced_by_entry_then_employee_then_department(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    write_labour_case(
        folder,
        # T1 has its own cost (100); T2's employee costs 40/h (2 h = 80); T3's employee has no rate but the
        # SUPPORT department costs 30/h (3 h = 90); T4's department has no rate: unpriced, reported.
        "entry_id,employee_id,date,hours,customer_id,cost_amount\n"
        "T1,E1,2026-01-05,1,C1,100\nT2,E1,2026-01-06,2,C1,\nT3,E2,2026-01-07,3,C1,\nT4,E3,2026-01-08,4,C1,\n",
        "employee_id,name,department,hourly_cost\nE1,A,SALES,40\nE2,B,SUPPORT,\nE3,C,ADMIN,\n",
    )
    store = Store(tmp_path / "l.duckdb")
    run_sync(FilesConnector(folder), load_mapping("files"), store)
    result = analyze(store.con, Period.of(*alpha.PERIOD), Settings(department_rates={"SUPPORT": Decimal(30)}))
    c1 = next(c for c in result.customers if c.customer_id == "C1")
    assert c1.labour_cost == Decimal("270")  # 100 + 80 + 90
    assert result.unpriced_hours == Decimal("4")
    store.close()


def test_labour_priced_by_its_pool_uses_the_pools_capacity_and_the_pool_ties(tmp_path: Path) -> None:
    # E9 of department "service" has no cost of its own and the department no rate: its hours are priced
    # at the service pool's time-driven rate, 21,900 ÷ 36,500 = 0.60 a minute (alpha.settings()). T1: 2 h
    # for C1 = 120 min = 72.00; T2: 1 h internal (no customer) = 36.00, charged to nobody.
    # The pool for these 90 days costs 21,900 × 90 / 365 = 5,400.00 for 9,000 minutes. Used: alpha's driver
    # events 90 minutes (C1 80, C2 10; 54.00) and the labour 180 minutes; unused 8,730 minutes = 5,238.00.
    # 54.00 + 72.00 + 36.00 + 5,238.00 = 5,400.00: the pool ties, nothing charged twice or to nobody.
    folder = tmp_path / "files"
    write_labour_case(
        folder,
        "entry_id,employee_id,date,hours,customer_id,cost_amount\nT1,E9,2026-01-05,2,C1,\nT2,E9,2026-01-06,1,,\n",
        "employee_id,name,department,hourly_cost\nE9,Service Desk,service,\n",
    )
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(folder), load_mapping("files"), store)
        result = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
    c1 = next(c for c in result.customers if c.customer_id == "C1")
    assert c1.labour_cost == Decimal("72.00") and c1.labour_hours == Decimal("2")
    assert result.unused_capacity["service"]["minutes"] == Decimal("8730")
    assert result.unused_capacity["service"]["cost"] == Decimal("5238.00")
    check = result.pool_check["service"]
    assert (check["pool_cost"], check["activity_charged"], check["labour_charged"], check["labour_internal"]) == (
        Decimal("5400.00"),
        Decimal("54.00"),
        Decimal("72.00"),
        Decimal("36.00"),
    )
    assert check["unused_cost"] == Decimal("5238.00") and check["difference"] == 0 and check["ties"] is True


def test_commission_falls_back_to_the_salespersons_rate(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    text = (folder / "documents.csv").read_text()
    # Drop the commission amounts: 5 % of C1's net sales (1000 − 100 − 200 = 700) = 35.
    lines = text.splitlines()
    header = lines[0].split(",")
    index = header.index("commission_amount")
    rows = [",".join("" if i == index else cell for i, cell in enumerate(line.split(","))) for line in lines[1:]]
    (folder / "documents.csv").write_text("\n".join([lines[0], *rows]) + "\n")
    store = Store(tmp_path / "l.duckdb")
    run_sync(FilesConnector(folder), load_mapping("files"), store)
    result = analyze(store.con, Period.of(*alpha.PERIOD))
    c1 = next(c for c in result.customers if c.customer_id == "C1")
    assert c1.commissions == Decimal("35.00")
    store.close()


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    from common.errors import EngineError

    with pytest.raises(EngineError, match="before it starts"):
        Period.of(dt.date(2026, 3, 1), dt.date(2026, 1, 1))


def test_analyze_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path) -> None:
    # analyze pauses Python's cycle collector while it builds its records (a speed-up, nothing else):
    # afterwards, also after a failure, the collector is on or off exactly as before.
    import gc

    from common.errors import EngineError

    with synced_store(tmp_path, "files") as store:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            try:
                analyze(store.con, Period.of(*alpha.PERIOD))
                assert gc.isenabled() is enabled
                store.con.execute("ALTER TABLE document RENAME TO document_gone")
                with pytest.raises(EngineError):
                    analyze(store.con, Period.of(*alpha.PERIOD))
                assert gc.isenabled() is enabled
                store.con.execute("ALTER TABLE document_gone RENAME TO document")
            finally:
                gc.enable()


def test_the_previous_period_read_on_a_second_connection_is_the_same_from_a_read_only_store(tmp_path: Path) -> None:
    # analyze reads the previous period on a second connection (a thread) that sees the tables prepared on
    # the first through an attached in-memory database: a store opened read-only (as `report` opens it)
    # must give the same figures as the writable one, the previous period's included (alpha's previous
    # period's net profit, 70.0016, is worked in tests/cases/alpha.py).
    with synced_store(tmp_path, "files") as store:
        writable = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
    with Store(tmp_path / "ledger.duckdb", read_only=True) as store:
        read_only = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
        again = analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())  # prepared tables replaced
    assert read_only.customers == writable.customers == again.customers
    assert read_only.previous_totals == writable.previous_totals
    assert read_only.previous_totals["net_profit"] == alpha.EXPECTED_PREVIOUS_NET_PROFIT
    assert [w.customer_id for w in read_only.watch_list] == [w.customer_id for w in writable.watch_list]


def test_a_failure_in_the_previous_periods_thread_fails_the_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The previous period runs in a thread: its database error must stop the analysis with the engine's
    # one-line error (not vanish, not hang), and the store's connection must stay usable.
    import duckdb

    import profitability.analyze as engine
    from common.errors import EngineError

    def broken(*args: object, **kwargs: object) -> object:
        raise duckdb.IOException("disk I/O error while reading the previous period")

    with synced_store(tmp_path, "files") as store:
        monkeypatch.setattr(engine, "previous_figures", broken)
        with pytest.raises(EngineError, match="previous period"):
            analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings())
        monkeypatch.undo()
        assert analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings()).customers
