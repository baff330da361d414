"""One small company that every source kind can carry, for the equivalence of connectors.

Worked by hand (EUR, tax 19 %):
- C1 Alpha GmbH: INV3 (2025-12-15) 400 + 76 tax, A-100 5 × 80, cost 5 × 48 = 240, open 476;
  INV1 (2026-01-10) 1,000 + 190 tax: A-100 10 × 80 = 800 (cost 480) and KIT-1 1 × 200 (cost 120);
  paid 500 by PMT1 (2026-02-01) and credited 119 by CRM1 (2026-02-15, 100 + 19 tax): open 571.
- C2 Beta AB: INV2 (2026-03-20) A-100 1 × 100 (cost 48) + 19 tax = 119, open 119.
Net sales C1 = 400 + 1,000 − 100 = 1,300, cost 240 + 600 = 840; C2 = 100, cost 48.
Labour is not part of it: Business Central's API carries neither cost nor customer on time entries.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from connector.sample.gp_db import create_tables, insert_rows

ITEM_COST = {"A-100": D("48"), "KIT-1": D("120")}


@dataclass(frozen=True)
class Line:
    item: str
    quantity: D
    price: D

    @property
    def amount(self) -> D:
        return self.quantity * self.price

    @property
    def cost(self) -> D:
        return self.quantity * ITEM_COST[self.item]


@dataclass(frozen=True)
class Doc:
    number: str
    kind: str  # invoice, credit_memo, payment
    customer: str
    date: dt.date
    sales: D  # before tax (payments: the amount)
    tax: D
    open: D
    due: dt.date | None = None
    lines: tuple[Line, ...] = ()

    @property
    def total(self) -> D:
        return self.sales + self.tax

    @property
    def cost(self) -> D:
        return sum((line.cost for line in self.lines), D(0))


CUSTOMERS = (("C1", "Alpha GmbH", D("5000")), ("C2", "Beta AB", D("0")))
DOCS = (
    Doc(
        "INV3",
        "invoice",
        "C1",
        dt.date(2025, 12, 15),
        D("400"),
        D("76"),
        D("476"),
        dt.date(2026, 1, 14),
        (Line("A-100", D("5"), D("80")),),
    ),
    Doc(
        "INV1",
        "invoice",
        "C1",
        dt.date(2026, 1, 10),
        D("1000"),
        D("190"),
        D("571"),
        dt.date(2026, 2, 9),
        (Line("A-100", D("10"), D("80")), Line("KIT-1", D("1"), D("200"))),
    ),
    Doc("PMT1", "payment", "C1", dt.date(2026, 2, 1), D("500"), D("0"), D("0")),
    Doc("CRM1", "credit_memo", "C1", dt.date(2026, 2, 15), D("100"), D("19"), D("0")),
    Doc(
        "INV2",
        "invoice",
        "C2",
        dt.date(2026, 3, 20),
        D("100"),
        D("19"),
        D("119"),
        dt.date(2026, 4, 19),
        (Line("A-100", D("1"), D("100")),),
    ),
)
# (from, to, amount, date)
APPLICATIONS = (
    ("PMT1", "INV1", D("500"), dt.date(2026, 2, 1)),
    ("CRM1", "INV1", D("119"), dt.date(2026, 2, 15)),
)


def write_files(folder: Path) -> Path:
    """The company as the ledger-as-files folder (cost of sales from the lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text(
        "customer_id,name,currency,credit_limit\n" + "".join(f"{c},{n},EUR,{lim}\n" for c, n, lim in CUSTOMERS),
        encoding="utf-8",
    )
    docs = [
        "document_id,customer_id,document_type,document_date,amount,due_date,open_amount,sales_amount,tax_amount,currency"
    ]
    lines = ["document_id,line_no,item_id,quantity,unit_price,extended_price,unit_cost,extended_cost"]
    for d in DOCS:
        sales = "" if d.kind == "payment" else d.sales
        tax = "" if d.kind == "payment" else d.tax
        due = d.due.isoformat() if d.due else ""
        docs.append(f"{d.number},{d.customer},{d.kind},{d.date},{d.total},{due},{d.open},{sales},{tax},EUR")
        for n, line in enumerate(d.lines, start=1):
            lines.append(
                f"{d.number},{n},{line.item},{line.quantity},{line.price},{line.amount},"
                f"{ITEM_COST[line.item]},{line.cost}"
            )
    (folder / "documents.csv").write_text("\n".join(docs) + "\n", encoding="utf-8")
    (folder / "document_lines.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "applications.csv").write_text(
        "from_document_id,to_document_id,amount,apply_date\n"
        + "".join(f"{f},{t},{a},{day}\n" for f, t, a, day in APPLICATIONS),
        encoding="utf-8",
    )
    return folder


RMDTYPAL = {"invoice": 1, "credit_memo": 7, "payment": 9}


def write_gp_database(path: Path) -> Path:
    """The company as a GP company database: RM00101, RM20101, RM20201, SOP30200/SOP30300."""
    con = sqlite3.connect(path)
    create_tables(con)
    insert_rows(con, "RM00101", ("CUSTNMBR", "CUSTNAME", "CURNCYID", "CRLMTAMT"), CUSTOMERS_GP())
    insert_rows(
        con,
        "RM20101",
        (
            "CUSTNMBR",
            "DOCNUMBR",
            "RMDTYPAL",
            "DOCDATE",
            "DUEDATE",
            "ORTRXAMT",
            "CURTRXAM",
            "SLSAMNT",
            "COSTAMNT",
            "TAXAMNT",
            "CURNCYID",
            "DEX_ROW_TS",
        ),
        [
            (
                d.customer,
                d.number,
                RMDTYPAL[d.kind],
                d.date,
                d.due,
                d.total,
                d.open,
                d.sales if d.kind != "payment" else None,
                d.cost if d.lines else None,
                d.tax if d.kind != "payment" else None,
                "EUR",
                d.date,
            )
            for d in DOCS
        ],
    )
    insert_rows(
        con,
        "RM20201",
        ("CUSTNMBR", "APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM", "APPTOAMT", "DATE1"),
        [
            (_customer_of(t), RMDTYPAL[_kind_of(f)], f, RMDTYPAL[_kind_of(t)], t, a, day)
            for f, t, a, day in APPLICATIONS
        ],
    )
    invoices = [d for d in DOCS if d.lines]
    insert_rows(
        con,
        "SOP30200",
        ("SOPTYPE", "SOPNUMBE", "CUSTNMBR", "DOCDATE", "DEX_ROW_TS"),
        [(3, d.number, d.customer, d.date, d.date) for d in invoices],
    )
    insert_rows(
        con,
        "SOP30300",
        (
            "SOPTYPE",
            "SOPNUMBE",
            "LNITMSEQ",
            "CMPNTSEQ",
            "ITEMNMBR",
            "QUANTITY",
            "UNITPRCE",
            "XTNDPRCE",
            "UNITCOST",
            "EXTDCOST",
            "DEX_ROW_TS",
        ),
        [
            (
                3,
                d.number,
                16384 * n,
                0,
                line.item,
                line.quantity,
                line.price,
                line.amount,
                ITEM_COST[line.item],
                line.cost,
                d.date,
            )
            for d in invoices
            for n, line in enumerate(d.lines, start=1)
        ],
    )
    con.commit()
    con.close()
    return path


def CUSTOMERS_GP() -> list[tuple[str, str, str, D]]:
    return [(c, n, "EUR", lim) for c, n, lim in CUSTOMERS]


def _kind_of(number: str) -> str:
    return next(d.kind for d in DOCS if d.number == number)


def _customer_of(number: str) -> str:
    return next(d.customer for d in DOCS if d.number == number)


WS_TYPE = {"invoice": "Invoice", "credit_memo": "Credit Memo", "payment": "Cash Receipt"}


def gp_ws_company() -> Any:
    """The company as GP Web Services gives it: fully applied documents are in history."""
    from tests.connector.gp_ws_service import GpCompany, key, money

    def day(value: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(value, dt.time()) if value else None

    company = GpCompany()
    for number, name, limit in CUSTOMERS:
        company.customers.append(
            {
                "Key": key(number),
                "Name": name,
                "CurrencyKey": {"ISOCode": "EUR"},
                "CreditLimit": money(limit),
                "IsActive": True,
                "ModifiedDate": day(dt.date(2025, 1, 1)),
                "LastModifiedDate": day(dt.date(2025, 1, 1)),
            }
        )
    for d in DOCS:
        record: dict[str, Any] = {
            "Key": key(d.number),
            "Type": WS_TYPE[d.kind],
            "CustomerKey": key(d.customer),
            "Date": day(d.date),
            "ModifiedDate": day(d.date),
            "TransactionState": "Open" if d.open else "History",
            "DocumentAmount": money(d.total),
            "CurrencyKey": {"ISOCode": "EUR"},
            "IsVoided": False,
        }
        if d.kind == "payment":
            record["Amount"] = money(d.total)
        else:
            record.update(
                CurrentDocumentAmount=money(d.open),
                SalesAmount=money(d.sales),
                TaxAmount=money(d.tax),
                Terms={"DueDate": day(d.due)},
            )
            if d.lines:
                record["CostAmount"] = money(d.cost)
        company.receivables.append(record)
        if d.lines:
            company.sales_invoices.append(
                {
                    "Key": key(d.number),
                    "CustomerKey": key(d.customer),
                    "Date": day(d.date),
                    "ModifiedDate": day(d.date),
                    "LastModifiedDate": day(d.date),
                    "TransactionState": "History",
                    "IsVoided": False,
                    "TotalAmount": money(d.total),
                    "Lines": {
                        "SalesInvoiceLine": [
                            {
                                "Key": {"LineSequenceNumber": 16384 * n, "SalesDocumentKey": key(d.number)},
                                "ItemKey": key(line.item),
                                "Quantity": {"DecimalDigits": 2, "Value": line.quantity},
                                "UnitPrice": money(line.price),
                                "UnitCost": money(ITEM_COST[line.item]),
                                "ExtendedCost": money(line.cost),
                                "TotalAmount": money(line.amount),
                            }
                            for n, line in enumerate(d.lines, start=1)
                        ]
                    },
                }
            )
    return company
