"""Files through the mapping: bad rows are quarantined with row number and reason; the rest lands."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ConfigError, ConnectorError, QueryError
from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitlens.sync import run_sync
from tests.cases import alpha


def sync_folder(folder: Path, store_path: Path, overrides: dict | None = None):  # type: ignore[no-untyped-def]
    with Store(store_path) as store:
        result = run_sync(FilesConnector(folder), load_mapping("files", overrides), store)
        quarantine = store.con.execute(
            "SELECT source_table, row_number, reason FROM quarantine WHERE run_id = ? ORDER BY row_number",
            [result.run_id],
        ).fetchall()
        documents = sorted(r[0] for r in store.con.execute("SELECT document_id FROM document").fetchall())
    return result, quarantine, documents


def test_malformed_rows_are_quarantined_with_row_and_reason_and_the_rest_lands(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    with open(folder / "documents.csv", "a", encoding="utf-8") as f:
        f.write("BAD1,C1,invoice,2026-02-30,10.00,,,,,,,,0\n")  # row 9: no such date
        f.write("BAD2,NOBODY,invoice,2026-02-01,10.00,,,,,,,,0\n")  # row 10: unknown customer
        f.write("BAD3,C1,invoice,2026-02-01,ten euros,,,,,,,,0\n")  # row 11: text in an amount
    result, quarantine, documents = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == [
        ("documents.csv", 9, "document_date: '2026-02-30' is not a date (use YYYY-MM-DD)"),
        ("documents.csv", 10, "unknown customer: customer_id 'NOBODY' is not in the customer table"),
        ("documents.csv", 11, "amount: 'ten euros': 'ten euros' is not a number (use '.' as the decimal separator)"),
    ]
    assert documents == ["CRM1", "INV1", "INV2", "INV3", "INV5", "PMT1", "RTN1"]
    assert result.rows_quarantined == 3
    assert result.streams["documents"].read == 10
    assert result.as_dict()["quarantined"] == {"document": 3}


def test_negative_amounts_and_unknown_document_types_are_refused(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    with open(folder / "documents.csv", "a", encoding="utf-8") as f:
        f.write("NEG,C1,invoice,2026-02-01,-10.00,,,,,,,,0\n")
        f.write("ODD,C1,pro forma,2026-02-01,10.00,,,,,,,,0\n")
    _, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    reasons = [r[2] for r in quarantine]
    assert reasons[0].startswith("amount: -10.00000 is negative; amounts are stored as issued")
    assert reasons[1].startswith("document_type: 'pro forma' is not one of: invoice, debit_memo")


def test_a_commission_rate_written_as_a_percentage_is_quarantined(tmp_path: Path) -> None:
    # Issue 20 (5): "5" meaning 5 % gave 500 % commissions.
    folder = alpha.write_files(tmp_path / "files")
    (folder / "salespeople.csv").write_text(
        "salesperson_id,name,commission_rate\nSP1,Sara Seller,5\nSP2,Sven Seller,1\nSP3,Siri Seller,1.5\n",
        encoding="utf-8",
    )
    result, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == [
        ("salespeople.csv", 2, "commission_rate: 5 is more than 1; a rate is a fraction (0.05 means 5 %)"),
        ("salespeople.csv", 4, "commission_rate: 1.5 is more than 1; a rate is a fraction (0.05 means 5 %)"),
    ]
    assert result.as_dict()["quarantined"] == {"salesperson": 2}  # 1 itself (100 %) is a rate; 1.5 is not


def test_a_bom_and_blank_lines_are_fine(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    text = (folder / "customers.csv").read_text(encoding="utf-8")
    (folder / "customers.csv").write_text("\ufeff" + text + "\n\n", encoding="utf-8")
    result, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == []
    assert result.landed["customer"] == 2


def test_excels_semicolon_csv_with_decimal_commas_reads_the_same_amounts(tmp_path: Path) -> None:
    # German, Spanish, Nordic Excel: "CSV (Trennzeichen-getrennt)" writes ';' and '1.234,56'.
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id;name\nC1;Müller GmbH\n", encoding="utf-8-sig")
    (folder / "documents.csv").write_text(
        "document_id;customer_id;document_type;document_date;amount\n"
        "D1;C1;invoice;2026-01-31;1.234,56\nD2;C1;payment;2026-02-15;-12,5\nD3;C1;invoice;2026-02-01;99\n",
        encoding="utf-8",
    )
    _, quarantine, documents = sync_folder(folder, tmp_path / "l.duckdb")
    assert [(t, n) for t, n, _ in quarantine] == [("documents.csv", 3)]
    assert "-12.50000 is negative" in quarantine[0][2]  # read as -12.5: refused for its sign, not its format
    assert documents == ["D1", "D3"]
    with Store(tmp_path / "l.duckdb") as store:
        amounts = store.con.execute("SELECT amount FROM document ORDER BY document_id").fetchall()
    assert [a for (a,) in amounts] == [Decimal("1234.56"), Decimal("99")]


def test_one_row_in_another_encoding_is_quarantined_alone(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    with open(folder / "customers.csv", "ab") as f:
        f.write("C9,Ærø Fisk\n".encode("cp1252"))
    result, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    # cp1252 "Æ" is not UTF-8: that row alone waits in quarantine, saying how to save the file.
    assert [(t, n) for t, n, _ in quarantine] == [("customers.csv", 4)]
    assert "not UTF-8 text (column name)" in quarantine[0][2] and "CSV UTF-8" in quarantine[0][2]
    assert result.landed["customer"] == 2


def test_a_workbook_can_stand_in_for_a_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").unlink()
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_id", "name", "credit_limit"])
    sheet.append(["C1", "Alpha GmbH", 5000.5])
    sheet.append(["C2", "Beta AB", None])
    book.save(folder / "customers.xlsx")
    result, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == [] and result.landed["customer"] == 2


def test_a_formula_excel_never_calculated_is_quarantined_not_read_as_empty(tmp_path: Path) -> None:
    # Issue 20 (5): a workbook written by a program that saves formulas without their values read as 0.
    from openpyxl import Workbook

    folder = alpha.write_files(tmp_path / "files")
    (folder / "employees.csv").unlink()
    book = Workbook()
    sheet = book.active
    sheet.append(["employee_id", "name", "department", "hourly_cost"])
    sheet.append(["E1", "Ola Support", "SUPPORT", 48])
    sheet.append(["E2", "Kari Service", "SERVICE", "=B9*1.1"])  # openpyxl saves no cached value
    book.save(folder / "employees.xlsx")
    result, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == [
        (
            "employees.xlsx",
            3,
            "hourly_cost: a formula whose value Excel never saved; open the workbook in Excel and save it again",
        )
    ]
    assert result.landed["employee"] == 1


def test_missing_required_file_names_it(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    (folder / "documents.csv").unlink()
    with pytest.raises(QueryError, match=r"has no documents\.csv"):
        FilesConnector(folder)


def test_a_field_can_be_pointed_at_another_column(tmp_path: Path) -> None:
    folder = alpha.write_files(tmp_path / "files")
    (folder / "customers.csv").write_text("customer_id,name,introduced_by\nC1,Alpha GmbH,\nC2,Beta AB,C1\n")
    with Store(tmp_path / "l.duckdb") as store:
        mapping = load_mapping("files", {"customer": {"referred_by": "introduced_by"}})
        run_sync(FilesConnector(folder), mapping, store)
        rows = store.con.execute("SELECT customer_id, referred_by FROM customer ORDER BY 1").fetchall()
    assert rows == [("C1", None), ("C2", "C1")]


def test_a_wrong_override_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"`source.mapping.customer.refered_by`.*not a field of customer"):
        load_mapping("files", {"customer": {"refered_by": "X"}})
    with pytest.raises(ConfigError, match=r"`source.mapping.customers`"):
        load_mapping("files", {"customers": {"name": "X"}})


# -- property: every row read either lands or is quarantined --------------------------------------

cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "1900-01-01",
            "2026-01-31",
            "9999-12-31",
            "-5",
            "1e400",
            "12,50",
            "=1+1",
            "C1",
            "invoice",
            "Credit Memo",
            "payment",
            "NaN",
            "0",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6).map(str),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["D1", "D2", "D3", "", " "]), st.sampled_from(["C1", "C2", "X", ""]), cell, cell, cell
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rows_in_equal_rows_landed_plus_quarantined(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    import csv

    folder = tmp_path_factory.mktemp("gen")
    (folder / "customers.csv").write_text("customer_id,name\nC1,Alpha\nC2,Beta\n", encoding="utf-8")
    with open(folder / "documents.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["document_id", "customer_id", "document_type", "document_date", "amount"])
        writer.writerows(rows)
    with Store(folder / "l.duckdb") as store:
        result = run_sync(FilesConnector(folder), load_mapping("files"), store)
        landed = store.count("document")
        quarantined = store.con.execute("SELECT count(*) FROM quarantine WHERE stream = 'documents'").fetchone()[0]
    read = result.streams["documents"].read
    blank = sum(1 for r in rows if not any(c.strip() for c in r))  # blank lines are not rows
    assert read == len(rows) - blank
    assert read == landed + quarantined


def german_documents(tmp_path: Path, amounts: list[str]) -> Path:
    """An export as Excel writes "CSV (Trennzeichen-getrennt)" under German regional settings: the list
    separator ';' and the decimal symbol ',' come from Windows' regional format (Microsoft Support, "Import
    or export text (.txt or .csv) files": Excel uses the list separator of the regional settings), with
    '.' as digit grouping where the cell's number format shows thousands."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id;name;credit_limit\nC1;Müller GmbH;25.000\n", encoding="utf-8")
    rows = "".join(f"D{i};C1;invoice;2026-01-31;{a}\n" for i, a in enumerate(amounts, start=1))
    (folder / "documents.csv").write_text(
        "document_id;customer_id;document_type;document_date;amount\n" + rows, encoding="utf-8"
    )
    return folder


def test_thousands_points_in_a_german_csv_are_thousands(tmp_path: Path) -> None:
    # Issue 20 (4): '1.234' and '12.500' landed as 1.234 and 12.5 (1,000 times too small), a 25.000
    # credit limit as 25. A decimal comma elsewhere in the file tells which mark is the decimal one.
    folder = german_documents(tmp_path, ["1.234", "12.500", "99,95", "1.234,56"])
    _, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == []
    with Store(tmp_path / "l.duckdb") as store:
        amounts = [a for (a,) in store.con.execute("SELECT amount FROM document ORDER BY document_id").fetchall()]
        (limit,) = store.con.execute("SELECT credit_limit FROM customer").fetchone()  # type: ignore[misc]
    assert amounts == [Decimal("1234"), Decimal("12500"), Decimal("99.95"), Decimal("1234.56")]
    # customers.csv has no fraction anywhere: the export's other file tells how Excel wrote '25.000'.
    assert limit == Decimal("25000")


def test_a_semicolon_csv_with_decimal_points_keeps_them(tmp_path: Path) -> None:
    folder = german_documents(tmp_path, ["12.50", "0.5", "1.234"])  # '12.50' cannot be a thousands point
    (folder / "customers.csv").write_text("customer_id;name;credit_limit\nC1;Müller GmbH;2500.00\n", encoding="utf-8")
    _, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == []
    with Store(tmp_path / "l.duckdb") as store:
        amounts = [a for (a,) in store.con.execute("SELECT amount FROM document ORDER BY document_id").fetchall()]
    assert amounts == [Decimal("12.5"), Decimal("0.5"), Decimal("1.234")]


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (["1.234", "12.500"], "customers.csv: '25.000' (line 2, credit_limit) could be a thousand times more or less"),
        (
            ["12,5", "12.50"],
            "the files mix decimal commas (documents.csv line 2, amount: '12,5') and decimal points "
            "(documents.csv line 3, amount: '12.50')",
        ),
    ],
    ids=["only thousands-like numbers", "both marks"],
)
def test_an_ambiguous_semicolon_csv_is_refused_until_the_mark_is_set(
    tmp_path: Path, amounts: list[str], message: str
) -> None:
    folder = german_documents(tmp_path, amounts)
    with pytest.raises(ConnectorError, match=re.escape(message)):
        sync_folder(folder, tmp_path / "l.duckdb")
    if len(amounts) == 2 and amounts[0] == "1.234":
        with Store(tmp_path / "set.duckdb") as store:
            run_sync(FilesConnector(folder, decimal=","), load_mapping("files"), store)
            got = [a for (a,) in store.con.execute("SELECT amount FROM document ORDER BY document_id").fetchall()]
        assert got == [Decimal("1234"), Decimal("12500")]


def test_a_comma_separated_file_keeps_its_decimal_points_whatever_the_setting(tmp_path: Path) -> None:
    # `[source] decimal` is for the files that are not comma-separated: in a comma-separated file a decimal
    # comma would have to be quoted, and its '.' is the decimal point (1.234 stays one point two three four).
    folder = alpha.write_files(tmp_path / "files")
    with open(folder / "documents.csv", "a", encoding="utf-8") as f:
        f.write("Q1,C1,invoice,2026-03-25,1.234,,,,,,,,0\n")
    with Store(tmp_path / "l.duckdb") as store:
        run_sync(FilesConnector(folder, decimal=","), load_mapping("files"), store)
        (amount,) = store.con.execute("SELECT amount FROM document WHERE document_id = 'Q1'").fetchone()  # type: ignore[misc]
    assert amount == Decimal("1.234")


def test_dates_written_as_plain_digits_land_as_dates(tmp_path: Path) -> None:
    # Some exports write 20260110 for 10 January 2026 (ISO 8601's basic format, which Python reads): every
    # date of alpha's documents so written lands as the same day, none quarantined, none left empty.
    folder = alpha.write_files(tmp_path / "files")
    text = (folder / "documents.csv").read_text(encoding="utf-8")
    (folder / "documents.csv").write_text(re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\1\2\3", text), encoding="utf-8")
    _, quarantine, _ = sync_folder(folder, tmp_path / "l.duckdb")
    assert quarantine == []
    with Store(tmp_path / "l.duckdb", read_only=True) as store:
        dates = store.con.execute(
            "SELECT document_id, document_date, due_date FROM document WHERE document_id IN ('INV1', 'PMT1') ORDER BY 1"
        ).fetchall()
    import datetime as dt

    assert dates == [("INV1", dt.date(2026, 1, 10), dt.date(2026, 2, 9)), ("PMT1", dt.date(2026, 2, 1), None)]


def test_a_missing_column_shows_the_first_row_whole_up_to_eight_columns() -> None:
    # The message quotes the file's first row: up to eight names whole, "…" only when there are more.
    from mappings.engine import check_header

    sm = load_mapping("files").streams["salespeople"]
    eight = ["a", "b", "c", "d", "e", "f", "g", "h"]
    with pytest.raises(QueryError) as whole:
        check_header(sm, "salespeople.csv", eight)
    assert "(its first row: a, b, c, d, e, f, g, h)" in str(whole.value)
    with pytest.raises(QueryError) as cut:
        check_header(sm, "salespeople.csv", [*eight, "i"])
    assert "(its first row: a, b, c, d, e, f, g, h, …)" in str(cut.value)
