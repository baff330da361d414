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
