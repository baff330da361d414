"""Published worked examples, reproduced exactly through the files connector and `profitlens analyze`.

1. Time-driven ABC, customer service (Kaplan & Anderson, "Time-Driven Activity-Based Costing",
   Harvard Business Review, November 2004): capacity costs $560,000 a quarter for 700,000 practical
   minutes → $0.80 a minute. Orders take 8 minutes ($6.40), inquiries 44 ($35.20), credit checks 50
   ($40.00). 49,000 orders, 1,400 inquiries and 2,500 credit checks use 578,600 minutes = $462,880;
   121,400 minutes = $97,120 are unused.
2. IFRS 9 simplified approach, provision matrix (the standard's Illustrative Example 32): receivables of
   15,000,000 current, 7,500,000 1-30 days past due, 4,000,000 31-60, 2,500,000 61-90 and 1,000,000 over
   90 days, at loss rates 0.3 %, 1.6 %, 3.6 %, 6.6 % and 10.6 %: 45,000 + 120,000 + 144,000 + 165,000 +
   106,000 = 580,000.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from profitlens.cli import main


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def run_analysis(tmp_path: Path, config_text: str) -> tuple[dict, list[dict[str, str]]]:  # type: ignore[type-arg]
    config = tmp_path / "profitlens.toml"
    config.write_text(config_text, encoding="utf-8")
    assert main(["sync", "--config", str(config)]) == 0
    assert (
        main(
            [
                "analyze",
                "--config",
                str(config),
                "--from",
                "2025-01-01",
                "--to",
                "2025-12-31",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    with open(tmp_path / "out" / "customers.csv", encoding="utf-8", newline="") as f:
        customers = list(csv.DictReader(f))
    return summary, customers


def test_kaplan_anderson_customer_service(tmp_path: Path) -> None:
    # Three customers share the quarter's events: 30,000 + 15,000 + 4,000 orders, 400 + 600 + 400 inquiries,
    # 1,000 + 1,000 + 500 credit checks.
    write(
        tmp_path / "data",
        {
            "customers.csv": "customer_id,name\nK1,Kunde Eins\nK2,Kunde Zwei\nK3,Kunde Drei\n",
            "documents.csv": "document_id,customer_id,document_type,document_date,amount\n",
            "activity_events.csv": "event_id,customer_id,date,activity,quantity\n"
            "e1,K1,2025-02-01,order,30000\ne2,K2,2025-02-01,order,15000\ne3,K3,2025-02-01,order,4000\n"
            "e4,K1,2025-02-02,inquiry,400\ne5,K2,2025-02-02,inquiry,600\ne6,K3,2025-02-02,inquiry,400\n"
            "e7,K1,2025-02-03,credit check,1000\ne8,K2,2025-02-03,credit check,1000\n"
            "e9,K3,2025-02-03,credit check,500\n",
        },
    )
    summary, customers = run_analysis(
        tmp_path,
        """
[source]
kind = "files"
path = "data"

[[costing.pool]]
name = "customer service"
cost = 560000
practical_minutes = 700000

[costing.drivers]
order = { pool = "customer service", minutes = 8 }
inquiry = { pool = "customer service", minutes = 44 }
"credit check" = { pool = "customer service", minutes = 50 }
""",
    )
    assert summary["driver_rates"] == {"order": "6.40", "inquiry": "35.20", "credit check": "40.00"}
    pool = summary["unused_capacity"]["customer service"]
    assert (pool["used_minutes"], pool["minutes"], pool["cost"]) == ("578600.00", "121400.00", "97120.00")
    assert pool["rate_per_minute"] == "0.800000"
    assert summary["totals"]["activity_cost"] == "462880.00"
    by_id = {c["customer_id"]: c for c in customers}
    # K1: 30,000 × 6.40 + 400 × 35.20 + 1,000 × 40.00 = 192,000 + 14,080 + 40,000
    assert by_id["K1"]["activity_cost"] == "246080.00"
    assert by_id["K1"]["net_profit"] == "-246080.00"


def test_ifrs9_provision_matrix(tmp_path: Path) -> None:
    # Ages at 31 December 2025 (as-of = the period's end). Two documents sit exactly on a bound: 30 days
    # past due belongs to 1-30, 90 days to 61-90; a document due that very day is current.
    write(
        tmp_path / "data",
        {
            "customers.csv": "customer_id,name\nR1,Retail One\n",
            "documents.csv": "document_id,customer_id,document_type,document_date,due_date,amount,open_amount\n"
            "A,R1,invoice,2025-12-01,2026-01-15,14000000,14000000\n"  # current
            "B,R1,invoice,2025-12-01,2025-12-31,1000000,1000000\n"  # due today: current
            "C,R1,invoice,2025-11-15,2025-12-16,7000000,7000000\n"  # 15 days: 1-30
            "D,R1,invoice,2025-11-01,2025-12-01,500000,500000\n"  # 30 days: 1-30
            "E,R1,invoice,2025-10-15,2025-11-15,4000000,4000000\n"  # 46 days: 31-60
            "F,R1,invoice,2025-09-10,2025-10-10,2000000,2000000\n"  # 82 days: 61-90
            "G,R1,invoice,2025-09-02,2025-10-02,500000,500000\n"  # 90 days: 61-90
            "H,R1,invoice,2025-08-01,2025-09-01,1000000,1000000\n",  # 121 days: over 90
        },
    )
    summary, customers = run_analysis(
        tmp_path,
        """
[source]
kind = "files"
path = "data"

[analysis]
ageing_buckets = [30, 60, 90]
loss_rates = [0.003, 0.016, 0.036, 0.066, 0.106]
""",
    )
    assert summary["ageing"] == [
        {
            "bucket": "current",
            "open_amount": "15000000.00",
            "loss_rate": "0.003",
            "expected_credit_loss": "45000.00",
            "exposure": "15000000.00",
        },
        {
            "bucket": "1-30",
            "open_amount": "7500000.00",
            "loss_rate": "0.016",
            "expected_credit_loss": "120000.00",
            "exposure": "7500000.00",
        },
        {
            "bucket": "31-60",
            "open_amount": "4000000.00",
            "loss_rate": "0.036",
            "expected_credit_loss": "144000.00",
            "exposure": "4000000.00",
        },
        {
            "bucket": "61-90",
            "open_amount": "2500000.00",
            "loss_rate": "0.066",
            "expected_credit_loss": "165000.00",
            "exposure": "2500000.00",
        },
        {
            "bucket": "over 90",
            "open_amount": "1000000.00",
            "loss_rate": "0.106",
            "expected_credit_loss": "106000.00",
            "exposure": "1000000.00",
        },
    ]
    assert summary["totals"]["expected_credit_loss"] == "580000.00"
    assert customers[0]["expected_credit_loss"] == "580000.00"
    assert summary["loss_rates_source"] == "configured"
    assert summary["reconciliation"]["ties"] is True
