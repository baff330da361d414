"""GP Web Services: a voided invoice takes no payment, at the first sync and at every later one.

The company is tests/cases/common.py's with customer C9 of tests/connector/test_gp_ws.py (worked there):
INVV1 170 voided; PMT10 1,000 → INV10 1,000 on 2026-01-20; PMT11 340 → INV11 170 on 2026-02-20, 170 of
it unapplied.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from ledger.store import Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.connector.gp_ws_service import key
from tests.connector.test_gp_ws import voided_invoice_company
from tests.profitlens.sources import GpWebServicesHarness

EXPECTED = [
    ("9:PMT10", "1:INV10", Decimal("1000"), dt.date(2026, 1, 20)),
    ("9:PMT11", "1:INV11", Decimal("170"), dt.date(2026, 2, 20)),
]


def c9_applications(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute(
        """SELECT from_document_id, to_document_id, amount, apply_date FROM application
           WHERE to_document_id IN (SELECT document_id FROM document WHERE customer_id = 'C9')
           ORDER BY apply_date"""
    ).fetchall()


def test_the_first_and_every_later_sync_leave_the_voided_invoice_out(tmp_path: Path) -> None:
    harness = GpWebServicesHarness(tmp_path)
    try:
        harness.service.company.customers.append(
            {"Key": key("C9"), "Name": "Void & Co", "IsActive": True, "ModifiedDate": dt.datetime(2025, 1, 1)}
        )
        voided_invoice_company(harness.service)
        mapping = load_mapping("gp-ws")
        with Store(tmp_path / "ledger.duckdb") as store:
            run_sync(harness.connector(), mapping, store)
            assert c9_applications(store) == EXPECTED
            assert store.con.execute("SELECT voided FROM document WHERE document_id = '1:INVV1'").fetchone() == (True,)
            harness.service.calls.clear()
            incremental = run_sync(harness.connector(), mapping, store)
            assert incremental.mode == "incremental"
            # INVV1's record was not asked again: the ledger told the connector it is voided.
            asked = [call["key"].Id for name, call in harness.service.calls if name.endswith("ByKey")]
            assert "INVV1" not in asked
            assert c9_applications(store) == EXPECTED
    finally:
        harness.close()
