"""The prospect estimate: from the customers most like the prospect."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from profitlens.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    # Class A in territory N earns 10 %, 20 % and 30 % net (sales 1,000, cost 900 / 800 / 700, nothing else);
    # A2 is in another territory; B1 is another class (50 %).
    (data / "customers.csv").write_text(
        "customer_id,name,customer_class,territory\nA1,a1,A,N\nA2,a2,A,S\nA3,a3,A,N\nA4,a4,A,N\nB1,b1,B,N\n"
    )
    (data / "documents.csv").write_text(
        "document_id,customer_id,document_type,document_date,amount,sales_amount,cost_amount\n"
        "I1,A1,invoice,2025-03-01,1000,1000,900\nI2,A2,invoice,2025-03-01,1000,1000,950\n"
        "I3,A3,invoice,2025-03-01,1000,1000,800\nI4,A4,invoice,2025-03-01,1000,1000,700\n"
        "I5,B1,invoice,2025-03-01,1000,1000,500\n"
    )
    path = tmp_path / "profitlens.toml"
    path.write_text(
        '[source]\nkind = "files"\npath = "data"\n[analysis]\ncost_of_capital = 0\nloss_rates = [0, 0, 0, 0, 0, 0]\n'
    )
    assert main(["sync", "--config", str(path)]) == 0
    return path


def test_estimate_learns_from_the_most_similar_customers(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "estimate",
                "--config",
                str(config),
                "--from",
                "2025-01-01",
                "--to",
                "2025-12-31",
                "--class",
                "A",
                "--territory",
                "N",
                "--sales",
                "2000",
                "--peers",
                "3",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    # Peers: A1, A3, A4 (same class and territory). Median net margin 20 % → 2,000 × 20 % = 400;
    # quartiles 15 % and 25 % → 300 and 500.
    assert sorted(result["peers"]) == ["A1", "A3", "A4"]
    assert (result["net_profit"], result["net_profit_low"], result["net_profit_high"]) == ("400.00", "300.00", "500.00")
    assert Decimal(result["net_margin"]) == Decimal("0.2")


def test_estimate_refuses_a_sales_figure_that_is_not_a_number(config: Path) -> None:
    assert (
        main(["estimate", "--config", str(config), "--from", "2025-01-01", "--to", "2025-12-31", "--sales", "viel"])
        == 1
    )


def test_estimate_names_the_classes_and_territories_the_company_has(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A class the company does not have would silently match nobody; the classes here are A and B.
    args = ["estimate", "--config", str(config), "--from", "2025-01-01", "--to", "2025-12-31", "--sales", "2000"]
    assert main([*args, "--class", "Z"]) == 1
    assert "'Z' is not one of the company's: A, B" in capsys.readouterr().err
    assert main([*args, "--territory", "W"]) == 1
    assert "'W' is not one of the company's: N, S" in capsys.readouterr().err
    assert main([*args, "--class", "A"]) == 0
    out = capsys.readouterr().out
    assert "a1 (A1)" in out and "400 EUR" in out and "400.00" not in out  # whole units, peers by name
