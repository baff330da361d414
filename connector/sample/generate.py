"""Generate the sample company "Nordlicht Handel GmbH" as a GP company database in SQLite.

Deterministic from a seed: the same seed and size give the same bytes of data. Sizes:

- ``small``: 200 customers, about 1,000 invoices with 10,000 lines, 5,000 time entries.
- ``large``: 20,000 customers, about 100,000 invoices with 1,000,000 lines, about 200,000
  receivables documents and 500,000 time entries.

The data has the patterns that make a profitability report worth reading: a few whale customers,
large customers that lose money through returns and support time, chronic late payers, write-offs,
customers turning unprofitable over the last two quarters, referrals (RM00101.USERDEF1), corporate
accounts (CPRCSTNM), kit items (SOP30300 component lines), voided invoices, payments on account and
two currencies (functional EUR; Swedish customers invoiced in SEK, MC020102).

The sample's "today" is fixed at 2026-10-31 so that ageing does not change with the calendar.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import sqlite3
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from connector.sample import names
from connector.sample.gp_db import TableWriter, create_keys, create_tables

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


class Generator:
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

    # -- master data ------------------------------------------------------------------------------

    def masters(self) -> None:
        rng, size = self.rng, self.size
        self.salespeople: list[tuple[str, int, str]] = []
        sp = TableWriter(
            self.con,
            "RM00301",
            ("SLPRSNID", "EMPLOYID", "SLPRSNFN", "SPRSNSLN", "SALSTERR", "COMPRCNT", "INACTIVE", "CREATDDT"),
        )
        for i in range(size.salespeople):
            first, last = names.person(rng)
            sid = f"SP{i + 1:03d}"
            rate = rng.choice((300, 400, 500, 600, 750))
            territory = TERRITORIES[i % len(TERRITORIES)]
            self.salespeople.append((sid, rate, territory))
            sp.add(sid, f"E{i + 1:04d}", first, last, territory, rate, 0, START)
        sp.flush()

        self.employees: dict[str, list[tuple[str, Decimal]]] = {d: [] for d in DEPARTMENTS}
        emp = TableWriter(
            self.con, "UPR00100", ("EMPLOYID", "FRSTNAME", "LASTNAME", "DEPRTMNT", "JOBTITLE", "INACTIVE", "STRTDATE")
        )
        departments = list(DEPARTMENTS)
        for i in range(size.employees):
            first, last = names.person(rng)
            dept = departments[i % len(departments)]
            eid = f"E{i + 1:04d}"
            hourly = money(DEPARTMENTS[dept] * rng.uniform(0.85, 1.2))
            self.employees[dept].append((eid, hourly))
            emp.add(eid, first, last, dept, dept[:4], 0, START - dt.timedelta(days=rng.randint(100, 3000)))
        emp.flush()

        self.items: list[Item] = []
        for i in range(size.items):
            price = money(rng.lognormvariate(3.6, 0.9))
            cost = money(price * Decimal(str(rng.uniform(0.45, 0.8))))
            self.items.append(Item(f"ITM-{i + 1:05d}", max(price, Decimal("1.00")), max(cost, Decimal("0.50"))))
        for kit in self.items[:: max(1, size.items // (size.items // 30 + 1))][: max(2, size.items // 30)]:
            parts = rng.sample(self.items[1:], 3)
            kit.components = [(p.id, p.cost) for p in parts]
            kit.cost = sum((c for _, c in kit.components), Decimal(0))
            kit.price = money(kit.cost * Decimal("1.6"))
        self.item_weights = list(itertools.accumulate(rng.paretovariate(1.3) for _ in self.items))

        self.customers: list[Customer] = []
        n = size.customers
        for i in range(n):
            country, name = names.company(rng)
            cid = (names.id_stem(name) + f"{i + 1:05d}")[:15]
            r = rng.random()
            profile = (
                "whale"
                if i < max(3, n // 40)
                else "loser"
                if r < 0.05
                else "late"
                if r < 0.16
                else "declining"
                if r < 0.22
                else "writeoff"
                if r < 0.24
                else "normal"
            )
            weight = rng.lognormvariate(0, 0.9) * {"whale": 25, "loser": 8, "declining": 2, "late": 2}.get(profile, 1)
            currency = "SEK" if country == "SE" else FUNCTIONAL
            territory = {"SE": "NORDICS", "NO": "NORDICS", "FI": "NORDICS", "ES": "IBERIA", "DE": "DACH"}[country]
            sid, _, _ = self.salespeople[i % len(self.salespeople)]
            terms, days, _ = rng.choices(TERMS, weights=[t[2] for t in TERMS])[0]
            discount = Decimal({"whale": "0.03", "loser": "0.08"}.get(profile, "0"))
            cust = Customer(
                cid,
                name,
                profile,
                weight,
                currency,
                territory,
                rng.choice(CLASSES),
                sid,
                terms,
                days,
                discount,
                created=START - dt.timedelta(days=rng.randint(30, 4000)),
            )
            cust.credit_limit = money(Decimal(str(round(weight * 4000, -3))) + 5000)
            if i > 10 and rng.random() < 0.10:
                cust.referred_by = self.customers[rng.randrange(0, i)].id
            if profile == "normal" and i > 10 and rng.random() < 0.03:
                cust.parent = self.customers[rng.randrange(0, max(3, n // 40))].id
            self.customers.append(cust)
        self.customer_weights = list(itertools.accumulate(c.weight for c in self.customers))

        cw = TableWriter(
            self.con,
            "RM00101",
            (
                "CUSTNMBR",
                "CUSTNAME",
                "CPRCSTNM",
                "CUSTCLAS",
                "SLPRSNID",
                "SALSTERR",
                "CURNCYID",
                "PYMTRMID",
                "CRLMTTYP",
                "CRLMTAMT",
                "USERDEF1",
                "INACTIVE",
                "CREATDDT",
                "STMTNAME",
                "SHRTNAME",
                "DEX_ROW_TS",
            ),
        )
        for c in self.customers:
            cw.add(
                c.id,
                c.name,
                c.parent,
                c.cls,
                c.salesperson,
                c.territory,
                c.currency,
                c.terms,
                2,
                c.credit_limit,
                c.referred_by,
                0,
                c.created,
                c.name,
                c.name[:15],
                c.created,
            )
        cw.flush()

        rmdesc = TableWriter(self.con, "RM40401", ("RMDTYPAL", "DOCDESCR", "DOCABREV"))
        for code, desc, abbr in (
            (0, "Balance Forward", "BBF"),
            (1, "Sales / Invoices", "SLS"),
            (2, "Scheduled Payments", "SCP"),
            (3, "Debit Memos", "DR"),
            (4, "Finance Charges", "FIN"),
            (5, "Service / Repairs", "SVC"),
            (6, "Warranty", "WRN"),
            (7, "Credit Memos", "CR"),
            (8, "Returns", "RTN"),
            (9, "Payments", "PMT"),
        ):
            rmdesc.add(code, desc, abbr)
        rmdesc.flush()

    # -- transactions -----------------------------------------------------------------------------

    def _pick_customer(self) -> Customer:
        x = self.rng.random() * self.customer_weights[-1]
        return self.customers[bisect.bisect_left(self.customer_weights, x)]

    def _pick_item(self) -> Item:
        x = self.rng.random() * self.item_weights[-1]
        return self.items[bisect.bisect_left(self.item_weights, x)]

    def _date(self, cust: Customer) -> dt.date:
        # Declining customers buy mostly in the first 18 months; their last two quarters are thin.
        if cust.profile == "declining" and self.rng.random() < 0.8:
            return START + dt.timedelta(days=self.rng.randrange(0, self.days - 180))
        return START + dt.timedelta(days=self.rng.randrange(0, self.days + 1))

    def _rate(self, day: dt.date) -> Decimal:
        # SEK → EUR (multiply), drifting by month.
        months = (day.year - START.year) * 12 + day.month - START.month
        return Decimal("0.0870") + Decimal(months % 7) * Decimal("0.0004")

    def transactions(self) -> None:
        for n in range(1, self.size.invoices + 1):
            self._invoice(n)

    def _invoice(self, n: int) -> None:
        rng = self.rng
        cust = self._pick_customer()
        day = self._date(cust)
        number = f"INV{n:07d}"
        due = day + dt.timedelta(days=cust.term_days)
        subtotal = cost = Decimal(0)
        lines: list[tuple[Item, Decimal, Decimal, int]] = []
        for ln in range(1, rng.randint(1, self.size.max_lines) + 1):
            item = self._pick_item()
            qty = Decimal(rng.randint(1, 12))
            price = money(item.price * (1 - cust.discount))
            lines.append((item, qty, price, ln * 16384))
            subtotal += money(price * qty)
            cost += money(item.cost * qty)
        trade_discount = money(subtotal * Decimal("0.02")) if cust.profile == "whale" else Decimal(0)
        freight = money(rng.choice((0, 0, 15, 25, 40, 80)))
        tax = money((subtotal - trade_discount + freight) * VAT)
        total = subtotal - trade_discount + freight + tax
        sid, rate, territory = self._salesperson(cust)
        commission = money((subtotal - trade_discount) * rate / 10000)
        voided = rng.random() < 0.005
        stamp = day

        sop_lines: list[tuple[Any, ...]] = []
        for item, qty, price, seq in lines:
            sop_lines.append(
                (
                    3,
                    number,
                    seq,
                    0,
                    item.id,
                    f"Article {item.id}",
                    "EACH",
                    qty,
                    price,
                    money(price * qty),
                    item.cost,
                    money(item.cost * qty),
                    sid,
                    territory,
                    stamp,
                )
            )
            for k, (comp_id, comp_cost) in enumerate(item.components, start=1):
                # Kit components repeat the kit's cost; the connector must not count them twice.
                sop_lines.append(
                    (
                        3,
                        number,
                        seq,
                        k,
                        comp_id,
                        f"Component {comp_id}",
                        "EACH",
                        qty,
                        0,
                        0,
                        comp_cost,
                        money(comp_cost * qty),
                        sid,
                        territory,
                        stamp,
                    )
                )

        # Returns and credit memos first, then payments of the remainder.
        credits: list[tuple[int, str, dt.date, Decimal, Decimal, Decimal, Decimal]] = []
        return_rate = {"loser": 0.30, "declining": 0.06}.get(cust.profile, 0.02)
        if not voided and rng.random() < return_rate:
            rday = min(day + dt.timedelta(days=rng.randint(5, 40)), TODAY)
            rnum = f"RTN{n:07d}"
            back = rng.sample(lines, k=min(len(lines), rng.randint(1, 3)))
            r_sales = r_cost = Decimal(0)
            for item, qty, price, seq in back:
                rq = Decimal(rng.randint(1, int(qty)))
                r_sales += money(price * rq)
                r_cost += money(item.cost * rq)
                sop_lines.append(
                    (
                        4,
                        rnum,
                        seq,
                        0,
                        item.id,
                        f"Article {item.id}",
                        "EACH",
                        rq,
                        price,
                        money(price * rq),
                        item.cost,
                        money(item.cost * rq),
                        sid,
                        territory,
                        rday,
                    )
                )
            r_tax = money(r_sales * VAT)
            credits.append((8, rnum, rday, r_sales, r_cost, r_tax, r_sales + r_tax))
            self._sop_header(
                4,
                rnum,
                rday,
                rday,
                cust,
                r_sales,
                r_cost,
                Decimal(0),
                Decimal(0),
                r_tax,
                Decimal(0),
                sid,
                territory,
                False,
            )
        if not voided and rng.random() < (0.05 if cust.profile == "loser" else 0.01):
            cday = min(day + dt.timedelta(days=rng.randint(3, 30)), TODAY)
            c_sales = money(subtotal * Decimal(str(rng.uniform(0.05, 0.15))))
            c_tax = money(c_sales * VAT)
            credits.append((7, f"CRM{n:07d}", cday, c_sales, Decimal(0), c_tax, c_sales + c_tax))

        for line in sop_lines:
            self.w["SOP30300"].add(*line)
        self._sop_header(
            3, number, day, due, cust, subtotal, cost, trade_discount, freight, tax, commission, sid, territory, voided
        )

        applications: list[tuple[int, str, dt.date, Decimal, Decimal, Decimal]] = []
        remaining = total
        for code, cnum, cday, _s, _c, _t, camount in credits:
            applied = min(camount, remaining)
            remaining -= applied
            applications.append((code, cnum, cday, applied, Decimal(0), camount - applied))
        payments: list[tuple[str, dt.date, Decimal]] = []
        if not voided and remaining > 0:
            for pay_day, amount, write_off in self._payments(cust, day, due, remaining):
                pnum = f"PMT{next(self.seq):07d}"
                payments.append((pnum, pay_day, amount))
                applications.append((9, pnum, pay_day, amount, write_off, Decimal(0)))
                remaining -= amount + write_off
        open_amount = Decimal(0) if voided else remaining
        paid_off = max((a[2] for a in applications), default=None) if open_amount == 0 and not voided else None
        closed = open_amount == 0 and (voided or (paid_off is not None and paid_off <= HISTORY_CUTOFF))
        table = "RM30101" if closed else "RM20101"
        self._rm(
            table,
            cust,
            number,
            1,
            day,
            due,
            total,
            open_amount,
            subtotal,
            cost,
            freight,
            tax,
            commission,
            trade_discount,
            sid,
            territory,
            paid_off,
            voided,
            "Sales Entry",
        )
        for code, cnum, cday, c_sales, c_cost, c_tax, camount in credits:
            unapplied = next(a[5] for a in applications if a[1] == cnum)
            self._rm(
                "RM30101" if closed and unapplied == 0 else "RM20101",
                cust,
                cnum,
                code,
                cday,
                cday,
                camount,
                unapplied,
                c_sales,
                c_cost,
                Decimal(0),
                c_tax,
                Decimal(0),
                Decimal(0),
                sid,
                territory,
                None,
                False,
                "Sales Entry" if code == 8 else "RM Sales",
            )
        for pnum, pday, amount in payments:
            self._payment("RM30101" if closed else "RM20101", cust, pnum, pday, amount, Decimal(0), sid, territory)
        apply_table = "RM30201" if closed else "RM20201"
        for code, fnum, fday, amount, write_off, _unapplied in applications:
            if amount == 0 and write_off == 0:
                continue
            self.w[apply_table].add(
                cust.id,
                fday,
                fday,
                1,
                number,
                1,
                day,
                cust.currency,
                amount,
                0,
                write_off,
                self._original(cust, amount, fday),
                fnum,
                code,
                fday,
            )
        # A payment on account now and then: cash not yet applied to any invoice.
        if rng.random() < 0.01:
            pday = min(day + dt.timedelta(days=rng.randint(1, 60)), TODAY)
            amount = money(total * Decimal("0.5"))
            self._payment("RM20101", cust, f"PMT{next(self.seq):07d}", pday, amount, amount, sid, territory)

    def _payment(
        self,
        table: str,
        cust: Customer,
        number: str,
        day: dt.date,
        amount: Decimal,
        unapplied: Decimal,
        sid: str,
        territory: str,
    ) -> None:
        zero = Decimal(0)
        self._rm(
            table,
            cust,
            number,
            9,
            day,
            day,
            amount,
            unapplied,
            zero,
            zero,
            zero,
            zero,
            zero,
            zero,
            sid,
            territory,
            None,
            False,
            "RM Cash",
        )

    def _salesperson(self, cust: Customer) -> tuple[str, int, str]:
        return next(s for s in self.salespeople if s[0] == cust.salesperson)

    def _payments(
        self, cust: Customer, day: dt.date, due: dt.date, amount: Decimal
    ) -> list[tuple[dt.date, Decimal, Decimal]]:
        rng = self.rng
        if cust.profile == "late":
            delay = rng.randint(30, 130)
        elif cust.profile == "declining":
            # Paying later and later as the relationship sours.
            delay = rng.randint(-5, 10) + max(0, (day - (TODAY - dt.timedelta(days=270))).days // 4)
        elif cust.profile == "whale":
            delay = rng.randint(-6, 4)
        else:
            delay = round(rng.gauss(2, 9))
        pay_day = due + dt.timedelta(days=delay)
        if cust.profile == "writeoff" and rng.random() < 0.35:
            wo_day = due + dt.timedelta(days=150)
            if wo_day > TODAY:
                return []
            paid = money(amount * Decimal(str(rng.choice((0.0, 0.1, 0.25)))))
            return [(wo_day, paid, amount - paid)]
        if pay_day > TODAY:
            if rng.random() < 0.3 and due + dt.timedelta(days=5) <= TODAY:
                return [(due + dt.timedelta(days=5), money(amount / 2), Decimal(0))]
            return []
        if rng.random() < 0.04:
            first = money(amount / 2)
            second_day = pay_day + dt.timedelta(days=rng.randint(10, 40))
            if second_day > TODAY:
                return [(pay_day, first, Decimal(0))]
            return [(pay_day, first, Decimal(0)), (second_day, amount - first, Decimal(0))]
        return [(pay_day, amount, Decimal(0))]

    def _original(self, cust: Customer, amount: Decimal, day: dt.date) -> Decimal:
        return money(amount / self._rate(day)) if cust.currency != FUNCTIONAL else amount

    def _sop_header(
        self,
        soptype: int,
        number: str,
        day: dt.date,
        due: dt.date,
        cust: Customer,
        subtotal: Decimal,
        cost: Decimal,
        discount: Decimal,
        freight: Decimal,
        tax: Decimal,
        commission: Decimal,
        sid: str,
        territory: str,
        voided: bool,
    ) -> None:
        total = subtotal - discount + freight + tax
        rate = self._rate(day) if cust.currency != FUNCTIONAL else Decimal(0)
        self.w["SOP30200"].add(
            soptype,
            number,
            day,
            day,
            due,
            day,
            cust.id,
            cust.name,
            cust.terms,
            subtotal,
            cost,
            discount,
            freight,
            0,
            tax,
            total,
            commission,
            sid,
            territory,
            1 if voided else 0,
            cust.currency,
            rate,
            self._original(cust, total, day),
            self._original(cust, subtotal, day),
            day,
        )

    def _rm(
        self,
        table: str,
        cust: Customer,
        number: str,
        code: int,
        day: dt.date,
        due: dt.date,
        amount: Decimal,
        open_amount: Decimal,
        sales: Decimal,
        cost: Decimal,
        freight: Decimal,
        tax: Decimal,
        commission: Decimal,
        discount: Decimal,
        sid: str,
        territory: str,
        paid_off: dt.date | None,
        voided: bool,
        source: str,
    ) -> None:
        self.w[table].add(
            cust.id,
            cust.parent,
            number,
            code,
            day,
            due,
            day,
            day,
            amount,
            open_amount,
            sales,
            cost,
            freight,
            0,
            tax,
            commission,
            discount,
            sid,
            territory,
            cust.currency,
            cust.terms,
            paid_off,
            1 if voided else 0,
            "",
            source,
            paid_off or day,
        )
        if cust.currency != FUNCTIONAL:
            rate = self._rate(day)
            self.w["MC020102"].add(
                code,
                number,
                day,
                cust.id,
                cust.currency,
                rate,
                day,
                money(open_amount / rate),
                money(amount / rate),
                money(sales / rate),
                money(tax / rate),
            )

    def labour(self) -> None:
        rng = self.rng
        projects = TableWriter(
            self.con,
            "PA01201",
            ("CUSTNMBR", "PAprojid", "PAprojname", "PAPROJNUMBER", "PAProjectType", "PASTAT", "SLPRSNID"),
        )
        factor = {"loser": 14.0, "declining": 4.0, "whale": 0.4, "late": 1.5}
        weights = list(itertools.accumulate(c.weight * factor.get(c.profile, 1.0) for c in self.customers))
        for c in self.customers:
            projects.add(c.id, f"P-{c.id}", f"Service {c.name}"[:31], f"P-{c.id}", 1, 1, c.salesperson)
        projects.add("", "INTERNAL", "Internal and training", "INTERNAL", 2, 1, "")
        projects.flush()
        categories = [c[:2] for c in COST_CATEGORIES]
        cat_weights = list(itertools.accumulate(c[2] for c in COST_CATEGORIES))
        for n in range(self.size.time_entries):
            if rng.random() < 0.05:
                cust = None
                project = "INTERNAL"
            else:
                cust = self.customers[bisect.bisect_left(weights, rng.random() * weights[-1])]
                project = f"P-{cust.id}"
            category, dept = categories[bisect.bisect_left(cat_weights, rng.random() * cat_weights[-1])]
            employee, rate = rng.choice(self.employees[dept] or self.employees["SUPPORT"])
            if cust is not None and cust.profile == "declining" and rng.random() < 0.6:
                day = TODAY - dt.timedelta(days=rng.randrange(0, 180))  # support load rising lately
            else:
                day = START + dt.timedelta(days=rng.randrange(0, self.days + 1))
            hours = Decimal(rng.randint(1, 8)) / 4
            cost = money(hours * rate)
            self.w["PA30101"].add(
                1,
                f"TS{n // 10 + 1:08d}",
                employee,
                day,
                project,
                category,
                hours,
                rate,
                cost,
                cost,
                (n % 10 + 1) * 16384,
                dept,
            )

    def flush(self) -> None:
        for writer in self.w.values():
            writer.flush()


def generate(path: Path | str, size: str = "small", seed: int = 7) -> dict[str, int]:
    """Write the sample company to a new SQLite file at `path`; returns row counts per table."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        create_tables(con, keys=False)  # keys after the load: one sort instead of a million index inserts
        gen = Generator(con, SIZES[size], seed)
        gen.masters()
        gen.transactions()
        gen.labour()
        gen.flush()
        create_keys(con)
        # SQL Server keeps statistics by itself; SQLite's planner needs ANALYZE to join from the small side.
        con.execute("ANALYZE")
        con.commit()
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("RM00101", "RM20101", "RM30101", "RM20201", "RM30201", "SOP30200", "SOP30300", "PA30101")
        }
    finally:
        con.close()
    tmp.replace(target)  # a half-written sample never masquerades as a finished one
    return counts
