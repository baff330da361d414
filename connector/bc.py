"""Dynamics 365 Business Central through its standard API v2.0 (REST/OData, JSON).

    https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0/companies({id})/...

Sign-in is OAuth2 client credentials with an app registration (Microsoft Entra ID), which must
also be entered on BC's "Microsoft Entra Applications" page with read permission sets. The token
is cached until shortly before it expires; a 401 gets one fresh token and one retry.

Paging is the server's: we ask for smaller pages with `Prefer: odata.maxpagesize` and follow
`@odata.nextLink`. A failed page (429, 5xx, a reset) is asked again under the one retry policy,
honouring Retry-After; requests are paced below BC's rate limit and sent one at a time.

What BC's standard API does not carry, and where the mapping takes it from instead:
- sales lines have no unit cost: the connector adds the cost posted with the sale, from the item
  ledger's sale entries (`itemLedgerEntries.costAmountActual` ÷ `quantity`, by the document's number or,
  for an invoice posted from an order, by the order's shipments), as `unitCost`/`extendedCost`; where
  no entry is found (a line not yet costed), the item card's current `unitCost`, said in `costSource`;
- time registration entries carry no cost and no customer: cost comes from the configured rates,
  the customer from `job_customers` (job number → customer number) in the configuration;
- amounts are in the document's currency (`currencyCode`, never blank: BC gives its local code for
  local documents). A foreign-currency document is converted into the local currency
  (`generalLedgerSetup.localCurrencyCode`) at BC's default rate on its posting date: the
  `currencyExchangeRates` row of that currency with the latest `startingDate` on or before it,
  `relationalExchangeRateAmount / exchangeRateAmount` local units per unit, each amount rounded to the
  cent; the document's own total is kept as `sourceAmount`, the rate as `exchangeRate`;
- an employee has no department property: it is the employee's default dimension
  `department_dimension` (DEPARTMENT), read with `$expand=defaultDimensions`, as `departmentCode`;
- there is no customer ledger entry and no posted payment: `customerPayments` are unposted payment-journal
  lines (negative amounts; listed without a journal BC answers 400 "You must specify a journal batch ID or
  a journal ID", APIV2 page `CheckFilters`), so they are not read. What is open is each invoice's
  `remainingAmount`; the analysis settles the rest without a payment record (profitability/receivables.py
  `inferred`), on the day the invoice was paid off where BC shows it (`paidOffDate`, added here: an
  invoice's `lastModifiedDateTime` moves only when its status changes, to Paid among others — Sales
  Invoice Aggregator, codeunit 5477 `UpdateStatusIfChanged`), else on the day a sync first saw it.
- `remainingAmount` is computed when read: a partial payment does not move the invoice's
  `lastModifiedDateTime`, so every sync reads the invoices still open again, besides those changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

import requests

from common.errors import AuthError, ConnectorError, SourceUnavailable
from connector.base import DEFAULT_CHUNK_ROWS, SourceRow, Watermark, timestamp_text
from connector.http import Pacer, UntrustedCertificate, make_session, send
from connector.retry import with_retries

log = logging.getLogger(__name__)

API = "https://api.businesscentral.dynamics.com/v2.0"
LOGIN = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
SCOPE = "https://api.businesscentral.dynamics.com/.default"

CHANGED = Watermark("timestamp", dt.timedelta(minutes=10))
DATED = Watermark("date", dt.timedelta(days=35))


@dataclass(frozen=True)
class BcStream:
    """One stream: the entity set, how rows are flattened, and the watermark field."""

    name: str
    entity: str
    cursor_field: str | None = "lastModifiedDateTime"
    expand: str | None = None  # lines: read with their document, one row per line
    where: Callable[[dict[str, Any]], bool] | None = None
    also: str | None = None  # an OData condition whose rows are read at every sync, changed or not
    navigation: str | None = None  # a navigation property read with each row ($expand), not as rows

    @property
    def watermark(self) -> Watermark | None:
        if self.cursor_field is None:
            return None
        return DATED if self.cursor_field == "date" else CHANGED


def _credits_an_invoice(row: dict[str, Any]) -> bool:
    return bool(row.get("invoiceNumber")) and row.get("status") not in ("Draft", "In Review")


def _not_rejected(row: dict[str, Any]) -> bool:
    return row.get("status") != "Rejected"


STREAMS: dict[str, BcStream] = {
    s.name: s
    for s in (
        BcStream("customers", "customers"),
        # The item master: itemCategoryCode is the product line; the category's name comes from
        # itemCategories (dynamics_item.md, dynamics_itemCategory.md).
        BcStream("items", "items"),
        # The department is the employee's DEPARTMENT default dimension (dynamics_employee.md lists
        # defaultDimensions among its navigation properties; the employee has no department property).
        # A default dimension's change does not move the employee's lastModifiedDateTime: read whole.
        BcStream("employees", "employees", cursor_field=None, navigation="defaultDimensions"),
        BcStream("sales_invoices", "salesInvoices", also="status eq 'Open'"),
        BcStream("sales_credit_memos", "salesCreditMemos"),
        # Lines are read whole at every sync: their posted cost can change (cost adjustment) while the
        # document does not.
        BcStream("sales_invoice_lines", "salesInvoices", cursor_field=None, expand="salesInvoiceLines"),
        BcStream("sales_credit_memo_lines", "salesCreditMemos", cursor_field=None, expand="salesCreditMemoLines"),
        BcStream("credit_memo_applications", "salesCreditMemos", where=_credits_an_invoice),
        # timeRegistrationEntries spell their change field "lastModfiedDateTime" in the docs;
        # the entry date is the safe watermark (35 days are read again each time).
        BcStream("time_entries", "timeRegistrationEntries", cursor_field="date", where=_not_rejected),
    )
}


class BusinessCentralConnector:
    """Reads one Business Central company through API v2.0."""

    def __init__(
        self,
        *,
        tenant_id: str,
        environment: str,
        company_id: str,
        client_id: str,
        client_secret: str,
        system: str = "bc",
        base_url: str = API,
        login_url: str = LOGIN,
        page_size: int = 1000,
        requests_per_minute: float = 300,
        job_customers: Mapping[str, str] | None = None,
        department_dimension: str = "DEPARTMENT",
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        retry: Mapping[str, Any] | None = None,
        timeout: float = 120,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self.system = system
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._secret = client_secret
        self.company_url = (
            f"{base_url.rstrip('/')}/{quote(tenant_id)}/{quote(environment)}/api/v2.0/companies({company_id})"
        )
        self.login_url = login_url.format(tenant=quote(tenant_id))
        self.page_size = page_size
        self.pacer = Pacer(requests_per_minute)
        self.job_customers = dict(job_customers or {})
        self.department_dimension = department_dimension
        self.session = session or make_session(ca_bundle)
        self.retry = dict(retry or {})
        self.timeout = timeout
        self.chunk_rows = chunk_rows
        self.describe = f"Business Central {environment}"
        self._token: str | None = None
        self._expires = 0.0
        self._fresh_token = False
        self._item_costs: dict[str, Any] | None = None
        self._currencies: tuple[str, dict[str, list[tuple[str, Decimal]]]] | None = None
        self._posted_costs: dict[tuple[str, str], tuple[Decimal, Decimal]] | None = None
        self._item_categories: dict[str, Any] | None = None
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"BusinessCentralConnector({self.company_url}, client={self.client_id}, secret=***)"

    # -- the connector protocol -------------------------------------------------------------------

    def stream_names(self) -> Sequence[str]:
        return list(STREAMS)

    def available_columns(self, stream: str) -> Sequence[str] | None:
        return None  # JSON properties: the mapping's names are checked against the rows

    def watermark(self, stream: str) -> Watermark | None:
        return STREAMS[stream].watermark

    def fingerprint(self, stream: str) -> str | None:
        return None

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        spec = STREAMS[stream]
        chunk: list[SourceRow] = []
        row_number = 0
        for entity in self._entities(spec, since):
            for values in self._flatten(spec, entity):
                row_number += 1
                chunk.append(SourceRow(spec.entity, row_number, values, self._cursor(spec, entity)))
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self.session.close()

    def probe(self) -> None:
        """Sign in and ask for one customer: proves the app, the permission and the company."""
        self._get(f"{self.company_url}/customers", params={"$top": "1"}, stream="customers")

    # -- reading ----------------------------------------------------------------------------------

    def _entities(self, spec: BcStream, since: str | None) -> Iterator[dict[str, Any]]:
        params: dict[str, str] = {}
        if spec.cursor_field is not None:
            params["$orderby"] = f"{spec.cursor_field},id"
            if since is not None:
                changed = f"{spec.cursor_field} ge {_odata_value(since, spec.cursor_field)}"
                params["$filter"] = f"{changed} or {spec.also}" if spec.also else changed
        if spec.expand or spec.navigation:
            params["$expand"] = str(spec.expand or spec.navigation)
        for entity in self._pages(f"{self.company_url}/{spec.entity}", params, spec.name):
            if spec.where is None or spec.where(entity):
                yield entity

    def _pages(self, url: str, params: Mapping[str, str], stream: str) -> Iterator[dict[str, Any]]:
        """Every entity of a collection, page by page through `@odata.nextLink`."""
        next_url: str | None = url
        while next_url is not None:
            body = self._get(next_url, params=params, stream=stream)
            params = {}  # the next link carries the query
            values = body.get("value")
            if not isinstance(values, list):
                raise ConnectorError(f"{self.describe}: {stream} answered without a value list", stream=stream)
            yield from (v for v in values if isinstance(v, dict))
            link = body.get("@odata.nextLink")
            next_url = str(link) if link else None

    def _flatten(self, spec: BcStream, entity: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if spec.expand is None:
            if spec.name == "time_entries":
                entity = {**entity, "customerNumber": self.job_customers.get(str(entity.get("jobNumber") or ""))}
            if spec.name == "items":
                code = str(entity.get("itemCategoryCode") or "")
                entity = {
                    **entity,
                    "type": _enum(entity.get("type")),
                    "itemCategoryName": self.item_categories().get(code) if code else None,
                }
            if spec.name == "employees":
                dimensions = entity.get("defaultDimensions") or []
                department = next(
                    (
                        d.get("dimensionValueCode")
                        for d in dimensions
                        if isinstance(d, dict) and d.get("dimensionCode") == self.department_dimension
                    ),
                    None,
                )
                entity = {k: v for k, v in entity.items() if k != "defaultDimensions"}
                entity["departmentCode"] = department or None
            if spec.name in ("sales_invoices", "sales_credit_memos", "credit_memo_applications"):
                entity = self._in_local_currency(entity)
            if spec.name == "sales_invoices":
                changed = entity.get("lastModifiedDateTime")
                paid = entity.get("status") == "Paid" and isinstance(changed, str) and len(changed) >= 10
                entity = {**entity, "paidOffDate": changed[:10] if paid else None}  # type: ignore[index]
            yield entity
            return
        costs = self.item_costs()
        header = self._in_local_currency({k: v for k, v in entity.items() if not isinstance(v, list)})
        rate = header.get("exchangeRate")
        for original in entity.get(spec.expand) or []:
            line = original
            if isinstance(rate, Decimal) and rate != 1:
                line = {**original, **{k: _converted(original.get(k), rate) for k in LINE_AMOUNTS if k in original}}
            if line.get("lineType") == "Comment":
                continue  # text only
            item = str(line.get("lineObjectNumber") or "")
            quantity = _decimal(line.get("quantity"))
            cost: Decimal | None = None
            source = None
            if line.get("lineType") == "Item":
                cost = self._posted_unit_cost(header, item)
                source = "posted" if cost is not None else None
                if cost is None:
                    cost, source = _decimal(costs.get(item)), "item card"
            extended = (
                (cost * quantity).quantize(CENT, rounding=ROUND_HALF_UP) if cost is not None and quantity else None
            )
            yield {
                **{f"document.{k}": v for k, v in header.items()},
                **line,
                "unitCost": cost,
                "extendedCost": extended,
                "costSource": source,
            }

    def _in_local_currency(self, document: dict[str, Any]) -> dict[str, Any]:
        """The document with its amounts in the local currency, `sourceAmount` and `exchangeRate` added.
        A currency without a rate on the posting date gets an `exchangeRate` that says so: the mapping
        quarantines that document with the reason instead of taking foreign amounts as local."""
        local, rates = self.currencies()
        code = str(document.get("currencyCode") or "") or local
        if code == local:
            return {**document, "exchangeRate": Decimal(1), "sourceAmount": document.get("totalAmountIncludingTax")}
        day = str(document.get("postingDate") or document.get("invoiceDate") or document.get("creditMemoDate") or "")
        found = [factor for start, factor in rates.get(code, []) if start <= day]
        if not found:
            return {**document, "exchangeRate": f"no exchange rate for {code} on or before {day or '?'}"}
        rate = found[-1]
        converted = {k: _converted(document.get(k), rate) for k in DOCUMENT_AMOUNTS if k in document}
        return {**document, **converted, "exchangeRate": rate, "sourceAmount": document.get("totalAmountIncludingTax")}

    def currencies(self) -> tuple[str, dict[str, list[tuple[str, Decimal]]]]:
        """The local currency and, per foreign currency, (starting date, local units per unit) by date."""
        if self._currencies is None:
            setup = next(iter(self._pages(f"{self.company_url}/generalLedgerSetup", {}, "generalLedgerSetup")), {})
            local = str(setup.get("localCurrencyCode") or "")
            rates: dict[str, list[tuple[str, Decimal]]] = {}
            for row in self._pages(f"{self.company_url}/currencyExchangeRates", {}, "currencyExchangeRates"):
                amount, relational = (
                    _decimal(row.get("exchangeRateAmount")),
                    _decimal(row.get("relationalExchangeRateAmount")),
                )
                if row.get("relationalCurrencyCode") not in ("", None, local) or not amount or relational is None:
                    continue  # a rate against a third currency, or an empty row: not BC's default for posting
                rates.setdefault(str(row.get("currencyCode")), []).append(
                    (str(row.get("startingDate") or "")[:10], relational / amount)
                )
            self._currencies = local, {code: sorted(found) for code, found in rates.items()}
        return self._currencies

    def _posted_unit_cost(self, document: dict[str, Any], item: str) -> Decimal | None:
        """The item's unit cost as posted with this document: its sale entries' costAmountActual ÷ quantity,
        found by the document's number (posted as an invoice or credit memo), else by its order's shipments."""
        entries = self.posted_costs()
        found = entries.get((str(document.get("number") or ""), item))
        order = str(document.get("orderNumber") or "")
        if found is None and order:
            found = entries.get((f"order:{order}", item))
        if found is None or not found[0]:
            return None
        quantity, cost = found
        return cost / quantity

    def posted_costs(self) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
        """(document, item) → (Σ quantity, Σ costAmountActual) of the item ledger's sale entries, read whole
        at every sync: costAmountActual is computed when read, and BC's cost adjustment changes it without
        changing the entry (dynamics_itemledgerentry.md). An entry of a shipment counts for its order
        ("order:ORDER"): an invoice posted from an order names the order, not the shipment."""
        if self._posted_costs is None:
            orders = {
                str(s.get("number")): str(s.get("orderNumber") or "")
                for s in self._pages(
                    f"{self.company_url}/salesShipments", {"$select": "number,orderNumber"}, "salesShipments"
                )
            }
            totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
            params = {"$filter": "entryType eq 'Sale'"}
            for entry in self._pages(f"{self.company_url}/itemLedgerEntries", params, "itemLedgerEntries"):
                kind = _enum(entry.get("documentType"))
                number = str(entry.get("documentNumber") or "")
                if kind == "Sales Shipment":
                    number = f"order:{orders.get(number, '')}" if orders.get(number) else number
                quantity, cost = _decimal(entry.get("quantity")), _decimal(entry.get("costAmountActual"))
                if quantity is None or cost is None:
                    continue
                key = (number, str(entry.get("itemNumber") or ""))
                q, c = totals.get(key, (Decimal(0), Decimal(0)))
                totals[key] = (q + quantity, c + cost)
            self._posted_costs = totals
        return self._posted_costs

    def item_categories(self) -> dict[str, Any]:
        """Item category code → its display name, read once per sync."""
        if self._item_categories is None:
            self._item_categories = {
                str(c.get("code")): c.get("displayName")
                for c in self._pages(f"{self.company_url}/itemCategories", {}, "itemCategories")
            }
        return self._item_categories

    def item_costs(self) -> dict[str, Any]:
        """Item number → unit cost, read once per sync (BC lines carry no cost of their own)."""
        if self._item_costs is None:
            costs: dict[str, Any] = {}
            for item in self._pages(f"{self.company_url}/items", {"$select": "number,unitCost"}, "items"):
                costs[str(item.get("number"))] = item.get("unitCost")
            self._item_costs = costs
        return self._item_costs

    @staticmethod
    def _cursor(spec: BcStream, entity: dict[str, Any]) -> str | None:
        if spec.cursor_field is None:
            return None
        value = entity.get(spec.cursor_field)
        if not isinstance(value, str) or not value:
            return None
        if spec.cursor_field == "date":
            return value[:10]
        return timestamp_text(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))

    # -- HTTP -------------------------------------------------------------------------------------

    def _get(self, url: str, *, params: Mapping[str, str], stream: str) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            self.pacer.wait()
            self.requests_sent += 1
            headers = {
                "Authorization": f"Bearer {self.token()}",
                "Accept": "application/json",
                "Prefer": f"odata.maxpagesize={self.page_size}",
            }
            try:
                response = send(
                    self.session,
                    "GET",
                    url,
                    params=params,
                    headers=headers,
                    describe=self.describe,
                    stream=stream,
                    timeout=self.timeout,
                )
            except AuthError:
                if self._fresh_token:
                    raise
                # The token expired or was revoked mid-sync: one fresh token, one more try.
                log.info("Business Central refused the token; signing in again")
                headers["Authorization"] = f"Bearer {self.token(fresh=True)}"
                response = send(
                    self.session,
                    "GET",
                    url,
                    params=params,
                    headers=headers,
                    describe=self.describe,
                    stream=stream,
                    timeout=self.timeout,
                )
            try:
                body = response.json(parse_float=Decimal)  # money stays exact
            except ValueError:
                raise ConnectorError(f"{self.describe}: {stream} did not answer JSON", stream=stream) from None
            if not isinstance(body, dict):
                raise ConnectorError(f"{self.describe}: {stream} answered an unexpected shape", stream=stream)
            return body

        return with_retries(attempt, **self.retry)

    def token(self, *, fresh: bool = False) -> str:
        if self._token and not fresh and time.monotonic() < self._expires:
            self._fresh_token = False
            return self._token
        try:
            response = send(
                self.session,
                "POST",
                self.login_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self._secret,
                    "scope": SCOPE,
                },
                describe="Microsoft sign-in",
                timeout=self.timeout,
            )
        except (SourceUnavailable, UntrustedCertificate):
            raise
        except ConnectorError as exc:
            raise AuthError(
                f"Microsoft sign-in refused the app registration: {exc.message}",
                hint="check tenant_id, client_id and the client secret (it may have expired)",
            ) from None
        body = response.json()
        if "access_token" not in body:
            raise AuthError("Microsoft sign-in gave no token", hint="check tenant_id, client_id and the secret")
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + max(0, int(body.get("expires_in", 3600)) - 120)
        self._fresh_token = True
        return self._token


# The money of a sales document and of its lines, in the document's currency (dynamics_salesinvoice.md,
# dynamics_salesinvoiceline.md); quantities, percents and item unit costs (local already) are not money here.
DOCUMENT_AMOUNTS = (
    "totalAmountExcludingTax",
    "totalTaxAmount",
    "totalAmountIncludingTax",
    "remainingAmount",
    "discountAmount",
)
LINE_AMOUNTS = (
    "unitPrice",
    "discountAmount",
    "amountExcludingTax",
    "totalTaxAmount",
    "amountIncludingTax",
    "invoiceDiscountAllocation",
    "netAmount",
    "netTaxAmount",
    "netAmountIncludingTax",
)
CENT = Decimal("0.01")


def _enum(value: Any) -> str:
    """An enumeration value as BC names it: OData spells characters a name may not hold as _xHHHH_
    ("Sales_x0020_Shipment", "Non_x002D_Inventory")."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), str(value or ""))


def _converted(value: Any, rate: Decimal) -> Any:
    """An amount times the rate, half up to the cent (BC rounds its local amounts so); anything else as it is."""
    amount = _decimal(value)
    if amount is None:
        return value
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal | None:
    """JSON numbers arrive as Decimal (fractions) or int; both are exact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return None


def _odata_value(cursor: str, field: str) -> str:
    """A cursor as an OData literal: dates bare, timestamps as UTC ISO with Z."""
    if field == "date":
        return cursor[:10]
    return dt.datetime.fromisoformat(cursor).isoformat(timespec="milliseconds") + "Z"
