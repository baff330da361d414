"""Product lines at their bounds: the three largest buyers named, the first fifty listed, and the sales
documents whose own sales amount disagrees with their lines — biggest difference first, half a cent counted.

One product line, TOOLS, bought by 52 customers: customer Bnn buys one line of nn × 10.00 (B01 10.00 … B52
520.00) on invoice Inn of 2 March. Largest buyers: B52, B51, B50 — three of them, in that order. The
accountant's drill-down lists the first 50 by net sales: B52 … B03 (B02 and B01 are a `report --item-class`
away).

Sales differences (document sales amount against its lines' extended prices):
  I01 says 10.005 against lines of 10.00 — exactly half a cent: listed (a cent rounds it either way);
  I02 says 45.00 against 20.00 — 25.00; I52 says 521.00 against 520.00 — 1.00.
Biggest difference first: I02 (25.00), I52 (1.00), I01 (0.005) — not the biggest document first (I52).
Every other document agrees with its lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.cases.files import analyse_tables

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
SAID = {1: "10.005", 2: "45.00", 52: "521.00"}  # the three documents whose own sales amount disagrees


def tables() -> dict[str, str]:
    customers, documents, lines = (
        ["customer_id,name"],
        ["document_id,customer_id,document_type,document_date,amount,sales_amount"],
        ["document_id,line_no,item_id,item_class,quantity,unit_price,extended_price,unit_cost,extended_cost"],
    )
    for n in range(1, 53):
        price = Decimal(n * 10)
        customers.append(f"B{n:02},Buyer {n:02}")
        documents.append(f"I{n:02},B{n:02},invoice,2026-03-02,{price},{SAID.get(n, price)}")
        lines.append(f"I{n:02},1,T-{n},TOOLS,1,{price},{price},{price / 2},{price / 2}")
    return {
        "customers.csv": "\n".join(customers) + "\n",
        "documents.csv": "\n".join(documents) + "\n",
        "document_lines.csv": "\n".join(lines) + "\n",
    }


def test_the_three_largest_buyers_and_the_first_fifty(tmp_path: Path) -> None:
    analysis = analyse_tables(tmp_path, tables(), MARCH)
    (tools,) = [g for g in analysis.groups["item_class"] if g["key"] == "TOOLS"]
    assert tools["top_customers"] == "B52 B51 B50"
    assert tools["customers"] == 52
    assert [b[1] for b in tools["buyers"]] == [f"B{n:02}" for n in range(52, 2, -1)]  # 50 of them


def test_sales_amounts_that_disagree_with_their_lines_biggest_first(tmp_path: Path) -> None:
    recon = analyse_tables(tmp_path, tables(), MARCH).reconciliation
    assert recon["sales_ties_to_lines"] is False and recon["sales_differences_count"] == 3
    assert [(d["document_id"], d["difference"]) for d in recon["sales_differences"]] == [
        ("I02", Decimal("25.00")),
        ("I52", Decimal("1.00")),
        ("I01", Decimal("0.005")),
    ]


def test_ties_for_third_place_go_to_the_first_customer_id_and_a_line_with_two_buyers_names_both(
    tmp_path: Path,
) -> None:
    # Product line TIES: T1 buys 100.00, T2 90.00, and T5, T4, T3 50.00 each (invoiced in that order): the
    # three largest are T1, T2 and, of the three tied at 50.00, the first by customer id: T3. Product line
    # PAIR: P1 30.00 and P2 20.00 — only two buyers, both named. The item T-X is in both lines' sales.
    bought = [("T1", "TIES", 100), ("T2", "TIES", 90), ("T5", "TIES", 50), ("T4", "TIES", 50), ("T3", "TIES", 50),
              ("P1", "PAIR", 30), ("P2", "PAIR", 20)]  # fmt: skip
    customers = ["customer_id,name", *(f"{c},Customer {c}" for c, _, _ in bought)]
    documents = ["document_id,customer_id,document_type,document_date,amount,sales_amount"]
    lines = ["document_id,line_no,item_id,item_class,quantity,unit_price,extended_price,unit_cost,extended_cost"]
    for n, (customer, item_class, price) in enumerate(bought, start=1):
        documents.append(f"I{n},{customer},invoice,2026-03-0{n},{price},{price}")
        lines.append(f"I{n},1,{item_class}-X,{item_class},1,{price},{price},0,0")
    tables = {
        "customers.csv": "\n".join(customers) + "\n",
        "documents.csv": "\n".join(documents) + "\n",
        "document_lines.csv": "\n".join(lines) + "\n",
    }
    groups = analyse_tables(tmp_path, tables, MARCH).groups
    by_class = {g["key"]: g for g in groups["item_class"]}
    assert by_class["TIES"]["top_customers"] == "T1 T2 T3" and by_class["TIES"]["customers"] == 5
    assert by_class["PAIR"]["top_customers"] == "P1 P2" and by_class["PAIR"]["customers"] == 2
    by_item = {g["key"]: g for g in groups["item"]}
    assert by_item["TIES-X"]["top_customers"] == "T1 T2 T3" and by_item["PAIR-X"]["top_customers"] == "P1 P2"
