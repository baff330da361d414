"""GP Web Services past its list limit, at full size: a sync and an analysis of a company with over 1,000
documents in one window, 1,100 projects and 1,050 employees, against the loopback emulator with GP's
default limit of 1,000 items per list answer (tests/connector/gp_ws_service.py).

    python bench/gp_ws_lists.py

The company is `big_company()` of tests/connector/test_gp_ws_lists.py: 1,200 invoices of 100.00 each paid
by a receipt of 100.00 the same day, over a year before "today" (2026-10-31), and one open invoice of
250.00. It prints seconds, SOAP calls, lists found cut and the figures, and checks them (the run stops
with an error if a document, an application or an employee went missing): every document and every
apply record landed, C1's open amount is 250.00, and every employee is in the ledger. Too slow for the
test suite (about 50 s: one GetReceivables…ByKey call per document through NTLM); the same behaviour at a
limit of 100 is a test (test_a_company_larger_than_the_list_limit_is_synced_and_analysed_to_the_cent).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' emulator and company

from requests_ntlm import HttpNtlmAuth

from connector.gp_ws import GpWebServicesConnector
from connector.gp_ws_soap import Endpoint, SoapClient
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Period
from profitlens.sync import run_sync
from tests.connector.gp_ws_service import WSDL, FakeGpWebServices
from tests.connector.test_gp_ws_lists import PASSWORD, TODAY, USER, big_company


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="profitlens-gpws-"))
    fake = FakeGpWebServices(big_company(), users={USER: PASSWORD}, users_file=folder / "ntlm-users")
    with fake.running():
        soap = SoapClient(Endpoint(fake.url, str(WSDL), -1), auth=HttpNtlmAuth(USER, PASSWORD))
        connector = GpWebServicesConnector(soap, today=TODAY)
        started = time.perf_counter()
        with Store(folder / "ledger.duckdb") as store:
            result = run_sync(connector, load_mapping("gp-ws"), store)
            synced = time.perf_counter() - started
            analysis = analyze(store.con, Period(dt.date(2022, 11, 1), TODAY, TODAY))
    (c1,) = analysis.customers
    figures = {
        "sync_seconds": round(synced, 1),
        "soap_calls": soap.calls,
        "lists_cut": connector.lists_cut,
        "landed": result.landed,
        "quarantined": result.rows_quarantined,
        "c1_open_amount": str(c1.open_amount),
        "c1_net_sales": str(c1.net_sales),
    }
    print(json.dumps(figures, indent=2))
    expected = {"document": 2401, "application": 1200, "employee": 1050}
    wrong = {k: result.landed.get(k) for k, v in expected.items() if result.landed.get(k) != v}
    if wrong or result.rows_quarantined or c1.open_amount != Decimal("250"):
        print(f"WRONG: expected {expected} landed, nothing quarantined, 250.00 open; got {wrong}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
