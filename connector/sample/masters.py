"""Master data of the sample company: salespeople, employees, items (with kits), customers and their
profiles (whales, losers, late payers, decliners, write-offs), and GP's document type names."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from connector.sample import names
from connector.sample.company import (
    CLASSES,
    DEPARTMENTS,
    FUNCTIONAL,
    START,
    TERMS,
    TERRITORIES,
    Customer,
    GeneratorState,
    Item,
    money,
)
from connector.sample.gp_db import TableWriter

# The sample's product lines (IV40400): class, description, default ITEMTYPE.
ITEM_CLASSES = (
    ("HARDWARE", "Hardware", 1),
    ("SOFTWARE", "Software and licences", 1),
    ("SERVICES", "Services", 5),
    ("SUPPLIES", "Supplies", 1),
    ("KITS", "Kits and bundles", 3),
)


class Masters(GeneratorState):
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
        self._item_master()

    def _item_master(self) -> None:
        """IV40400 item classes and IV00101 items: kits in KITS (ITEMTYPE 3), the others round the four
        product lines by number, services as ITEMTYPE 5, every 40th item discontinued (2). Chosen by
        position, not drawn: the random stream (and every other figure of the sample) stays as it was."""
        classes = TableWriter(self.con, "IV40400", ("ITMCLSCD", "ITMCLSDC", "ITEMTYPE"))
        for code, description, item_type in ITEM_CLASSES:
            classes.add(code, description, item_type)
        classes.flush()
        items = TableWriter(
            self.con,
            "IV00101",
            ("ITEMNMBR", "ITEMDESC", "ITEMTYPE", "ITMCLSCD", "CURRCOST", "STNDCOST", "CREATDDT", "DEX_ROW_TS"),
        )
        lines = [c for c in ITEM_CLASSES if c[0] != "KITS"]
        for i, item in enumerate(self.items):
            if item.components:
                code, description, item_type = "KITS", "Kit", 3
            else:
                code, description, item_type = lines[i % len(lines)]
                item_type = 2 if i % 40 == 39 else item_type
            items.add(item.id, f"{description} {item.id[-5:]}", item_type, code, item.cost, item.cost, START, START)
        items.flush()
