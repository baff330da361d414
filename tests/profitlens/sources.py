"""One small company behind every kind of source, for tests that must hold for all connectors.

Each harness gives fresh connectors to its source and can change one invoice at the source the
way the ERP would (GP: an UPDATE that its trigger stamps with a new DEX_ROW_TS).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import responses

from connector.base import Connector
from connector.bc import BusinessCentralConnector
from connector.files import FilesConnector
from connector.gp_sql import GpSqlConnector, odbc_connection, sqlite_connection
from connector.gp_ws import GpWebServicesConnector
from connector.gp_ws_soap import Endpoint, SoapClient
from connector.sample.generate import generate
from tests.cases import alpha, common
from tests.connector import bc_service
from tests.connector.bc_service import FakeBusinessCentral
from tests.connector.gp_ws_service import WSDL, FakeGpWebServices

_TINY: dict[str, Path] = {}


def tiny_gp_database(folder: Path) -> Path:
    """A copy of the tiny sample company (generated once per test session)."""
    if "path" not in _TINY:
        cache = Path(folder).parent / "tiny-sample-cache.sqlite"
        if not cache.exists():
            generate(cache, size="tiny", seed=7)
        _TINY["path"] = cache
    path = folder / "gp.sqlite"
    shutil.copy(_TINY["path"], path)
    return path


class Harness:
    kind = ""
    chunks_before_cut = 5

    def connector(self) -> Connector:
        raise NotImplementedError

    def change_one_invoice(self) -> str:
        """Change one invoice's open amount at the source; returns its ledger document_id."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class GpSqlHarness(Harness):
    """The tiny sample company in a GP-shaped SQLite database, read through stdlib sqlite3."""

    kind = "gp-sql"

    def __init__(self, folder: Path) -> None:
        self.path = tiny_gp_database(folder)

    def connector(self) -> Connector:
        return GpSqlConnector(sqlite_connection(str(self.path)), chunk_rows=40)

    def change_one_invoice(self) -> str:
        with sqlite3.connect(self.path) as con:
            rowid, number = con.execute(
                "SELECT rowid, DOCNUMBR FROM RM20101 WHERE RMDTYPAL = 1 AND CURTRXAM > 1 ORDER BY rowid LIMIT 1"
            ).fetchone()
            con.execute("UPDATE RM20101 SET CURTRXAM = CURTRXAM - 1 WHERE rowid = ?", [rowid])
        return f"1:{number.strip()}"

    def add_customer(self, custnmbr: str) -> None:
        with sqlite3.connect(self.path) as con:
            con.execute("INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES (?, 'Gone Ltd')", [custnmbr])

    def delete_customer(self, custnmbr: str) -> None:
        with sqlite3.connect(self.path) as con:
            con.execute("DELETE FROM RM00101 WHERE CUSTNMBR = ?", [custnmbr])


class GpOdbcHarness(GpSqlHarness):
    """The same database through pyodbc and the SQLite ODBC driver (the real driver stack)."""

    kind = "gp-sql"

    def connector(self) -> Connector:
        return GpSqlConnector(
            odbc_connection(f"DRIVER={{SQLite3}};Database={self.path}"), chunk_rows=40, system="gp-sql"
        )


class FilesHarness(Harness):
    """The hand-worked case as a folder of CSV files."""

    kind = "files"
    chunks_before_cut = 2

    def __init__(self, folder: Path) -> None:
        self.folder = alpha.write_files(folder / "files")

    def connector(self) -> Connector:
        return FilesConnector(self.folder, chunk_rows=2)

    def change_one_invoice(self) -> str:
        path = self.folder / "documents.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(
                "INV1,C1,invoice,2026-01-10,1249.50,2026-02-09,630.50,",
                "INV1,C1,invoice,2026-01-10,1249.50,2026-02-09,600.50,",
            ),
            encoding="utf-8",
        )
        return "INV1"


class BusinessCentralHarness(Harness):
    """The common company in a Business Central tenant mocked at the HTTP boundary."""

    kind = "bc"
    chunks_before_cut = 4

    def __init__(self, folder: Path) -> None:
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.service = FakeBusinessCentral(self.mock)

    def connector(self) -> Connector:
        return BusinessCentralConnector(
            tenant_id=bc_service.TENANT,
            environment=bc_service.ENVIRONMENT,
            company_id=bc_service.COMPANY_ID,
            client_id="app-1",
            client_secret="s3cret-client-value",
            requests_per_minute=0,
            page_size=1,
            chunk_rows=1,
        )

    def change_one_invoice(self) -> str:
        self.service.touch("salesInvoices", "INV1", remainingAmount=570)
        return "INV1"

    def close(self) -> None:
        self.mock.stop()
        self.mock.reset()


class GpWebServicesHarness(Harness):
    """The common company behind GP Web Services on loopback (SOAP, NTLM, date windows)."""

    kind = "gp-ws"
    chunks_before_cut = 2
    user, password = "CONTOSO\\svc-profitlens", "gp-ws-Pa55word"

    def __init__(self, folder: Path) -> None:
        from requests_ntlm import HttpNtlmAuth

        self.auth = HttpNtlmAuth
        self.service = FakeGpWebServices(
            common.gp_ws_company(), users={self.user: self.password}, users_file=folder / "ntlm-users"
        )
        self._running = self.service.running()
        self._running.__enter__()

    def connector(self) -> Connector:
        client = SoapClient(
            Endpoint(self.service.url, str(WSDL), -1),
            auth=self.auth(self.user, self.password),
            retry={"attempts": 3, "max_wait": 0.01, "multiplier": 0.001},
        )
        return GpWebServicesConnector(client, chunk_rows=1)

    def change_one_invoice(self) -> str:
        invoice = next(r for r in self.service.company.receivables if r["Key"]["Id"] == "INV1")
        invoice["CurrentDocumentAmount"] = {**invoice["CurrentDocumentAmount"], "Value": 570}
        self.service.company.touch(invoice, dt.date.today())
        return "1:INV1"

    def close(self) -> None:
        self._running.__exit__(None, None, None)


HARNESSES: dict[str, Callable[[Path], Harness]] = {
    "gp-sql": GpSqlHarness,
    "gp-sql-odbc": GpOdbcHarness,
    "files": FilesHarness,
    "bc": BusinessCentralHarness,
    "gp-ws": GpWebServicesHarness,
}
