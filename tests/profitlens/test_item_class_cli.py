"""`analyze --item-class` and `report --item-class`: one product line's gross margin by customer.

The GP company of tests/connector/test_gp_items.py (worked there), March 2026. HARDWARE: K1 200.00 at cost
120.00 (margin 80.00, 40 %); K2 100.00 − 100.00 returned = 0.00 at cost 0.00, 100.00 of returns. Best
gross margin first: K1, then K2. Total 200.00, cost 120.00, margin 80.00. The customer-level costs are
left out and the outputs say so. An unknown class is one line naming the classes the ledger has.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from profitlens.cli import main
from tests.connector.test_gp_items import gp_database


def config(tmp_path: Path) -> Path:
    db = gp_database(tmp_path / "gp.sqlite")
    path = tmp_path / "profitlens.toml"
    path.write_text(
        f'[company]\nname = "Kappa AG"\ncurrency = "EUR"\n[source]\nkind = "gp-sql"\npath = "{db}"\n'
        f'[store]\npath = "{tmp_path / "l.duckdb"}"\n'
    )
    assert main(["sync", "--config", str(path)]) == 0
    return path


def test_analyze_one_product_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path)
    period = ["--from", "2026-03-01", "--to", "2026-03-31"]
    assert (
        main(["analyze", "--config", str(path), *period, "--item-class", "HARDWARE", "--out", str(tmp_path / "a")]) == 0
    )
    assert (tmp_path / "a" / "product_line.csv").read_text().splitlines() == [
        "company,customer_id,name,item_class,net_sales,cost_of_goods,gross_margin,gross_margin_share,returns",
        ",K1,Kappa One,HARDWARE,200.00,120.00,80.00,0.4000,0.00",
        ",K2,Kappa Two,HARDWARE,0.00,0.00,0.00,,100.00",
    ]
    err = capsys.readouterr().err
    assert "product line HARDWARE (Hardware): 2 customers, net sales 200.00 EUR, gross margin 80.00 EUR" in err
    assert "customer-level costs: left out" in err


def test_report_one_product_line_says_what_is_left_out(tmp_path: Path) -> None:
    path = config(tmp_path)
    out = tmp_path / "r"
    args = ["report", "--config", str(path), "--from", "2026-03-01", "--to", "2026-03-31", "--lang", "de"]
    assert main([*args, "--item-class", "HARDWARE", "--format", "pdf,html,csv", "--out", str(out)]) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(out / "product_line.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Produktlinie: Hardware HARDWARE" in flat
    assert "Provisionen, Arbeit, Aktivitätskosten, Finanzierung und Forderungsausfall sind Kosten des Kunden" in flat
    assert "Kappa One K1 200,00 € 120,00 € 80,00 € 40,0 %" in flat
    assert "Kappa Two K2 0,00 € 0,00 € 0,00 € – 100,00 €" in flat
    assert "Summe 200,00 € 120,00 € 80,00 € 40,0 % 100,00 €" in flat
    assert (out / "product_line.html").exists() and (out / "product_line.csv").exists()


def test_an_unknown_item_class_names_the_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path)
    args = ["analyze", "--config", str(path), "--from", "2026-03-01", "--to", "2026-03-31"]
    assert main([*args, "--item-class", "GADGETS", "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert "no sales line of item class 'GADGETS'" in err and "HARDWARE, KITS, SERVICES" in err
    assert "Traceback" not in err
