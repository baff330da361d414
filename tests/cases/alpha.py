"""One customer, every kind of document: the figures below are worked by hand.

Customer C1 "Alpha GmbH", salesperson SP1 at 5 % (COMPRCNT 500). Period 2026-01-01 … 2026-03-31.

| document | date       | due        | sales  | tax    | freight | total   | cost | commission | note                       |
|----------|------------|------------|--------|--------|---------|---------|------|------------|----------------------------|
| INV3     | 2025-12-15 | 2026-01-14 | 400.00 | 76.00  | 0       | 476.00  | 300  | 20         | before the period, unpaid  |
| INV1     | 2026-01-10 | 2026-02-09 | 1000.00| 199.50 | 50.00   | 1249.50 | 600  | 50         | a kit line (cost 120)      |
| PMT1     | 2026-02-01 |            |        |        |         | 500.00  |      |            | applied to INV1            |
| CRM1     | 2026-02-15 |            | 100.00 | 19.00  |         | 119.00  | 0    | 0          | applied to INV1            |
| RTN1     | 2026-03-01 |            | 200.00 | 38.00  |         | 238.00  | 120  | 10         | not applied (a credit)     |
| INV2     | 2026-03-10 | 2026-04-09 | 5000.00| 950.00 |         | 5950.00 | 3000 | 250        | VOIDED                     |

Net sales   = 1000 − 100 − 200                = 700.00   (INV3 is before the period, INV2 is voided)
Cost        = 600 − 0 − 120                   = 480.00
Gross margin= 700 − 480                       = 220.00
Commissions = 50 − 0 − 10                     = 40.00
Labour      = 150.00 (3 h) + 90.00 (1.5 h)    = 240.00   (the 2 h on the internal project count for nobody)
Net profit  = 220 − 40 − 240                  = −60.00

Open as of 2026-03-31: INV1 1249.50 − 500 − 119 = 630.50 (50 days past due: 31-60),
INV3 476.00 (76 days past due: 61-90), RTN1 unapplied −238.00.
Open = 630.50 + 476.00 − 238.00 = 868.50; overdue = 1106.50; GP's CURTRXAM gives the same 868.50.

Open as of 2026-02-10: INV1 1249.50 − 500 = 749.50 (1 day: 1-30), INV3 476.00 (27 days: 1-30);
RTN1 and CRM1 are not yet issued. Open = 1225.50.

The kit line of INV1 has two component lines (CMPNTSEQ 1 and 2, cost 70 + 50) that must not be read.

With the full method (SETTINGS below: cost of capital 7.3 % a year = 0.0002 a day; one pool "service"
costing 21,900.00 a year for 36,500 practical minutes a year = 0.60 a minute, so 5,400.00 for 9,000
minutes in these 90 days; loss rates 0.5/2/5/10/20/50 %):

Other income: INV1's freight 50.00.
Financing (the balance each day of the period, open debits less unapplied credits):
    1-9 Jan 476.00 × 9 days (INV3)                          = 4,284.00
    10-31 Jan 1,725.50 × 22 (+ INV1 1,249.50)               = 37,961.00
    1-14 Feb 1,225.50 × 14 (− PMT1 500.00)                  = 17,157.00
    15-28 Feb 1,106.50 × 14 (− CRM1 119.00)                 = 15,491.00
    1-31 Mar 868.50 × 31 (− RTN1 238.00, unapplied)         = 26,923.50
    101,816.50 amount-days × 0.0002                          = 20.3633
Allowance on the net exposure (RTN1's 238.00 unapplied reduces the oldest item, INV3, first):
    31 Dec 2025: INV3 476.00 not yet due × 0.5 %             = 2.38
    31 Mar 2026: INV1 630.50 (31-60) × 5 % + INV3 (476.00 − 238.00) (61-90) × 10 % = 31.525 + 23.80 = 55.325
Expected credit loss (the allowance as of 31 March)        = 55.325
Credit loss = write-offs 0 + 55.325 − 2.38                  = 52.945
Activity (minutes × 0.60): 1 invoice × 10 = 6.00, 1 credit memo × 20 = 12.00, 1 return × 30 = 18.00,
    1 payment × 5 = 3.00, 3 reminders × 5 = 9.00 (INV1 due 9 Feb: 11 Mar; INV3 due 14 Jan: 13 Feb and
    15 Mar) = 48.00
Net profit = 220 + 50 − 40 − 240 − 48 − 20.3633 − 52.945 = −131.3083

C2 Beta AB (referred by C1): INV5 of 20 March, sales 100.00, cost 60.00, tax 19.00, commission 5.00,
    due 19 April, open. Gross margin 40.00; activity 1 invoice = 6.00; financing 119 × 12 days (20-31 Mar)
    × 0.0002 = 0.2856; credit loss 0 + 119 × 0.5 % − 0 = 0.595; net profit = 40 − 5 − 6 − 0.2856 − 0.595
    = 28.1194. C1's referral value = 10 % × 40.00 = 4.00 (beside its net profit, not in it).

Capacity: used 80 (C1) + 10 (C2) = 90 minutes; unused 9,000 − 90 = 8,910 minutes = 5,346.00.
C1's DSO on the net exposure = (630.50 + 238.00) / 1,249.50 × 90 days = 62.56; best possible 0; average
    days to pay 22 (PMT1); risk grade D (more than 30 days delinquent).
Previous period (3 Oct - 31 Dec 2025): INV3 only: 400 − 300 − 20 commission − 6 invoice − 476 × 17 days
    (15-31 Dec) × 0.0002 = 1.6184 financing − (2.38 − 0) credit loss = 70.0016. C1 fell from +70.00 to
    −131.31: on the watch list, for cost to serve up, returns up and credit loss up.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

from connector.sample.gp_db import SAMPLE_TABLES, create_tables, insert_rows
from profitability.model import Costing, Driver, Pool, Settings

D = Decimal
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))

EXPECTED = {
    "net_sales": D("700.00"),
    "cost_of_goods": D("480.00"),
    "gross_margin": D("220.00"),
    "commissions": D("40.00"),
    "labour_cost": D("240.00"),
    "open_amount": D("868.50"),
    "overdue_amount": D("1106.50"),
    "unapplied_credits": D("238.00"),
}
# With SETTINGS (the full method):
EXPECTED_FULL = {
    **EXPECTED,
    "activity_cost": D("48.00"),
    "financing_cost": D("20.3633"),
    "expected_credit_loss": D("55.325"),
    "credit_loss": D("52.945"),
    "allowance_start": D("2.38"),
    "allowance_end": D("55.325"),
    "other_income": D("50.00"),
    "net_profit": D("-131.3083"),
    "referral_value": D("4.00"),
    "avg_days_to_pay": D("22"),
}
EXPECTED_C2_NET_PROFIT = D("28.1194")
EXPECTED_PREVIOUS_NET_PROFIT = D("70.0016")
EXPECTED_UNUSED = {"minutes": D("8910"), "cost": D("5346.00")}


def settings() -> Settings:

    return Settings(
        cost_of_capital=D("0.073"),
        loss_rates=(D("0.005"), D("0.02"), D("0.05"), D("0.10"), D("0.20"), D("0.50")),
        referral_share=D("0.10"),
        costing=Costing(
            pools=(Pool("service", D("21900"), D("36500")),),
            drivers=tuple(
                Driver(n, "service", D(m))
                for n, m in (("invoice", 10), ("credit_memo", 20), ("return", 30), ("payment", 5), ("reminder", 5))
            ),
        ),
    )


# The same settings as a configuration file's sections.
CONFIG_SECTIONS = """
[analysis]
cost_of_capital = 0.073
ageing_buckets = [30, 60, 90, 120]
loss_rates = [0.005, 0.02, 0.05, 0.10, 0.20, 0.50]
referral_share = 0.10

[[costing.pool]]
name = "service"
cost = 21900
practical_minutes = 36500

[costing.drivers]
invoice = { pool = "service", minutes = 10 }
credit_memo = { pool = "service", minutes = 20 }
return = { pool = "service", minutes = 30 }
payment = { pool = "service", minutes = 5 }
reminder = { pool = "service", minutes = 5 }
"""
# current, 1-30, 31-60, 61-90, 91-120, over 120
EXPECTED_AGEING = (D("0"), D("0"), D("630.50"), D("476.00"), D("0"), D("0"))
EXPECTED_OPEN_FEB_10 = D("1225.50")
EXPECTED_ERP_OPEN = D("987.50")  # C1 868.50 + C2 119.00

RM_COLS = (
    "CUSTNMBR",
    "DOCNUMBR",
    "RMDTYPAL",
    "DOCDATE",
    "DUEDATE",
    "ORTRXAMT",
    "CURTRXAM",
    "SLSAMNT",
    "COSTAMNT",
    "FRTAMNT",
    "TAXAMNT",
    "COMDLRAM",
    "SLPRSNID",
    "CURNCYID",
    "VOIDSTTS",
    "DINVPDOF",
)
NO_DATE = None


def rm_rows() -> list[tuple[str, tuple[object, ...]]]:
    d = dt.date
    return [
        (
            "RM20101",
            (
                "C1",
                "INV3",
                1,
                d(2025, 12, 15),
                d(2026, 1, 14),
                D("476.00"),
                D("476.00"),
                D("400.00"),
                D("300.00"),
                0,
                D("76.00"),
                D("20.00"),
                "SP1",
                "EUR",
                0,
                NO_DATE,
            ),
        ),
        (
            "RM20101",
            (
                "C1",
                "INV1",
                1,
                d(2026, 1, 10),
                d(2026, 2, 9),
                D("1249.50"),
                D("630.50"),
                D("1000.00"),
                D("600.00"),
                D("50.00"),
                D("199.50"),
                D("50.00"),
                "SP1",
                "EUR",
                0,
                NO_DATE,
            ),
        ),
        (
            "RM30101",
            ("C1", "PMT1", 9, d(2026, 2, 1), d(2026, 2, 1), D("500.00"), 0, 0, 0, 0, 0, 0, "SP1", "EUR", 0, NO_DATE),
        ),
        (
            "RM30101",
            (
                "C1",
                "CRM1",
                7,
                d(2026, 2, 15),
                d(2026, 2, 15),
                D("119.00"),
                0,
                D("100.00"),
                0,
                0,
                D("19.00"),
                0,
                "SP1",
                "EUR",
                0,
                NO_DATE,
            ),
        ),
        (
            "RM20101",
            (
                "C1",
                "RTN1",
                8,
                d(2026, 3, 1),
                d(2026, 3, 1),
                D("238.00"),
                D("238.00"),
                D("200.00"),
                D("120.00"),
                0,
                D("38.00"),
                D("10.00"),
                "SP1",
                "EUR",
                0,
                NO_DATE,
            ),
        ),
        (
            "RM30101",
            (
                "C1",
                "INV2",
                1,
                d(2026, 3, 10),
                d(2026, 4, 9),
                D("5950.00"),
                0,
                D("5000.00"),
                D("3000.00"),
                0,
                D("950.00"),
                D("250.00"),
                "SP1",
                "EUR",
                1,
                NO_DATE,
            ),
        ),
        # C2: INV5, open and not yet due.
        (
            "RM20101",
            (
                "C2",
                "INV5",
                1,
                d(2026, 3, 20),
                d(2026, 4, 19),
                D("119.00"),
                D("119.00"),
                D("100.00"),
                D("60.00"),
                0,
                D("19.00"),
                D("5.00"),
                "SP1",
                "SEK",
                0,
                NO_DATE,
            ),
        ),
    ]


def write_gp_database(path: Path) -> Path:
    """The case as a GP company database (SQLite, GP tables and columns, padded chars)."""
    con = sqlite3.connect(path)
    create_tables(con, SAMPLE_TABLES)
    insert_rows(
        con,
        "RM00101",
        ("CUSTNMBR", "CUSTNAME", "SLPRSNID", "CURNCYID", "USERDEF1", "CRLMTAMT"),
        [("C1", "Alpha GmbH", "SP1", "EUR", "", D("5000")), ("C2", "Beta AB", "SP1", "SEK", "C1", 0)],
    )
    for table in ("RM20101", "RM30101"):
        insert_rows(con, table, RM_COLS, [row for t, row in rm_rows() if t == table])
    ap_cols = ("CUSTNMBR", "APFRDCTY", "APFRDCNM", "APTODCTY", "APTODCNM", "DATE1", "APPTOAMT", "WROFAMNT")
    insert_rows(
        con,
        "RM30201",
        ap_cols,
        [
            ("C1", 9, "PMT1", 1, "INV1", dt.date(2026, 2, 1), D("500.00"), 0),
            ("C1", 7, "CRM1", 1, "INV1", dt.date(2026, 2, 15), D("119.00"), 0),
        ],
    )
    insert_rows(con, "RM00301", ("SLPRSNID", "SLPRSNFN", "SPRSNSLN", "COMPRCNT"), [("SP1", "Sara", "Seller", 500)])
    insert_rows(
        con, "UPR00100", ("EMPLOYID", "FRSTNAME", "LASTNAME", "DEPRTMNT"), [("E1", "Ola", "Support", "SUPPORT")]
    )
    sop_head = ("SOPTYPE", "SOPNUMBE", "DOCDATE", "CUSTNMBR", "VOIDSTTS", "SUBTOTAL", "EXTDCOST")
    insert_rows(
        con,
        "SOP30200",
        sop_head,
        [
            (3, "INV1", dt.date(2026, 1, 10), "C1", 0, D("1000"), D("600")),
            (3, "INV2", dt.date(2026, 3, 10), "C1", 1, D("5000"), D("3000")),
            (4, "RTN1", dt.date(2026, 3, 1), "C1", 0, D("200"), D("120")),
        ],
    )
    sop_line = (
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
    )
    insert_rows(
        con,
        "SOP30300",
        sop_line,
        [
            (3, "INV1", 16384, 0, "A-100", 10, D("80"), D("800"), D("48"), D("480")),
            (3, "INV1", 32768, 0, "KIT-1", 1, D("200"), D("200"), D("120"), D("120")),
            (3, "INV1", 32768, 1, "K-PART1", 1, 0, 0, D("70"), D("70")),  # kit component: not read
            (3, "INV1", 32768, 2, "K-PART2", 1, 0, 0, D("50"), D("50")),  # kit component: not read
            (3, "INV2", 16384, 0, "A-100", 62, D("80.64516"), D("5000"), D("48.3871"), D("3000")),  # voided
            (4, "RTN1", 32768, 0, "KIT-1", 1, D("200"), D("200"), D("120"), D("120")),
        ],
    )
    insert_rows(
        con,
        "PA01201",
        ("PAPROJNUMBER", "CUSTNMBR", "PAprojname"),
        [("P1", "C1", "Alpha service"), ("INTERNAL", "", "Internal")],
    )
    pa_cols = ("PATSNO", "LNITMSEQ", "EMPLOYID", "PADT", "PAPROJNUMBER", "PACOSTCATID", "PAQtyQ", "PATOTCST")
    insert_rows(
        con,
        "PA30101",
        pa_cols,
        [
            ("TS1", 16384, "E1", dt.date(2026, 1, 20), "P1", "SUPPORT", D("3"), D("150")),
            ("TS1", 32768, "E1", dt.date(2026, 2, 20), "P1", "SERVICE", D("1.5"), D("90")),
            ("TS1", 49152, "E1", dt.date(2026, 2, 21), "INTERNAL", "ADMIN", D("2"), D("100")),
            ("TS2", 16384, "E1", dt.date(2025, 6, 1), "P1", "SUPPORT", D("8"), D("400")),  # before the period
        ],
    )
    con.commit()
    con.close()
    return path


FILES = {
    "customers.csv": """customer_id,name,salesperson_id,currency,referred_by,credit_limit
C1,Alpha GmbH,SP1,EUR,,5000
C2,Beta AB,SP1,SEK,C1,
""",
    "salespeople.csv": """salesperson_id,name,commission_rate
SP1,Sara Seller,0.05
""",
    "documents.csv": """document_id,customer_id,document_type,document_date,amount,due_date,open_amount,sales_amount,cost_amount,freight_amount,tax_amount,commission_amount,voided
INV3,C1,invoice,2025-12-15,476.00,2026-01-14,476.00,400.00,300.00,0,76.00,20.00,0
INV1,C1,invoice,2026-01-10,1249.50,2026-02-09,630.50,1000.00,600.00,50.00,199.50,50.00,0
PMT1,C1,payment,2026-02-01,500.00,,0,,,,,,0
CRM1,C1,Credit Memo,2026-02-15,119.00,,0,100.00,0,,19.00,0,0
RTN1,C1,return,2026-03-01,238.00,,238.00,200.00,120.00,,38.00,10.00,0
INV2,C1,invoice,2026-03-10,5950.00,2026-04-09,0,5000.00,3000.00,,950.00,250.00,1
INV5,C2,invoice,2026-03-20,119.00,2026-04-19,119.00,100.00,60.00,,19.00,5.00,0
""",
    "document_lines.csv": """document_id,line_no,item_id,quantity,unit_price,extended_price,unit_cost,extended_cost
INV1,1,A-100,10,80,800,48,480
INV1,2,KIT-1,1,200,200,120,120
RTN1,1,KIT-1,1,200,200,120,120
""",
    "applications.csv": """from_document_id,to_document_id,amount,apply_date
PMT1,INV1,500.00,2026-02-01
CRM1,INV1,119.00,2026-02-15
""",
    "employees.csv": """employee_id,name,department
E1,Ola Support,SUPPORT
""",
    "labour.csv": """entry_id,employee_id,date,hours,customer_id,activity,cost_amount
T1,E1,2026-01-20,3,C1,support,150
T2,E1,2026-02-20,1.5,C1,service,90
T3,E1,2026-02-21,2,,admin,100
T4,E1,2025-06-01,8,C1,support,400
""",
}


def write_files(folder: Path) -> Path:
    """The same case as the ledger-as-files folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
