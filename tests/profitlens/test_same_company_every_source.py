"""The same small company through GP SQL (sqlite3 and ODBC), GP Web Services, Business Central and files: one analysis.

The company is tests/cases/common.py (worked there by hand). Document ids differ by source (GP
prefixes the document type: "1:INV1"); every figure of the analysis must not — except, for Business
Central, what depends on when a payment was made: BC's API has no posted payment (PMT1 shows only as
INV1's remainingAmount), so its settlement is dated by the sync (tests/profitlens/test_bc_company.py
works those figures). BC gives the same sales, cost and margin per customer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from connector.files import FilesConnector
from connector.gp_sql import GpSqlConnector, odbc_connection, sqlite_connection
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.sync import run_sync
from tests.cases import common
from tests.profitlens.sources import BusinessCentralHarness, GpWebServicesHarness

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31), dt.date(2026, 10, 31))


def figures(analysis: Analysis) -> dict[str, Any]:
    customers = [dataclasses.asdict(c) for c in analysis.customers]
    return {
        "customers": customers,
        "totals": analysis.totals,
        "ageing": analysis.ageing_totals,
        "ecl": analysis.ecl_by_bucket,
        "groups": analysis.groups,
        "whale": analysis.whale_curve,
        "watch": [dataclasses.asdict(w) for w in analysis.watch_list],
    }


def analysed(connector: Any, kind: str, store_path: Path) -> dict[str, Any]:
    with Store(store_path) as store:
        result = run_sync(connector, load_mapping(kind), store)
        assert result.rows_quarantined == 0, kind
        return figures(analyze(store.con, PERIOD))


def test_every_source_kind_gives_the_same_analysis(tmp_path: Path) -> None:
    db = common.write_gp_database(tmp_path / "gp.sqlite")
    results = {
        "gp-sql": analysed(GpSqlConnector(sqlite_connection(str(db))), "gp-sql", tmp_path / "a.duckdb"),
        "gp-sql-odbc": analysed(
            GpSqlConnector(odbc_connection(f"DRIVER={{SQLite3}};Database={db}")), "gp-sql", tmp_path / "b.duckdb"
        ),
        "files": analysed(FilesConnector(common.write_files(tmp_path / "files")), "files", tmp_path / "c.duckdb"),
    }
    bc = BusinessCentralHarness(tmp_path)
    try:
        results["bc"] = analysed(bc.connector(), "bc", tmp_path / "d.duckdb")
    finally:
        bc.close()
    gp_ws = GpWebServicesHarness(tmp_path)
    try:
        results["gp-ws"] = analysed(gp_ws.connector(), "gp-ws", tmp_path / "e.duckdb")
    finally:
        gp_ws.close()
    reference = results["gp-sql"]
    bc_customers = results.pop("bc")["customers"]
    sales = (
        "customer_id",
        "net_sales",
        "cost_of_goods",
        "gross_margin",
        "freight_billed",
        "misc_billed",
        "commissions",
    )
    assert [{k: c[k] for k in sales} for c in sorted(bc_customers, key=lambda c: c["customer_id"])] == [
        {k: c[k] for k in sales} for c in sorted(reference["customers"], key=lambda c: c["customer_id"])
    ]
    # The hand-worked figures (tests/cases/common.py): net sales 1,300 + 100, cost 840 + 48.
    by_id = {c["customer_id"]: c for c in reference["customers"]}
    assert by_id["C1"]["net_sales"] == Decimal("1300") and by_id["C1"]["cost_of_goods"] == Decimal("840")
    assert by_id["C2"]["net_sales"] == Decimal("100") and by_id["C2"]["cost_of_goods"] == Decimal("48")
    for kind, result in results.items():
        for part in reference:
            assert result[part] == reference[part], (kind, part)
