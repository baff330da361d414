"""Dynamics GP through GP Web Services (SOAP), for sites that grant no SQL access.

Every list operation of the service (GetCustomerList, GetReceivablesDocumentList, …) returns the
whole answer at once: there is no paging. The connector asks in date windows on the stream's date
restriction (ModifiedDate, or Date where the criteria have no ModifiedDate) and halves a window
whenever the answer is too large (WCF's item or message quota, or `max_response_bytes`). Old
records come in one window before the last year, recent ones month by month.

List operations return summaries; what the ledger needs beyond them (open amount, due date, void
flag, lines, credit limit) comes from one `Get…ByKey` call per record. Amounts are asked in the
functional currency (`Context.CurrencyType = Local`), like GP SQL's plain amount columns.

Rows are the service's objects flattened to dotted names, true to the contract:
`Key.Id`, `CustomerKey.Id`, `DocumentAmount.Value` (MoneyAmount{Currency, Value, DecimalDigits}),
`Terms.DueDate`, `Quantity.Value`; line rows carry their document's fields as `document.…`.
Enumerations arrive as the service spells them ('Credit Memo', 'Cash Receipt').

GP Web Services has no apply records (RM20201/RM30201). The `applications` stream rebuilds them
from what it has: each debit document's settled amount (DocumentAmount − CurrentDocumentAmount)
is matched oldest-first with the customer's credits (connector/gp_ws_apply.py). Open amounts are
exact; which payment settled which invoice, and when, is inferred. Use GP SQL where payment
timing matters.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from common.errors import ConnectorError
from connector.base import DEFAULT_CHUNK_ROWS, SourceRow, Watermark
from connector.gp_values import GP_EMPTY_DATE
from connector.gp_ws_apply import Settlement, reconstruct
from connector.gp_ws_soap import ResponseTooLarge, SoapClient

log = logging.getLogger(__name__)

FLOOR = GP_EMPTY_DATE  # the first window starts at GP's "no date"

# What the ByKey operation is for each receivables document type.
RECEIVABLES_BY_KEY = {
    "Invoice": "GetReceivablesInvoiceByKey",
    "Debit Memo": "GetReceivablesDebitMemoByKey",
    "Finance Charge": "GetReceivablesFinanceChargeByKey",
    "Service Repair": "GetReceivablesServiceRepairByKey",
    "Warranty": "GetReceivablesWarrantyByKey",
    "Credit Memo": "GetReceivablesCreditMemoByKey",
    "Return": "GetReceivablesReturnByKey",
    "Cash Receipt": "GetCashReceiptByKey",
}

# Every operation the connector calls (the conformance test checks each against the real WSDL).
OPERATIONS = (
    "GetCompanyList",
    "GetCustomerList",
    "GetCustomerByKey",
    "GetSalespersonList",
    "GetEmployeeList",
    "GetReceivablesDocumentList",
    *RECEIVABLES_BY_KEY.values(),
    "GetSalesInvoiceList",
    "GetSalesInvoiceByKey",
    "GetSalesReturnList",
    "GetSalesReturnByKey",
    "GetProjectList",
    "GetProjectTimesheetList",
    "GetProjectTimesheetByKey",
)

# GP stores ModifiedDate as a date; a record changed late in a day may carry the day before.
MODIFIED = Watermark("date", dt.timedelta(days=2))
DATED = Watermark("date", dt.timedelta(days=35))


@dataclass(frozen=True)
class WsStream:
    """One stream: the list operation, its criteria type, the window restriction, and what follows."""

    name: str
    operation: str
    criteria: str
    window: str | None = "ModifiedDate"  # the criteria's date restriction; also the cursor
    states: tuple[str, ...] = ()  # TransactionState values asked one by one
    by_key: str | None = None  # the operation that returns the whole record ("receivables": by type)
    lines: str | None = None  # the record's line array: one row per line
    extra: Mapping[str, Any] = field(default_factory=dict)  # more criteria

    @property
    def watermark(self) -> Watermark | None:
        if self.window is None:
            return None
        return MODIFIED if self.window == "ModifiedDate" else DATED


STREAMS: dict[str, WsStream] = {
    s.name: s
    for s in (
        WsStream(
            "customers", "GetCustomerList", "CustomerCriteria", by_key="GetCustomerByKey", extra={"Scope": "Return All"}
        ),
        WsStream("salespeople", "GetSalespersonList", "SalespersonCriteria"),
        WsStream("employees", "GetEmployeeList", "EmployeeCriteria", window=None),
        WsStream(
            "receivables",
            "GetReceivablesDocumentList",
            "ReceivablesDocumentCriteria",
            states=("Open", "History"),
            by_key="receivables",
        ),
        WsStream(
            "applications",
            "GetReceivablesDocumentList",
            "ReceivablesDocumentCriteria",
            window=None,
            states=("Open", "History"),
        ),
        WsStream(
            "sales_invoice_lines",
            "GetSalesInvoiceList",
            "SalesInvoiceCriteria",
            states=("History",),
            by_key="GetSalesInvoiceByKey",
            lines="Lines",
        ),
        WsStream(
            "sales_return_lines",
            "GetSalesReturnList",
            "SalesReturnCriteria",
            states=("History",),
            by_key="GetSalesReturnByKey",
            lines="Lines",
        ),
        WsStream(
            "timesheets",
            "GetProjectTimesheetList",
            "ProjectTimesheetCriteria",
            window="Date",
            states=("Open", "History"),
            by_key="GetProjectTimesheetByKey",
            lines="Lines",
        ),
    )
}


class GpWebServicesConnector:
    """Reads one GP company through GP Web Services."""

    def __init__(
        self,
        client: SoapClient,
        *,
        system: str = "gp-ws",
        history_from: dt.date | None = None,
        window_days: int = 31,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        today: dt.date | None = None,
    ) -> None:
        self.client = client
        self.system = system
        self.history_from = history_from
        self.window_days = window_days
        self.chunk_rows = chunk_rows
        self.today = today or dt.date.today()
        self.describe = client.describe
        self.windows_shrunk = 0
        self._project_customers: dict[str, str] | None = None
        # What is open on each document whose record the receivables stream fetched in this run: the
        # applications stream needs the same figure and would otherwise ask every open document again.
        self._open_amounts: dict[tuple[str, str], Decimal] = {}

    def __repr__(self) -> str:
        return f"GpWebServicesConnector({self.client!r})"

    # -- the connector protocol -------------------------------------------------------------------

    def stream_names(self) -> Sequence[str]:
        return list(STREAMS)

    def available_columns(self, stream: str) -> Sequence[str] | None:
        return None  # the service's field names; the mapping's names are checked against rows

    def watermark(self, stream: str) -> Watermark | None:
        return STREAMS[stream].watermark

    def fingerprint(self, stream: str) -> str | None:
        return None

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        spec = STREAMS[stream]
        rows = self._application_rows() if spec.name == "applications" else self._rows(spec, since)
        chunk: list[SourceRow] = []
        for row_number, (values, cursor) in enumerate(rows, start=1):
            chunk.append(SourceRow(spec.operation.removeprefix("Get").removesuffix("List"), row_number, values, cursor))
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self._open_amounts.clear()  # one sync's snapshot, never the next one's
        self.client.close()

    def probe(self) -> None:
        """Sign in and ask for the company list: proves the account, the role and the endpoint."""
        self.client.call("GetCompanyList", criteria={}, stream="companies")

    # -- reading ----------------------------------------------------------------------------------

    def _rows(self, spec: WsStream, since: str | None) -> Iterator[tuple[dict[str, Any], str | None]]:
        for summaries in self._summaries(spec, since):
            for summary in summaries:
                values = flatten(summary)
                cursor = _cursor(values.get(spec.window)) if spec.window else None
                record = self._record(spec, summary, values)
                if record is None:
                    yield values, cursor
                elif spec.lines is None:
                    merged = {**flatten(record), **values}
                    if (
                        merged.get("TransactionState") == "History"
                        and merged.get("CurrentDocumentAmount.Value") is None
                    ):
                        # GP moves a document to history once nothing is open on it (a cash receipt
                        # has no current amount in the service at all).
                        merged["CurrentDocumentAmount.Value"] = Decimal(0)
                    current = merged.get("CurrentDocumentAmount.Value")
                    if spec.name == "receivables" and isinstance(current, Decimal):
                        self._open_amounts[(str(values.get("Type")), str(values.get("Key.Id")))] = current
                    yield merged, cursor
                else:
                    header = {f"document.{k}": v for k, v in {**flatten(record), **values}.items()}
                    for line in _items(getattr(record, spec.lines, None)):
                        if spec.name == "timesheets":
                            header["document.CustomerKey.Id"] = self._customer_of_project(line)
                        yield {**header, **flatten(line)}, cursor

    def _summaries(self, spec: WsStream, since: str | None) -> Iterator[list[Any]]:
        """Lists of summaries, window by window, each sorted by the window field (the cursor)."""
        if spec.window is None:
            yield [s for state in spec.states or (None,) for s in self._list(spec, state, None)]
            return
        start = dt.date.fromisoformat(since[:10]) if since else FLOOR
        if spec.window == "Date" and self.history_from and not since:
            start = max(start, self.history_from)
        end = self.today + dt.timedelta(days=1)
        recent = max(start, end - dt.timedelta(days=365))  # the last year month by month, before it one window
        bounds = [start] if start < recent else []
        day = recent
        while day < end:
            bounds.append(day)
            day += dt.timedelta(days=self.window_days)
        bounds.append(end)
        for lo, hi in itertools.pairwise(bounds):
            found = [s for state in spec.states or (None,) for s in self._window(spec, state, lo, hi)]
            found.sort(key=lambda s: _cursor(getattr(s, spec.window or "", None)) or "")
            yield found

    def _window(self, spec: WsStream, state: str | None, lo: dt.date, hi: dt.date) -> list[Any]:
        """One window [lo, hi); halved while the service answers that it is too large."""
        try:
            return self._list(spec, state, (lo, hi))
        except ResponseTooLarge as exc:
            if hi - lo <= dt.timedelta(days=1):
                raise ConnectorError(
                    f"{exc.message}; even one day ({lo}) is too large for one answer",
                    stream=spec.name,
                    hint="raise max_response_bytes, or the service's maxItemsInObjectGraph / maxReceivedMessageSize",
                ) from None
            self.windows_shrunk += 1
            mid = lo + (hi - lo) / 2
            log.info("%s: %s to %s is too large for one answer; asking in two halves", spec.name, lo, hi)
            return self._window(spec, state, lo, mid) + self._window(spec, state, mid, hi)

    def _list(self, spec: WsStream, state: str | None, window: tuple[dt.date, dt.date] | None) -> list[Any]:
        criteria: dict[str, Any] = dict(spec.extra)
        if state is not None:
            criteria["TransactionState"] = {"EqualValue": state}
        if window is not None and spec.window is not None:
            lo, hi = window
            criteria[spec.window] = {
                "From": dt.datetime.combine(lo, dt.time()),
                "To": dt.datetime.combine(hi - dt.timedelta(days=1), dt.time(23, 59, 59)),
            }
        result = self.client.call(spec.operation, criteria=criteria, stream=spec.name)
        return _items(result)

    def _record(self, spec: WsStream, summary: Any, values: dict[str, Any]) -> Any:
        if spec.by_key is None:
            return None
        operation = spec.by_key
        if operation == "receivables":
            found = RECEIVABLES_BY_KEY.get(str(values.get("Type")))
            if found is None:
                return None  # balance brought forward, scheduled payment: the summary is all there is
            operation = found
        try:
            return self.client.call(operation, key=summary.Key, stream=spec.name)
        except ResponseTooLarge as exc:
            raise ConnectorError(
                f"{exc.message} ({operation} {values.get('Key.Id')})",
                stream=spec.name,
                hint="raise max_response_bytes: one record cannot be asked in parts",
            ) from None

    def _customer_of_project(self, line: Any) -> str | None:
        if self._project_customers is None:
            projects = _items(self.client.call("GetProjectList", criteria={}, stream="timesheets"))
            self._project_customers = {
                str(p["Key.Id"]): str(p.get("CustomerKey.Id") or "") for p in map(flatten, projects) if p.get("Key.Id")
            }
        project = flatten(line).get("ProjectKey.Id")
        return self._project_customers.get(str(project)) if project else None

    def _application_rows(self) -> Iterator[tuple[dict[str, Any], str | None]]:
        spec = STREAMS["applications"]
        settlements = []
        for state in spec.states:
            for summary in self._list(spec, state, None):
                values = flatten(summary)
                current = Decimal(0) if state == "History" else self._current_amount(summary, values)
                settlements.append(
                    Settlement(
                        customer=str(values.get("CustomerKey.Id") or ""),
                        document_type=str(values.get("Type") or ""),
                        document_id=str(values.get("Key.Id") or ""),
                        date=_date(values.get("Date")),
                        amount=values.get("DocumentAmount.Value"),
                        current=current,
                    )
                )
        result = reconstruct(settlements)
        if result.unmatched:
            log.warning(
                "GP Web Services: %s settled on %d documents has no credit document to match (discounts, write-offs)",
                result.unmatched_amount,
                result.unmatched,
            )
        for application in result.applications:
            yield application, None

    def _current_amount(self, summary: Any, values: dict[str, Any]) -> Decimal | None:
        operation = RECEIVABLES_BY_KEY.get(str(values.get("Type")))
        if operation is None or operation == "GetCashReceiptByKey":
            return None  # a cash receipt's unapplied amount is not in the service
        known = self._open_amounts.get((str(values.get("Type")), str(values.get("Key.Id"))))
        if known is not None:
            return known  # read moments ago by the receivables stream: the ledger's open amount too
        record = flatten(self.client.call(operation, key=summary.Key, stream="applications"))
        current = record.get("CurrentDocumentAmount.Value")
        return current if isinstance(current, Decimal) else None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A zeep object as dotted names → scalars; lists are left out (lines are read on their own).

    GP's empty date (1900-01-01) becomes None; strings are trimmed.
    """
    from zeep.helpers import serialize_object  # noqa: PLC0415  # zeep loads only for GP Web Services

    data = serialize_object(value, target_cls=dict) if not isinstance(value, dict) else value  # type: ignore[no-untyped-call]
    out: dict[str, Any] = {}
    for name, item in (data or {}).items():
        key = f"{prefix}{name}"
        if isinstance(item, dict):
            out.update(flatten(item, f"{key}."))
        elif isinstance(item, list):
            continue
        elif isinstance(item, dt.datetime | dt.date) and _date(item) == GP_EMPTY_DATE:
            out[key] = None
        elif isinstance(item, str):
            out[key] = item.strip()
        else:
            out[key] = item
    return out


def _items(result: Any) -> list[Any]:
    """An ArrayOfX answer as a list (zeep gives a list, an object with one list field, or None)."""
    if result is None:
        return []
    if isinstance(result, list):
        return result
    values = list(result.__values__.values()) if hasattr(result, "__values__") else []
    if len(values) == 1 and isinstance(values[0], list):
        return values[0]
    return [result]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _cursor(value: Any) -> str | None:
    day = _date(value)
    return day.isoformat() if day and day != GP_EMPTY_DATE else None
