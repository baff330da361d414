"""Apply records rebuilt from what GP Web Services has: settled amounts per document.

GP keeps who-paid-what in RM20201/RM30201, which GP Web Services does not expose. It does give,
per document, the original amount (DocumentAmount) and what is still open (CurrentDocumentAmount;
zero for history documents). So per customer:

- each debit document (invoice, debit memo, …) was settled by `amount − current`;
- each credit document (credit memo, return, cash receipt) gave `amount − current`; a cash
  receipt's open amount is not in the service, so an open receipt is taken to have given what
  the debits need beyond the other credits (never more than its amount);
- credits are matched to debits oldest first (GP's own default when applying), each pair dated
  the later of the two document dates.

Worked example (the customer in tests/cases/common.py): INV3 476 open 476 (settled 0), INV1 1,190
open 571 (settled 619); PMT1 500 (history, gave 500, 2026-02-01), CRM1 119 (history, 2026-02-15).
Oldest first: PMT1 → INV1 500 on 2026-02-01, CRM1 → INV1 119 on 2026-02-15. Open amounts are exact
whatever the order; the days between invoice and payment are GP's only when the customer paid
oldest first. Settled amounts with no credit to match (discounts taken, write-offs) are counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CREDIT_TYPES = frozenset({"Credit Memo", "Return", "Cash Receipt"})
NOT_DOCUMENTS = frozenset({"Balance Brought Forward", "Scheduled Payment"})


@dataclass(frozen=True, slots=True)
class Settlement:
    customer: str
    document_type: str  # the service's ReceivablesDocumentType ('Invoice', 'Cash Receipt', …)
    document_id: str
    date: dt.date | None
    amount: Any  # Decimal as read; anything else is left out
    current: Decimal | None  # None: not known (an open cash receipt)


@dataclass
class Reconstruction:
    applications: list[dict[str, Any]] = field(default_factory=list)
    unmatched: int = 0  # debit documents with a settled amount no credit covers
    unmatched_amount: Decimal = Decimal(0)


def reconstruct(documents: Iterable[Settlement]) -> Reconstruction:
    by_customer: dict[str, list[Settlement]] = defaultdict(list)
    for document in documents:
        if isinstance(document.amount, Decimal) and document.document_type not in NOT_DOCUMENTS and document.date:
            by_customer[document.customer].append(document)
    result = Reconstruction()
    for customer in sorted(by_customer):
        _match(by_customer[customer], result)
    return result


def _match(documents: list[Settlement], result: Reconstruction) -> None:
    order = sorted(documents, key=lambda d: (d.date, d.document_id))
    debits = [[d, d.amount - (d.current or Decimal(0))] for d in order if d.document_type not in CREDIT_TYPES]
    debits = [entry for entry in debits if entry[1] > 0]
    credits = [d for d in order if d.document_type in CREDIT_TYPES]
    needed = sum((entry[1] for entry in debits), Decimal(0))
    known = sum((c.amount - c.current for c in credits if c.current is not None), Decimal(0))
    spare = max(needed - known, Decimal(0))  # what the open cash receipts gave between them
    position = 0
    for credit in credits:
        if credit.current is not None:
            given = credit.amount - credit.current
        else:
            given = min(credit.amount, spare)
            spare -= given
        while given > 0 and position < len(debits):
            debit, open_settled = debits[position]
            amount = min(given, open_settled)
            result.applications.append(
                {
                    "from.Type": credit.document_type,
                    "from.Key.Id": credit.document_id,
                    "to.Type": debit.document_type,
                    "to.Key.Id": debit.document_id,
                    "Amount": amount,
                    "Date": max(credit.date, debit.date),
                    "CustomerKey.Id": debit.customer,
                }
            )
            given -= amount
            debits[position][1] = open_settled - amount
            if debits[position][1] <= 0:
                position += 1
    for _debit, rest in debits[position:]:
        if rest > 0:
            result.unmatched += 1
            result.unmatched_amount += rest
