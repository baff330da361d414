"""GP Web Services cuts every list answer at its list limit, silently: nothing is lost all the same.

The behaviour, from Microsoft's documentation (the emulator in gp_ws_service.py implements it):
- "Web Services for Microsoft Dynamics GP" programmer's guide, "Lists of objects"
  (learn.microsoft.com/previous-versions/dynamicsgp/developer/cc508732): a Get…List operation returns
  at most the first 1,000 objects that meet the criteria (a server setting); the answer does not say
  that it was cut. There are no paging parameters.
- Restrictions (cc534040): a BetweenRestriction's From/To are inclusive, GreaterThan/LessThan
  exclusive; the criteria's key restrictions are `Id` (customers, salespeople, projects,
  timesheets), `DocumentId` (receivables and sales documents), `EmployeeKeyId` (employees) — their
  names checked against the real WSDL in test_gp_ws_conformance.py.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from requests_ntlm import HttpNtlmAuth

from connector.gp_ws import GpWebServicesConnector
from connector.gp_ws_keys import KeyRange, between
from connector.gp_ws_soap import Endpoint, SoapClient
from tests.connector.gp_ws_service import WSDL, FakeGpWebServices, GpCompany, key, money

USER, PASSWORD = "CONTOSO\\svc-profitlens", "gp-ws-Pa55word"
TODAY = dt.date(2026, 10, 31)


def day(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time())


def big_company() -> GpCompany:
    """1,200 paid invoices and their 1,200 receipts, all over a year old (so in the first, 1900 → a year
    ago window), one open invoice; 1,100 projects and 1,050 employees — stored shuffled, so that what
    GP's first 1,000 are follows no order the connector could lean on."""
    company = GpCompany()
    company.customers.append({"Key": key("C1"), "Name": "Big Customer", "ModifiedDate": day(dt.date(2024, 1, 1))})
    start = dt.date(2023, 1, 2)
    for n in range(1, 1201):
        date = start + dt.timedelta(days=n // 2)  # two invoices a day, from 2023-01-02 to 2024-08-24
        for kind, prefix in (("Invoice", "INV"), ("Cash Receipt", "PMT")):
            company.receivables.append(
                {
                    "Key": key(f"{prefix}{n:05}"),
                    "Type": kind,
                    "CustomerKey": key("C1"),
                    "Date": day(date),
                    "ModifiedDate": day(date),
                    "TransactionState": "History",
                    "DocumentAmount": money(Decimal("100.00")),
                }
            )
    company.receivables.append(
        {
            "Key": key("INV09999"),
            "Type": "Invoice",
            "CustomerKey": key("C1"),
            "Date": day(dt.date(2026, 10, 1)),
            "ModifiedDate": day(dt.date(2026, 10, 1)),
            "TransactionState": "Open",
            "DocumentAmount": money(Decimal("250.00")),
            "CurrentDocumentAmount": money(Decimal("250.00")),
        }
    )
    company.projects = [
        {"Key": key(f"P{n:05}"), "CustomerKey": key(f"C{n % 7 + 1}"), "Name": f"Project {n}"} for n in range(1, 1101)
    ]
    company.employees = [
        {"EmployeeKey": key(f"E{n:05}"), "Name": {"Given": "A", "Family": f"N{n}"}} for n in range(1, 1051)
    ]
    shuffle = random.Random(20261202).shuffle
    for records in (company.receivables, company.projects, company.employees):
        shuffle(records)
    return company


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGpWebServices]:
    fake = FakeGpWebServices(
        big_company(), users={USER: PASSWORD}, users_file=tmp_path_factory.mktemp("ntlm") / "users"
    )
    with fake.running():
        yield fake


def connect(service: FakeGpWebServices, **options: Any) -> GpWebServicesConnector:
    soap = SoapClient(Endpoint(service.url, str(WSDL), -1), auth=HttpNtlmAuth(USER, PASSWORD))
    return GpWebServicesConnector(soap, chunk_rows=500, today=TODAY, **options)


def rows(connector: GpWebServicesConnector, stream: str) -> list[dict[str, Any]]:
    return [r.values for chunk in connector.read(stream, []) for r in chunk]


def test_over_a_thousand_old_documents_all_take_part_in_the_matching(service: FakeGpWebServices) -> None:
    # 1,200 receipts of 100 settle the 1,200 invoices of 100 one to one, oldest first (both sorted by
    # date, then number: PMT00001 → INV00001 …). Had the first window been cut at 1,000 of its 2,400
    # documents, invoices would look settled with no receipt to match (a warning) and receipts vanish.
    service.calls.clear()
    connector = connect(service)
    applications = rows(connector, "applications")
    assert len(applications) == 1200
    assert sum(a["Amount"] for a in applications) == Decimal("120000.00")
    assert {(a["from.Key.Id"][3:], a["to.Key.Id"][3:]) for a in applications} == {
        (f"{n:05}", f"{n:05}") for n in range(1, 1201)
    }
    assert connector.lists_cut > 0  # the first window came back at exactly 1,000: asked again in halves
    # No list of documents was asked without a date window: an unbounded answer would be cut too.
    windows = [call["criteria"].Date for name, call in service.calls if name == "GetReceivablesDocumentList"]
    assert windows and all(w is not None and w.From is not None and w.To is not None for w in windows)


def test_over_a_thousand_employees_are_read_in_key_ranges(service: FakeGpWebServices) -> None:
    # The employee list has no date restriction: the first answer (1,000 of 1,050) is cut, so it is
    # asked again below, at and above its median key.
    connector = connect(service)
    assert sorted(r["EmployeeKey.Id"] for r in rows(connector, "employees")) == [f"E{n:05}" for n in range(1, 1051)]
    assert connector.lists_cut == 1


def test_a_timesheet_on_the_1100th_project_finds_its_customer(service: FakeGpWebServices) -> None:
    # P01100's customer is C(1100 mod 7 + 1) = C2; with the project list cut at 1,000 it had none.
    service.company.timesheets = [
        {
            "Key": key("TS1"),
            "EmployeeKey": key("E00001"),
            "Date": day(dt.date(2026, 9, 30)),
            "TransactionState": "History",
            "Lines": {
                "ProjectTimesheetLine": [
                    {
                        "Key": {"ProjectTimesheetKey": key("TS1"), "SequenceNumber": 1},
                        "ProjectKey": key(project),
                        "Date": day(dt.date(2026, 9, 30)),
                        "Quantity": {"DecimalDigits": 2, "Value": Decimal("1")},
                        "TotalCost": money(Decimal("60")),
                    }
                    for project in ("P01100", "P00007")
                ]
            },
        }
    ]
    lines = rows(connect(service), "timesheets")
    assert [line["document.CustomerKey.Id"] for line in lines] == ["C2", "C1"]  # P00007: 7 mod 7 + 1 = 1


def test_a_project_whose_summary_lacks_its_customer_is_asked_by_key(service: FakeGpWebServices) -> None:
    project = next(p for p in service.company.projects if p["Key"]["Id"] == "P00008")
    connector = connect(service)
    service.company.timesheets = [
        {
            "Key": key("TS2"),
            "EmployeeKey": key("E00001"),
            "Date": day(dt.date(2026, 9, 30)),
            "TransactionState": "History",
            "Lines": {
                "ProjectTimesheetLine": [
                    {
                        "Key": {"ProjectTimesheetKey": key("TS2"), "SequenceNumber": 1},
                        "ProjectKey": key("P00008"),
                        "Date": day(dt.date(2026, 9, 30)),
                        "Quantity": {"DecimalDigits": 2, "Value": Decimal("1")},
                        "TotalCost": money(Decimal("60")),
                    }
                ]
            },
        }
    ]
    # The list's summary carries no customer (the emulator's list copies the record: take it out of
    # the list, keep it for GetProjectByKey).
    original = service.company.projects
    service.company.projects = [p if p is not project else {**p, "CustomerKey": None} for p in original]
    try:
        with_key_lookup = service.answer  # the ByKey answer must come from the full record

        def answer(operation: str, request: Any) -> Any:
            if operation == "GetProjectByKey":
                service.company.projects = original
                try:
                    return with_key_lookup(operation, request)
                finally:
                    service.company.projects = [p if p is not project else {**p, "CustomerKey": None} for p in original]
            return with_key_lookup(operation, request)

        service.answer = answer  # type: ignore[method-assign]
        (line,) = rows(connector, "timesheets")
    finally:
        service.answer = with_key_lookup  # type: ignore[method-assign]
        service.company.projects = original
    assert line["document.CustomerKey.Id"] == "C2"  # P00008: 8 mod 7 + 1 = 2
    assert "GetProjectByKey" in service.operations()


def test_a_lower_server_limit_is_met_by_list_limit(tmp_path: Path) -> None:
    # A server set to 25 items per list, the connector told so: 60 documents changed on one day are
    # read by DocumentId ranges within that day, each whole.
    company = GpCompany()
    for n in range(60):
        company.receivables.append(
            {
                "Key": key(f"INV{n:03}"),
                "Type": "Invoice",
                "CustomerKey": key("C1"),
                "Date": day(dt.date(2026, 5, 5)),
                "ModifiedDate": day(dt.date(2026, 5, 5)),
                "TransactionState": "Open",
                "DocumentAmount": money(Decimal("10")),
                "CurrentDocumentAmount": money(Decimal("10")),
            }
        )
    random.Random(7).shuffle(company.receivables)
    fake = FakeGpWebServices(company, users={USER: PASSWORD}, users_file=tmp_path / "users", list_limit=25)
    with fake.running():
        connector = connect(fake, list_limit=25)
        found = sorted(r["Key.Id"] for r in rows(connector, "receivables"))
    assert found == [f"INV{n:03}" for n in range(60)]
    assert connector.lists_cut >= 1


@pytest.mark.parametrize(
    ("above", "below"),
    [(None, None), ("A", None), (None, "B"), ("A", "B"), ("INV00001", "INV00002"), ("A", "A!"), ("C1", "C1 ~")],
)
def test_a_key_between_two_keys_lies_strictly_between(above: str | None, below: str | None) -> None:
    middle = between(above, below)
    assert middle is not None
    assert (above is None or above < middle) and (below is None or middle < below)


def test_no_key_between_neighbours_and_a_split_covers_its_range() -> None:
    assert between("A", "A ") is None  # nothing printable sorts between them
    below, at, above = KeyRange("B", "M").split("F")
    assert (below.restriction(), at.restriction(), above.restriction()) == (
        {"GreaterThan": "B", "LessThan": "F"},
        {"EqualValue": "F"},
        {"GreaterThan": "F", "LessThan": "M"},
    )


def test_a_company_larger_than_the_list_limit_is_synced_and_analysed_to_the_cent(tmp_path: Path) -> None:
    # The same behaviour at a server limit of 100 (a smaller company to sync whole; the 1,000 default is
    # read above): C1 has 120 invoices of 100.00 (sales 100.00, no tax), one a day from 1 January 2026,
    # each paid by a receipt of 100.00 ten days later; INV09999 250.00 of 1 October, due 31 October, open.
    # One window covers the year (window_days 366): its 241 documents come back cut at 100, and are asked
    # again in halves. 110 projects (cut at 100, asked by key); a timesheet line of 60.00 on P00110 (C1's).
    # Period 2025-11-01 – 2026-10-31, as of 31 October:
    #   net sales 120 × 100 + 250 = 12,250.00; open 250.00, due today: current, nothing overdue;
    #   every invoice paid oldest first by the receipt ten days later: 10 days to pay on average;
    #   labour 60.00 (the timesheet's TotalCost).
    from ledger.store import Store
    from mappings.engine import load_mapping
    from profitability.analyze import analyze
    from profitability.model import Period
    from profitlens.sync import run_sync

    company = GpCompany()
    company.customers.append({"Key": key("C1"), "Name": "Big Customer", "ModifiedDate": day(dt.date(2025, 1, 1))})
    for n in range(1, 121):
        date = dt.date(2026, 1, 1) + dt.timedelta(days=n - 1)
        paid = date + dt.timedelta(days=10)
        for kind, prefix, when in (("Invoice", "INV", date), ("Cash Receipt", "PMT", paid)):
            record: dict[str, Any] = {
                "Key": key(f"{prefix}{n:05}"),
                "Type": kind,
                "CustomerKey": key("C1"),
                "Date": day(when),
                "ModifiedDate": day(when),
                "TransactionState": "History",
                "DocumentAmount": money(Decimal("100.00")),
                "IsVoided": False,
            }
            if kind == "Invoice":
                record.update(
                    SalesAmount=money(Decimal("100.00")), Terms={"DueDate": day(date + dt.timedelta(days=30))}
                )
            company.receivables.append(record)
    company.receivables.append(
        {
            "Key": key("INV09999"),
            "Type": "Invoice",
            "CustomerKey": key("C1"),
            "Date": day(dt.date(2026, 10, 1)),
            "ModifiedDate": day(dt.date(2026, 10, 1)),
            "TransactionState": "Open",
            "DocumentAmount": money(Decimal("250.00")),
            "CurrentDocumentAmount": money(Decimal("250.00")),
            "SalesAmount": money(Decimal("250.00")),
            "Terms": {"DueDate": day(dt.date(2026, 10, 31))},
            "IsVoided": False,
        }
    )
    company.projects = [{"Key": key(f"P{n:05}"), "CustomerKey": key("C1"), "Name": f"P{n}"} for n in range(1, 111)]
    company.timesheets = [
        {
            "Key": key("TS1"),
            "EmployeeKey": key("E1"),
            "Date": day(dt.date(2026, 9, 30)),
            "ModifiedDate": day(dt.date(2026, 9, 30)),
            "TransactionState": "History",
            "Lines": {
                "ProjectTimesheetLine": [
                    {
                        "Key": {"ProjectTimesheetKey": key("TS1"), "SequenceNumber": 1},
                        "ProjectKey": key("P00110"),
                        "CostCategoryKey": key("SUPPORT"),
                        "Date": day(dt.date(2026, 9, 30)),
                        "Quantity": {"DecimalDigits": 2, "Value": Decimal("1")},
                        "TotalCost": money(Decimal("60.00")),
                    }
                ]
            },
        }
    ]
    for records in (company.receivables, company.projects):
        random.Random(3).shuffle(records)
    fake = FakeGpWebServices(company, users={USER: PASSWORD}, users_file=tmp_path / "users", list_limit=100)
    with fake.running():
        soap = SoapClient(Endpoint(fake.url, str(WSDL), -1), auth=HttpNtlmAuth(USER, PASSWORD))
        connector = GpWebServicesConnector(soap, today=TODAY, window_days=366, list_limit=100)
        with Store(tmp_path / "l.duckdb") as store:
            result = run_sync(connector, load_mapping("gp-ws"), store)
            analysis = analyze(store.con, Period(dt.date(2025, 11, 1), TODAY, TODAY))
    assert result.rows_quarantined == 0 and result.landed["document"] == 241 and connector.lists_cut >= 2
    (c1,) = analysis.customers
    assert (c1.net_sales, c1.open_amount, c1.overdue_amount) == (Decimal("12250"), Decimal("250"), Decimal("0"))
    assert c1.avg_days_to_pay == Decimal("10")
    assert c1.labour_cost == Decimal("60")
