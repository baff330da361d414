"""The common ledger model: one frozen record type per table of DESIGN.md.

Every record carries `source` (which system, table and key it came from) so that every figure can
be traced back to an ERP row. Money is `Decimal` (see `ledger.money`); identifiers are trimmed
strings; empty dates are `None`.

Amounts are stored positive, as issued; the document type gives the sign (`SIGN`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar


class DocumentType(enum.StrEnum):
    """The kinds of receivables documents, whatever the ERP calls them."""

    INVOICE = "invoice"
    DEBIT_MEMO = "debit_memo"
    FINANCE_CHARGE = "finance_charge"
    SERVICE = "service"  # GP: service / repair
    WARRANTY = "warranty"
    CREDIT_MEMO = "credit_memo"
    RETURN = "return"
    PAYMENT = "payment"


# +1 raises what the customer owes, -1 lowers it.
SIGN: dict[DocumentType, int] = {
    DocumentType.INVOICE: 1,
    DocumentType.DEBIT_MEMO: 1,
    DocumentType.FINANCE_CHARGE: 1,
    DocumentType.SERVICE: 1,
    DocumentType.WARRANTY: 1,
    DocumentType.CREDIT_MEMO: -1,
    DocumentType.RETURN: -1,
    DocumentType.PAYMENT: -1,
}

# Documents that count as sales (+) or reduce sales (-) in net sales; tax never counts.
SALES_SIGN: dict[DocumentType, int] = {
    DocumentType.INVOICE: 1,
    DocumentType.DEBIT_MEMO: 1,
    DocumentType.SERVICE: 1,
    DocumentType.CREDIT_MEMO: -1,
    DocumentType.RETURN: -1,
}


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a ledger row came from.

    Attributes:
        system: the source's name in the configuration (e.g. "gp-sql").
        table: the source table, file or endpoint (e.g. "RM20101", "documents.csv").
        key: the row's key in the source (e.g. "1|INV000123"), or its row number for files.
    """

    system: str
    table: str
    key: str


@dataclass(frozen=True, slots=True)
class Record:
    """Base of every ledger record: the table name, key columns and provenance."""

    TABLE: ClassVar[str] = ""
    KEY: ClassVar[tuple[str, ...]] = ()
    source: SourceRef
    # Which company (GP company database) the row belongs to; "" where only one is analysed.
    company: str = ""

    def key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.KEY)


@dataclass(frozen=True, slots=True)
class Customer(Record):
    TABLE: ClassVar[str] = "customer"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "customer_id",
    )
    customer_id: str = ""
    name: str = ""
    parent_id: str | None = None
    customer_class: str | None = None
    salesperson_id: str | None = None
    territory: str | None = None
    currency: str | None = None
    payment_terms: str | None = None
    credit_limit: Decimal | None = None
    referred_by: str | None = None
    created_on: dt.date | None = None
    inactive: bool = False


@dataclass(frozen=True, slots=True)
class Salesperson(Record):
    """Not in DESIGN's table list but needed by the method: the commission rate where the ERP
    keeps no commission amount on the document."""

    TABLE: ClassVar[str] = "salesperson"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "salesperson_id",
    )
    salesperson_id: str = ""
    name: str | None = None
    territory: str | None = None
    commission_rate: Decimal | None = None  # a fraction: 0.05 is 5 %
    employee_id: str | None = None
    inactive: bool = False


@dataclass(frozen=True, slots=True)
class Document(Record):
    TABLE: ClassVar[str] = "document"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "document_id",
    )
    document_id: str = ""
    customer_id: str = ""
    document_type: DocumentType = DocumentType.INVOICE
    document_date: dt.date = dt.date.min
    amount: Decimal = Decimal(0)
    number: str | None = None
    due_date: dt.date | None = None
    open_amount: Decimal | None = None
    sales_amount: Decimal | None = None
    trade_discount: Decimal | None = None
    cost_amount: Decimal | None = None
    freight_amount: Decimal | None = None
    misc_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    commission_amount: Decimal | None = None
    salesperson_id: str | None = None
    currency: str | None = None
    source_amount: Decimal | None = None
    exchange_rate: Decimal | None = None
    paid_off_date: dt.date | None = None
    voided: bool = False


@dataclass(frozen=True, slots=True)
class DocumentLine(Record):
    TABLE: ClassVar[str] = "document_line"
    KEY: ClassVar[tuple[str, ...]] = ("company", "document_id", "line_no")
    document_id: str = ""
    line_no: int = 0
    item_id: str | None = None
    item_class: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    extended_price: Decimal | None = None
    unit_cost: Decimal | None = None
    extended_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Application(Record):
    TABLE: ClassVar[str] = "application"
    KEY: ClassVar[tuple[str, ...]] = ("company", "from_document_id", "to_document_id", "apply_date")
    from_document_id: str = ""
    to_document_id: str = ""
    amount: Decimal = Decimal(0)
    apply_date: dt.date = dt.date.min
    discount_taken: Decimal | None = None
    write_off_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Labour(Record):
    TABLE: ClassVar[str] = "labour"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "entry_id",
    )
    entry_id: str = ""
    employee_id: str = ""
    date: dt.date = dt.date.min
    hours: Decimal = Decimal(0)
    customer_id: str | None = None
    activity: str | None = None
    project_id: str | None = None
    cost_amount: Decimal | None = None
    billable: bool | None = None


@dataclass(frozen=True, slots=True)
class Employee(Record):
    TABLE: ClassVar[str] = "employee"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "employee_id",
    )
    employee_id: str = ""
    name: str | None = None
    department: str | None = None
    hourly_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Item(Record):
    """An item of the ERP's item master: its product line (item class) and kind. Sales lines name the
    item; their own `item_class`, where a source gives one, wins over the item's."""

    TABLE: ClassVar[str] = "item"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "item_id",
    )
    item_id: str = ""
    description: str | None = None
    item_class: str | None = None
    class_description: str | None = None
    # sales_inventory, discontinued, kit, misc_charges, service, flat_fee (GP's ITEMTYPE 1–6); BC: inventory,
    # service, non_inventory
    item_type: str | None = None
    inactive: bool = False


@dataclass(frozen=True, slots=True)
class ActivityEvent(Record):
    TABLE: ClassVar[str] = "activity_event"
    KEY: ClassVar[tuple[str, ...]] = (
        "company",
        "event_id",
    )
    event_id: str = ""
    customer_id: str = ""
    date: dt.date = dt.date.min
    activity: str = ""
    quantity: Decimal = Decimal(1)


RECORD_TYPES: dict[str, type[Record]] = {
    cls.TABLE: cls
    for cls in (Customer, Salesperson, Employee, Item, Document, DocumentLine, Application, Labour, ActivityEvent)
}

# Required columns (bold in DESIGN.md): a row without them is quarantined.
REQUIRED: dict[str, tuple[str, ...]] = {
    "customer": ("customer_id", "name"),
    "salesperson": ("salesperson_id",),
    "employee": ("employee_id",),
    "item": ("item_id",),
    "document": ("document_id", "customer_id", "document_type", "document_date", "amount"),
    "document_line": ("document_id", "line_no"),
    "application": ("from_document_id", "to_document_id", "amount", "apply_date"),
    "labour": ("entry_id", "employee_id", "date", "hours"),
    "activity_event": ("event_id", "customer_id", "date", "activity"),
}


# (table, column, referenced table, referenced column, may the column be empty?)
REFERENCES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("document", "customer_id", "customer", "customer_id", False),
    ("document_line", "document_id", "document", "document_id", False),
    ("application", "from_document_id", "document", "document_id", False),
    ("application", "to_document_id", "document", "document_id", False),
    ("labour", "customer_id", "customer", "customer_id", True),
    ("activity_event", "customer_id", "customer", "customer_id", False),
)


def data_fields(table: str) -> list[dataclasses.Field[Any]]:
    """The data columns of a ledger table, in order (provenance excluded)."""
    return [f for f in dataclasses.fields(RECORD_TYPES[table]) if f.name != "source"]


@dataclass(frozen=True, slots=True)
class Issue:
    """A row that could not be taken into the ledger, and why. Issues are data, not exceptions.

    Attributes:
        stream: the connector stream the row came from.
        source: where the row came from (table/file and key or row number).
        row_number: 1-based position in the file (the header is row 1) or in the stream.
        reason: what is wrong, naming the field and the value.
        raw: the source row as read, for the quarantine table.
    """

    stream: str
    source: SourceRef
    row_number: int
    reason: str
    raw: dict[str, Any] = field(default_factory=dict)
