"""What the GP Web Services connector reads: the operations it calls, one stream per kind of record (the
list operation, its criteria, the date restriction that windows it and is its cursor, the key restriction
that splits a full answer, the ByKey operation that gives the whole record), and the lists it asks on the
side (projects for timesheets' customers, item classes for their descriptions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.base import Watermark

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
    "GetSalespersonByKey",
    "GetEmployeeList",
    "GetReceivablesDocumentList",
    *RECEIVABLES_BY_KEY.values(),
    "GetSalesInvoiceList",
    "GetSalesInvoiceByKey",
    "GetSalesReturnList",
    "GetSalesReturnByKey",
    "GetProjectList",
    "GetProjectByKey",
    "GetProjectTimesheetList",
    "GetProjectTimesheetByKey",
    "GetItemList",
    "GetItemClassList",
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
    key: str = "Id"  # the criteria's key restriction (a BetweenRestriction of string), to split by key
    key_path: str = "Key.Id"  # where a summary carries that key
    incremental: bool = True  # False: read whole at every sync (the window only bounds each request)

    @property
    def watermark(self) -> Watermark | None:
        if self.window is None or not self.incremental:
            return None
        return MODIFIED if self.window == "ModifiedDate" else DATED


STREAMS: dict[str, WsStream] = {
    s.name: s
    for s in (
        WsStream(
            "customers", "GetCustomerList", "CustomerCriteria", by_key="GetCustomerByKey", extra={"Scope": "Return All"}
        ),
        # GetSalespersonByKey: the summary has no CommissionPercent.
        WsStream("salespeople", "GetSalespersonList", "SalespersonCriteria", by_key="GetSalespersonByKey"),
        WsStream(
            "employees",
            "GetEmployeeList",
            "EmployeeCriteria",
            window=None,
            key="EmployeeKeyId",
            key_path="EmployeeKey.Id",
        ),
        WsStream(
            "receivables",
            "GetReceivablesDocumentList",
            "ReceivablesDocumentCriteria",
            states=("Open", "History"),
            by_key="receivables",
            key="DocumentId",
        ),
        # Every document, at every sync (matching needs them all), in document-date windows.
        WsStream(
            "applications",
            "GetReceivablesDocumentList",
            "ReceivablesDocumentCriteria",
            window="Date",
            states=("Open", "History"),
            key="DocumentId",
            incremental=False,
        ),
        WsStream(
            "sales_invoice_lines",
            "GetSalesInvoiceList",
            "SalesInvoiceCriteria",
            states=("History",),
            by_key="GetSalesInvoiceByKey",
            lines="Lines",
            key="DocumentId",
        ),
        WsStream(
            "sales_return_lines",
            "GetSalesReturnList",
            "SalesReturnCriteria",
            states=("History",),
            by_key="GetSalesReturnByKey",
            lines="Lines",
            key="DocumentId",
        ),
        # The item master: its summary carries the class (ClassKey), the type and IsDiscontinued.
        WsStream("items", "GetItemList", "ItemCriteria", key="ItemId"),
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

# The project list, asked for the customer of each timesheet line's project (by key ranges: no dates).
PROJECTS = WsStream("timesheets", "GetProjectList", "ProjectCriteria", window=None)
# The item classes, asked for each class's description (ItemClass: Key, Description, Type; no dates).
ITEM_CLASSES = WsStream("items", "GetItemClassList", "ItemClassCriteria", window=None, key="ItemClassId")

__all__ = ["ITEM_CLASSES", "OPERATIONS", "PROJECTS", "RECEIVABLES_BY_KEY", "STREAMS", "WsStream"]
