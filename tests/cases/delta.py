"""One branch of the method a customer, each worked by hand: the cases mutations of the code got past.

Period March 2026 (1-31 March, 31 days; the previous period 29 January - 28 February). Cost of capital
7.3 % a year = 0.0002 a day. Ageing buckets 30 / 60 / 90 / 120 days; loss rates 0.5 / 2 / 5 / 10 / 20 / 50 %
for current, 1-30, 31-60, 61-90, 91-120 and over 120 days past due. No pools, no labour: no activity costs.
Every invoice below has no tax, so its amount is what raises the balance.

D1 a trade discount. INV D1-1 5 Mar, due 4 Apr: sales 1,000.00, trade discount 100.00, amount 900.00, cost 500.
    net sales 1,000 − 100 = 900.00; gross margin 400.00
    financing 900 × 27 days (5-31 Mar) = 24,300 × 0.0002 = 4.86
    allowance 31 Mar: 900 current × 0.5 % = 4.50 (none on 28 Feb) → credit loss 4.50
    net profit 400 − 4.86 − 4.50 = 390.64
D2 freight on a document without a sales amount (and a trade discount the amount already excludes).
    INV D2-1 10 Mar, due 9 Apr: amount 1,150.00, freight 150.00, trade discount 50.00, cost 600.
    net sales = amount − tax − freight − misc = 1,150 − 0 − 150 − 0 = 1,000.00 (the discount is not taken
    again); gross margin 400.00; other income: freight 150.00
    financing 1,150 × 22 days (10-31 Mar) = 25,300 × 0.0002 = 5.06; allowance 1,150 × 0.5 % = 5.75
    net profit 400 + 150 − 5.06 − 5.75 = 539.19
D3 an invoice of January paid in March. INV D3-1 15 Jan, due 14 Feb, 500.00, cost 300; PMT D3-P 11 Mar
    500.00 applied to it that day.
    net sales 0 (the invoice is January's); financing: 500 owed 1-10 Mar = 5,000 × 0.0002 = 1.00 (only
    the days of the period, not from 15 January)
    allowance 28 Feb: 500, 14 days past due (1-30) × 2 % = 10.00; 31 Mar: nothing open → credit loss
    0 + 0 − 10.00 = −10.00; net profit 0 − 1.00 + 10.00 = 9.00
    days to pay: 15 Jan → 11 Mar = 55 days; days late: 14 Feb → 11 Mar = 25 days
    As of 10 March (period still March): the payment is not yet applied → open 500.00 (24 days past due,
    1-30), expected credit loss 500 × 2 % = 10.00, no days to pay; financing stays 1.00 (a flow of the
    period, not of the as-of date).
D4 a write-off of February does not count in March. INV D4-1 1 Dec, due 31 Dec, 200.00, cost 150; PMT
    D4-P 10 Feb 50.00 applied with 150.00 written off. INV D4-2 20 Mar, due 19 Apr, 100.00, cost 80.
    write-offs 0; net sales 100.00, gross margin 20.00; financing 100 × 12 days (20-31 Mar) = 1,200 ×
    0.0002 = 0.24; allowance 31 Mar 100 × 0.5 % = 0.50, 28 Feb 0 → credit loss 0.50
    net profit 20 − 0.24 − 0.50 = 19.26; risk grade A (nothing written off in the period)
D5 due on the as-of date: current, not overdue. INV D5-1 1 Mar, due 31 Mar, 300.00, cost 100.
    open 300.00, overdue 0, ageing: current 300.00; financing 300 × 31 = 9,300 × 0.0002 = 1.86;
    allowance 1.50; net profit 200 − 1.86 − 1.50 = 196.64
D6 an invoice 120 days past due on 28 February (the bound belongs to the bucket it closes: 91-120) and
    151 on 31 March (over 120). INV D6-1 1 Oct 2025, due 31 Oct, 1,000.00, cost 700, unpaid.
    allowance 28 Feb 1,000 × 20 % = 200.00; 31 Mar 1,000 × 50 % = 500.00 → credit loss 300.00
    financing 1,000 × 31 = 31,000 × 0.0002 = 6.20; net profit −6.20 − 300.00 = −306.20
    open = overdue = 1,000.00, all over 120 days; risk grade E (over 90 days > a quarter of the open amount)
D7 over its credit limit of 500.00. INV D7-1 15 Mar, due 14 Apr, 600.00, cost 400: credit limit use 1.2,
    risk grade D (not late at all). Financing 600 × 17 days = 10,200 × 0.0002 = 2.04; allowance 3.00;
    net profit 200 − 2.04 − 3.00 = 194.96
D8 grade C. INV D8-1 1 Mar, due 11 Mar, 600.00 (20 days past due), INV D8-2 20 Mar, due 19 Apr, 400.00.
    DSO = 1,000 / 1,000 × 31 = 31; best possible DSO = 400 / 1,000 × 31 = 12.4; days delinquent 18.6
    (over 15, not over 30) → C. Gross margin 1,000 − 500 = 500; financing 600 × 31 + 400 × 12 = 23,400 ×
    0.0002 = 4.68; allowance 600 × 2 % + 400 × 0.5 % = 14.00; net profit 500 − 4.68 − 14.00 = 481.32
D9 grade B. INV D9-1 1 Mar, due 11 Mar, 300.00, INV D9-2 20 Mar, due 19 Apr, 700.00.
    best possible DSO 700 / 1,000 × 31 = 21.7; days delinquent 31 − 21.7 = 9.3 → B. Gross margin 1,000 −
    400 = 600; financing 300 × 31 + 700 × 12 = 17,700 × 0.0002 = 3.54; allowance 300 × 2 % + 700 × 0.5 %
    = 9.50; net profit 600 − 3.54 − 9.50 = 586.96
D10 commission at the document's salesperson's rate. Customer's salesperson SP1 (10 %), INV D10-1 2 Mar,
    due 1 Apr, salesperson SP2 (5 %), sales 1,000.00, cost on the document 600 (its one line says 550:
    the document's own cost comes first), no commission amount.
    commission 1,000 × 5 % = 50.00 (not SP1's 100.00); gross margin 400.00
    financing 1,000 × 30 days (2-31 Mar) = 30,000 × 0.0002 = 6.00; allowance 5.00
    net profit 400 − 50 − 6.00 − 5.00 = 339.00
D11 and D12 sell through SP3 at 50 %: INV D11-1 1 Mar, due 31 Mar, sales 2,000.00, cost 1,200 (gross margin
    40 %); INV D12-1 the same with cost 1,900 (5 %). Each: commission 1,000.00, financing 2,000 × 31 =
    62,000 × 0.0002 = 12.40, allowance 2,000 × 0.5 % = 10.00; net profit D11 800 − 1,000 − 12.40 − 10.00
    = −222.40, D12 100 − 1,000 − 12.40 − 10.00 = −922.40.

D13 an invoice 90 days past due on 28 February (61-90) and 121 on 31 March (the first day over 120).
    INV D13-1 31 Oct 2025, due 30 Nov, 100.00, cost 50, unpaid. Allowance 28 Feb 100 × 10 % = 10.00, 31 Mar
    100 × 50 % = 50.00 → credit loss 40.00; financing 100 × 31 = 3,100 × 0.0002 = 0.62; net profit −40.62.
D14 exactly a quarter of its net exposure over 90 days: not grade E. INV D14-1 31 Oct 2025, due 30 Nov,
    100.00 (121 days), INV D14-2 25 Mar, due 24 Apr, 300.00, cost 200. Over 90: 100 = 400 / 4, not more.
    DSO 400 / 300 × 31 = 41.33…, best possible 300 / 300 × 31 = 31, days delinquent 10.33… → B.
    Gross margin 100; financing 100 × 31 + 300 × 7 = 5,200 × 0.0002 = 1.04; allowance 28 Feb 10.00, 31 Mar
    50.00 + 1.50 = 51.50 → credit loss 41.50; net profit 100 − 1.04 − 41.50 = 57.46.
D15 a voided payment whose application the ledger still holds. INV D15-1 2 Mar, due 1 Apr, 400.00, cost 300;
    PMT D15-P 12 Mar 400.00, voided, applied to D15-1 that day. A voided document neither settles nor is
    settled: D15-1 stays open 400.00, nobody paid (no days to pay); financing 400 × 30 days (2-31 Mar) =
    12,000 × 0.0002 = 2.40; allowance 400 × 0.5 % = 2.00; net profit 100 − 2.40 − 2.00 = 95.60.

Segments. Net sales of all: 900 + 1,000 + 0 + 100 + 300 + 0 + 600 + 1,000 + 1,000 + 1,000 + 2,000 + 2,000
+ 0 + 300 + 400 = 10,600.00; gross margin 400 + 400 + 0 + 20 + 200 + 0 + 200 + 500 + 600 + 400 + 800 + 100
+ 0 + 100 + 100 = 3,820.00: the company's gross margin 36.04 %, four fifths of it 28.83 %. "Large" is the
20th percentile of the twelve positive net sales (2,000, 2,000, 1,000 × 4, 900, 600, 400, 300, 300, 100: the
second) = 2,000. D3, D6 and D13 sold nothing (no_sales); D1, D2, D4, D5, D7, D8, D9, D10, D14 and D15 make
money and are not large (grow); D11 loses money on a margin above 28.83 % (fix_cost_to_serve); D12, large,
loses it on 5 % (reprice).

Whale curve. Ranked: D9 586.96, D2 539.19, D8 481.32, D1 390.64, D10 339.00, D5 196.64, D7 194.96, D15 95.60,
D14 57.46, D4 19.26, D3 9.00, D13 −40.62, D11 −222.40, D6 −306.20, D12 −922.40; total 1,418.41. The first
half (15 × 50 % = 7.5, rounded to 8 customers) earns 2,824.31, 199 % of it; the peak is after the eleven
profitable ones, 2,910.03.

Loss rates from history (`loss_rates = "history"`, 3 years back from 31 March): the invoices settled by
then are D3-1 (500.00, settled 25 days after its due date, nothing written off) and D4-1 (200.00, 41 days,
150.00 written off). Current and 1-30 (both reached by both): 150 / 700; 31-60 (D4-1 only): 150 / 200 =
0.75; 61-90 and later: none reached them, 0. D1's expected credit loss: 900 current × 150 / 700.

A company rate of 2 (its functional currency into the reporting one) doubles every amount: D1's net sales
1,800.00, its net profit 781.28.

As of 10 April (after the period): D1's 900.00 is 6 days past due, all overdue; its financing stays 4.86.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.cases import gamma
from tests.cases.files import write_tables

D = Decimal
PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
AS_OF_INSIDE = dt.date(2026, 3, 10)

EXPECTED: dict[str, dict[str, object]] = {
    "D1": {
        "net_sales": D("900.00"),
        "gross_margin": D("400.00"),
        "financing_cost": D("4.86"),
        "credit_loss": D("4.50"),
        "net_profit": D("390.64"),
        "risk_grade": "A",
    },
    "D2": {
        "net_sales": D("1000.00"),
        "gross_margin": D("400.00"),
        "freight_billed": D("150.00"),
        "other_income": D("150.00"),
        "financing_cost": D("5.06"),
        "credit_loss": D("5.75"),
        "net_profit": D("539.19"),
    },
    "D3": {
        "net_sales": D("0"),
        "financing_cost": D("1.00"),
        "allowance_start": D("10.00"),
        "allowance_end": D("0"),
        "credit_loss": D("-10.00"),
        "net_profit": D("9.00"),
        "avg_days_to_pay": D("55"),
        "avg_days_late": D("25"),
        "open_amount": D("0"),
        "risk_grade": "A",
    },
    "D4": {
        "write_offs": D("0"),
        "net_sales": D("100.00"),
        "financing_cost": D("0.24"),
        "credit_loss": D("0.50"),
        "net_profit": D("19.26"),
        "risk_grade": "A",
    },
    "D5": {
        "open_amount": D("300.00"),
        "overdue_amount": D("0"),
        "ageing": (D("300.00"), D("0"), D("0"), D("0"), D("0"), D("0")),
        "financing_cost": D("1.86"),
        "net_profit": D("196.64"),
    },
    "D6": {
        "allowance_start": D("200.00"),
        "allowance_end": D("500.00"),
        "credit_loss": D("300.00"),
        "financing_cost": D("6.20"),
        "net_profit": D("-306.20"),
        "open_amount": D("1000.00"),
        "overdue_amount": D("1000.00"),
        "ageing": (D("0"), D("0"), D("0"), D("0"), D("0"), D("1000.00")),
        "risk_grade": "E",
    },
    "D7": {"credit_limit_use": D("1.2"), "avg_days_delinquent": D("0"), "net_profit": D("194.96"), "risk_grade": "D"},
    "D8": {
        "dso": D("31"),
        "best_possible_dso": D("12.4"),
        "avg_days_delinquent": D("18.6"),
        "risk_grade": "C",
        "financing_cost": D("4.68"),
        "allowance_end": D("14.00"),
        "net_profit": D("481.32"),
    },
    "D9": {
        "best_possible_dso": D("21.7"),
        "avg_days_delinquent": D("9.3"),
        "risk_grade": "B",
        "financing_cost": D("3.54"),
        "allowance_end": D("9.50"),
        "net_profit": D("586.96"),
    },
    "D11": {"commissions": D("1000.00"), "net_profit": D("-222.40")},
    "D13": {
        "allowance_start": D("10.00"),
        "allowance_end": D("50.00"),
        "ageing": (D("0"), D("0"), D("0"), D("0"), D("0"), D("100.00")),
        "net_profit": D("-40.62"),
        "risk_grade": "E",
    },
    "D14": {
        "allowance_end": D("51.50"),
        "credit_loss": D("41.50"),
        "net_profit": D("57.46"),
        "best_possible_dso": D("31"),
        "risk_grade": "B",
    },
    "D12": {"commissions": D("1000.00"), "net_profit": D("-922.40")},
    "D15": {
        "open_amount": D("400.00"),
        "avg_days_to_pay": None,
        "financing_cost": D("2.40"),
        "net_profit": D("95.60"),
    },
    "D10": {
        "commissions": D("50.00"),
        "cost_of_goods": D("600"),
        "gross_margin": D("400.00"),
        "financing_cost": D("6.00"),
        "net_profit": D("339.00"),
    },
}
EXPECTED_SEGMENTS = {
    **{f"D{i}": "grow" for i in (1, 2, 4, 5, 7, 8, 9, 10)},
    "D3": "no_sales",
    "D6": "no_sales",
    "D13": "no_sales",
    "D14": "grow",
    "D15": "grow",
    "D11": "fix_cost_to_serve",
    "D12": "reprice",
}
TOTAL_NET_PROFIT = D("1418.41")
FIRST_HALF_CUSTOMERS = 8
FIRST_HALF_NET_PROFIT = D("2824.31")  # the eight most profitable
PEAK_CUSTOMERS = 11
PEAK_NET_PROFIT = D("2910.03")  # the eleven profitable
HISTORY_RATES = (D(150) / D(700), D(150) / D(700), D("0.75"), D(0), D(0), D(0))
AS_OF_AFTER = dt.date(2026, 4, 10)
EXPECTED_D1_AS_OF_AFTER = {"open_amount": D("900.00"), "overdue_amount": D("900.00"), "financing_cost": D("4.86")}
EXPECTED_D1_AT_RATE_2 = {"net_sales": D("1800.00"), "net_profit": D("781.28")}
EXPECTED_D3_AS_OF_INSIDE = {
    "open_amount": D("500.00"),
    "expected_credit_loss": D("10.00"),
    "avg_days_to_pay": None,
    "financing_cost": D("1.00"),
}

# The same method as gamma's: 7.3 % a year, buckets 30/60/90/120, loss rates 0.5/2/5/10/20/50 %.
CONFIG = gamma.CONFIG

_DOCUMENTS = """\
document_id,customer_id,document_type,document_date,due_date,amount,sales_amount,trade_discount,freight_amount,cost_amount,salesperson_id,voided
D1-1,D1,invoice,2026-03-05,2026-04-04,900.00,1000.00,100.00,,500,,0
D2-1,D2,invoice,2026-03-10,2026-04-09,1150.00,,50.00,150.00,600,,0
D3-1,D3,invoice,2026-01-15,2026-02-14,500.00,500.00,,,300,,0
D3-P,D3,payment,2026-03-11,,500.00,,,,,,0
D4-1,D4,invoice,2025-12-01,2025-12-31,200.00,200.00,,,150,,0
D4-P,D4,payment,2026-02-10,,50.00,,,,,,0
D4-2,D4,invoice,2026-03-20,2026-04-19,100.00,100.00,,,80,,0
D5-1,D5,invoice,2026-03-01,2026-03-31,300.00,300.00,,,100,,0
D6-1,D6,invoice,2025-10-01,2025-10-31,1000.00,1000.00,,,700,,0
D7-1,D7,invoice,2026-03-15,2026-04-14,600.00,600.00,,,400,,0
D8-1,D8,invoice,2026-03-01,2026-03-11,600.00,600.00,,,300,,0
D8-2,D8,invoice,2026-03-20,2026-04-19,400.00,400.00,,,200,,0
D9-1,D9,invoice,2026-03-01,2026-03-11,300.00,300.00,,,100,,0
D9-2,D9,invoice,2026-03-20,2026-04-19,700.00,700.00,,,300,,0
D10-1,D10,invoice,2026-03-02,2026-04-01,1000.00,1000.00,,,600,SP2,0
D11-1,D11,invoice,2026-03-01,2026-03-31,2000.00,2000.00,,,1200,SP3,0
D12-1,D12,invoice,2026-03-01,2026-03-31,2000.00,2000.00,,,1900,SP3,0
D13-1,D13,invoice,2025-10-31,2025-11-30,100.00,100.00,,,50,,0
D14-1,D14,invoice,2025-10-31,2025-11-30,100.00,100.00,,,50,,0
D14-2,D14,invoice,2026-03-25,2026-04-24,300.00,300.00,,,200,,0
D15-1,D15,invoice,2026-03-02,2026-04-01,400.00,400.00,,,300,,0
D15-P,D15,payment,2026-03-12,,400.00,,,,,,1
"""

FILES = {
    "customers.csv": "customer_id,name,credit_limit,salesperson_id\n"
    + "".join(f"D{i},Delta {i},{'500.00' if i == 7 else ''},{'SP1' if i == 10 else ''}\n" for i in range(1, 16)),
    "salespeople.csv": "salesperson_id,name,commission_rate\nSP1,Ten Percent,0.10\nSP2,Five Percent,0.05\nSP3,Half,0.50\n",
    "documents.csv": _DOCUMENTS,
    "document_lines.csv": (
        "document_id,line_no,item_id,quantity,unit_price,extended_price,unit_cost,extended_cost\n"
        "D10-1,1,A-100,10,100.00,1000.00,55.00,550.00\n"
    ),
    "applications.csv": (
        "from_document_id,to_document_id,amount,apply_date,discount_taken,write_off_amount\n"
        "D3-P,D3-1,500.00,2026-03-11,,\n"
        "D4-P,D4-1,50.00,2026-02-10,,150.00\n"
        "D15-P,D15-1,400.00,2026-03-12,,\n"
    ),
}


def write(folder: Path) -> None:
    write_tables(folder, FILES)
