"""The ledger-as-files connector when the export misbehaves under it (issue 20)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from common.errors import ConnectorError, ProfitlensError, StoreError
from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.cases import alpha
from tests.profitlens.test_incremental import ledger


class VanishingFile(FilesConnector):
    """documents.csv is renamed away after its fingerprint was taken, before it is read."""

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[Any]:
        if stream == "documents":
            (self.folder / "documents.csv").rename(self.folder / "documents.csv.moving")
        yield from super().read(stream, columns, since)


def test_a_file_that_vanishes_during_the_sync_stops_it_and_the_ledger_stays(tmp_path: Path) -> None:
    # Issue 20 (2): it was read as empty: exit 0, "10 removed", and "unchanged" when it came back.
    data = tmp_path / "data"
    alpha.write_files(data)
    (data / "documents.csv").write_text(
        (data / "documents.csv").read_text(encoding="utf-8")
        + "INV9,C2,invoice,2026-03-25,11.90,,11.90,10,6,,1.90,,0\n",
        encoding="utf-8",
    )  # changed since the last sync, so it is read again
    with Store(tmp_path / "ledger.duckdb") as store:
        alpha_files = tmp_path / "first"
        alpha.write_files(alpha_files)
        run_sync(FilesConnector(alpha_files), load_mapping("files"), store)
        before = ledger(store)
        with pytest.raises(ConnectorError, match=r"documents\.csv was in .* when the sync began and is gone now"):
            run_sync(VanishingFile(data), load_mapping("files"), store)
        assert ledger(store) == before
        (data / "documents.csv.moving").rename(data / "documents.csv")  # the export finishes
        result = run_sync(FilesConnector(data), load_mapping("files"), store)
        assert result.changed["document"] == 1  # INV9, not "unchanged"
        assert result.removed["document"] == 0


def synced(tmp_path: Path) -> tuple[Path, Store]:
    """The hand-worked company synced from its files; the files stay for the test to break."""
    data = tmp_path / "data"
    alpha.write_files(data)
    store = Store(tmp_path / "ledger.duckdb")
    run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=Decimal("0.2"))
    return data, store


CUSTOMERS = "customer_id,name,salesperson_id,currency,referred_by,credit_limit\n"
ROWS = "C1,Alpha GmbH,SP1,EUR,,5000\nC2,Beta AB,SP1,SEK,C1,\n"


# Issue 20 (3): each of these landed with exit 0, the customers removed while their documents stayed.
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "customers.csv is empty: not even a first row naming the columns"),
        (CUSTOMERS.encode(), "the source no longer has 2 of the 2 customer rows in the ledger (customers.csv)"),
        (
            (CUSTOMERS.replace("customer_id", "Customer ID") + ROWS).encode(),
            "customers.csv has no column customer_id (its first row: Customer ID, name, salesperson_id",
        ),
        (
            (CUSTOMERS + "C1,Alpha GmbH,SP1,EUR,,5000\n").encode(),  # C2 deleted, its invoice INV5 still there
            "the source no longer has 1 of the 2 customer rows in the ledger (customers.csv); more than 20%",
        ),
    ],
    ids=["zero bytes", "header only", "renamed header", "a customer gone, its documents not"],
)
def test_a_broken_customers_file_stops_the_sync_and_the_ledger_stays(
    tmp_path: Path, content: bytes, message: str
) -> None:
    data, store = synced(tmp_path)
    with store:
        before = ledger(store)
        (data / "customers.csv").write_bytes(content)
        with pytest.raises(ProfitlensError, match=re.escape(message)):
            run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=Decimal("0.2"))
        assert ledger(store) == before


def test_a_customer_gone_while_its_documents_stay_is_refused_even_when_removals_are_accepted(tmp_path: Path) -> None:
    data, store = synced(tmp_path)
    with store:
        before = ledger(store)
        (data / "customers.csv").write_text(CUSTOMERS + "C1,Alpha GmbH,SP1,EUR,,5000\n", encoding="utf-8")
        with pytest.raises(StoreError, match=r"1 document rows in the ledger \(documents.csv\) would name a customer"):
            run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=None)
        assert ledger(store) == before
        # Gone with its documents (and their lines and applications: none for INV5), it is a removal.
        documents = data / "documents.csv"
        kept = [r for r in documents.read_text(encoding="utf-8").splitlines() if ",C2," not in r]
        documents.write_text("\n".join(kept) + "\n", encoding="utf-8")
        result = run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=None)
        assert (result.removed["customer"], result.removed["document"]) == (1, 1)


def test_a_malformed_customer_row_is_quarantined_and_its_last_good_version_kept(tmp_path: Path) -> None:
    data, store = synced(tmp_path)
    with store:
        before = ledger(store)
        (data / "customers.csv").write_text(CUSTOMERS + ROWS.replace("Beta AB", ""), encoding="utf-8")
        result = run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=Decimal("0.2"))
        assert result.rows_quarantined == 1
        assert result.removed["customer"] == 0
        names = store.con.execute("SELECT customer_id, name FROM customer ORDER BY 1").fetchall()
        assert names == [("C1", "Alpha GmbH"), ("C2", "Beta AB")]  # C2 as it was before the bad export
        assert before["document"] == ledger(store)["document"]


@pytest.mark.parametrize(
    "text",
    [
        "sep=,\n" + CUSTOMERS + ROWS,  # Excel's hint line
        (CUSTOMERS + ROWS).replace(",", "\t"),  # Excel's "Text (Tab delimited)"
    ],
    ids=["sep= line", "tab-separated"],
)
def test_excel_dialects_of_the_customers_file_read_as_the_plain_one(tmp_path: Path, text: str) -> None:
    data, store = synced(tmp_path)
    with store:
        before = ledger(store, with_run_id=False)
        (data / "customers.csv").write_text(text, encoding="utf-8")
        result = run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=Decimal("0.2"))
        assert result.rows_quarantined == 0
        assert result.changed["customer"] == 0  # the same customers, read from the other dialect
        assert ledger(store, with_run_id=False) == before


def test_two_columns_of_the_same_name_are_refused(tmp_path: Path) -> None:
    data, store = synced(tmp_path)
    with store:
        (data / "customers.csv").write_text(
            CUSTOMERS.replace("credit_limit", "name") + ROWS, encoding="utf-8"
        )  # the later column would silently win
        with pytest.raises(ConnectorError, match=r"customers\.csv has two columns named 'name'"):
            run_sync(FilesConnector(data), load_mapping("files"), store)


def test_a_stray_quote_that_runs_past_the_field_limit_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    # Issue 20 (5): a `"` that never closes swallowed the rest of the file and raised csv.Error.
    data, store = synced(tmp_path)
    with store:
        before = ledger(store)
        filler = "".join(f"C{i},Customer {i} with a long name {'x' * 200},SP1,EUR,,\n" for i in range(3, 800))
        (data / "customers.csv").write_text(CUSTOMERS + 'C1,"Alpha GmbH,SP1,EUR,,5000\n' + filler, encoding="utf-8")
        with pytest.raises(ConnectorError, match=r"customers\.csv cannot be read past line \d+: field larger than"):
            run_sync(FilesConnector(data), load_mapping("files"), store, max_removed_share=Decimal("0.2"))
        assert ledger(store) == before


def test_a_stray_quote_that_closes_later_stops_the_sync_naming_the_lines(tmp_path: Path) -> None:
    # Issue 20 (5): the good row after a stray quote was swallowed and quarantined as "control characters".
    data, store = synced(tmp_path)
    with store:
        before = ledger(store)
        (data / "customers.csv").write_text(
            CUSTOMERS + 'C1,"Alpha GmbH,SP1,EUR,,5000\nC2,Beta AB",SP1,SEK,C1,\nC3,Gamma Oy,SP1,EUR,,\n',
            encoding="utf-8",
        )
        with pytest.raises(ConnectorError, match=r"customers\.csv: lines 2–3 were read as one row: a double quote"):
            run_sync(FilesConnector(data), load_mapping("files"), store)
        assert ledger(store) == before


def test_a_quoted_line_break_in_a_name_quarantines_that_row_alone(tmp_path: Path) -> None:
    data, store = synced(tmp_path)
    with store:
        (data / "customers.csv").write_text(
            CUSTOMERS + 'C1,"Alpha\nGmbH",SP1,EUR,,5000\n' + ROWS.splitlines()[1] + "\n", encoding="utf-8"
        )
        result = run_sync(FilesConnector(data), load_mapping("files"), store)
        rows = store.con.execute(
            "SELECT row_number, reason FROM quarantine WHERE run_id = ?", [result.run_id]
        ).fetchall()
        assert [n for n, _ in rows] == [2] and "control" in rows[0][1]  # the row alone, not the file


def test_items_csv_gives_the_lines_their_product_line(tmp_path: Path) -> None:
    # items.csv names each item's class; the lines name only the item. F1-1: T-1 (TOOLS, "Hand tools") 2 × 50
    # = 100.00 at cost 60.00; S-1 (SERVICE, "Service") 1 × 80.00 at cost 20.00; a line of its own class
    # (PARTS) keeps it although its item says TOOLS. Per product line: SERVICE 80 / 20, TOOLS 100 / 60,
    # PARTS 30 / 10 — largest net sales first.
    import datetime as dt
    from decimal import Decimal

    from tests.cases.files import analyse_tables

    tables = {
        "customers.csv": "customer_id,name\nF1,Phi One\n",
        "items.csv": "item_id,description,item_class,class_description,item_type\n"
        "T-1,Hammer,TOOLS,Hand tools,sales_inventory\nS-1,Set-up,SERVICE,Service,service\n",
        "documents.csv": "document_id,customer_id,document_type,document_date,amount,sales_amount\n"
        "F1-1,F1,invoice,2026-03-02,210.00,210.00\n",
        "document_lines.csv": "document_id,line_no,item_id,item_class,quantity,unit_price,extended_price,unit_cost,extended_cost\n"
        "F1-1,1,T-1,,2,50.00,100.00,30.00,60.00\nF1-1,2,S-1,,1,80.00,80.00,20.00,20.00\n"
        "F1-1,3,T-1,PARTS,1,30.00,30.00,10.00,10.00\n",
    }
    result = analyse_tables(tmp_path, tables, (dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    lines = [(g["key"], g["description"], g["net_sales"], g["cost_of_goods"]) for g in result.groups["item_class"]]
    # The document's 210.00 and its lines' cost 90.00 are all on lines: no "(not on lines)" row.
    assert lines == [
        ("TOOLS", "Hand tools", Decimal("100.00"), Decimal("60.00")),
        ("SERVICE", "Service", Decimal("80.00"), Decimal("20.00")),
        ("PARTS", None, Decimal("30.00"), Decimal("10.00")),
    ]
