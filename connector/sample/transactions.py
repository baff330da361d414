"""Transactions of the sample company: SOP invoices and returns with their lines (kits as components),
receivables in RM (open and history), payments and their applications, write-offs, voided documents,
payments on account, and the SEK customers' amounts in MC020102."""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal
from typing import Any

from connector.sample.company import (
    FUNCTIONAL,
    HISTORY_CUTOFF,
    START,
    TODAY,
    VAT,
    Customer,
    GeneratorState,
    Item,
    money,
)


class Transactions(GeneratorState):
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
