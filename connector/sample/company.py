"""The sample company's shape and the generator's common state: the calendar, the sizes, the price lists,
customers and items as the generator holds them, and the GP tables it writes (one `TableWriter` each).

The generator is split by what it generates (`masters`, `transactions`, `labour`), each a part of one
`Generator` over this state; one random stream runs through them in order, so a seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from connector.sample.gp_db import TableWriter

START = dt.date(2024, 11, 1)
TODAY = dt.date(2026, 10, 31)
HISTORY_CUTOFF = dt.date(2026, 9, 30)  # paid transaction removal ran at the end of September
FUNCTIONAL = "EUR"
CENT = Decimal("0.01")
VAT = Decimal("0.19")


@dataclass(frozen=True)
class Size:
    customers: int
    invoices: int
    max_lines: int
    time_entries: int
    salespeople: int
    employees: int
    items: int


SIZES = {
    "tiny": Size(customers=30, invoices=150, max_lines=9, time_entries=600, salespeople=3, employees=8, items=30),
    "small": Size(customers=200, invoices=1000, max_lines=19, time_entries=5000, salespeople=6, employees=14, items=80),
    "large": Size(
        customers=20000, invoices=100000, max_lines=19, time_entries=500000, salespeople=40, employees=300, items=2000
    ),
    # twice `large`, to show that memory stays flat as data grows (bench/sync_analyze.py)
    "large2x": Size(
        customers=40000, invoices=200000, max_lines=19, time_entries=1000000, salespeople=80, employees=600, items=4000
    ),
}

DEPARTMENTS = {"SUPPORT": 48, "SERVICE": 62, "SALES": 75, "LOGIST": 41, "ADMIN": 45}  # EUR per hour
COST_CATEGORIES = (
    ("SUPPORT", "SUPPORT", 40),
    ("SERVICE", "SERVICE", 25),
    ("SALES", "SALES", 15),
    ("DELIVERY", "LOGIST", 10),
    ("ADMIN", "ADMIN", 10),
)
TERRITORIES = ("DACH", "NORDICS", "IBERIA", "BENELUX", "EXPORT")
CLASSES = ("RETAIL", "WHOLESALE", "SERVICE", "DISTRIB")
TERMS = (("NET30", 30, 70), ("NET14", 14, 15), ("NET60", 60, 15))


def money(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Customer:
    id: str
    name: str
    profile: str
    weight: float
    currency: str
    territory: str
    cls: str
    salesperson: str
    terms: str
    term_days: int
    discount: Decimal
    parent: str = ""
    referred_by: str = ""
    credit_limit: Decimal = Decimal(0)
    created: dt.date = START


@dataclass
class Item:
    id: str
    price: Decimal
    cost: Decimal
    components: list[tuple[str, Decimal]] = field(default_factory=list)


class GeneratorState:
    """What the parts of the generator share. `masters()` fills the master data the others draw from."""

    salespeople: list[tuple[str, int, str]]
    employees: dict[str, list[tuple[str, Decimal]]]
    items: list[Item]
    item_weights: list[float]
    customers: list[Customer]
    customer_weights: list[float]

    def __init__(self, con: sqlite3.Connection, size: Size, seed: int) -> None:
        self.con = con
        self.size = size
        self.rng = random.Random(seed)
        self.days = (TODAY - START).days
        self.seq = itertools.count(1)
        w = self._writers()
        self.w = w

    def _writers(self) -> dict[str, TableWriter]:
        rm_cols = (
            "CUSTNMBR",
            "CPRCSTNM",
            "DOCNUMBR",
            "RMDTYPAL",
            "DOCDATE",
            "DUEDATE",
            "GLPOSTDT",
            "POSTDATE",
            "ORTRXAMT",
            "CURTRXAM",
            "SLSAMNT",
            "COSTAMNT",
            "FRTAMNT",
            "MISCAMNT",
            "TAXAMNT",
            "COMDLRAM",
            "TRDISAMT",
            "SLPRSNID",
            "SLSTERCD",
            "CURNCYID",
            "PYMTRMID",
            "DINVPDOF",
            "VOIDSTTS",
            "TRXDSCRN",
            "BCHSOURC",
            "DEX_ROW_TS",
        )
        ap_cols = (
            "CUSTNMBR",
            "DATE1",
            "GLPOSTDT",
            "POSTED",
            "APTODCNM",
            "APTODCTY",
            "APTODCDT",
            "CURNCYID",
            "APPTOAMT",
            "DISTKNAM",
            "WROFAMNT",
            "ORAPTOAM",
            "APFRDCNM",
            "APFRDCTY",
            "APFRDCDT",
        )
        return {
            "RM20101": TableWriter(self.con, "RM20101", rm_cols),
            "RM30101": TableWriter(self.con, "RM30101", rm_cols),
            "RM20201": TableWriter(self.con, "RM20201", ap_cols),
            "RM30201": TableWriter(self.con, "RM30201", ap_cols),
            "MC020102": TableWriter(
                self.con,
                "MC020102",
                (
                    "RMDTYPAL",
                    "DOCNUMBR",
                    "DOCDATE",
                    "CUSTNMBR",
                    "CURNCYID",
                    "XCHGRATE",
                    "EXCHDATE",
                    "ORCTRXAM",
                    "ORORGTRX",
                    "ORSLSAMT",
                    "ORTAXAMT",
                ),
            ),
            "SOP30200": TableWriter(
                self.con,
                "SOP30200",
                (
                    "SOPTYPE",
                    "SOPNUMBE",
                    "DOCDATE",
                    "INVODATE",
                    "DUEDATE",
                    "GLPOSTDT",
                    "CUSTNMBR",
                    "CUSTNAME",
                    "PYMTRMID",
                    "SUBTOTAL",
                    "EXTDCOST",
                    "TRDISAMT",
                    "FRTAMNT",
                    "MISCAMNT",
                    "TAXAMNT",
                    "DOCAMNT",
                    "COMMAMNT",
                    "SLPRSNID",
                    "SALSTERR",
                    "VOIDSTTS",
                    "CURNCYID",
                    "XCHGRATE",
                    "ORDOCAMT",
                    "ORSUBTOT",
                    "DEX_ROW_TS",
                ),
            ),
            "SOP30300": TableWriter(
                self.con,
                "SOP30300",
                (
                    "SOPTYPE",
                    "SOPNUMBE",
                    "LNITMSEQ",
                    "CMPNTSEQ",
                    "ITEMNMBR",
                    "ITEMDESC",
                    "UOFM",
                    "QUANTITY",
                    "UNITPRCE",
                    "XTNDPRCE",
                    "UNITCOST",
                    "EXTDCOST",
                    "SLPRSNID",
                    "SALSTERR",
                    "DEX_ROW_TS",
                ),
            ),
            "PA30101": TableWriter(
                self.con,
                "PA30101",
                (
                    "PATSTYP",
                    "PATSNO",
                    "EMPLOYID",
                    "PADT",
                    "PAPROJNUMBER",
                    "PACOSTCATID",
                    "PAQtyQ",
                    "PAUNITCOST",
                    "PAEXTCOST",
                    "PATOTCST",
                    "LNITMSEQ",
                    "PADepartment",
                ),
            ),
        }

    def _rate(self, day: dt.date) -> Decimal:
        # SEK → EUR (multiply), drifting by month.
        months = (day.year - START.year) * 12 + day.month - START.month
        return Decimal("0.0870") + Decimal(months % 7) * Decimal("0.0004")

    def flush(self) -> None:
        for writer in self.w.values():
            writer.flush()
