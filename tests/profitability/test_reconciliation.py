"""Numbers that reconcile: the ledger's open receivables equal the ERP's to the cent.

The ledger works out what is open from documents and applications (as of a date); GP keeps its own
running figure, CURTRXAM. Summed straight from the GP tables here (not through the ledger), with GP's
signs (credit memos, returns and payments lower the balance; balance-forward and scheduled payments
are not documents), the two must agree for every customer of the sample company and of companies
generated with other seeds. And the ageing buckets must sum to the open total (ERPNext's receivables
report is known to drift here).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from connector.gp_sql import GpSqlConnector, sqlite_connection
from connector.sample.generate import TODAY, generate
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync

SOURCE_OPEN = """
SELECT trim(CUSTNMBR), sum(CASE WHEN RMDTYPAL IN (7, 8, 9) THEN -CURTRXAM ELSE CURTRXAM END)
FROM (SELECT CUSTNMBR, RMDTYPAL, CURTRXAM, VOIDSTTS FROM RM20101
      UNION ALL SELECT CUSTNMBR, RMDTYPAL, CURTRXAM, VOIDSTTS FROM RM30101)
WHERE VOIDSTTS = 0 AND RMDTYPAL NOT IN (0, 2)
GROUP BY trim(CUSTNMBR)
"""


def source_open(db: Path) -> dict[str, Decimal]:
    with sqlite3.connect(db) as con:
        rows = con.execute(SOURCE_OPEN).fetchall()
    # SQLite sums the stored text exactly enough for cents; quantise to the cent like GP shows it.
    return {c: Decimal(str(v)).quantize(Decimal("0.01")) for c, v in rows if Decimal(str(v)).quantize(Decimal("0.01"))}


@pytest.mark.parametrize(("size", "seed"), [("small", 7), ("tiny", 1), ("tiny", 2), ("tiny", 3)])
def test_open_receivables_equal_the_erps_to_the_cent(tmp_path: Path, size: str, seed: int) -> None:
    db = tmp_path / "gp.sqlite"
    generate(db, size=size, seed=seed)
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(sqlite_connection(str(db))), load_mapping("gp-sql"), store)
        analysis = analyze(store.con, Period(TODAY.replace(month=1, day=1), TODAY, TODAY))
    ledger_open = {c.customer_id: c.open_amount for c in analysis.customers if c.open_amount}
    assert ledger_open == source_open(db)
    assert analysis.reconciliation["ties"] is True
    assert analysis.totals["open_amount"] == sum(source_open(db).values(), Decimal(0))
    # The buckets hold the open debits; with the unapplied credits they give the open total.
    for customer in analysis.customers:
        assert sum(customer.ageing, Decimal(0)) - customer.unapplied_credits == customer.open_amount
    assert (
        sum(analysis.ageing_totals, Decimal(0)) == analysis.totals["open_amount"] + analysis.totals["unapplied_credits"]
    )
