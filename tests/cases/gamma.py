"""A prepayment, a settlement discount, a write-off, freight and a finance charge, over two months and
their union: the worked example of docs/method.md's flows, figures worked by hand.

Customer G1 "Gamma Oy". Cost of capital 7.3 % a year (0.0002 a day); loss rates 0.5 / 2 / 5 / 10 / 20 / 50 %
for current, 1-30, 31-60, 61-90, 91-120, over 120 days past due; no pools (no activity costs).

| document | date       | due        | sales    | freight | amount   | cost | settled by                                |
|----------|------------|------------|----------|---------|----------|------|-------------------------------------------|
| INV11    | 2025-11-10 | 2025-12-10 | 500.00   |         | 500.00   | 350  | PMT3 100.00 + 400.00 written off, 10 Feb  |
| PRE1     | 2025-12-20 | (payment)  |          |         | 300.00   |      | applied to INV10 on 20 Jan (a prepayment) |
| INV10    | 2026-01-05 | 2026-02-04 | 1,000.00 | 40.00   | 1,040.00 | 700  | PRE1 300 + PMT2 720 + 20 discount, 3 Feb  |
| FC1      | 2026-01-31 | (none)     |          |         | 15.00    |      | open (a finance charge)                   |
| PMT2     | 2026-02-03 | (payment)  |          |         | 720.00   |      | applied to INV10 with 20.00 discount      |
| PMT3     | 2026-02-10 | (payment)  |          |         | 100.00   |      | applied to INV11, 400.00 written off      |

January (31 days)
    net sales 1,000.00; cost of goods 700.00; gross margin 300.00
    other income: freight 40.00 + finance charge 15.00 = 55.00
    balance (finance charges left out): 200.00 from 20 Dec (INV11 500 − PRE1 300 unapplied);
        1-4 Jan 200 × 4 = 800; 5-31 Jan 1,240 × 27 = 33,480 (the prepayment's application on 20 Jan
        moves nothing: the cash was already counted) → 34,280 amount-days × 0.0002 = 6.856
    allowance 31 Dec: INV11 500 less PRE1's 300 = 200 in 1-30 × 2 % = 4.00
    allowance 31 Jan: INV11 500 (52 days: 31-60) × 5 % = 25.00; INV10 740 current × 0.5 % = 3.70;
        FC1 15 current × 0.5 % = 0.075 → 28.775
    credit loss 0 + 28.775 − 4.00 = 24.775
    net profit 300 + 55 − 6.856 − 24.775 = 323.369
February (28 days)
    settlement discount taken 20.00 → net sales −20.00; gross margin −20.00
    balance: 1-2 Feb 1,240 × 2 = 2,480; 3-9 Feb 500 × 7 = 3,500 (PMT2 and its 20 discount settle
        INV10); from 10 Feb 0 → 5,980 × 0.0002 = 1.196
    write-offs 400.00; allowance 28 Feb: FC1 15 (28 days: 1-30) × 2 % = 0.30
    credit loss 400 + 0.30 − 28.775 = 371.525
    net profit −20 − 1.196 − 371.525 = −392.721
January and February together (59 days)
    net sales 980.00; gross margin 280.00; other income 55.00; financing 40,260 × 0.0002 = 8.052;
    credit loss 400 + 0.30 − 4.00 = 396.30; net profit 280 + 55 − 8.052 − 396.30 = −69.352
    = 323.369 − 392.721, term by term.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.cases.files import write_tables

D = Decimal
JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
FEBRUARY = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
BOTH = (dt.date(2026, 1, 1), dt.date(2026, 2, 28))

EXPECTED = {
    JANUARY: {
        "net_sales": D("1000.00"),
        "discounts_taken": D("0"),
        "gross_margin": D("300.00"),
        "other_income": D("55.00"),
        "finance_charges_billed": D("15.00"),
        "financing_cost": D("6.856"),
        "write_offs": D("0"),
        "allowance_start": D("4.00"),
        "allowance_end": D("28.775"),
        "credit_loss": D("24.775"),
        "net_profit": D("323.369"),
    },
    FEBRUARY: {
        "net_sales": D("-20.00"),
        "discounts_taken": D("20.00"),
        "gross_margin": D("-20.00"),
        "other_income": D("0"),
        "finance_charges_billed": D("0"),
        "financing_cost": D("1.196"),
        "write_offs": D("400.00"),
        "allowance_start": D("28.775"),
        "allowance_end": D("0.30"),
        "credit_loss": D("371.525"),
        "net_profit": D("-392.721"),
    },
    BOTH: {
        "net_sales": D("980.00"),
        "discounts_taken": D("20.00"),
        "gross_margin": D("280.00"),
        "other_income": D("55.00"),
        "finance_charges_billed": D("15.00"),
        "financing_cost": D("8.052"),
        "write_offs": D("400.00"),
        "allowance_start": D("4.00"),
        "allowance_end": D("0.30"),
        "credit_loss": D("396.30"),
        "net_profit": D("-69.352"),
    },
}

CONFIG = """
[source]
kind = "files"
path = "data"

[analysis]
cost_of_capital = 0.073
ageing_buckets = [30, 60, 90, 120]
loss_rates = [0.005, 0.02, 0.05, 0.10, 0.20, 0.50]
"""

FILES = {
    "customers.csv": "customer_id,name\nG1,Gamma Oy\n",
    "documents.csv": (
        "document_id,customer_id,document_type,document_date,due_date,amount,sales_amount,freight_amount,cost_amount\n"
        "INV11,G1,invoice,2025-11-10,2025-12-10,500.00,500.00,,350\n"
        "PRE1,G1,payment,2025-12-20,,300.00,,,\n"
        "INV10,G1,invoice,2026-01-05,2026-02-04,1040.00,1000.00,40.00,700\n"
        "FC1,G1,finance_charge,2026-01-31,,15.00,,,\n"
        "PMT2,G1,payment,2026-02-03,,720.00,,,\n"
        "PMT3,G1,payment,2026-02-10,,100.00,,,\n"
    ),
    "applications.csv": (
        "from_document_id,to_document_id,amount,apply_date,discount_taken,write_off_amount\n"
        "PRE1,INV10,300.00,2026-01-20,,\n"
        "PMT2,INV10,720.00,2026-02-03,20.00,\n"
        "PMT3,INV11,100.00,2026-02-10,,400.00\n"
    ),
}


def write(folder: Path) -> None:
    write_tables(folder, FILES)
