"""A GP Web Services endpoint on loopback: a real HTTP server answering SOAP 1.1 envelopes.

It speaks the contract of tests/connector/gp_ws/DynamicsGP-subset.wsdl (derived from the real
2010/01 WSDL): requests are parsed and answers rendered with that schema, so element names,
namespaces and order are the real service's. It dispatches on SOAPAction as WCF does, filters by
the criteria GP honours (date restrictions From/To, TransactionState), and answers like GP:

- Windows authentication by a real NTLM handshake (pyspnego's acceptor checks the password);
- a list answer holds at most the first `list_limit` items that meet the criteria, the rest cut
  without a word (the GP Web Services programmer's guide, "Lists of objects",
  learn.microsoft.com/previous-versions/dynamicsgp/developer/cc508732; the limit is a server
  setting, 1,000 by default), in the order the records are stored here;
- key restrictions (Id, DocumentId, EmployeeKeyId) with EqualValue, From/To (inclusive, cc534040)
  and GreaterThan/LessThan (exclusive), in code-point order;
- a list with more than `max_items` records → WCF's maxItemsInObjectGraph fault;
- a key that does not exist → "Business object not found.";
- scripted faults: a SOAP fault text, an HTTP status (with Retry-After), a reset connection
  (closed without an answer), or a stall longer than the client's timeout.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

WSDL = Path(__file__).with_name("gp_ws") / "DynamicsGP-subset.wsdl"
TNS = "http://schemas.microsoft.com/dynamics/gp/2010/01"
GP = "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.GP"
COMMON = "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.Common"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def money(value: Any, currency: str = "EUR") -> dict[str, Any]:
    return {"Currency": currency, "DecimalDigits": 2, "Value": value}


def key(value: str) -> dict[str, Any]:
    return {"Id": value}


@dataclass
class GpCompany:
    """Records in the service's own shape (full objects; summaries are cut from them)."""

    company_id: int = -1
    customers: list[dict[str, Any]] = field(default_factory=list)
    salespeople: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    receivables: list[dict[str, Any]] = field(default_factory=list)  # each with Type and TransactionState
    sales_invoices: list[dict[str, Any]] = field(default_factory=list)
    sales_returns: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    timesheets: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    item_classes: list[dict[str, Any]] = field(default_factory=list)

    def touch(self, record: dict[str, Any], day: dt.date) -> None:
        """A change at the source: GP sets ModifiedDate (and LastModifiedDate where there is one)."""
        record["ModifiedDate"] = dt.datetime.combine(day, dt.time())
        if "LastModifiedDate" in record:
            record["LastModifiedDate"] = dt.datetime.combine(day, dt.time(12))


class FakeGpWebServices:
    def __init__(
        self,
        company: GpCompany,
        *,
        users: dict[str, str] | None = None,
        max_items: int | None = None,
        list_limit: int | None = 1000,
        users_file: Path | None = None,
    ) -> None:
        from zeep import Client

        self.company = company
        self.max_items = max_items
        self.list_limit = list_limit
        self.users = users  # "DOMAIN\\user" → password; None: no authentication asked
        self.users_file = users_file
        self.faults: deque[tuple[str | None, str]] = deque()  # (operation or None for any, what)
        self.huge_sent = 0  # bytes of a "huge" answer written before the client hung up
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.client = Client(str(WSDL))
        binding = next(iter(self.client.wsdl.bindings.values()))
        self.actions = {name: op.soapaction for name, op in binding._operations.items()}
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- lifecycle --------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[FakeGpWebServices]:
        if self.users is not None:
            assert self.users_file is not None
            self.users_file.write_text("".join(f"{u.replace(chr(92), ':')}:{p}\n" for u, p in self.users.items()))
            os.environ["NTLM_USER_FILE"] = str(self.users_file)
        handler = type("Handler", (_Handler,), {"service": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # type: ignore[method-assign]  # resets are planned
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/DynamicsGPWebServices/DynamicsGPService.asmx"
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            os.environ.pop("NTLM_USER_FILE", None)

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]

    # -- answering --------------------------------------------------------------------------------

    def answer(self, operation: str, request: Any) -> dict[str, Any]:
        c = self.company
        if operation.endswith("ByKey"):
            wanted = request.key.Id
            pool = {
                "GetCustomerByKey": c.customers,
                "GetSalespersonByKey": c.salespeople,
                "GetProjectByKey": c.projects,
                "GetSalesInvoiceByKey": c.sales_invoices,
                "GetSalesReturnByKey": c.sales_returns,
                "GetProjectTimesheetByKey": c.timesheets,
            }.get(operation) or [r for r in c.receivables if _by_key_operation(r) == operation]
            found = next((r for r in pool if r["Key"]["Id"] == wanted), None)
            if found is None:
                raise _Fault("Business object not found.")
            if operation == "GetCashReceiptByKey":
                found = {**found, "Type": found.get("CashReceiptType", "Check")}  # CashReceiptType, not the RM type
            return {f"{operation}Result": self._shape(found, self._result_type(operation))}
        pool = {
            "GetCompanyList": [{"Key": {"Id": c.company_id}, "Name": "Fabrikam, Inc."}],
            "GetCustomerList": c.customers,
            "GetSalespersonList": c.salespeople,
            "GetEmployeeList": c.employees,
            "GetReceivablesDocumentList": c.receivables,
            "GetSalesInvoiceList": c.sales_invoices,
            "GetSalesReturnList": c.sales_returns,
            "GetProjectList": c.projects,
            "GetProjectTimesheetList": c.timesheets,
            "GetItemList": c.items,
            "GetItemClassList": c.item_classes,
        }[operation]
        found = [r for r in pool if _matches(r, request.criteria)]
        if self.max_items is not None and len(found) > self.max_items:
            raise _Fault(
                "The formatter threw an exception while trying to serialize the message: Maximum number of items "
                f"that can be serialized or deserialized in an object graph is '{self.max_items}'. "
                "Change the object graph or increase the MaxItemsInObjectGraph quota."
            )
        if self.list_limit is not None:
            found = found[: self.list_limit]  # GP cuts silently: nothing in the answer says so
        array_type = self._result_type(operation)
        ((item_name, item_element),) = array_type.elements
        item_type = item_element.type
        return {f"{operation}Result": {item_name: [self._shape(r, item_type) for r in found]}}

    def answer_list(self, operation: str, count: int) -> dict[str, Any]:
        """The answer a list operation gives for its first `count` records (to size answers in tests)."""
        request = self.client.get_element(f"{{{TNS}}}{operation}")(criteria=None, context=None)
        full = self.answer(operation, request)
        (result,) = full.values()
        ((name, items),) = result.items()
        return {f"{operation}Result": {name: items[:count]}}

    def _result_type(self, operation: str) -> Any:
        response = self.client.get_element(f"{{{TNS}}}{operation}Response")
        return response.type.elements[0][1].type

    def _shape(self, record: dict[str, Any], xsd_type: Any) -> dict[str, Any]:
        from zeep import xsd

        names = {name for name, _ in xsd_type.elements}
        shaped = {k: v for k, v in record.items() if k in names}
        if isinstance(shaped.get("CreditLimit"), dict) and "Value" in shaped["CreditLimit"]:
            # CustomerCreditLimit.Item is xs:anyType: an amount goes as xsi:type="MoneyAmount"
            amount = xsd.AnyObject(self.client.get_type(f"{{{COMMON}}}MoneyAmount"), shaped["CreditLimit"])
            shaped["CreditLimit"] = {"Item": amount}
        return shaped

    def envelope(self, operation: str, value: dict[str, Any]) -> bytes:
        root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
        body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
        self.client.get_element(f"{{{TNS}}}{operation}Response").render(body, value)
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class _Fault(Exception):
    pass


def fault_envelope(text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher">'
        f'a:InternalServiceFault</faultcode><faultstring xml:lang="en-US">{text}</faultstring>'
        "</s:Fault></s:Body></s:Envelope>"
    ).encode()


def _by_key_operation(record: dict[str, Any]) -> str:
    from connector.gp_ws_streams import RECEIVABLES_BY_KEY

    return RECEIVABLES_BY_KEY.get(record["Type"], "")


def _matches(record: dict[str, Any], criteria: Any) -> bool:
    if criteria is None:
        return True
    for name in ("ModifiedDate", "Date", "LastModifiedDate"):
        restriction = getattr(criteria, name, None) if name in dir(criteria) else None
        if restriction is None:
            continue
        value = record.get(name)
        if value is None:
            return False
        if restriction.From is not None and value < restriction.From:
            return False
        if restriction.To is not None and value > restriction.To:
            return False
    keys = (
        ("Id", ("Key", "Id")),
        ("DocumentId", ("Key", "Id")),
        ("EmployeeKeyId", ("EmployeeKey", "Id")),
        ("ItemId", ("Key", "Id")),
        ("ItemClassId", ("Key", "Id")),
    )
    for name, path in keys:
        restriction = getattr(criteria, name, None) if name in dir(criteria) else None
        if restriction is None:
            continue
        value = record.get(path[0], {}).get(path[1])
        if value is None:
            return False
        if restriction.EqualValue is not None and value != restriction.EqualValue:
            return False
        if restriction.From is not None and value < restriction.From:
            return False
        if restriction.To is not None and value > restriction.To:
            return False
        if restriction.GreaterThan is not None and value <= restriction.GreaterThan:
            return False
        if restriction.LessThan is not None and value >= restriction.LessThan:
            return False
    state = getattr(criteria, "TransactionState", None) if "TransactionState" in dir(criteria) else None
    return not (
        state is not None and state.EqualValue is not None and record.get("TransactionState") != state.EqualValue
    )


class _Handler(BaseHTTPRequestHandler):
    service: FakeGpWebServices
    protocol_version = "HTTP/1.1"  # keep-alive: NTLM authenticates the connection
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        """The WSDL, where GP Web Services publishes it (after Windows authentication)."""
        if self.service.users is not None and not self._authenticated():
            return
        if self.path != "/Metadata/Legacy/Full/DynamicsGP.wsdl":
            self._send(404, b"Not Found", "text/plain")
            return
        self._send(200, WSDL.read_bytes())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        service = self.service
        if service.users is not None and not self._authenticated():
            return
        root = etree.fromstring(body)
        request_node = root.find(f"{{{SOAP_ENV}}}Body")[0]
        operation = etree.QName(request_node).localname
        expected = service.actions.get(operation)
        if self.headers.get("SOAPAction", "").strip('"') != expected:
            self._send(
                500, fault_envelope(f"The message with Action '{self.headers.get('SOAPAction')}' cannot be processed")
            )
            return
        with service.lock:
            planned = next((f for f in service.faults if f[0] in (None, operation)), None)
            if planned is not None:
                service.faults.remove(planned)
        element = service.client.get_element(f"{{{TNS}}}{operation}")
        request = element.parse(request_node, service.client.wsdl.types)
        service.calls.append(
            (
                operation,
                {
                    "criteria": getattr(request, "criteria", None),
                    "key": getattr(request, "key", None),
                    "context": request.context,
                },
            )
        )
        if planned is not None:
            what = planned[1]
            if what == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if what.startswith("stall:"):
                time.sleep(float(what.split(":")[1]))
            elif what.startswith("status:"):
                _, status, *retry = what.split(":")
                headers = {"Retry-After": retry[0]} if retry else {}
                self._send(int(status), b"Service Unavailable", "text/plain", headers)
                return
            elif what.startswith("fault:"):
                self._send(500, fault_envelope(what.removeprefix("fault:")))
                return
            elif what.startswith("drip:"):  # the answer's headers, then its body a byte at a time
                interval = float(what.split(":")[1])
                payload = service.envelope(operation, service.answer(operation, request))
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    for byte in payload:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(interval)
                return
            elif what.startswith("huge:"):  # an answer of that many bytes, counted as it goes out
                size = int(what.split(":")[1])
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                block = b" " * 65536
                with contextlib.suppress(OSError):
                    while service.huge_sent < size:
                        self.wfile.write(block)
                        service.huge_sent += len(block)
                return
            elif what.startswith("dtd"):
                self._send(
                    200,
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b'<s:Envelope xmlns:s="' + SOAP_ENV.encode() + b'"><s:Body>&e;</s:Body></s:Envelope>',
                )
                return
        if (
            request.context is None
            or request.context.OrganizationKey is None
            or request.context.OrganizationKey.Id != service.company.company_id
        ):
            self._send(500, fault_envelope("A validation exception has occurred. The company key is not valid."))
            return
        try:
            value = service.answer(operation, request)
        except _Fault as fault:
            self._send(500, fault_envelope(str(fault)))
            return
        self._send(200, service.envelope(operation, value))

    def _authenticated(self) -> bool:
        import spnego

        if getattr(self, "_ntlm_done", False):
            return True
        header = self.headers.get("Authorization", "")
        if not header.startswith("NTLM "):
            self._send(401, b"", "text/plain", {"WWW-Authenticate": "NTLM"})
            return False
        token = base64.b64decode(header[5:])
        if not hasattr(self, "_ntlm") or token[8:9] == b"\x01":
            self._ntlm = spnego.server(protocol="ntlm")
        try:
            answer = self._ntlm.step(token)
        except Exception:
            self._send(401, b"Access is denied.", "text/plain", {"WWW-Authenticate": "NTLM"})
            return False
        if not self._ntlm.complete:
            self._send(401, b"", "text/plain", {"WWW-Authenticate": "NTLM " + base64.b64encode(answer or b"").decode()})
            return False
        self._ntlm_done = True
        return True

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str = "text/xml; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
