"""A Business Central API v2.0 tenant behind `responses`: payloads shaped as the documented API.

Entity properties, `@odata.context`, `@odata.nextLink` (server-driven paging honouring
`Prefer: odata.maxpagesize`), `$filter=<field> ge <value>` (optionally `or <field> eq '<text>'`),
`$orderby`, `$expand` and OData error bodies follow Microsoft's API v2.0 reference. As BC behaves:
- `customerPayments` are payment-journal lines (the APIV2 page's SourceTable is "Gen. Journal Line"):
  listed without a journal they answer 400 "You must specify a journal batch ID or a journal ID to get
  a journal line" (APIV2CustomerPayments.Page.al, `CheckFilters`). A posted payment is in no entity:
  it shows only in its invoice's `remainingAmount` (APIV2SalesInvoices.Page.al `GetRemainingAmount`).
- an invoice's `lastModifiedDateTime` moves when its status changes (to Paid, Canceled), not when a
  partial payment lowers `remainingAmount` (Sales Invoice Aggregator, codeunit 5477).
- `salesCreditMemos` have no `remainingAmount` (dynamics_salescreditmemo.md). Faults can be queued: HTTP statuses (429 with or
without Retry-After, 500, 503) before the next data requests, and token expiry after N requests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import deque
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import responses

from tests.cases import common

TENANT = "contoso.onmicrosoft.com"
ENVIRONMENT = "production"
COMPANY_ID = "b6e4ec0c-4f5d-ef11-bfe3-6045bde9b5d4"
BASE = "https://api.businesscentral.dynamics.com/v2.0"
COMPANY_URL = f"{BASE}/{TENANT}/{ENVIRONMENT}/api/v2.0/companies({COMPANY_ID})"
LOGIN = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
STAMP = "2026-10-30T08:15:00.000Z"


def _id(text: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def common_company() -> dict[str, list[dict[str, Any]]]:
    """The common test company (tests/cases/common.py) as BC entities."""
    customers = [
        {
            "id": _id(number),
            "number": number,
            "displayName": name,
            "type": "Company",
            "addressLine1": "",
            "addressLine2": "",
            "city": "",
            "state": "",
            "country": "DE",
            "postalCode": "",
            "phoneNumber": "",
            "email": "",
            "website": "",
            "salespersonCode": "",
            "balanceDue": 0,
            "creditLimit": _num(limit),
            "taxLiable": True,
            "taxAreaId": _id("EU"),
            "taxAreaDisplayName": "EU",
            "taxRegistrationNumber": "",
            "currencyId": "00000000-0000-0000-0000-000000000000",
            "currencyCode": "EUR",
            "paymentTermsId": _id("30D"),
            "shipmentMethodId": "00000000-0000-0000-0000-000000000000",
            "paymentMethodId": _id("BANK"),
            "blocked": " ",
            "lastModifiedDateTime": STAMP,
        }
        for number, name, limit in common.CUSTOMERS
    ]
    invoices, credit_memos = [], []
    applied = {frm: to for frm, to, _, _ in common.APPLICATIONS}
    for doc in common.DOCS:
        head = {
            "id": _id(doc.number),
            "number": doc.number,
            "externalDocumentNumber": "",
            "customerId": _id(doc.customer),
            "customerNumber": doc.customer,
            "customerName": doc.customer,
            "billToName": doc.customer,
            "billToCustomerId": _id(doc.customer),
            "billToCustomerNumber": doc.customer,
            "currencyId": "00000000-0000-0000-0000-000000000000",
            "currencyCode": "EUR",
            "paymentTermsId": _id("30D"),
            "shipmentMethodId": "00000000-0000-0000-0000-000000000000",
            "salesperson": "",
            "pricesIncludeTax": False,
            "discountAmount": 0,
            "discountAppliedBeforeTax": True,
            "totalAmountExcludingTax": _num(doc.sales),
            "totalTaxAmount": _num(doc.tax),
            "totalAmountIncludingTax": _num(doc.total),
            "status": "Paid" if doc.open == 0 else "Open",
            "lastModifiedDateTime": STAMP,
            "phoneNumber": "",
            "email": "",
        }
        lines = [
            {
                "id": _id(f"{doc.number}/{n}"),
                "documentId": _id(doc.number),
                "sequence": n * 10000,
                "itemId": _id(line.item),
                "accountId": "00000000-0000-0000-0000-000000000000",
                "lineType": "Item",
                "lineObjectNumber": line.item,
                "description": line.item,
                "unitOfMeasureId": _id("PCS"),
                "unitOfMeasureCode": "PCS",
                "quantity": _num(line.quantity),
                "unitPrice": _num(line.price),
                "discountAmount": 0,
                "discountPercent": 0,
                "discountAppliedBeforeTax": False,
                "amountExcludingTax": _num(line.amount),
                "taxCode": "VAT19",
                "taxPercent": 19,
                "totalTaxAmount": _num(line.amount * Decimal("0.19")),
                "amountIncludingTax": _num(line.amount * Decimal("1.19")),
                "invoiceDiscountAllocation": 0,
                "netAmount": _num(line.amount),
                "netTaxAmount": _num(line.amount * Decimal("0.19")),
                "netAmountIncludingTax": _num(line.amount * Decimal("1.19")),
                "shipmentDate": doc.date.isoformat(),
                "itemVariantId": "00000000-0000-0000-0000-000000000000",
                "locationId": "00000000-0000-0000-0000-000000000000",
            }
            for n, line in enumerate(doc.lines, start=1)
        ]
        if doc.kind == "invoice":
            invoices.append(
                {
                    **head,
                    "remainingAmount": _num(doc.open),  # what the posted payments and memos left open
                    "invoiceDate": doc.date.isoformat(),
                    "postingDate": doc.date.isoformat(),
                    "dueDate": (doc.due or doc.date).isoformat(),
                    "orderId": "",
                    "orderNumber": "",
                    "salesInvoiceLines": lines,
                }
            )
        elif doc.kind == "credit_memo":
            credit_memos.append(
                {
                    **head,
                    "creditMemoDate": doc.date.isoformat(),
                    "postingDate": doc.date.isoformat(),
                    "dueDate": doc.date.isoformat(),
                    "invoiceId": _id(applied[doc.number]),
                    "invoiceNumber": applied[doc.number],
                    "salesCreditMemoLines": lines,
                }
            )
        # A payment (PMT1) is posted: it left the payment journal and shows only in INV1's remainingAmount.
    items = [
        {
            "id": _id(n),
            "number": n,
            "displayName": n,
            "type": "Inventory",
            "itemCategoryId": _id("HARDWARE") if n == "A-100" else _id("KITS"),
            "itemCategoryCode": "HARDWARE" if n == "A-100" else "KITS",
            "blocked": False,
            "unitCost": _num(c),
            "unitPrice": 0,
            "lastModifiedDateTime": STAMP,
        }
        for n, c in common.ITEM_COST.items()
    ]
    return {
        "customers": customers,
        "salesInvoices": invoices,
        "salesCreditMemos": credit_memos,
        "customerPayments": [],  # the payment journal: empty once every payment is posted
        "items": items,
        # dynamics_itemCategory.md: id, code, displayName, lastModifiedDateTime
        "itemCategories": [
            {"id": _id(code), "code": code, "displayName": name, "lastModifiedDateTime": STAMP}
            for code, name in (("HARDWARE", "Hardware"), ("KITS", "Kits and bundles"))
        ],
        "employees": [],
        "timeRegistrationEntries": [],
        # dynamics_generalledgersetup.md: one row; localCurrencyCode is the company's currency.
        "generalLedgerSetup": [
            {
                "id": _id("GLSETUP"),
                "allowPostingFrom": "0001-01-01",
                "allowPostingTo": "0001-01-01",
                "additionalReportingCurrency": "",
                "localCurrencyCode": "EUR",
                "localCurrencySymbol": "€",
                "lastModifiedDateTime": STAMP,
            }
        ],
        "currencyExchangeRates": [],  # dynamics_currencyexchangerate.md
        # dynamics_itemledgerentry.md: one Sale entry per item line, quantity and cost negative (stock out);
        # enum values with spaces come as OData spells them ("Sales_x0020_Invoice").
        "itemLedgerEntries": [
            {
                "id": _id(f"ILE/{doc.number}/{n}"),
                "entryNumber": 1000 * index + n,
                "itemNumber": line.item,
                "postingDate": doc.date.isoformat(),
                "entryType": "Sale",
                "sourceNumber": doc.customer,
                "sourceType": "Customer",
                "documentNumber": doc.number,
                "documentType": "Sales_x0020_Invoice",
                "description": line.item,
                "quantity": -_num(line.quantity),
                "salesAmountActual": _num(line.amount),
                "costAmountActual": -_num(line.cost),
                "lastModifiedDateTime": STAMP,
            }
            for index, doc in enumerate(common.DOCS)
            if doc.kind == "invoice"
            for n, line in enumerate(doc.lines, start=1)
        ],
        "salesShipments": [],  # dynamics_salesShipment.md: number, orderNumber, …
    }


class FakeBusinessCentral:
    """Answers sign-in and API requests from `entities`; see the module doc for faults."""

    def __init__(self, rsps: responses.RequestsMock, entities: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.entities = entities if entities is not None else common_company()
        self.faults: deque[tuple[int, dict[str, str], dict[str, Any]]] = deque()
        self.tokens_issued = 0
        self.valid_token: str | None = None
        self.token_uses_left: int | None = None  # a token "expires" after this many data requests
        self.requests: list[str] = []
        self.max_page = 20000
        self.fault_at: dict[int, tuple[int, dict[str, str], dict[str, Any]]] = {}  # data request n → fault
        rsps.add_callback(responses.POST, LOGIN, callback=self._token)
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/.*"), callback=self._route)

    def touch(self, entity: str, number: str, **changes: Any) -> None:
        """Change one entity the way a user in BC would: its lastModifiedDateTime moves on."""
        for row in self.entities[entity]:
            if row.get("number") == number:
                row.update(changes)
                row["lastModifiedDateTime"] = (
                    dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                )
                return
        raise KeyError(number)

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        if form.get("client_secret") != ["s3cret-client-value"]:
            return (
                401,
                {},
                json.dumps(
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                        "in the request is the client secret value, not the client secret ID.\r\nTrace ID: 1",
                        "error_codes": [7000215],
                    }
                ),
            )
        assert form.get("scope") == ["https://api.businesscentral.dynamics.com/.default"]
        assert form.get("grant_type") == ["client_credentials"]
        self.tokens_issued += 1
        self.valid_token = f"token-{self.tokens_issued}"
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": self.valid_token}
        return 200, {}, json.dumps(body)

    def _route(self, request: Any) -> tuple[int, dict[str, str], str]:
        if request.url.startswith(COMPANY_URL + "/"):
            return self._data(request)
        body = {"error": {"code": "BadRequest_NotFound", "message": "The specified company was not found."}}
        return 404, {}, json.dumps(body)

    def _data(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.requests.append(request.url)
        if request.headers.get("Authorization") != f"Bearer {self.valid_token}":
            return (
                401,
                {"WWW-Authenticate": 'Bearer realm=""'},
                json.dumps(
                    {
                        "error": {
                            "code": "Authentication_InvalidCredentials",
                            "message": "The server has rejected the client credentials.  CorrelationId:  1.",
                        }
                    }
                ),
            )
        if self.token_uses_left is not None:
            if self.token_uses_left <= 0:
                self.valid_token = None  # expired: the next request with it is refused
                self.token_uses_left = None
                return (
                    401,
                    {},
                    json.dumps(
                        {"error": {"code": "Unauthorized", "message": "The token is expired.  CorrelationId:  2."}}
                    ),
                )
            self.token_uses_left -= 1
        fault = self.fault_at.pop(len(self.requests), None) or (self.faults.popleft() if self.faults else None)
        if fault is not None:
            status, headers, body = fault
            return status, headers, json.dumps(body)
        parts = urlsplit(request.url)
        entity = parts.path.rsplit("/", 1)[1]
        if entity not in self.entities:
            return (
                404,
                {},
                json.dumps(
                    {
                        "error": {
                            "code": "BadRequest_NotFound",
                            "message": f"No HTTP resource was found that matches the request URI '{request.url}'.",
                        }
                    }
                ),
            )
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if entity == "customerPayments" and not {"journalId", "journalBatchId"} & set(query.get("$filter", "").split()):
            body = {
                "error": {
                    "code": "Application_DialogException",
                    "message": "You must specify a journal batch ID or a journal ID to get a journal line.  "
                    "CorrelationId:  3.",
                }
            }
            return 400, {}, json.dumps(body)
        rows = list(self.entities[entity])
        if "$filter" in query:
            clauses = [clause.split(" ", 2) for clause in query["$filter"].split(" or ")]
            assert all(op in ("ge", "eq") for _, op, _ in clauses), query["$filter"]

            def holds(row: dict[str, Any], field: str, op: str, value: str) -> bool:
                if op == "eq":
                    return bool(str(row.get(field)) == value.strip("'"))
                return bool(_comparable(row[field]) >= _comparable(value))

            rows = [r for r in rows if any(holds(r, *clause) for clause in clauses)]
        if "$orderby" in query:
            keys = query["$orderby"].split(",")
            rows.sort(key=lambda r: tuple(_comparable(r[k]) for k in keys))
        expand = query.get("$expand")
        rows = [{k: v for k, v in r.items() if not isinstance(v, list) or k == expand} for r in rows]
        if "$select" in query:
            rows = [{k: r[k] for k in query["$select"].split(",")} for r in rows]
        page = self.max_page
        prefer = request.headers.get("Prefer", "")
        if prefer.startswith("odata.maxpagesize="):
            page = min(page, int(prefer.split("=", 1)[1]))
        skip = int(query.pop("$skiptoken", "0"))
        body: dict[str, Any] = {
            "@odata.context": f"{BASE}/{TENANT}/{ENVIRONMENT}/api/v2.0/$metadata#companies({COMPANY_ID})/{entity}",
            "value": rows[skip : skip + page],
        }
        if skip + page < len(rows):
            nxt = {**query, "$skiptoken": str(skip + page)}
            body["@odata.nextLink"] = f"{COMPANY_URL}/{entity}?{urlencode(nxt)}"
        headers = {"Preference-Applied": f"odata.maxpagesize={page}"} if prefer else {}
        return 200, headers, json.dumps(body)


def _comparable(value: Any) -> Any:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T", value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.datetime.fromisoformat(value + "T00:00:00+00:00")
    return value
