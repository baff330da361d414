"""The Business Central connector against a tenant mocked at the HTTP boundary (`responses`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses

from common.errors import AuthError, QueryError, SourceUnavailable
from connector.bc import BusinessCentralConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.connector.bc_service import COMPANY_ID, ENVIRONMENT, TENANT, FakeBusinessCentral

FAST = {"multiplier": 0.001, "max_wait": 0.01}
SECRET = "s3cret-client-value"
THROTTLED = (429, {}, {"error": {"code": "Application_TooManyRequests", "message": "Too many requests reached."}})


def connector(**kwargs: Any) -> BusinessCentralConnector:
    options: dict[str, Any] = {
        "tenant_id": TENANT,
        "environment": ENVIRONMENT,
        "company_id": COMPANY_ID,
        "client_id": "app-1",
        "client_secret": SECRET,
        "requests_per_minute": 0,
        "retry": FAST,
        "page_size": 2,
    }
    options.update(kwargs)
    return BusinessCentralConnector(**options)


@pytest.fixture
def bc() -> Iterator[FakeBusinessCentral]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeBusinessCentral(rsps)


def rows(conn: BusinessCentralConnector, stream: str, since: str | None = None) -> list[dict[str, Any]]:
    return [r.values for chunk in conn.read(stream, [], since) for r in chunk]


def test_pages_are_followed_through_next_link_with_a_smaller_page_size(bc: FakeBusinessCentral) -> None:
    invoices = rows(connector(page_size=1), "sales_invoices")
    assert [r["number"] for r in invoices] == ["INV3", "INV1", "INV2"]  # ordered by lastModifiedDateTime, id
    data = [u for u in bc.requests if "salesInvoices" in u]
    assert len(data) == 3 and "%24skiptoken=1" in data[1]
    assert bc.tokens_issued == 1  # cached


def test_lines_carry_their_document_and_the_cost_posted_with_the_sale(bc: FakeBusinessCentral) -> None:
    lines = rows(connector(), "sales_invoice_lines")
    first = next(r for r in lines if r["document.number"] == "INV1" and r["lineObjectNumber"] == "KIT-1")
    # KIT-1: its item ledger entry for INV1 has quantity −1 and costAmountActual −120: 120 a unit.
    assert (first["unitCost"], first["extendedCost"], first["costSource"]) == (
        Decimal("120"),
        Decimal("120.00"),
        "posted",
    )
    assert str(first["netAmount"]) == "200"


def test_the_posted_cost_wins_over_todays_item_cost_and_follows_cost_adjustment(bc: FakeBusinessCentral) -> None:
    # INV2 (C2, A-100 × 1) was posted from order ORD2 through shipment SHIP2: its entry names the shipment
    # (documentType Sales Shipment), the invoice names the order. Posted cost 45.00, while the item card
    # says 48 today. Then BC's cost adjustment makes it 46.50 — the entry's row and the invoice unchanged —
    # and the next read gives 46.50. A line with no entry (INV3, entry removed here) takes the card's 48.
    inv2 = next(i for i in bc.entities["salesInvoices"] if i["number"] == "INV2")
    inv2["orderNumber"] = "ORD2"
    bc.entities["salesShipments"] = [{"id": "s2", "number": "SHIP2", "orderNumber": "ORD2"}]
    entries = bc.entities["itemLedgerEntries"]
    entry = next(e for e in entries if e["documentNumber"] == "INV2")
    entry.update(documentNumber="SHIP2", documentType="Sales_x0020_Shipment", costAmountActual=-45)
    bc.entities["itemLedgerEntries"] = [e for e in entries if e["documentNumber"] != "INV3"]

    def cost_of(number: str) -> tuple[Any, Any]:
        line = next(r for r in rows(connector(), "sales_invoice_lines") if r["document.number"] == number)
        return line["extendedCost"], line["costSource"]

    assert cost_of("INV2") == (Decimal("45.00"), "posted")
    entry["costAmountActual"] = -46.5
    assert cost_of("INV2") == (Decimal("46.50"), "posted")
    assert cost_of("INV3") == (Decimal("240.00"), "item card")  # 5 × 48


def test_incremental_reads_ask_for_changes_and_every_invoice_still_open(bc: FakeBusinessCentral) -> None:
    # remainingAmount is computed when read and a partial payment does not move lastModifiedDateTime
    # (codeunit 5477): INV1 and INV2 (Open) are read again though unchanged since the cursor; INV3, paid
    # before the cursor, is not.
    inv3 = next(r for r in bc.entities["salesInvoices"] if r["number"] == "INV3")
    inv3.update(status="Paid", remainingAmount=0)
    changed = rows(connector(), "sales_invoices", since="2026-11-01 00:00:00.000")
    assert sorted(r["number"] for r in changed) == ["INV1", "INV2"]
    asked = [u for u in bc.requests if "/salesInvoices?" in u]
    assert "lastModifiedDateTime+ge+2026-11-01T00%3A00%3A00.000Z+or+status+eq+%27Open%27" in asked[-1]


def test_customer_payments_are_never_asked_for(bc: FakeBusinessCentral) -> None:
    # They are unposted journal lines: listed without a journal, BC answers 400 (the emulator does too).
    from connector.bc import STREAMS

    for stream in STREAMS:
        rows(connector(), stream)
    assert not [u for u in bc.requests if "customerPayments" in u]
    assert all(spec.entity != "customerPayments" for spec in STREAMS.values())


def test_a_paid_invoice_is_paid_off_on_the_day_its_status_changed(bc: FakeBusinessCentral) -> None:
    bc.touch("salesInvoices", "INV3", status="Paid", remainingAmount=0)
    invoices = {r["number"]: r for r in rows(connector(), "sales_invoices")}
    changed = next(r for r in bc.entities["salesInvoices"] if r["number"] == "INV3")["lastModifiedDateTime"]
    assert invoices["INV3"]["paidOffDate"] == changed[:10]
    assert invoices["INV1"]["paidOffDate"] is None  # still open: no day to give


def test_a_token_that_expires_mid_sync_is_renewed_once(bc: FakeBusinessCentral, tmp_path: Path) -> None:
    bc.token_uses_left = 3
    with Store(tmp_path / "l.duckdb") as store:
        result = run_sync(connector(page_size=1), load_mapping("bc"), store)
    assert bc.tokens_issued == 2
    assert result.landed["document"] == 4  # INV1-3, CRM1: the posted payment PMT1 is in no entity


def test_a_storm_of_429_with_and_without_retry_after_is_waited_out(bc: FakeBusinessCentral) -> None:
    bc.faults.extend([THROTTLED, (429, {"Retry-After": "0"}, THROTTLED[2]), THROTTLED, (503, {"Retry-After": "0"}, {})])
    assert len(rows(connector(), "customers")) == 2


def test_a_500_in_the_middle_of_the_pages_asks_for_that_page_again(bc: FakeBusinessCentral) -> None:
    bc.fault_at[2] = (500, {}, {"error": {"code": "Internal_ServerError", "message": "Something went wrong."}})
    invoices = rows(connector(page_size=1), "sales_invoices")
    assert [r["number"] for r in invoices] == ["INV3", "INV1", "INV2"]


def test_throttling_that_never_ends_fails_as_transient(bc: FakeBusinessCentral) -> None:
    bc.faults.extend([THROTTLED] * 20)
    with pytest.raises(SourceUnavailable, match="HTTP 429: Application_TooManyRequests"):
        rows(connector(), "customers")


def test_a_wrong_client_secret_is_a_clear_sign_in_error_without_the_secret(bc: FakeBusinessCentral) -> None:
    with pytest.raises(AuthError) as caught:
        rows(connector(client_secret="wrong-secret-value"), "customers")
    assert "invalid_client" in str(caught.value) and "AADSTS7000215" in str(caught.value)
    assert "wrong-secret-value" not in str(caught.value) + str(caught.value.hint)
    assert "wrong-secret-value" not in repr(connector(client_secret="wrong-secret-value"))


def test_a_missing_permission_set_and_an_unknown_company_are_terminal(bc: FakeBusinessCentral) -> None:
    bc.faults.append(
        (
            403,
            {},
            {
                "error": {
                    "code": "Authorization_InsufficientPermissions",
                    "message": "You do not have the following permissions on TableData Customer: Read",
                }
            },
        )
    )
    with pytest.raises(AuthError, match="permissions on TableData Customer") as caught:
        rows(connector(), "customers")
    assert "permission set" in (caught.value.hint or "")
    with pytest.raises(QueryError, match="HTTP 404"):
        rows(connector(company_id="00000000-0000-0000-0000-000000000000"), "customers")


def test_a_document_with_an_unknown_status_is_quarantined_with_its_reason(
    bc: FakeBusinessCentral, tmp_path: Path
) -> None:
    bc.entities["salesInvoices"][0]["status"] = "Archived"
    with Store(tmp_path / "l.duckdb") as store:
        result = run_sync(connector(), load_mapping("bc"), store)
        reasons = [
            r[0] for r in store.con.execute("SELECT reason FROM quarantine WHERE stream = 'sales_invoices'").fetchall()
        ]
    assert result.quarantined["document"] == 1
    assert reasons == [
        "document_id: code 'Archived' is not in the code table bc_posted (Draft, In Review, Open, Paid, Canceled, Corrective)"
    ]
    assert result.rows_read == sum(result.landed.values()) + result.rows_quarantined + sum(result.skipped.values())
