"""Dynamics GP over SQL: any DB-API connection with `?` parameters. What it reads (the streams and the
SELECT of each) is `connector.gp_streams`; here: reading in chunks, cancelling, probing, the driver's
errors translated, and the connection factories.

pyodbc against SQL Server at a user's site; stdlib sqlite3 for the embedded sample company; pyodbc
with the SQLite ODBC driver in tests. The SELECT list is built from the columns the mapping asks
for, each checked against the real GP schema (connector/gp_schema.tsv), so a user can point a
ledger field at another GP column without touching code, and no configured name ever reaches the
SQL text unchecked. Values are bound as parameters.

GP quirks handled here or in the mapping:
- char(n) is right-padded: every string is trimmed (`gp_values`).
- 1900-01-01 means "no date": it becomes None.
- amounts are unsigned; the sign comes from RMDTYPAL / SOPTYPE (mapping codes).
- voided documents (VOIDSTTS = 1) are kept with `voided` set and left out of every figure.
- kit components (SOP30300.CMPNTSEQ > 0) are not read, so kits are not counted twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from common.errors import (
    AuthError,
    ConnectorError,
    QueryError,
    SourceUnavailable,
)
from connector.base import SQL_CHUNK_ROWS, RawChunk, SourceRow, Watermark
from connector.gp_streams import CURSOR, KINDS, STREAMS, build_query
from connector.gp_values import GP_EMPTY_DATE, gp_schema
from connector.retry import with_retries


class DbApiCursor(Protocol):
    description: Any

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def fetchmany(self, size: int = ...) -> Sequence[Sequence[Any]]: ...
    def close(self) -> None: ...


class DbApiConnection(Protocol):
    def cursor(self) -> Any: ...
    def close(self) -> None: ...


class GpSqlConnector:
    """Reads a GP company database through a DB-API connection factory."""

    # The sync may read on a second thread (one thread at a time uses the connection): see profitlens/read_ahead.py.
    read_ahead = True

    def __init__(
        self,
        connect: Callable[[], DbApiConnection],
        *,
        system: str = "gp-sql",
        history_from: dt.date | None = None,
        chunk_rows: int = SQL_CHUNK_ROWS,
        describe: str = "GP database",
        retry: dict[str, Any] | None = None,
    ) -> None:
        self.system = system
        self._connect = connect
        self._conn: DbApiConnection | None = None
        self.history_from = history_from or GP_EMPTY_DATE
        self.chunk_rows = chunk_rows
        self.describe = describe
        self.retry = dict(retry or {})
        self._reading: Any = None  # the cursor of the query being read, for cancel()
        self._cancelled = threading.Event()

    def stream_names(self) -> Sequence[str]:
        return list(STREAMS)

    def available_columns(self, stream: str) -> Sequence[str] | None:
        spec = STREAMS[stream]
        schema = gp_schema()
        return [c for table, _ in spec.tables for c in schema.get(table, {})]

    def connection(self) -> DbApiConnection:
        if self._conn is None:

            def attempt() -> DbApiConnection:
                with translate_errors(self.describe, None):
                    return self._connect()

            self._conn = with_retries(attempt)
        return self._conn

    def watermark(self, stream: str) -> Watermark | None:
        return STREAMS[stream].watermark

    def fingerprint(self, stream: str) -> str | None:
        return None

    def read(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[list[SourceRow]]:
        for chunk in self.read_raw(stream, columns, since):
            yield chunk.source_rows()

    def read_raw(self, stream: str, columns: Sequence[str], since: str | None = None) -> Iterator[RawChunk]:
        """`read`, but each chunk as the driver gave it, for set-based mapping (mappings/columnar.py)."""
        spec = STREAMS[stream]
        since = since if spec.cursor_filter else None
        sql, names, converters = build_query(spec, columns, since=since is not None)
        kinds = tuple(KINDS.get(conv, "other") for conv in converters)
        params: list[Any] = [self.history_from] if spec.history_filter else []
        if since is not None and spec.cursor_filter and spec.watermark is not None:
            params += [_cursor_param(since, spec.watermark)] * spec.cursor_filter.count("?")
        table = spec.tables[0][0]
        conn = self.connection()
        with translate_errors(self.describe, stream):
            cursor = conn.cursor()
            self._reading = cursor
            try:
                if hasattr(cursor, "arraysize"):
                    cursor.arraysize = self.chunk_rows
                bound = _bind(params, conn)

                def execute() -> None:
                    # A deadlock victim (1205) or a query timeout at the start is tried again; a query
                    # cancelled on purpose (cancel()) is not.
                    self._check_cancelled(stream)
                    try:
                        with translate_errors(self.describe, stream):
                            cursor.execute(sql, bound)
                    except ConnectorError:
                        self._check_cancelled(stream)
                        raise

                with_retries(execute, **self.retry)
                first_row = 1
                while True:
                    rows = cursor.fetchmany(self.chunk_rows)
                    if not rows:
                        break
                    yield RawChunk(
                        table,
                        first_row,
                        tuple(names),
                        kinds,
                        tuple(converters),
                        rows,
                        CURSOR if CURSOR in names else None,
                    )
                    first_row += len(rows)
            finally:
                self._reading = None
                with contextlib.suppress(Exception):  # the connection may already be gone
                    cursor.close()

    def cancel(self) -> None:
        """Stop the query being read on the read-ahead thread (called from the sync's thread when it fails
        or is interrupted): pyodbc's `Cursor.cancel()` (ODBC's SQLCancel; SQL Server stops the statement),
        stdlib sqlite3's `interrupt()`. The read then ends with an error nobody waits for, and is not tried
        again. Safe when nothing is being read."""
        self._cancelled.set()
        cursor = self._reading
        if cursor is None:
            return
        with contextlib.suppress(Exception):  # best effort: the query may be finishing on its own
            interrupt = getattr(self._conn, "interrupt", None)
            if hasattr(cursor, "cancel"):
                cursor.cancel()
            elif interrupt is not None:
                interrupt()

    def _check_cancelled(self, stream: str) -> None:
        if self._cancelled.is_set():
            raise ConnectorError(f"{_where(self.describe, stream)}: the read was cancelled", stream=stream)

    def probe(self, stream: str, columns: Sequence[str]) -> None:
        """Ask for no rows, but with the real query: proves the tables, columns and permissions exist."""
        spec = STREAMS[stream]
        sql, _names, _converters = build_query(spec, columns, ordered=False)
        params: list[Any] = [self.history_from] if spec.history_filter else []
        conn = self.connection()
        with translate_errors(self.describe, stream):
            cursor = conn.cursor()
            try:
                cursor.execute(f"SELECT * FROM ({sql}) probe WHERE 1 = 0", _bind(params, conn))
                cursor.fetchall()
            finally:
                with contextlib.suppress(Exception):
                    cursor.close()

    def close(self) -> None:
        self._cancelled.clear()  # a connector closed after a cancelled sync may be used again
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _cursor_param(cursor: str, watermark: Watermark) -> dt.date | dt.datetime:
    if watermark.kind == "date":
        return dt.date.fromisoformat(cursor[:10])
    return dt.datetime.fromisoformat(cursor)


def _bind(params: list[Any], conn: object) -> list[Any]:
    # stdlib sqlite3 compares dates as text; GP stores 'YYYY-MM-DD HH:MM:SS' (DEX_ROW_TS may
    # carry milliseconds). Whole seconds are bound without a fraction so equal times compare equal.
    if _compares_as_text(conn):
        return [_sqlite_text(p) for p in params]
    return params


def _compares_as_text(conn: object) -> bool:
    """SQLite (stdlib, or behind the SQLite ODBC driver) stores GP datetimes as text."""
    if isinstance(conn, sqlite3.Connection):
        return True
    getinfo = getattr(conn, "getinfo", None)
    if getinfo is None:
        return False
    try:
        import pyodbc  # noqa: PLC0415 - only reached with a pyodbc connection

        return str(getinfo(pyodbc.SQL_DBMS_NAME)).lower().startswith("sqlite")
    except Exception:  # a driver that cannot say: bind native types
        return False


def _sqlite_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ", timespec="milliseconds")
        return text.removesuffix(".000")
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00"
    return value


# SQLSTATE classes of ODBC → our errors. 28000: login failed; 08xxx: connection;
# 40001: deadlock victim (SQL Server 1205); HYT00/HYT01: timeouts; 42S02/42S22: no such table/column.
_TRANSIENT_STATES = ("08", "40001", "HYT00", "HYT01", "40197", "40501", "40613")
_MISSING_OBJECT_STATES = ("42S02", "42S22", "42000")


@contextmanager
def translate_errors(describe: str, stream: str | None) -> Iterator[None]:
    """Turn pyodbc and sqlite3 exceptions into the profitlens error tree."""
    try:
        yield
    except ConnectorError:
        raise
    except sqlite3.Error as exc:
        raise _from_sqlite(exc, describe, stream) from exc
    except Exception as exc:
        if type(exc).__module__ != "pyodbc":
            raise
        raise _from_odbc(exc, describe, stream) from exc


def _where(describe: str, stream: str | None) -> str:
    return f"{describe} (stream {stream})" if stream else describe


def _from_sqlite(exc: sqlite3.Error, describe: str, stream: str | None) -> ConnectorError:
    text = str(exc)
    if "no such table" in text or "no such column" in text:
        return QueryError(f"{_where(describe, stream)}: {text}", stream=stream, hint="is this a GP company database?")
    if "locked" in text or "busy" in text:
        return SourceUnavailable(f"{_where(describe, stream)}: {text}", stream=stream)
    if "disk i/o" in text.lower() or "interrupted" in text:
        return SourceUnavailable(f"{_where(describe, stream)}: {text}", stream=stream)
    # "unable to open database file", "file is not a database", ...: trying again will not help.
    return ConnectorError(f"{_where(describe, stream)}: {text}", stream=stream)


def _from_odbc(exc: Exception, describe: str, stream: str | None) -> ConnectorError:
    state = str(exc.args[0]) if exc.args else ""
    detail = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    where = _where(describe, stream)
    if state == "IM002" or "Can't open lib" in detail or "Data source name not found" in detail:
        return ConnectorError(
            f"{where}: the ODBC driver named in the connection string is not installed",
            stream=stream,
            hint="install it (e.g. msodbcsql18) or fix DRIVER= ; `odbcinst -q -d` lists the installed drivers",
        )
    if state.startswith("28"):
        return AuthError(
            f"{where}: login failed", stream=stream, hint="check the user and password, or use Trusted_Connection=yes"
        )
    if state.startswith(_TRANSIENT_STATES) or "1205" in detail:
        return SourceUnavailable(f"{where}: {detail}", stream=stream)
    if state.startswith(_MISSING_OBJECT_STATES):
        return QueryError(
            f"{where}: {detail}",
            stream=stream,
            hint="is this a GP company database, and may this login read the table?",
        )
    return ConnectorError(f"{where}: [{state}] {detail}", stream=stream)


def sqlite_connection(path: str) -> Callable[[], DbApiConnection]:
    """A factory for stdlib sqlite3 (the embedded sample company), opened read-only."""

    def connect() -> DbApiConnection:
        uri = f"file:{path}?mode=ro"
        # Read on the sync's read-ahead thread and closed on the main one, never by two at once.
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return connect


def odbc_connection(connection_string: str, *, timeout: int = 30) -> Callable[[], DbApiConnection]:
    """A factory for pyodbc; pyodbc (and unixODBC) are imported only when it is called."""

    def connect() -> DbApiConnection:
        try:
            import pyodbc  # noqa: PLC0415 - needs the system's unixODBC; only GP-over-ODBC users need it
        except ImportError as exc:
            raise ConnectorError(
                f"pyodbc cannot be loaded: {exc}",
                hint="install unixODBC (Debian: apt-get install unixodbc) and `pip install profitlens[odbc]`",
            ) from exc
        conn: DbApiConnection = pyodbc.connect(connection_string, timeout=timeout, autocommit=True)
        return conn

    return connect
