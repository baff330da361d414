"""A Business Central company as BC really gives it, synced and analysed to the cent.

The common company (tests/cases/common.py) plus, in BC's own shapes (bc_service.py cites the AL pages):
- INV1 1,190.00 was paid 500.00 by PMT1 (posted: in no entity) and credited 119.00 by CRM1, which names
  it: BC shows remainingAmount 571.00. The 500.00 is settled without a payment record, on the day of the
  sync that first saw it (after the period).
- INV9 (C1, 2026-06-01) 500.00 + 95.00 tax was cancelled by the corrective credit memo CM9 (2026-06-02,
  595.00, invoiceNumber INV9): invoice Canceled, memo Corrective — neither counts.
- INV8 (C2, 2026-07-01) A-100 2 × 100 = 200.00 + 38.00 tax, paid: status Paid, lastModifiedDateTime
  2026-07-15T10:00:00Z, the day its status changed: paid off on 15 July (14 days).

Period 2025-11-01 – 2026-10-31, as of 2026-10-31:
- C1 net sales 400 + 1,000 − 100 = 1,300.00 (INV9 and CM9 left out; counting CM9 alone: 800.00), cost
  240 + 600 = 840.00; open INV3 476.00 + INV1 1,190 − 119 = 1,071.00 = 1,547.00 (the 500.00 came later).
- C2 net sales 100 + 200 = 300.00, cost 48 + 2 × 48 = 144.00; open INV2 119.00, INV8 nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import responses

from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync
from tests.connector.bc_service import FakeBusinessCentral, _id, common_company
from tests.connector.test_bc import connector

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31), dt.date(2026, 10, 31))


def bc_company() -> dict[str, list[dict[str, object]]]:
    entities = common_company()
    invoices, memos = entities["salesInvoices"], entities["salesCreditMemos"]
    template = next(i for i in invoices if i["number"] == "INV2")

    def invoice(number: str, customer: str, day: str, sales: int, status: str, stamp: str) -> dict[str, object]:
        row = copy.deepcopy(template)
        line = row["salesInvoiceLines"][0]  # type: ignore[index]
        line.update(quantity=sales // 100, unitPrice=100, netAmount=sales, amountExcludingTax=sales)
        tax = sales * 19 // 100
        row.update(
            id=_id(number),
            number=number,
            customerNumber=customer,
            customerId=_id(customer),
            invoiceDate=day,
            postingDate=day,
            dueDate=day,
            totalAmountExcludingTax=sales,
            totalTaxAmount=tax,
            totalAmountIncludingTax=sales + tax,
            remainingAmount=0,
            status=status,
            lastModifiedDateTime=stamp,
        )
        return row

    invoices.append(invoice("INV9", "C1", "2026-06-01", 500, "Canceled", "2026-06-02T09:00:00Z"))
    invoices.append(invoice("INV8", "C2", "2026-07-01", 200, "Paid", "2026-07-15T10:00:00Z"))
    memo = copy.deepcopy(memos[0])
    memo.update(
        id=_id("CM9"),
        number="CM9",
        creditMemoDate="2026-06-02",
        postingDate="2026-06-02",
        dueDate="2026-06-02",
        invoiceId=_id("INV9"),
        invoiceNumber="INV9",
        totalAmountExcludingTax=500,
        totalTaxAmount=95,
        totalAmountIncludingTax=595,
        status="Corrective",
    )
    line = copy.deepcopy(template["salesInvoiceLines"][0])  # type: ignore[index]
    line.update(documentId=_id("CM9"), quantity=5, unitPrice=100, netAmount=500, amountExcludingTax=500)
    memo["salesCreditMemoLines"] = [line]
    memos.append(memo)
    return entities


def test_a_bc_company_with_a_posted_payment_a_cancellation_and_a_paid_invoice(tmp_path: Path) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FakeBusinessCentral(rsps, bc_company())
        with Store(tmp_path / "l.duckdb") as store:
            result = run_sync(connector(), load_mapping("bc"), store)
            assert result.rows_quarantined == 0
            analysis = analyze(store.con, PERIOD)
    by_id = {c.customer_id: c for c in analysis.customers}
    c1, c2 = by_id["C1"], by_id["C2"]
    assert (c1.net_sales, c1.cost_of_goods) == (Decimal("1300"), Decimal("840"))
    assert (c2.net_sales, c2.cost_of_goods) == (Decimal("300"), Decimal("144"))
    assert c1.open_amount == Decimal("1547") and c2.open_amount == Decimal("119")
    recon = analysis.reconciliation
    # Inferred as of 2026-10-31: INV8's 238.00 (15 July); INV1's 500.00 is dated the sync's day, later.
    assert (recon["inferred_settlements"], recon["inferred_settlement_amount"]) == (1, Decimal("238"))
    assert recon["comparable"] is False  # the source's open amounts are today's, after INV1's settlement


def test_an_employees_department_is_their_department_default_dimension(tmp_path: Path) -> None:
    # E1 has the default dimensions AREA=NORTH and DEPARTMENT=SUPPORT (dynamics_defaultDimension.md); E2 has
    # none. E1 logged 2.5 hours on JOB1 (C1's, by job_customers) on 2026-09-30; with SUPPORT at 40.00 an
    # hour, C1's labour is 2.5 × 40 = 100.00. E2's 1 hour on JOB1 has no department: not priced.
    from profitability.model import Settings

    entities = bc_company()
    entities["employees"] = [
        {
            "id": _id("E1"),
            "number": "E1",
            "givenName": "Eva",
            "surname": "Lind",
            "status": "Active",
            "lastModifiedDateTime": "2024-01-01T00:00:00Z",
            "defaultDimensions": [
                {
                    "id": _id("E1/AREA"),
                    "parentType": "Employee",
                    "parentId": _id("E1"),
                    "dimensionCode": "AREA",
                    "dimensionValueCode": "NORTH",
                    "postingValidation": " ",
                },
                {
                    "id": _id("E1/DEPT"),
                    "parentType": "Employee",
                    "parentId": _id("E1"),
                    "dimensionCode": "DEPARTMENT",
                    "dimensionValueCode": "SUPPORT",
                    "postingValidation": "Code_Mandatory",
                },
            ],
        },
        {
            "id": _id("E2"),
            "number": "E2",
            "givenName": "Ole",
            "surname": "Berg",
            "status": "Active",
            "lastModifiedDateTime": "2024-01-01T00:00:00Z",
            "defaultDimensions": [],
        },
    ]
    entities["timeRegistrationEntries"] = [
        {
            "id": _id(f"T{n}"),
            "employeeId": _id(employee),
            "employeeNumber": employee,
            "jobId": _id("JOB1"),
            "jobNumber": "JOB1",
            "jobTaskNumber": "100",
            "absence": "",
            "lineNumber": 10000 * n,
            "date": "2026-09-30",
            "quantity": hours,
            "status": "Approved",
            "unitOfMeasureCode": "HOUR",
            "lastModfiedDateTime": "2026-09-30T17:00:00Z",
        }
        for n, (employee, hours) in enumerate((("E1", 2.5), ("E2", 1)), start=1)
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        service = FakeBusinessCentral(rsps, entities)
        with Store(tmp_path / "l.duckdb") as store:
            run_sync(connector(job_customers={"JOB1": "C1"}), load_mapping("bc"), store)
            departments = dict(store.con.execute("SELECT employee_id, department FROM employee").fetchall())
            analysis = analyze(store.con, PERIOD, Settings(department_rates={"SUPPORT": Decimal(40)}))
    assert departments == {"E1": "SUPPORT", "E2": None}
    assert any("employees" in u and "%24expand=defaultDimensions" in u for u in service.requests)
    c1 = next(c for c in analysis.customers if c.customer_id == "C1")
    assert (c1.labour_hours, c1.labour_cost) == (Decimal("3.5"), Decimal("100.00"))


def test_a_foreign_currency_invoice_is_converted_at_bcs_rate_on_its_posting_date(tmp_path: Path) -> None:
    # USD rates against the local EUR (dynamics_currencyexchangerate.md: exchangeRateAmount USD =
    # relationalExchangeRateAmount EUR): from 2026-01-01 100 = 90.00, from 2026-08-01 100 = 92.50, from
    # 2026-09-01 100 = 95.00. INV7 (C2, posted 2026-08-03) A-100 10 × 100.00 USD = 1,000.00 + 190.00 tax,
    # all open: rate 0.925 → net sales 925.00 EUR, total and open 1,100.75 EUR; cost 10 × 48 = 480.00 (the
    # item's cost is local already). C2: net sales 300 + 925 = 1,225.00, cost 144 + 480 = 624.00, open
    # 119 + 1,100.75 = 1,219.75. INV6 (C2, 2025-12-01, CHF) has no rate: quarantined with its reason.
    entities = bc_company()
    template = next(i for i in entities["salesInvoices"] if i["number"] == "INV2")
    inv7 = copy.deepcopy(template)
    line = inv7["salesInvoiceLines"][0]  # type: ignore[index]
    line.update(
        quantity=10,
        unitPrice=100,
        netAmount=1000,
        amountExcludingTax=1000,
        amountIncludingTax=1190,
        totalTaxAmount=190,
        netTaxAmount=190,
        netAmountIncludingTax=1190,
    )
    inv7.update(
        id=_id("INV7"),
        number="INV7",
        invoiceDate="2026-08-03",
        postingDate="2026-08-03",
        dueDate="2026-09-02",
        currencyCode="USD",
        totalAmountExcludingTax=1000,
        totalTaxAmount=190,
        totalAmountIncludingTax=1190,
        remainingAmount=1190,
    )
    inv6 = copy.deepcopy(inv7)
    inv6.update(id=_id("INV6"), number="INV6", postingDate="2025-12-01", invoiceDate="2025-12-01", currencyCode="CHF")
    entities["salesInvoices"] += [inv7, inv6]
    entities["currencyExchangeRates"] = [
        {
            "id": _id(f"USD{day}"),
            "currencyCode": "USD",
            "startingDate": day,
            "exchangeRateAmount": 100,
            "relationalCurrencyCode": "",
            "relationalExchangeRateAmount": rate,
            "lastModifiedDateTime": "2026-01-01T00:00:00Z",
        }
        for day, rate in (("2026-09-01", 95), ("2026-01-01", 90), ("2026-08-01", 92.5))
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FakeBusinessCentral(rsps, entities)
        with Store(tmp_path / "l.duckdb") as store:
            result = run_sync(connector(), load_mapping("bc"), store)
            inv7_row = store.con.execute(
                "SELECT amount, source_amount, exchange_rate, currency FROM document WHERE document_id = 'INV7'"
            ).fetchone()
            reasons = [r for (r,) in store.con.execute("SELECT reason FROM quarantine").fetchall()]
            analysis = analyze(store.con, PERIOD)
    assert inv7_row == (Decimal("1100.75"), Decimal("1190"), Decimal("0.925"), "USD")
    assert result.rows_quarantined >= 1 and any(
        "no exchange rate for CHF on or before 2025-12-01" in r for r in reasons
    )
    c2 = next(c for c in analysis.customers if c.customer_id == "C2")
    assert (c2.net_sales, c2.cost_of_goods, c2.open_amount) == (Decimal("1225"), Decimal("624"), Decimal("1219.75"))


def test_items_and_their_categories_are_the_product_lines(tmp_path: Path) -> None:
    # The common company's items: A-100 in category HARDWARE ("Hardware"), KIT-1 in KITS ("Kits and
    # bundles"); a service item SRV-1 ("Service" type, category SERVICES) sold nowhere; an item type named
    # as OData spells it ("Non_x002D_Inventory"). Per product line, from the lines of the period:
    #   HARDWARE: INV3 5 × 80 = 400 (cost 240) + INV1 10 × 80 = 800 (cost 480) + INV2 1 × 100 = 100 (cost 48)
    #             = 1,300.00, cost 768.00; 2 customers, C1 (1,200) before C2 (100);
    #   KITS:     INV1 KIT-1 200.00 at cost 120.00; C1.
    # The customers' net sales are 1,300 + 100 = 1,400 (CRM1's −100 is on no line) and cost 888: one more
    # row, "(not on lines)", −100.00 and 0.00, makes the lines add up.
    entities = common_company()
    entities["items"].append(
        {
            **entities["items"][0],
            "id": _id("SRV-1"),
            "number": "SRV-1",
            "displayName": "Installation",
            "type": "Service",
            "itemCategoryCode": "SERVICES",
        }
    )
    entities["items"].append(
        {
            **entities["items"][0],
            "id": _id("NI-1"),
            "number": "NI-1",
            "displayName": "Freight label",
            "type": "Non_x002D_Inventory",
            "itemCategoryCode": "",
        }
    )
    entities["itemCategories"].append({"id": _id("SERVICES"), "code": "SERVICES", "displayName": "Services"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FakeBusinessCentral(rsps, entities)
        with Store(tmp_path / "l.duckdb") as store:
            result = run_sync(connector(), load_mapping("bc"), store)
            items = {
                r[0]: r[1:]
                for r in store.con.execute(
                    "SELECT item_id, item_class, class_description, item_type FROM item"
                ).fetchall()
            }
            analysis = analyze(store.con, PERIOD)
    assert result.rows_quarantined == 0
    assert items == {
        "A-100": ("HARDWARE", "Hardware", "inventory"),
        "KIT-1": ("KITS", "Kits and bundles", "inventory"),
        "SRV-1": ("SERVICES", "Services", "service"),
        "NI-1": (None, None, "non_inventory"),
    }
    lines = [
        (g["key"], g["net_sales"], g["cost_of_goods"], g["customers"], g["top_customers"])
        for g in analysis.groups["item_class"]
    ]
    assert lines == [
        ("HARDWARE", Decimal("1300"), Decimal("768"), 2, "C1 C2"),
        ("KITS", Decimal("200"), Decimal("120"), 1, "C1"),
        ("(not on lines)", Decimal("-100"), Decimal("0"), 0, ""),
    ]
