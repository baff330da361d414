"""The GP Web Services connector against the real contract: the full 2010/01 WSDL of a GP server.

`../shared/reference/dynamics-gp/DynamicsGP-2010-01.wsdl` is the real WSDL (367 operations), kept
outside the repository; these tests run where it is present. They check that every operation the
connector calls, every criteria restriction it sends and every field the gp-ws mapping reads
exists there with the same name, and that the project's own test WSDL says what the real one says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.gp_ws_streams import OPERATIONS, RECEIVABLES_BY_KEY, STREAMS
from mappings.engine import load_mapping
from tests.connector.gp_ws_service import WSDL

REAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "dynamics-gp" / "DynamicsGP-2010-01.wsdl"
GP = "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.GP"

pytestmark = pytest.mark.skipif(not REAL.exists(), reason="the real GP WSDL (../shared/reference) is not here")

# Which service types a stream's rows are made of (summary, then the whole record); line streams
# read lines, with their document's fields under "document.".
ROW_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customers": (("CustomerSummary", "Customer"), ()),
    "salespeople": (("SalespersonSummary", "Salesperson"), ()),
    "employees": (("EmployeeSummary",), ()),
    "receivables": (
        ("ReceivablesDocumentSummary", "ReceivablesInvoice", "ReceivablesCreditMemo", "CashReceipt"),
        (),
    ),
    "sales_invoice_lines": (("SalesInvoiceLine",), ("SalesInvoiceSummary", "SalesInvoice")),
    "sales_return_lines": (("SalesReturnLine",), ("SalesReturnSummary", "SalesReturn")),
    "timesheets": (("ProjectTimesheetLine",), ("ProjectTimesheetSummary", "ProjectTimesheet", "ProjectSummary")),
    "items": (("ItemSummary",), ()),
}


@pytest.fixture(scope="module")
def real() -> Any:
    from zeep import Client

    return Client(str(REAL))


@pytest.fixture(scope="module")
def ours() -> Any:
    from zeep import Client

    return Client(str(WSDL))


def actions(client: Any) -> dict[str, str]:
    return {
        name: operation.soapaction
        for binding in client.wsdl.bindings.values()
        for name, operation in binding._operations.items()
    }


def test_every_operation_the_connector_calls_is_in_the_real_service_with_the_same_action(real: Any, ours: Any) -> None:
    real_actions, our_actions = actions(real), actions(ours)
    for operation in OPERATIONS:
        assert operation in real_actions, operation
        assert our_actions[operation] == real_actions[operation], operation


def test_the_test_wsdl_has_the_real_types_field_for_field(real: Any, ours: Any) -> None:
    checked = 0
    for xsd_type in ours.wsdl.types.types:
        if xsd_type.qname is None or not hasattr(xsd_type, "elements"):
            continue
        twin = real.get_type(xsd_type.qname)
        assert [n for n, _ in xsd_type.elements] == [n for n, _ in twin.elements], xsd_type.qname
        checked += 1
    assert checked > 100


def test_every_criteria_restriction_sent_exists(real: Any) -> None:
    for spec in STREAMS.values():
        criteria = {n: e for n, e in real.get_type(f"{{{GP}}}{spec.criteria}").elements}
        for name in [spec.window, *spec.extra] if spec.window else list(spec.extra):
            assert name in criteria, (spec.name, name)
        if spec.states:
            assert "TransactionState" in criteria, spec.name
            state_list = criteria["TransactionState"].type
            enum_type = dict(state_list.elements)["EqualValue"].type
            assert set(spec.states) <= enumeration(enum_type.name), spec.name
        operation = real.get_element(f"{{http://schemas.microsoft.com/dynamics/gp/2010/01}}{spec.operation}")
        assert dict(operation.type.elements)["criteria"].type.name == spec.criteria, spec.name


def test_receivables_types_read_by_key_are_the_services_enumeration(real: Any) -> None:
    values = enumeration("ReceivablesDocumentType")
    assert set(RECEIVABLES_BY_KEY) <= values
    mapping = load_mapping("gp-ws")
    assert values - {"Balance Brought Forward", "Scheduled Payment"} <= set(
        mapping.streams["receivables"].codes["ws_document_type"]
    )


def test_every_field_the_mapping_reads_exists_in_the_real_types(real: Any) -> None:
    mapping = load_mapping("gp-ws")
    # timesheets: the project's customer; items: the class's description (GetItemClassList) and the kind
    added_by_connector = {"document.CustomerKey.Id", "ClassDescription", "ItemKind"}
    for stream, (row_types, document_types) in ROW_TYPES.items():
        for column in mapping.streams[stream].columns():
            if column in added_by_connector:
                continue
            if column.startswith("document."):
                types, path = document_types, column.removeprefix("document.")
            else:
                types, path = row_types, column
            assert any(resolves(real, name, path.split(".")) for name in types), (stream, column)


def enumeration(name: str) -> set[str]:
    """The values of a simple type in the real WSDL (zeep does not keep enumerations)."""
    from lxml import etree

    xs = "{http://www.w3.org/2001/XMLSchema}"
    tree = etree.parse(str(REAL))
    (simple,) = [t for t in tree.iter(f"{xs}simpleType") if t.get("name") == name]
    return {e.get("value") for e in simple.iter(f"{xs}enumeration")}


def resolves(client: Any, type_name: str, path: list[str]) -> bool:
    xsd_type = client.get_type(f"{{{GP}}}{type_name}")
    for part in path:
        if type(xsd_type).__name__ == "AnyType":
            return True  # xs:anyType (e.g. CustomerCreditLimit.Item): the xsi:type names the rest
        fields = dict(getattr(xsd_type, "elements", []))
        if part not in fields:
            return False
        xsd_type = fields[part].type
    return True
