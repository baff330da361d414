"""SOAP at the GP Web Services connector's edge: zeep over one requests session, errors translated.

GP Web Services publishes a SOAP 1.1 endpoint (the legacy `DynamicsGPService.asmx`, or a
basicHttpBinding endpoint of the 2010/01 service) that Python can call with Windows (NTLM)
authentication; the default 2010/01 endpoint speaks SOAP 1.2 with WS-Security, which zeep cannot.
The WSDL is the server's own, so operation and type names come from it; the client binds the
first SOAP 1.1 binding it finds to the configured URL.

What comes back is turned into the project's error tree here and nowhere else:
- a connection reset, timeout, HTTP 408/429/5xx without a SOAP fault, and faults that report a
  timeout, a deadlock or a lost connection → `SourceUnavailable` (transient, retried);
- HTTP 401/403 and faults about security roles or policies → `AuthError`;
- "Business object not found" and validation faults → `QueryError` (terminal);
- a response over `max_response_bytes`, or WCF's own "too many items / quota exceeded" faults →
  `ResponseTooLarge`, which the connector answers by asking for a smaller date window;
- XML with a DTD or entity declarations → refused (zeep's forbid settings are kept on).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as urllib3_errors

from common.errors import AuthError, ConnectorError, QueryError, SourceUnavailable
from connector.http import _first_line, error_for, make_session, untrusted
from connector.retry import with_retries

log = logging.getLogger(__name__)

DEFAULT_MAX_RESPONSE_BYTES = 20 * 1024 * 1024
MAX_WSDL_BYTES = 64 * 1024 * 1024  # GP's full legacy WSDL is about 3 MB

_TOO_LARGE = re.compile(
    r"maxItemsInObjectGraph|Maximum number of items|maximum message size quota|MaxReceivedMessageSize", re.I
)
_TRANSIENT = re.compile(r"timeout expired|timed out|deadlock|transport-level error|connection .* (closed|reset)", re.I)
_SECURITY = re.compile(r"access is denied|not authorized|unauthorized|policy|security", re.I)
_NOT_FOUND = re.compile(r"business object not found", re.I)


class ResponseTooLarge(ConnectorError):
    """The answer was too big for one request: ask for a smaller window."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str  # the SOAP 1.1 endpoint, e.g. http://gp:48620/DynamicsGPWebServices/DynamicsGPService.asmx
    wsdl: str  # its WSDL: a URL or a local file
    company_key: int  # the GP company id (CompanyKey.Id); the sample company TWO is -1
    currency_type: str = "Local"  # functional currency, as GP SQL's plain amount columns
    culture: str = "en-US"


class SoapClient:
    """Calls GP Web Services operations with the `Context` every call needs."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        auth: Any = None,
        session: requests.Session | None = None,
        ca_bundle: str | None = None,
        timeout: float = 300,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.describe = f"GP Web Services at {endpoint.url}"
        self.session = session or make_session(ca_bundle)
        if auth is not None:
            self.session.auth = auth
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retry = dict(retry or {})
        self.calls = 0
        self._service: Any = None
        self._context: Any = None

    def __repr__(self) -> str:
        return f"SoapClient({self.endpoint.url}, company={self.endpoint.company_key})"

    def call(self, operation: str, *, stream: str | None = None, **arguments: Any) -> Any:
        """One operation, with retries on transient failures; returns zeep's result object."""

        def attempt() -> Any:
            service, context = self._bind(stream)
            self.calls += 1
            try:
                return getattr(service, operation)(context=context, **arguments)
            except ConnectorError:
                raise
            except Exception as exc:
                raise self._translate(exc, operation, stream) from None

        return with_retries(attempt, **self.retry)

    def close(self) -> None:
        self.session.close()

    # -- zeep ---------------------------------------------------------------------------------------

    def _bind(self, stream: str | None) -> tuple[Any, Any]:
        if self._service is not None:
            return self._service, self._context
        from zeep import Client, Settings  # noqa: PLC0415  # lazy: only GP Web Services sources need zeep

        settings = Settings(
            strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        transport = _transport(self, stream)
        try:
            client = Client(self.endpoint.wsdl, transport=transport, settings=settings)  # type: ignore[no-untyped-call]
        except ConnectorError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "ExternalReferenceForbidden":  # zeep's forbid_external
                raise ConnectorError(
                    f"{self.describe}: the WSDL asks to load {getattr(exc, 'url', '?')!r}; profitlens loads nothing "
                    f"but the configured WSDL ({self.endpoint.wsdl})",
                    stream=stream,
                    hint="use GP Web Services' own WSDL (…/Metadata/Legacy/Full/DynamicsGP.wsdl), which needs nothing else",
                ) from None
            raise ConnectorError(
                f"{self.describe}: could not load the WSDL {self.endpoint.wsdl} ({type(exc).__name__}: {_first_line(exc)})",
                stream=stream,
                hint="set source.wsdl to the service's WSDL, e.g. http://SERVER:48620/Metadata/Legacy/Full/DynamicsGP.wsdl",
            ) from None
        binding = next(
            (qname for qname, b in client.wsdl.bindings.items() if type(b).__name__ == "Soap11Binding"),
            None,
        )
        if binding is None:
            # The 2010/01 ("native") endpoint binds SOAP 1.2 with WS-Security only (its WSDL in
            # ../shared/reference), which no Python SOAP client speaks; the legacy endpoint, installed
            # beside it, serves the same operations over SOAP 1.1.
            raise ConnectorError(
                f"{self.describe}: the WSDL {self.endpoint.wsdl} has no SOAP 1.1 binding — it describes GP Web "
                "Services' native endpoint (SOAP 1.2 with WS-Security), which profitlens cannot speak",
                stream=stream,
                hint="point source.url at the legacy endpoint, http://SERVER:48620/DynamicsGPWebServices/"
                "DynamicsGPService.asmx, and leave source.wsdl unset (its WSDL is …/Metadata/Legacy/Full/"
                "DynamicsGP.wsdl); the legacy endpoint is an option of GP Web Services' installation",
            )
        self._service = client.create_service(binding, self.endpoint.url)  # type: ignore[no-untyped-call]
        company_key = _type(client, "CompanyKey")
        self._context = {
            "OrganizationKey": company_key(Id=self.endpoint.company_key),
            "CurrencyType": self.endpoint.currency_type,
            "CultureName": self.endpoint.culture,
        }
        return self._service, self._context

    def _translate(self, exc: Exception, operation: str, stream: str | None) -> ConnectorError:
        from zeep import exceptions as zeep_errors  # noqa: PLC0415

        where = f"{self.describe}: {operation}"
        if isinstance(exc, zeep_errors.Fault):
            text = _first_line(exc.message or "")
            detail = f"{where} failed: {text}"
            if _TOO_LARGE.search(text):
                return ResponseTooLarge(detail, stream=stream)
            if _NOT_FOUND.search(text):
                return QueryError(
                    detail, stream=stream, hint="check company_key (GP's company id) and that the record exists"
                )
            if _TRANSIENT.search(text):
                return SourceUnavailable(detail, stream=stream)
            if _SECURITY.search(text):
                return AuthError(
                    detail,
                    stream=stream,
                    hint="give the Windows account a GP Web Services role with the Query permission for this data",
                )
            return QueryError(detail, stream=stream)
        if isinstance(exc, zeep_errors.DTDForbidden | zeep_errors.EntitiesForbidden):
            return ConnectorError(
                f"{where}: the answer declares a DTD or entities, which profitlens refuses", stream=stream
            )
        if isinstance(exc, zeep_errors.XMLSyntaxError | zeep_errors.XMLParseError):
            return ConnectorError(f"{where}: the answer is not valid SOAP ({_first_line(exc)})", stream=stream)
        if isinstance(exc, zeep_errors.TransportError):
            return ConnectorError(f"{where}: HTTP {exc.status_code}", stream=stream)
        return ConnectorError(f"{where}: {type(exc).__name__}: {_first_line(exc)}", stream=stream)


def default_wsdl(url: str) -> str:
    """Where GP Web Services publishes the legacy endpoint's WSDL, on the endpoint's host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/Metadata/Legacy/Full/DynamicsGP.wsdl"


def windows_auth() -> Any:
    """The signed-in Windows account (Negotiate/NTLM through SSPI): no password stored anywhere."""
    try:
        from requests_negotiate_sspi import HttpNegotiateAuth  # noqa: PLC0415  # Windows only
    except ImportError:
        raise ConnectorError(
            'auth = "windows" needs Windows and the requests-negotiate-sspi package',
            hint='pip install "profitlens[windows]" on the Windows server, or use auth = "ntlm" with username and password',
        ) from None
    return HttpNegotiateAuth()


def _type(client: Any, name: str) -> Any:
    """A schema type by its local name, whichever namespace this endpoint's WSDL puts it in."""
    for candidate in client.wsdl.types.types:
        if candidate.qname is not None and candidate.qname.localname == name:
            return candidate
    raise ConnectorError(f"the WSDL has no {name} type; is it a GP Web Services WSDL?")


def _transport(client: SoapClient, stream: str | None) -> Any:
    """zeep's transport over our session: TLS verified per request, errors translated, every answer read
    as a stream under a byte cap (max_response_bytes) and a total deadline (timeout: a server that sends a
    byte every few seconds still ends), and nothing loaded but the configured WSDL (no schemaLocation or
    import may make it read a local file or another server)."""
    from zeep.transports import Transport  # noqa: PLC0415

    wsdl = client.endpoint.wsdl
    allowed = {wsdl}
    if "://" not in wsdl:  # a local file: zeep may ask for it by its absolute path or as a file: URL
        allowed |= {os.path.abspath(wsdl), Path(os.path.abspath(wsdl)).as_uri()}

    class SizedTransport(Transport):
        def load(self, url: str) -> bytes:
            if url not in allowed:
                raise ConnectorError(
                    f"{client.describe}: the WSDL asks to load {url!r}; profitlens loads nothing but the "
                    f"configured WSDL ({wsdl})",
                    stream=stream,
                    hint="use GP Web Services' own WSDL (…/Metadata/Legacy/Full/DynamicsGP.wsdl), which needs nothing else",
                )
            if "://" not in url or url.startswith("file:"):
                path = Path(url.removeprefix("file://")) if url.startswith("file:") else Path(url)
                with path.open("rb") as handle:
                    data = handle.read(MAX_WSDL_BYTES + 1)
                if len(data) > MAX_WSDL_BYTES:
                    raise ConnectorError(f"{client.describe}: the WSDL {url} is over {MAX_WSDL_BYTES:,} bytes")
                return data
            return super().load(url)  # type: ignore[no-any-return,no-untyped-call]

        def _load_remote_data(self, url: str) -> bytes:  # the WSDL: verified and capped like every answer
            deadline = time.monotonic() + client.timeout
            try:
                response = client.session.get(url, timeout=client.timeout, verify=client.session.verify, stream=True)
            except requests.exceptions.SSLError as exc:
                raise untrusted(client.describe, exc, stream) from None
            with response:
                _read_capped(response, client, deadline, stream, cap=MAX_WSDL_BYTES)
            if response.status_code in (401, 403):
                raise _refused(client, response, stream)
            response.raise_for_status()
            return bytes(response.content)

        def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
            deadline = time.monotonic() + client.timeout
            try:
                response = client.session.post(  # verify per request: see connector.http.send
                    address,
                    data=message,
                    headers=headers,
                    timeout=client.timeout,
                    verify=client.session.verify,
                    stream=True,
                )
            except requests.exceptions.SSLError as exc:
                raise untrusted(client.describe, exc, stream) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise SourceUnavailable(
                    f"{client.describe}: {type(exc).__name__}: {_first_line(exc)}", stream=stream
                ) from None
            with response:
                _read_capped(response, client, deadline, stream, cap=client.max_response_bytes)
            if response.status_code in (401, 403):
                raise _refused(client, response, stream)
            if response.status_code >= 300 and not _is_fault(response):
                raise error_for(response, client.describe, stream)
            return response

    return SizedTransport(session=client.session, timeout=client.timeout, operation_timeout=client.timeout)  # type: ignore[no-untyped-call]


def _read_capped(
    response: requests.Response, client: SoapClient, deadline: float, stream: str | None, *, cap: int
) -> None:
    """Read the answer's body as it arrives and keep it on the response: stop past `cap` bytes (never more
    in memory: max_response_bytes for answers, which are then asked again in smaller windows) and at the
    deadline (the whole answer within `timeout`)."""
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise SourceUnavailable(
                    f"{client.describe}: no complete answer within {client.timeout:g} s", stream=stream
                )
            # read1: what has arrived (at most one read of the socket), so the deadline is checked often.
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                if cap != client.max_response_bytes:
                    raise ConnectorError(f"{client.describe}: the WSDL is over {cap:,} bytes", stream=stream)
                raise ResponseTooLarge(
                    f"{client.describe}: an answer of more than {cap:,} bytes is over max_response_bytes",
                    stream=stream,
                )
            chunks.append(chunk)
    except (requests.ConnectionError, requests.Timeout, OSError, urllib3_errors.HTTPError) as exc:
        raise SourceUnavailable(f"{client.describe}: {type(exc).__name__}: {_first_line(exc)}", stream=stream) from None
    response._content = b"".join(chunks)  # what requests keeps once read: zeep reads .content


def _refused(client: SoapClient, response: requests.Response, stream: str | None) -> AuthError:
    """HTTP 401: Windows sign-in failed (wrong password, locked or unknown account); 403: signed in, no access."""
    account = getattr(client.session.auth, "username", None)
    who = f" as {account}" if account else ""
    if response.status_code == 401:
        return AuthError(
            f"{client.describe} refused the credentials{who} (HTTP 401: Windows sign-in failed)",
            stream=stream,
            hint="check source.username and its password (GPWS_PASSWORD or the keyring entry the configuration "
            'names), and that the Windows account is not locked; with auth = "windows", the account the job runs as',
        )
    return AuthError(
        f"{client.describe} signed in{who} but refused access (HTTP 403)",
        stream=stream,
        hint="give the Windows account a GP Web Services role in the Dynamics Security Console",
    )


def _is_fault(response: requests.Response) -> bool:
    """SOAP 1.1 returns faults with HTTP 500; zeep parses them into `Fault`."""
    return response.status_code == 500 and b"Fault" in response.content[:4096]
