"""Several companies analysed together: a company column, a consolidated view, one atomic sync."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ledger.store import Store
from profitlens.cli import main
from tests.cases import alpha

CONFIG = (
    """
[company]
name = "Alpha Group"
currency = "EUR"

[[sources]]
company = "DE"
kind = "files"
path = "de"

[[sources]]
company = "SE"
kind = "files"
path = "se"
currency = "SEK"
exchange_rate = 0.1      # 1 SEK = 0.10 EUR
"""
    + alpha.CONFIG_SECTIONS
)


def test_two_companies_with_the_same_customer_ids_consolidate(tmp_path: Path) -> None:
    alpha.write_files(tmp_path / "de")
    alpha.write_files(tmp_path / "se")  # the same ids (C1, C2) in another company: no collision
    config = tmp_path / "group.toml"
    config.write_text(CONFIG)
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
        rows = {(r["company"], r["customer_id"]): r for r in csv.DictReader(f)}
    assert set(rows) == {("DE", "C1"), ("DE", "C2"), ("SE", "C1"), ("SE", "C2")}
    assert rows[("DE", "C1")]["net_profit"] == "-131.31"
    # SE's ledger amounts are SEK × 0.1; activity costs are priced in the group's currency (EUR):
    # 22 + 5 other income − 4 − 24 − 48 − 2.03633 financing − 5.2945 credit loss = −56.33083
    assert rows[("SE", "C1")]["net_sales"] == "70.00"
    assert rows[("SE", "C1")]["net_profit"] == "-56.33"
    assert rows[("SE", "C1")]["referral_value"] == "0.40"  # 10 % of SE C2's 4.00 margin, same company only
    # Hours are hours in every currency: the exchange rate prices SE's labour cost, not its hours.
    assert rows[("SE", "C1")]["labour_hours"] == rows[("DE", "C1")]["labour_hours"] != "0.00"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["totals"]["net_sales"] == "880.00"  # 800 + 80
    companies = {c["company"]: c for c in summary["companies"]}
    assert (companies["DE"]["net_sales"], companies["SE"]["net_sales"]) == ("800.00", "80.00")


def test_a_failure_in_one_company_leaves_every_company_as_it_was(tmp_path: Path) -> None:
    alpha.write_files(tmp_path / "de")
    alpha.write_files(tmp_path / "se")
    config = tmp_path / "group.toml"
    config.write_text(CONFIG)
    assert main(["sync", "--config", str(config)]) == 0
    with Store(tmp_path / "profitlens.duckdb", read_only=True) as store:
        before = store.con.execute("SELECT company, count(*) FROM document GROUP BY 1 ORDER BY 1").fetchall()
    # DE changes, then SE's export turns out not to be UTF-8: neither company may change.
    with open(tmp_path / "de" / "documents.csv", "a", encoding="utf-8") as f:
        f.write("INV9,C1,invoice,2026-03-30,10,,,10,,,,,0\n")
    (tmp_path / "se" / "documents.csv").write_bytes(b"document_id,customer_id,d\xf6kument\nX,C1,\xff\xfe\n")
    assert main(["sync", "--config", str(config)]) == 1
    with Store(tmp_path / "profitlens.duckdb", read_only=True) as store:
        after = store.con.execute("SELECT company, count(*) FROM document GROUP BY 1 ORDER BY 1").fetchall()
    assert after == before == [("DE", 7), ("SE", 7)]


def test_several_sources_need_distinct_company_names(tmp_path: Path) -> None:
    config = tmp_path / "group.toml"
    config.write_text('[[sources]]\nkind = "files"\npath = "a"\n[[sources]]\nkind = "files"\npath = "b"\n')
    assert main(["sync", "--config", str(config)]) == 1
