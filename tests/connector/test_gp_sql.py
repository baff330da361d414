"""The GP SQL connector against a GP-shaped database: stdlib sqlite3 and real ODBC (pyodbc + SQLite ODBC)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
import threading
import time
from decimal import Decimal
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from common.errors import ConnectorError, QueryError
from connector.gp_sql import GpSqlConnector, sqlite_connection
from connector.gp_streams import CURSOR, STREAMS, build_query
from mappings.engine import load_mapping
from tests.cases import alpha

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "dynamics-gp" / "tables.tsv"


def odbc_factory(path: Path) -> Any:
    import pyodbc  # a missing unixODBC must fail these tests, not skip them

    def connect() -> Any:
        return pyodbc.connect(f"DRIVER={{SQLite3}};Database={path}", autocommit=True)

    return connect


@pytest.fixture
def alpha_db(tmp_path: Path) -> Path:
    return alpha.write_gp_database(tmp_path / "alpha.sqlite")


def read_all(connector: GpSqlConnector, stream: str) -> list[dict[str, Any]]:
    mapping = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
    columns = mapping.streams[stream].columns()
    return [row.values for chunk in connector.read(stream, columns) for row in chunk]


def test_every_query_parses_as_tsql_and_names_only_real_gp_columns() -> None:
    # Each stream's query, as SQL Server would parse it: every table it reads is a GP table, every column
    # it names (selected, joined, filtered, ordered) is a column of that table in the real GP schema
    # (connector/gp_schema.tsv, from a GP database), and it returns exactly the columns the mapping asked
    # for, in order, plus the cursor where the stream has one.
    from connector.gp_values import gp_schema

    # GP's names are mixed case (PAQtyQ) and SQL Server compares them without case.
    schema = {table.upper(): {c.upper() for c in columns} for table, columns in gp_schema().items()}
    mapping = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
    for name, stream in STREAMS.items():
        asked = mapping.streams[name].columns()
        sql, names, _ = build_query(stream, asked)
        # T-SQL has no `?` placeholders in sqlglot's grammar; pyodbc sends them as-is, so parse with @p.
        parsed = sqlglot.parse_one(sql.replace("?", "@p"), read="tsql")
        selects = list(parsed.find_all(sqlglot.exp.Select))
        assert selects, name
        aliases = {t.alias_or_name: t.name.upper() for t in parsed.find_all(sqlglot.exp.Table)}
        assert aliases and all(table in schema for table in aliases.values()), (name, aliases)
        for column in parsed.find_all(sqlglot.exp.Column):
            table = aliases.get(column.table) if column.table else None
            if table is not None:
                assert column.name.upper() in schema[table], (name, f"{table}.{column.name}")
        assert [n for n in names if n != "PL_CURSOR"] == [c for c in asked if c != "PL_CURSOR"], name


def test_configured_column_names_never_reach_the_sql_unchecked() -> None:
    with pytest.raises(QueryError, match="RM00101; DROP TABLE x"):
        build_query(STREAMS["customers"], ["CUSTNMBR", "RM00101; DROP TABLE x"])
    with pytest.raises(QueryError, match="not a column of RM00101"):
        build_query(STREAMS["customers"], ["NOSUCHCOLUMN"])


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared GP reference is not beside this checkout")
def test_every_column_read_exists_in_a_real_gp_database() -> None:
    real: dict[str, set[str]] = {}
    with open(REFERENCE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            real.setdefault(row["table"], set()).add(row["column"])
    mapping = load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}})
    for name, stream in STREAMS.items():
        if any(t not in real for t, _ in stream.tables):
            continue  # Project Accounting tables are not in the reference (types assumed)
        _, names, _ = build_query(stream, mapping.streams[name].columns())
        # The change cursor (DEX_ROW_TS) must exist on the very table it is read from: it is
        # missing on several GP tables (RM20201, RM30201, UPR30300...).
        aliases = {alias: table for table, alias in stream.tables}
        cursor_columns = [(aliases[a], c) for a, c in re.findall(r"\b(\w)\.(\w+)", stream.cursor or "")]
        for column in names:
            if column == CURSOR:
                continue
            assert any(column in real[t] for t, _ in stream.tables), (name, column)
        for table, column in cursor_columns:
            assert column in real[table], (name, table, column)


@pytest.mark.odbc
def test_odbc_and_sqlite3_read_the_same_exact_values(alpha_db: Path) -> None:
    via_odbc = GpSqlConnector(odbc_factory(alpha_db))
    via_sqlite = GpSqlConnector(sqlite_connection(str(alpha_db)))
    for stream in STREAMS:
        assert read_all(via_odbc, stream) == read_all(via_sqlite, stream), stream


@pytest.mark.odbc
def test_odbc_values_arrive_trimmed_exact_and_dated(alpha_db: Path) -> None:
    rows = {r["DOCNUMBR"]: r for r in read_all(GpSqlConnector(odbc_factory(alpha_db)), "receivables_open")}
    inv1 = rows["INV1"]
    assert inv1["CUSTNMBR"] == "C1"  # char(15) padding removed
    assert inv1["ORTRXAMT"] == Decimal("1249.5")  # float from the driver, exact Decimal here
    assert isinstance(inv1["ORTRXAMT"], Decimal)
    assert inv1["DOCDATE"] == dt.date(2026, 1, 10)
    assert inv1["DINVPDOF"] is None  # 1900-01-01 means "no date"


@pytest.mark.odbc
def test_kit_components_and_voided_sales_documents_are_not_read(alpha_db: Path) -> None:
    lines = read_all(GpSqlConnector(odbc_factory(alpha_db)), "sales_lines")
    assert sorted((r["SOPNUMBE"], r["ITEMNMBR"]) for r in lines) == [
        ("INV1", "A-100"),
        ("INV1", "KIT-1"),
        ("RTN1", "KIT-1"),
    ]


def test_history_from_limits_history_tables_with_a_parameter(alpha_db: Path) -> None:
    connector = GpSqlConnector(sqlite_connection(str(alpha_db)), history_from=dt.date(2026, 2, 10))
    numbers = {r["DOCNUMBR"] for r in read_all(connector, "receivables_history")}
    assert numbers == {"CRM1", "INV2"}  # PMT1 (2026-02-01) is older


def test_fetches_in_chunks(alpha_db: Path) -> None:
    connector = GpSqlConnector(sqlite_connection(str(alpha_db)), chunk_rows=2)
    mapping = load_mapping("gp-sql")
    chunks = list(connector.read("receivables_open", mapping.streams["receivables_open"].columns()))
    assert [len(c) for c in chunks] == [2, 2]
    assert [r.row_number for c in chunks for r in c] == [1, 2, 3, 4]


def test_a_missing_gp_table_is_a_clear_terminal_error(tmp_path: Path) -> None:
    import sqlite3

    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    connector = GpSqlConnector(sqlite_connection(str(empty)))
    with pytest.raises(QueryError, match="no such table: RM00101"):
        read_all(connector, "customers")


@pytest.mark.odbc
def test_a_missing_odbc_driver_names_the_fix() -> None:
    import pyodbc

    from common.errors import ConnectorError
    from connector.gp_sql import odbc_connection

    connector = GpSqlConnector(odbc_connection("DRIVER={No Such Driver 99};SERVER=x"))
    with pytest.raises(ConnectorError, match="ODBC driver named in the connection string is not installed"):
        connector.connection()
    assert pyodbc  # the real driver manager answered, not a mock


class LockedOnce:
    """A connection whose first query meets a lock (SQL Server: a deadlock victim, 1205)."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner, self.failures = inner, failures

    def cursor(self) -> Any:
        outer = self

        class Cursor:
            def __init__(self) -> None:
                self.inner = outer.inner.cursor()

            def execute(self, sql: str, params: Any = ()) -> Any:
                if outer.failures > 0:
                    outer.failures -= 1
                    raise sqlite3.OperationalError("database is locked")
                return self.inner.execute(sql, params)

            def fetchmany(self, size: int) -> Any:
                return self.inner.fetchmany(size)

            def close(self) -> None:
                self.inner.close()

        return Cursor()

    def close(self) -> None:
        self.inner.close()


def test_a_query_that_meets_a_deadlock_is_tried_again(alpha_db: Path) -> None:
    inner = sqlite_connection(str(alpha_db))
    conn = GpSqlConnector(lambda: LockedOnce(inner(), failures=2), retry={"multiplier": 0.001, "max_wait": 0.01})
    rows = [r for chunk in conn.read("customers", ["CUSTNAME"]) for r in chunk]
    assert [r.values["CUSTNMBR"] for r in rows] == ["C1", "C2"]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            "40001",
            "[40001] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Transaction (Process ID 61) was "
            "deadlocked on lock resources with another process and has been chosen as the deadlock victim. (1205)",
        ),
        ("HYT00", "[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Query timeout expired (0)"),
        (
            "08S01",
            "[08S01] [Microsoft][ODBC Driver 18 for SQL Server]TCP Provider: An existing connection was "
            "forcibly closed by the remote host. (10054)",
        ),
    ],
)
def test_sql_server_deadlocks_timeouts_and_resets_are_transient(alpha_db: Path, state: str, message: str) -> None:
    import pyodbc

    from common.errors import SourceUnavailable
    from connector.gp_sql import translate_errors

    with pytest.raises(SourceUnavailable), translate_errors("GP database (gp01/TWO)", "customers"):
        raise pyodbc.OperationalError(state, message)

    failures = [pyodbc.OperationalError(state, message)] * 2
    inner = sqlite_connection(str(alpha_db))

    class Failing(LockedOnce):
        def cursor(self) -> Any:
            cursor = super().cursor()
            real_execute = cursor.execute

            def execute(sql: str, params: Any = ()) -> Any:
                if failures:
                    raise failures.pop()
                return real_execute(sql, params)

            cursor.execute = execute
            return cursor

    conn = GpSqlConnector(lambda: Failing(inner(), failures=0), retry={"multiplier": 0.001, "max_wait": 0.01})
    assert [r.values["CUSTNMBR"] for chunk in conn.read("customers", ["CUSTNAME"]) for r in chunk] == ["C1", "C2"]


def make_slow(path: Path, table: str, count: int) -> None:
    """Make every query on `table` count to `count` before it returns a row (a long-running query)."""
    with sqlite3.connect(path) as con:
        con.executescript(
            f"ALTER TABLE {table} RENAME TO {table}_rows;"
            f"CREATE VIEW {table} AS SELECT * FROM {table}_rows WHERE (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
            f"SELECT i + 1 FROM n WHERE i < {count}) SELECT max(i) FROM n) > 0;"
        )


@pytest.mark.parametrize("driver", ["odbc", "sqlite3"])
def test_cancel_stops_the_query_being_read_and_it_is_not_tried_again(tmp_path: Path, driver: str) -> None:
    # The customers' table becomes a view that first counts to a billion: a query that would run for
    # minutes. The sync's thread cancels it while it runs on the read-ahead thread.
    path = alpha.write_gp_database(tmp_path / "alpha.sqlite")
    make_slow(path, "RM00101", 1_000_000_000)
    connector = GpSqlConnector(odbc_factory(path) if driver == "odbc" else sqlite_connection(str(path)))
    errors: list[Exception] = []

    def read() -> None:
        try:
            read_all(connector, "customers")
        except ConnectorError as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    while connector._reading is None and reader.is_alive():
        time.sleep(0.01)
    time.sleep(0.3)  # the driver is executing the query
    connector.cancel()
    reader.join(timeout=120)
    assert not reader.is_alive()
    assert len(errors) == 1 and "the read was cancelled" in str(errors[0])
    assert errors[0].stream == "customers"
    connector.close()


def test_balance_forward_and_scheduled_payments_are_not_documents(alpha_db: Path, tmp_path: Path) -> None:
    # GP's RMDTYPAL 0 is a balance brought forward (a summary line of a balance-forward customer) and 2 a
    # scheduled payment (an installment plan, not yet a receivable): neither is an invoice. Alpha's C1 gets
    # one of each, 999.00 and 555.00 open; they are skipped, counted as skipped, and C1's figures stay
    # alpha's hand-worked ones (net sales 700.00, open 868.50), through real ODBC.
    from connector.sample.gp_db import insert_rows
    from ledger.store import Store
    from profitability.analyze import analyze
    from profitability.model import Period
    from profitlens.sync import run_sync

    with sqlite3.connect(alpha_db) as con:
        insert_rows(
            con,
            "RM20101",
            ("CUSTNMBR", "DOCNUMBR", "RMDTYPAL", "DOCDATE", "DUEDATE", "ORTRXAMT", "CURTRXAM", "SLSAMNT", "DEX_ROW_TS"),
            [
                (
                    "C1",
                    "BALFWD0001",
                    0,
                    dt.date(2026, 2, 28),
                    dt.date(2026, 3, 30),
                    999,
                    999,
                    999,
                    dt.date(2026, 2, 28),
                ),
                ("C1", "SCHED00001", 2, dt.date(2026, 3, 5), dt.date(2026, 4, 4), 555, 555, 555, dt.date(2026, 3, 5)),
            ],
        )
    with Store(tmp_path / "l.duckdb") as store:
        result = run_sync(
            GpSqlConnector(odbc_factory(alpha_db)),
            load_mapping("gp-sql", {"customer": {"referred_by": "USERDEF1"}}),
            store,
        )
        assert result.skipped.get("receivables_open") == 2
        assert store.con.execute(
            "SELECT count(*) FROM document WHERE number IN ('BALFWD0001', 'SCHED00001')"
        ).fetchone() == (0,)
        c1 = next(
            c for c in analyze(store.con, Period.of(*alpha.PERIOD), alpha.settings()).customers if c.customer_id == "C1"
        )
    assert c1.net_sales == alpha.EXPECTED["net_sales"] and c1.open_amount == alpha.EXPECTED["open_amount"]


def test_gp_commission_percent_is_kept_in_hundredths(alpha_db: Path, tmp_path: Path) -> None:
    # RM00301.COMPRCNT holds the percent × 100 (GP shows 500 as 5.00 %): alpha's SP1 sells at 0.05.
    from ledger.store import Store
    from profitlens.sync import run_sync

    with Store(tmp_path / "l.duckdb") as store:
        run_sync(GpSqlConnector(odbc_factory(alpha_db)), load_mapping("gp-sql"), store)
        rate = store.con.execute("SELECT commission_rate FROM salesperson WHERE salesperson_id = 'SP1'").fetchone()
    assert rate == (Decimal("0.05"),)


def test_a_dated_streams_cursor_is_bound_as_a_date_and_a_changed_ones_as_a_time() -> None:
    # Applications and timesheets are dated (APPLY DATE, PA date): their cursor may come back with a time
    # part ("2026-01-31 00:00:00") and is bound as the date; DEX_ROW_TS cursors keep their milliseconds.
    from connector.gp_sql import _cursor_param
    from connector.gp_streams import CHANGED, DATED

    assert _cursor_param("2026-01-31 00:00:00", DATED) == dt.date(2026, 1, 31)
    assert _cursor_param("2026-01-31", DATED) == dt.date(2026, 1, 31)
    assert _cursor_param("2026-01-31 13:45:07.250", CHANGED) == dt.datetime(2026, 1, 31, 13, 45, 7, 250000)


@pytest.mark.odbc
def test_raw_chunks_name_the_gp_table_their_rows_come_from(alpha_db: Path) -> None:
    # A quarantined row names its source table and row: the first table of the stream's query.
    connector = GpSqlConnector(odbc_factory(alpha_db))
    mapping = load_mapping("gp-sql")
    expected = {"customers": "RM00101", "receivables_open": "RM20101", "sales_lines": "SOP30300"}
    for stream, table in expected.items():
        chunks = list(connector.read_raw(stream, mapping.streams[stream].columns()))
        assert chunks and {chunk.table for chunk in chunks} == {table}, stream


@pytest.mark.odbc
def test_check_probes_every_stream_without_reading_a_row(alpha_db: Path, tmp_path: Path) -> None:
    # `profitlens check` asks each stream's real query for no rows: through ODBC on alpha every stream
    # answers; on a database without the GP tables the first stream's table is named.
    mapping = load_mapping("gp-sql")
    connector = GpSqlConnector(odbc_factory(alpha_db))
    for stream in STREAMS:
        connector.probe(stream, mapping.streams[stream].columns())
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    with pytest.raises(ConnectorError, match="RM00101"):
        GpSqlConnector(odbc_factory(empty)).probe("customers", mapping.streams["customers"].columns())


# SQL Server's errors as pyodbc raises them (SQLSTATE, then the driver's message with the error number).
# Transient per Microsoft's "Troubleshoot transient connection errors" (Azure SQL: 40197 service error,
# 40501 service busy, 40613 database unavailable) and deadlock victims (error 1205, reported as 40001 or,
# by some drivers, HY000); a missing object is 42S02 (208) / 42S22 (207); a denied SELECT is 42000 (229).
ODBC_ERRORS = [
    ("40197", "[40197] The service has encountered an error processing your request. (40197)", "SourceUnavailable"),
    (
        "40501",
        "[40501] The service is currently busy. Retry the request after 10 seconds. (40501)",
        "SourceUnavailable",
    ),
    ("40613", "[40613] Database 'TWO' on server 'gp01' is not currently available. (40613)", "SourceUnavailable"),
    ("HY000", "[HY000] Transaction (Process ID 57) was deadlocked on lock resources. (1205)", "SourceUnavailable"),
    ("42S02", "[42S02] Invalid object name 'RM00101'. (208)", "QueryError"),
    ("42S22", "[42S22] Invalid column name 'USERDEF9'. (207)", "QueryError"),
    ("42000", "[42000] The SELECT permission was denied on the object 'RM00101'. (229)", "QueryError"),
    ("HY000", "[HY000] Arithmetic overflow error converting numeric to data type numeric. (8115)", "ConnectorError"),
]


@pytest.mark.parametrize(("state", "message", "kind"), ODBC_ERRORS)
def test_sql_server_errors_are_sorted_into_transient_missing_and_other(state: str, message: str, kind: str) -> None:
    import pyodbc

    from connector.gp_sql import translate_errors

    with pytest.raises(ConnectorError) as caught, translate_errors("GP database (gp01/TWO)", "customers"):
        raise pyodbc.Error(state, message)
    assert type(caught.value).__name__ == kind
    # The driver's own words reach the user, behind where it happened.
    expected = f"GP database (gp01/TWO) (stream customers): {message}"
    assert caught.value.message == (
        expected if kind != "ConnectorError" else expected.replace(": [", f": [{state}] [", 1)
    )


def test_an_odbc_error_with_one_argument_keeps_its_text() -> None:
    import pyodbc

    from connector.gp_sql import translate_errors

    with pytest.raises(ConnectorError) as caught, translate_errors("GP database", None):
        raise pyodbc.Error("the driver said only this")
    assert caught.value.message == "GP database: [the driver said only this] the driver said only this"


def test_dates_are_bound_as_gp_stores_them_in_sqlite() -> None:
    # A SQLite copy of a GP database (tests, the sample) keeps datetimes as text 'YYYY-MM-DD HH:MM:SS'; a
    # date parameter must compare as that text, a timestamp keep its milliseconds unless they are zero.
    from connector.gp_sql import _compares_as_text, _sqlite_text

    assert _sqlite_text(dt.date(2026, 1, 31)) == "2026-01-31 00:00:00"
    assert _sqlite_text(dt.datetime(2026, 1, 31, 13, 45, 7)) == "2026-01-31 13:45:07"
    assert _sqlite_text(dt.datetime(2026, 1, 31, 13, 45, 7, 250000)) == "2026-01-31 13:45:07.250"
    assert _compares_as_text(sqlite3.connect(":memory:")) is True

    class CannotSay:  # a pyodbc connection whose driver cannot name its DBMS: native types are bound
        def getinfo(self, _: int) -> str:
            raise RuntimeError("optional feature not implemented")

    assert _compares_as_text(CannotSay()) is False
    assert _compares_as_text(object()) is False


def test_a_foreign_currency_document_joins_only_its_own_multicurrency_row(alpha_db: Path) -> None:
    # MC020102 holds a document's originating amount and rate, keyed by type and number. INV1 (type 1)
    # was invoiced in SEK: 14,000.00 at 0.08925; RTN1 (type 8) has a row too. Each document is read once,
    # with its own row (a join on type or number alone would pair INV1 with RTN1's row and INV3 with INV1's).
    from connector.sample.gp_db import insert_rows

    with sqlite3.connect(alpha_db) as con:
        insert_rows(
            con,
            "MC020102",
            ("RMDTYPAL", "DOCNUMBR", "CUSTNMBR", "CURNCYID", "XCHGRATE", "ORORGTRX"),
            [(1, "INV1", "C1", "SEK", D("0.08925"), D("14000.00")), (8, "RTN1", "C1", "SEK", D("0.085"), D("2800.00"))],
        )
    mapping = load_mapping("gp-sql")
    rows = read_all(GpSqlConnector(odbc_factory(alpha_db)), "receivables_open")
    numbers = [r["DOCNUMBR"] for r in rows]
    assert len(numbers) == len(set(numbers))
    by_number = {r["DOCNUMBR"]: r for r in rows}
    assert (by_number["INV1"]["ORORGTRX"], by_number["INV1"]["XCHGRATE"]) == (D("14000.00"), D("0.08925"))
    assert (by_number["RTN1"]["ORORGTRX"], by_number["RTN1"]["XCHGRATE"]) == (D("2800.00"), D("0.085"))
    assert by_number["INV3"]["ORORGTRX"] is None
    assert mapping.streams["receivables_open"].table == "document"


def test_a_changed_streams_next_sync_asks_again_from_ten_minutes_back() -> None:
    # GP's DEX_ROW_TS is set when a transaction commits in a batch that may have started earlier: the next
    # sync re-reads the last 10 minutes (docs/performance.md, "incremental"). Dated streams re-read 35 days.
    from connector.gp_streams import CHANGED, DATED, date_cursor

    assert CHANGED.rewind("2026-01-31 12:00:00.000") == "2026-01-31 11:50:00.000"
    assert DATED.rewind("2026-03-10") == "2026-02-03"
    assert date_cursor(" 2026-03-10 00:00:00 ") == "2026-03-10"
    assert date_cursor(dt.date(2026, 3, 10)) == "2026-03-10"


def test_gp_whole_numbers_are_read_as_integers_and_nothing_else_is() -> None:
    # GP's smallint codes may arrive as 3, 3.0, Decimal('3') or ' 3 ' depending on the driver: all are 3.
    # A fraction or text is left as it is, for the mapping to quarantine with the column's name.
    from connector.gp_values import to_int

    assert [to_int(v) for v in (3, 3.0, D("3"), " 3 ", "-1", None, True)] == [3, 3, 3, 3, -1, None, True]
    assert to_int(D("2.5")) == D("2.5") and to_int(2.5) == 2.5 and to_int("abc") == "abc"


@pytest.mark.parametrize("driver", ["odbc", "sqlite3"])
def test_a_sales_line_is_read_again_when_only_its_header_changed_at_the_cursor(alpha_db: Path, driver: str) -> None:
    # A voided or re-dated SOP header stamps SOP30200.DEX_ROW_TS, not its lines: the next sync asks from
    # the cursor and must get INV1's lines when the header's stamp equals it (">=", like every cursor).
    # (GP pads char columns: SOPNUMBE is 'INV1' and spaces.)
    with sqlite3.connect(alpha_db) as con:
        con.execute("UPDATE SOP30200 SET DEX_ROW_TS = '2026-05-01 10:00:00' WHERE trim(SOPNUMBE) = 'INV1'")
        con.execute("UPDATE SOP30300 SET DEX_ROW_TS = '2026-01-10 00:00:00'")
        con.execute("UPDATE SOP30200 SET DEX_ROW_TS = '2026-01-10 00:00:00' WHERE trim(SOPNUMBE) <> 'INV1'")
    connector = GpSqlConnector(odbc_factory(alpha_db) if driver == "odbc" else sqlite_connection(str(alpha_db)))
    columns = load_mapping("gp-sql").streams["sales_lines"].columns()
    rows = [
        r.values for chunk in connector.read("sales_lines", columns, since="2026-05-01 10:00:00.000") for r in chunk
    ]
    assert rows and {r["SOPNUMBE"] for r in rows} == {"INV1"}


def test_a_changed_streams_cursor_keeps_the_time_and_a_dated_ones_the_day(alpha_db: Path) -> None:
    # Customers are stamped (DEX_ROW_TS, to the millisecond): the cursor keeps the time, not only the day.
    with sqlite3.connect(alpha_db) as con:
        con.execute("UPDATE RM00101 SET DEX_ROW_TS = '2026-03-31 17:45:12.250'")
    connector = GpSqlConnector(sqlite_connection(str(alpha_db)))
    mapping = load_mapping("gp-sql")
    customers = [r for chunk in connector.read("customers", mapping.streams["customers"].columns()) for r in chunk]
    assert {r.cursor for r in customers} == {"2026-03-31 17:45:12.250"}
