"""GP Web Services connector against a real SOAP server on loopback (tests/connector/gp_ws_service.py).

The company is tests/cases/common.py: C1 has INV3 (476 open), INV1 (1,190, 571 open), PMT1 500 and
CRM1 119 (both fully applied, so in history); C2 has INV2 (119 open).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from requests_ntlm import HttpNtlmAuth

from common.errors import AuthError, ConnectorError, QueryError, SourceUnavailable
from connector.gp_ws import GpWebServicesConnector
from connector.gp_ws_soap import Endpoint, SoapClient
from connector.gp_ws_streams import STREAMS
from tests.cases import common
from tests.connector.gp_ws_service import WSDL, FakeGpWebServices

USER, PASSWORD = "CONTOSO\\svc-profitlens", "gp-ws-Pa55word"
FAST_RETRY = {"attempts": 3, "max_wait": 0.01, "multiplier": 0.001}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[FakeGpWebServices]:
    fake = FakeGpWebServices(common.gp_ws_company(), users={USER: PASSWORD}, users_file=tmp_path / "ntlm-users")
    with fake.running():
        yield fake


def connect(
    service: FakeGpWebServices, *, password: str = PASSWORD, company: int = -1, **client: Any
) -> GpWebServicesConnector:
    options: dict[str, Any] = {"retry": FAST_RETRY, **client}
    soap = SoapClient(Endpoint(service.url, str(WSDL), company), auth=HttpNtlmAuth(USER, password), **options)
    return GpWebServicesConnector(soap, chunk_rows=100, today=dt.date(2026, 10, 31))


def rows(connector: GpWebServicesConnector, stream: str, since: str | None = None) -> list[dict[str, Any]]:
    return [r.values for chunk in connector.read(stream, [], since) for r in chunk]


def test_documents_carry_open_amounts_due_dates_and_gp_enumerations(service: FakeGpWebServices) -> None:
    documents = {r["Key.Id"]: r for r in rows(connect(service), "receivables")}
    assert sorted(documents) == ["CRM1", "INV1", "INV2", "INV3", "PMT1"]
    inv1 = documents["INV1"]
    # From the list's summary: the type as GP spells it; from GetReceivablesInvoiceByKey: what is open.
    assert inv1["Type"] == "Invoice" and inv1["DocumentAmount.Value"] == Decimal("1190")
    assert inv1["CurrentDocumentAmount.Value"] == Decimal("571")
    assert inv1["Terms.DueDate"] == dt.datetime(2026, 2, 9)
    # A cash receipt's summary type wins over CashReceipt.Type (Check/Cash/Credit Card); in history
    # nothing is open on it.
    assert documents["PMT1"]["Type"] == "Cash Receipt"
    assert documents["PMT1"]["CurrentDocumentAmount.Value"] == Decimal("0")
    assert documents["CRM1"]["Type"] == "Credit Memo"


def test_every_call_carries_the_company_key_and_local_currency(service: FakeGpWebServices) -> None:
    rows(connect(service), "customers")
    contexts = [call["context"] for _, call in service.calls]
    assert contexts and all(c.OrganizationKey.Id == -1 and c.CurrencyType == "Local" for c in contexts)
    # The abstract OrganizationKey went out as xsi:type CompanyKey (the service rejects it otherwise).
    assert all(type(c.OrganizationKey).__name__ == "CompanyKey" for c in contexts)


def test_lines_come_with_their_document_and_kits_are_one_line(service: FakeGpWebServices) -> None:
    lines = rows(connect(service), "sales_invoice_lines")
    inv1 = [line for line in lines if line["document.Key.Id"] == "INV1"]
    # INV1: A-100 10 × 80 = 800 at cost 480, KIT-1 1 × 200 at cost 120.
    assert [(line["ItemKey.Id"], line["TotalAmount.Value"], line["ExtendedCost.Value"]) for line in inv1] == [
        ("A-100", Decimal("800"), Decimal("480")),
        ("KIT-1", Decimal("200"), Decimal("120")),
    ]
    assert {line["document.CustomerKey.Id"] for line in inv1} == {"C1"}


def test_a_salespersons_commission_percent_comes_from_their_record(service: FakeGpWebServices) -> None:
    # The list's SalespersonSummary has no CommissionPercent; GetSalespersonByKey has, as a Percent
    # (cc508020: "the decimal value of the percent amount"): 4.5 is 4.5 %, 0.045 in the ledger.
    from mappings.engine import load_mapping
    from tests.connector.gp_ws_service import key

    service.company.salespeople = [
        {
            "Key": key("S1"),
            "FirstName": "Ada",
            "LastName": "Ng",
            "ModifiedDate": dt.datetime(2025, 1, 1),
            "CommissionPercent": {"DecimalDigits": 2, "Value": Decimal("4.5")},
        }
    ]
    (chunk,) = list(connect(service).read("salespeople", []))
    assert chunk[0].values["CommissionPercent.Value"] == Decimal("4.5")
    assert "GetSalespersonByKey" in service.operations()
    records, issues, _ = load_mapping("gp-ws").streams["salespeople"].map_rows(chunk, "gp-ws", "")
    assert issues == [] and [r.commission_rate for r, _ in records] == [Decimal("0.045")]


def test_apply_records_are_rebuilt_oldest_first(service: FakeGpWebServices) -> None:
    # INV1 was settled by 1,190 − 571 = 619: PMT1 500 (2026-02-01), then CRM1 119 (2026-02-15).
    applications = rows(connect(service), "applications")
    assert [(a["from.Key.Id"], a["to.Key.Id"], a["Amount"], a["Date"]) for a in applications] == [
        ("PMT1", "INV1", Decimal("500"), dt.date(2026, 2, 1)),
        ("CRM1", "INV1", Decimal("119"), dt.date(2026, 2, 15)),
    ]


def test_an_incremental_read_asks_only_for_changes_since_the_cursor(service: FakeGpWebServices) -> None:
    connector = connect(service)
    found = rows(connector, "receivables", since="2026-03-01")
    assert [r["Key.Id"] for r in found] == ["INV2"]
    windows = [call["criteria"].ModifiedDate for name, call in service.calls if name == "GetReceivablesDocumentList"]
    assert min(w.From for w in windows) == dt.datetime(2026, 3, 1)


def test_a_window_too_large_for_one_answer_is_halved_until_it_fits(service: FakeGpWebServices) -> None:
    # WCF refuses to serialise more than max_items records in one answer; five documents changed
    # within one week need windows of a day or two.
    for day, record in enumerate(service.company.receivables, start=2):
        record["ModifiedDate"] = dt.datetime(2026, 3, day)
    service.max_items = 1
    connector = connect(service)
    assert sorted(r["Key.Id"] for r in rows(connector, "receivables")) == ["CRM1", "INV1", "INV2", "INV3", "PMT1"]
    assert connector.windows_shrunk > 0


def test_an_answer_over_max_response_bytes_is_asked_again_in_smaller_key_ranges(service: FakeGpWebServices) -> None:
    # The employee list has no date restriction: an answer too large to read is asked again below, at
    # and above a key between its bounds (no key of the refused answer is seen).
    from tests.connector.gp_ws_service import key

    service.company.employees = [
        {"EmployeeKey": key(f"E{n:03}"), "Name": {"Given": "A", "Family": f"N{n}"}, "DepartmentKey": key("SUP")}
        for n in range(1, 7)
    ]
    one, two = (len(service.envelope("GetEmployeeList", service.answer_list("GetEmployeeList", n))) for n in (1, 2))
    connector = connect(service, max_response_bytes=(one + two) // 2)  # one fits, two do not
    assert [r["EmployeeKey.Id"] for r in rows(connector, "employees")] == [f"E{n:03}" for n in range(1, 7)]
    assert connector.windows_shrunk > 0


def test_one_day_too_large_is_split_by_key(service: FakeGpWebServices) -> None:
    # Both customers changed on one day and WCF sends one item per answer: the day is asked by Id.
    for record in service.company.customers:
        record["ModifiedDate"] = dt.datetime(2026, 5, 5)
    service.max_items = 1
    assert sorted(r["Key.Id"] for r in rows(connect(service), "customers")) == ["C1", "C2"]
    asked = [call["criteria"].Id for name, call in service.calls if name == "GetCustomerList"]
    assert any(r is not None and r.LessThan is not None for r in asked)


def test_one_record_too_large_for_any_answer_stops_with_the_settings_to_change(service: FakeGpWebServices) -> None:
    service.company.customers = service.company.customers[:1]
    service.company.customers[0]["ModifiedDate"] = dt.datetime(2026, 5, 5)
    connector = connect(service, max_response_bytes=64 * 1024)
    service.company.customers[0]["Name"] = "x" * (70 * 1024)
    with pytest.raises(ConnectorError) as caught:
        rows(connector, "customers")
    assert "2026-05-05" in caught.value.message
    assert "max_response_bytes" in (caught.value.hint or "") and "maxItemsInObjectGraph" in (caught.value.hint or "")


def test_business_object_not_found_fails_at_once(service: FakeGpWebServices) -> None:
    service.faults.append(("GetReceivablesInvoiceByKey", "fault:Business object not found."))
    with pytest.raises(QueryError) as caught:
        rows(connect(service), "receivables")
    assert "Business object not found" in caught.value.message
    assert service.operations().count("GetReceivablesInvoiceByKey") == 1  # terminal: not asked again


def test_a_wrong_company_key_is_a_clear_terminal_error(service: FakeGpWebServices) -> None:
    with pytest.raises(QueryError) as caught:
        rows(connect(service, company=7), "customers")
    assert "company key is not valid" in caught.value.message
    assert len(service.calls) == 1


def test_a_wrong_windows_password_is_refused_without_showing_it(service: FakeGpWebServices) -> None:
    with pytest.raises(AuthError) as caught:
        rows(connect(service, password="not-the-password"), "customers")
    assert "refused the credentials as CONTOSO\\svc-profitlens (HTTP 401" in caught.value.message
    assert "source.username" in (caught.value.hint or "")
    assert "not-the-password" not in str(caught.value) and "Pa55word" not in str(caught.value)


def test_a_wrong_password_on_loading_the_wsdl_says_the_credentials_were_refused(service: FakeGpWebServices) -> None:
    # The WSDL is the first thing asked (where GP publishes it, behind Windows sign-in): a 401 there is
    # the password, not the WSDL setting.
    from connector.gp_ws_soap import default_wsdl

    soap = SoapClient(
        Endpoint(service.url, default_wsdl(service.url), -1), auth=HttpNtlmAuth(USER, "wrong"), retry=FAST_RETRY
    )
    with pytest.raises(AuthError) as caught:
        rows(GpWebServicesConnector(soap), "customers")
    assert "refused the credentials" in caught.value.message and "source.wsdl" not in (caught.value.hint or "")


def test_the_native_endpoints_wsdl_names_the_legacy_endpoint_to_use(service: FakeGpWebServices, tmp_path: Path) -> None:
    # The 2010/01 WSDL binds SOAP 1.2 only (../shared/reference/dynamics-gp/DynamicsGP-2010-01.wsdl):
    # the same WSDL with its binding made SOAP 1.2.
    native = tmp_path / "native.wsdl"
    native.write_text(
        WSDL.read_text().replace(
            'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"', 'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap12/"'
        )
    )
    soap = SoapClient(Endpoint(service.url, str(native), -1), auth=HttpNtlmAuth(USER, PASSWORD), retry=FAST_RETRY)
    with pytest.raises(ConnectorError) as caught:
        rows(GpWebServicesConnector(soap), "customers")
    assert "native endpoint (SOAP 1.2 with WS-Security)" in caught.value.message
    assert "DynamicsGPService.asmx" in (caught.value.hint or "") and "source.url" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "fault", ["status:503:0", "status:429", "reset", "fault:Timeout expired.  The timeout period elapsed"]
)
def test_transient_failures_are_asked_again(service: FakeGpWebServices, fault: str) -> None:
    service.faults.append(("GetCustomerByKey", fault))
    assert len(rows(connect(service), "customers")) == 2
    assert service.operations().count("GetCustomerByKey") == 3  # C1 twice (the failure, the retry), C2


def test_a_stalled_answer_times_out_and_is_asked_again(service: FakeGpWebServices) -> None:
    service.faults.append(("GetCustomerList", "stall:1.5"))
    assert len(rows(connect(service, timeout=0.5), "customers")) == 2


def test_endless_unavailability_ends_as_a_transient_error(service: FakeGpWebServices) -> None:
    service.faults.extend([("GetCustomerList", "status:503")] * 3)
    with pytest.raises(SourceUnavailable):
        rows(connect(service), "customers")


def test_an_answer_with_a_dtd_or_entities_is_refused(service: FakeGpWebServices) -> None:
    service.faults.append(("GetCustomerList", "dtd"))
    with pytest.raises(ConnectorError) as caught:
        rows(connect(service), "customers")
    assert "DTD" in caught.value.message or "entit" in caught.value.message


def test_timesheet_lines_are_attributed_to_the_projects_customer(service: FakeGpWebServices) -> None:
    from tests.connector.gp_ws_service import key, money

    service.company.projects.append({"Key": key("P-100"), "CustomerKey": key("C1"), "Name": "Roll-out"})
    service.company.timesheets.append(
        {
            "Key": key("TS1"),
            "EmployeeKey": key("E1"),
            "Date": dt.datetime(2026, 9, 30),
            "TransactionState": "History",
            "Lines": {
                "ProjectTimesheetLine": [
                    {
                        "Key": {"ProjectTimesheetKey": key("TS1"), "SequenceNumber": 1},
                        "ProjectKey": key("P-100"),
                        "CostCategoryKey": key("SUPPORT"),
                        "Date": dt.datetime(2026, 9, 30),
                        "Quantity": {"DecimalDigits": 2, "Value": Decimal("2.5")},
                        "TotalCost": money(Decimal("150")),
                    }
                ]
            },
        }
    )
    (line,) = rows(connect(service), "timesheets")
    assert line["document.CustomerKey.Id"] == "C1" and line["document.EmployeeKey.Id"] == "E1"
    assert line["Quantity.Value"] == Decimal("2.5") and line["TotalCost.Value"] == Decimal("150")


def test_every_stream_has_a_mapping() -> None:
    from mappings.engine import load_mapping

    assert set(load_mapping("gp-ws").streams) == set(STREAMS)


def test_the_wsdl_is_fetched_from_where_gp_publishes_it(service: FakeGpWebServices) -> None:
    from connector.gp_ws_soap import default_wsdl

    wsdl = default_wsdl(service.url)
    assert wsdl.endswith(":" + service.url.split(":")[2].split("/")[0] + "/Metadata/Legacy/Full/DynamicsGP.wsdl")
    soap = SoapClient(Endpoint(service.url, wsdl, -1), auth=HttpNtlmAuth(USER, PASSWORD), retry=FAST_RETRY)
    assert len(rows(GpWebServicesConnector(soap), "customers")) == 2


def test_a_wsdl_that_cannot_be_loaded_names_the_setting(service: FakeGpWebServices) -> None:
    soap = SoapClient(Endpoint(service.url, service.url + "/nowhere.wsdl", -1), auth=HttpNtlmAuth(USER, PASSWORD))
    with pytest.raises(ConnectorError) as caught:
        rows(GpWebServicesConnector(soap), "customers")
    assert "source.wsdl" in (caught.value.hint or "")


def test_windows_authentication_without_its_package_names_the_fix() -> None:
    from connector.gp_ws_soap import windows_auth

    # Linux has no SSPI: requests-negotiate-sspi is a Windows-only extra.
    with pytest.raises(ConnectorError) as caught:
        windows_auth()
    assert "profitlens[windows]" in (caught.value.hint or "") and 'auth = "ntlm"' in (caught.value.hint or "")


def test_open_documents_read_by_the_receivables_stream_are_not_asked_again(service: FakeGpWebServices) -> None:
    # INV1, INV2 and INV3 are open: the receivables stream asks GetReceivablesInvoiceByKey once each for
    # what is open; the applications stream needs the same figure and takes it from there. Against a real
    # GP Web Services server each call is a round trip of tens of milliseconds, for every open document.
    connector = connect(service)
    rows(connector, "receivables")
    asked = service.operations().count("GetReceivablesInvoiceByKey")
    applications = rows(connector, "applications")
    assert service.operations().count("GetReceivablesInvoiceByKey") == asked == 3
    # The same apply records as a connector that asks the service itself.
    assert applications == rows(connect(service), "applications")


def voided_invoice_company(service: FakeGpWebServices) -> None:
    """C9 (worked below): a voided invoice in history next to a paid one, an open one and an open receipt.

    INVV1  170.00 2026-01-05 voided (history, nothing open: it looks paid)
    INV10 1000.00 2026-01-10 history (paid)       PMT10 1000.00 2026-01-20 history (gave 1,000)
    INV11  620.00 2026-02-10 open, 450.00 open    PMT11  340.00 2026-02-20 open (gave ? — not in the service)
    Debits settled: INV10 1,000 + INV11 170 = 1,170 (INVV1 left out); PMT10 gave 1,000, so the open
    PMT11 gave the other 170 and keeps 170 unapplied. Oldest first: PMT10 → INV10 1,000 on 01-20,
    PMT11 → INV11 170 on 02-20. With INVV1 taken as paid, PMT10 would pay it 170 and INV10 wait for
    PMT11 until 02-20.
    """
    from tests.connector.gp_ws_service import key, money

    def document(number: str, kind: str, amount: str, day: dt.date, state: str, **more: Any) -> dict[str, Any]:
        return {
            "Key": key(number),
            "Type": kind,
            "CustomerKey": key("C9"),
            "Date": dt.datetime.combine(day, dt.time()),
            "ModifiedDate": dt.datetime.combine(day, dt.time()),
            "TransactionState": state,
            "DocumentAmount": money(Decimal(amount)),
            **more,
        }

    service.company.receivables += [
        document("INVV1", "Invoice", "170", dt.date(2026, 1, 5), "History", IsVoided=True),
        document("INV10", "Invoice", "1000", dt.date(2026, 1, 10), "History", IsVoided=False),
        document("INV11", "Invoice", "620", dt.date(2026, 2, 10), "Open", CurrentDocumentAmount=money(Decimal(450))),
        document("PMT10", "Cash Receipt", "1000", dt.date(2026, 1, 20), "History"),
        document("PMT11", "Cash Receipt", "340", dt.date(2026, 2, 20), "Open"),
    ]


C9_APPLICATIONS = [
    ("PMT10", "INV10", Decimal("1000"), dt.date(2026, 1, 20)),
    ("PMT11", "INV11", Decimal("170"), dt.date(2026, 2, 20)),
]


def c9(applications: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (a["from.Key.Id"], a["to.Key.Id"], a["Amount"], a["Date"]) for a in applications if a["CustomerKey.Id"] == "C9"
    ]


def test_a_voided_document_takes_no_part_in_the_payment_matching(service: FakeGpWebServices) -> None:
    # The receivables stream reads INVV1's record (IsVoided) in the same run: left out of the matching.
    voided_invoice_company(service)
    connector = connect(service)
    rows(connector, "receivables")
    assert c9(rows(connector, "applications")) == C9_APPLICATIONS


def test_a_void_the_ledger_knows_is_left_out_when_its_record_is_not_read_again(service: FakeGpWebServices) -> None:
    # An incremental sync reads no record of INVV1 (unchanged since): the sync passes the ledger's voided
    # documents by source key. Without that, INVV1 would take 170 of PMT10.
    voided_invoice_company(service)
    connector = connect(service)
    assert c9(rows(connector, "applications")) != C9_APPLICATIONS  # the summaries alone cannot tell
    connector = connect(service)
    connector.use_voided(frozenset({"Invoice|INVV1"}))
    assert c9(rows(connector, "applications")) == C9_APPLICATIONS


def test_a_server_that_drips_its_answer_is_cut_at_the_deadline(service: FakeGpWebServices) -> None:
    # Issue 20 (11): a byte every 3 s with timeout_seconds = 5 still hung at 90 s (each read was in time).
    service.faults.extend([("GetCustomerList", "drip:0.2")] * 3)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"no complete answer within 1 s"):
        rows(connect(service, timeout=1), "customers")
    assert time.monotonic() - started < 15  # three attempts of about a second each, and the back-off


def test_an_answer_far_over_the_cap_is_never_read_whole(service: FakeGpWebServices) -> None:
    # Issue 20 (11): the whole answer was downloaded before the size check (100 MB → 1.9 GB peak).
    service.faults.extend([("GetCustomerList", "huge:200000000")] * 2)
    customers = rows(connect(service, max_response_bytes=1_000_000), "customers")
    assert len(customers) == 2  # asked again in smaller windows, as for any answer over the cap
    assert service.huge_sent < 50_000_000  # twice 200 MB offered; the client hung up soon after its cap


def test_a_wsdl_that_points_elsewhere_is_refused(service: FakeGpWebServices, tmp_path: Path) -> None:
    # Issue 20 (11): schemaLocation="file:///dev/zero" read local files until memory ran out.
    text = WSDL.read_text(encoding="utf-8")
    hostile = text.replace(
        "<wsdl:types>",
        '<wsdl:types><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="urn:x" schemaLocation="file:///dev/zero"/></xs:schema>',
        1,
    )
    assert hostile != text
    path = tmp_path / "hostile.wsdl"
    path.write_text(hostile, encoding="utf-8")
    soap = SoapClient(Endpoint(service.url, str(path), -1), auth=HttpNtlmAuth(USER, PASSWORD), retry=FAST_RETRY)
    with pytest.raises(
        ConnectorError, match=r"the WSDL asks to load '(file|https?):///dev/zero'; profitlens loads nothing but"
    ):
        soap.call("GetCompanyList", criteria=None)


def test_items_carry_their_class_description_and_kind(service: FakeGpWebServices) -> None:
    # GetItemList's ItemSummary: Key, Description, ClassKey, Type ('Sales Item', 'Kit', …), IsDiscontinued;
    # the class's description is in GetItemClassList (ItemClass: Key, Description, Type). Type has no
    # 'Discontinued' (GP SQL's ITEMTYPE 2): IsDiscontinued says it, and wins.
    from mappings.engine import load_mapping
    from tests.connector.gp_ws_service import key

    service.company.item_classes = [
        {"Key": key("HARDWARE"), "Description": "Hardware", "Type": "Sales Item"},
        {"Key": key("KITS"), "Description": "Kits and bundles", "Type": "Kit"},
    ]
    day = dt.datetime(2026, 1, 5)
    service.company.items = [
        {
            "Key": key("H-1"),
            "Description": "Router",
            "ClassKey": key("HARDWARE"),
            "Type": "Sales Item",
            "IsDiscontinued": False,
            "ModifiedDate": day,
        },
        {
            "Key": key("KIT-9"),
            "Description": "Starter kit",
            "ClassKey": key("KITS"),
            "Type": "Kit",
            "IsDiscontinued": False,
            "ModifiedDate": day,
        },
        {
            "Key": key("P-1"),
            "Description": "Cable",
            "ClassKey": key("HARDWARE"),
            "Type": "Sales Item",
            "IsDiscontinued": True,
            "ModifiedDate": day,
        },
    ]
    found = {
        r["Key.Id"]: (r["Description"], r["ClassKey.Id"], r["ClassDescription"], r["ItemKind"])
        for r in rows(connect(service), "items")
    }
    assert found == {
        "H-1": ("Router", "HARDWARE", "Hardware", "Sales Item"),
        "KIT-9": ("Starter kit", "KITS", "Kits and bundles", "Kit"),
        "P-1": ("Cable", "HARDWARE", "Hardware", "Discontinued"),
    }
    codes = load_mapping("gp-ws").streams["items"].codes["ws_item_type"]
    assert (codes["Kit"], codes["Discontinued"], codes["Service"]) == ("kit", "discontinued", "service")
