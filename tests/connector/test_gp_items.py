"""Product lines from GP: the item master (IV00101) and its classes (IV40400), read through real ODBC.

The two tables as a GP company database defines them (public DDL: IV00101.ITMCLSCD char(11), ITEMTYPE
smallint — 1 Sales Inventory, 2 Discontinued, 3 Kit, 4 Misc. Charges, 5 Services, 6 Flat Fee; IV40400
ITMCLSCD, ITMCLSDC char(31)); connector/gp_schema.tsv marks their columns "ddl".

The company, March 2026 (tax left out):
- K1: SOP invoice I1 (2 March): H-1 (HARDWARE) 2 × 100 = 200 at cost 120; S-1 (SERVICES, a service
  item) 1 × 300 at cost 100; KIT-9 (KITS) 1 × 150 at cost 90, whose component P-1 (2 × 45) GP keeps as a
  line with CMPNTSEQ 1 — never read (it would count the kit's cost twice). Net sales 650, cost 310.
- K2: SOP invoice I2 (5 March): H-1 1 × 100 at cost 60; SOP return R1 (10 March): H-1 1 × 100 at cost 60
  returned. Net sales 0, cost 0.
Per product line:
  HARDWARE: 200 + 100 − 100 = 200.00, cost 120 + 60 − 60 = 120.00, margin 80.00 (40 %), returns 100.00,
            2 customers, K1 (200) before K2 (0);
  SERVICES: 300.00, cost 100.00, margin 200.00, 1 customer;
  KITS:     150.00, cost 90.00, margin 60.00, 1 customer.
The three add up to the customers' 650.00 and 310.00: no "(not on lines)" row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal as D
from pathlib import Path

from connector.gp_sql import GpSqlConnector, odbc_connection
from connector.sample.gp_db import create_tables, insert_rows
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 3, 31))


def gp_database(path: Path) -> Path:
    con = sqlite3.connect(path)
    create_tables(con)
    insert_rows(
        con, "RM00101", ("CUSTNMBR", "CUSTNAME", "CURNCYID"), [("K1", "Kappa One", "EUR"), ("K2", "Kappa Two", "EUR")]
    )
    insert_rows(
        con,
        "IV40400",
        ("ITMCLSCD", "ITMCLSDC", "ITEMTYPE"),
        [("HARDWARE", "Hardware", 1), ("SERVICES", "Services", 5), ("KITS", "Kits and bundles", 3)],
    )
    insert_rows(
        con,
        "IV00101",
        ("ITEMNMBR", "ITEMDESC", "ITEMTYPE", "ITMCLSCD", "DEX_ROW_TS"),
        [
            ("H-1", "Router", 1, "HARDWARE", dt.date(2026, 1, 1)),
            ("S-1", "Installation", 5, "SERVICES", dt.date(2026, 1, 1)),
            ("KIT-9", "Starter kit", 3, "KITS", dt.date(2026, 1, 1)),
            ("P-1", "Cable", 2, "HARDWARE", dt.date(2026, 1, 1)),
        ],
    )
    documents = [  # (customer, number, RMDTYPAL, SOPTYPE, date, sales, cost)
        ("K1", "I1", 1, 3, dt.date(2026, 3, 2), D("650"), D("310")),
        ("K2", "I2", 1, 3, dt.date(2026, 3, 5), D("100"), D("60")),
        ("K2", "R1", 8, 4, dt.date(2026, 3, 10), D("100"), D("60")),
    ]
    insert_rows(
        con,
        "RM20101",
        (
            "CUSTNMBR",
            "DOCNUMBR",
            "RMDTYPAL",
            "DOCDATE",
            "DUEDATE",
            "ORTRXAMT",
            "CURTRXAM",
            "SLSAMNT",
            "COSTAMNT",
            "CURNCYID",
            "DEX_ROW_TS",
        ),
        [(c, n, rm, day, day, sales, sales, sales, cost, "EUR", day) for c, n, rm, _, day, sales, cost in documents],
    )
    insert_rows(
        con,
        "SOP30200",
        ("SOPTYPE", "SOPNUMBE", "CUSTNMBR", "DOCDATE", "DEX_ROW_TS"),
        [(sop, n, c, day, day) for c, n, _, sop, day, _, _ in documents],
    )
    lines = [  # (SOPTYPE, number, sequence, component sequence, item, quantity, price, cost)
        (3, "I1", 16384, 0, "H-1", D(2), D(100), D(60)),
        (3, "I1", 32768, 0, "S-1", D(1), D(300), D(100)),
        (3, "I1", 49152, 0, "KIT-9", D(1), D(150), D(90)),
        (3, "I1", 49152, 1, "P-1", D(2), D(0), D(45)),  # the kit's component: not a line of its own
        (3, "I2", 16384, 0, "H-1", D(1), D(100), D(60)),
        (4, "R1", 16384, 0, "H-1", D(1), D(100), D(60)),
    ]
    insert_rows(
        con,
        "SOP30300",
        (
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
            "DEX_ROW_TS",
        ),
        [(t, n, s, c, i, q, p, q * p, u, q * u, dt.date(2026, 3, 1)) for t, n, s, c, i, q, p, u in lines],
    )
    con.commit()
    con.close()
    return path


def test_product_lines_from_the_gp_item_master(tmp_path: Path) -> None:
    db = gp_database(tmp_path / "gp.sqlite")
    with Store(tmp_path / "l.duckdb") as store:
        result = run_sync(
            GpSqlConnector(odbc_connection(f"DRIVER={{SQLite3}};Database={db}")), load_mapping("gp-sql"), store
        )
        assert result.rows_quarantined == 0 and result.landed["item"] == 4
        items = {
            row[0]: row[1:]
            for row in store.con.execute(
                "SELECT item_id, description, item_class, class_description, item_type FROM item"
            ).fetchall()
        }
        analysis = analyze(store.con, MARCH)
    assert items["KIT-9"] == ("Starter kit", "KITS", "Kits and bundles", "kit")
    assert items["S-1"] == ("Installation", "SERVICES", "Services", "service")
    assert items["P-1"][3] == "discontinued"
    lines = [
        (
            g["key"],
            g["description"],
            g["net_sales"],
            g["cost_of_goods"],
            g["gross_margin"],
            g["returns"],
            g["customers"],
            g["top_customers"],
        )
        for g in analysis.groups["item_class"]
    ]
    assert lines == [
        ("SERVICES", "Services", D("300"), D("100"), D("200"), D("0"), 1, "K1"),
        ("HARDWARE", "Hardware", D("200"), D("120"), D("80"), D("100"), 2, "K1 K2"),
        ("KITS", "Kits and bundles", D("150"), D("90"), D("60"), D("0"), 1, "K1"),
    ]
    hardware = analysis.groups["item_class"][1]
    assert hardware["gross_margin_share"] == D("0.4")
    # Per item too (dimension "item"): its description from the item master; P-1, the kit's component, is no line.
    items = [
        (g["key"], g["description"], g["net_sales"], g["cost_of_goods"], g["returns"], g["customers"])
        for g in analysis.groups["item"]
    ]
    assert items == [
        ("S-1", "Installation", D("300"), D("100"), D("0"), 1),
        ("H-1", "Router", D("200"), D("120"), D("100"), 2),
        ("KIT-9", "Starter kit", D("150"), D("90"), D("0"), 1),
    ]
    # The product lines add up to the customers' totals.
    assert sum(g["net_sales"] for g in analysis.groups["item_class"]) == analysis.totals["net_sales"] == D("650")
    assert sum(g["cost_of_goods"] for g in analysis.groups["item_class"]) == analysis.totals["cost_of_goods"]


def test_summary_json_lists_the_product_lines(tmp_path: Path) -> None:
    from reports.outputs import summary

    db = gp_database(tmp_path / "gp.sqlite")
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(odbc_connection(f"DRIVER={{SQLite3}};Database={db}")), load_mapping("gp-sql"), store)
        analysis = analyze(store.con, MARCH)
    lines = summary(analysis, None, "Kappa AG", "EUR")["product_lines"]
    assert lines[1] == {
        "item_class": "HARDWARE",
        "description": "Hardware",
        "net_sales": "200.00",
        "cost_of_goods": "120.00",
        "gross_margin": "80.00",
        "returns": "100.00",
        "gross_margin_share": "0.4000",
        "customers": 2,
        "top_customers": ["K1", "K2"],
    }


def test_a_store_made_before_the_item_master_is_analysed_as_it_is(tmp_path: Path) -> None:
    # A store synced by an earlier profitlens has no `item` table, and analyze and report open it read-only
    # (they cannot add one): the lines' own classes stand, the items' are unknown until the next sync.
    db = gp_database(tmp_path / "gp.sqlite")
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(odbc_connection(f"DRIVER={{SQLite3}};Database={db}")), load_mapping("gp-sql"), store)
        store.con.execute("DROP TABLE item")
    with Store(tmp_path / "l.duckdb", read_only=True) as store:
        analysis = analyze(store.con, MARCH)
        assert analysis.totals["net_sales"] == D("650")
        assert [g["key"] for g in analysis.groups["item_class"]] == ["unclassified"]
        from profitability.product_line import item_classes

        assert item_classes(store.con) == []
