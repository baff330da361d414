"""The names users build spreadsheets on (issue 3's output contract) stay as promised."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from profitlens.cli import main
from tests.cases import alpha

CUSTOMER_COLUMNS = [
    "customer_id",
    "name",
    "parent_id",
    "segment",
    "rank",
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "net_profit",
    "referral_value",
    "open_amount",
    "overdue_amount",
    "dso",
    "avg_days_to_pay",
    "risk_grade",
    "lifetime_value",
]
TOTALS = [
    "net_sales",
    "cost_of_goods",
    "gross_margin",
    "commissions",
    "labour_cost",
    "activity_cost",
    "financing_cost",
    "expected_credit_loss",
    "net_profit",
    "referral_value",
    "open_amount",
    "overdue_amount",
]


def test_customers_csv_and_summary_json_keep_their_names(tmp_path: Path) -> None:
    alpha.write_files(tmp_path / "data")
    config = tmp_path / "p.toml"
    config.write_text(
        '[source]\nkind = "files"\npath = "data"\n[costing.department_rates]\nSUPPORT = 50\n' + alpha.CONFIG_SECTIONS
    )
    assert main(["sync", "--config", str(config)]) == 0
    assert (
        main(
            [
                "analyze",
                "--config",
                str(config),
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    with open(tmp_path / "out" / "customers.csv", encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert set(CUSTOMER_COLUMNS) <= set(header)
    # The first ten columns are issue 2's promise, in its order.
    assert header[:10] == [
        "customer_id",
        "name",
        "net_sales",
        "cost_of_goods",
        "gross_margin",
        "commissions",
        "labour_cost",
        "net_profit",
        "open_amount",
        "overdue_amount",
    ]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert {
        "totals",
        "unused_capacity",
        "driver_rates",
        "ageing",
        "whale_curve",
        "watch_list",
        "reconciliation",
        "counts",
    } <= set(summary)
    assert set(TOTALS) <= set(summary["totals"])
    assert set(summary["unused_capacity"]["service"]) >= {"minutes", "cost"}
    assert set(summary["ageing"][0]) >= {"bucket", "open_amount", "expected_credit_loss"}
    assert set(summary["whale_curve"]) >= {"points", "peak_profit_share"}
