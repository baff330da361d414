"""HTTP at the connectors' edge: one session, verified TLS, polite pacing, and errors translated.

Used by the Business Central (REST) and GP Web Services (SOAP) connectors. Every request goes
through `send`, which waits between requests so a sync stays under the service's rate limit,
and turns what comes back into the project's error tree:

- connection resets, timeouts, 408, 429, 5xx → `SourceUnavailable` (transient; `retry_after`
  carries the server's Retry-After seconds when it sent one);
- 401 / 403 → `AuthError`, 404 → `QueryError`, other 4xx → `ConnectorError` (terminal);
- an untrusted certificate → `ConnectorError` naming the fix (`ca_bundle`), never a silent bypass.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests

from common.errors import AuthError, ConnectorError, QueryError, SourceUnavailable

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class UntrustedCertificate(ConnectorError):
    """The server's TLS certificate did not verify: never bypassed, the fix is named."""


def untrusted(describe: str, exc: Exception, stream: str | None) -> UntrustedCertificate:
    return UntrustedCertificate(
        f"{describe}: the server's TLS certificate is not trusted ({_first_line(exc)})",
        stream=stream,
        hint="if the server uses a private certificate authority, set ca_bundle to its CA file",
    )


def make_session(ca_bundle: str | None = None) -> requests.Session:
    """A session that verifies TLS: with the system's trust store, or a private CA bundle."""
    session = requests.Session()
    session.verify = True
    if ca_bundle:
        session.verify = ca_bundle
        log.warning("TLS certificates are verified against the private CA bundle %s", ca_bundle)
    return session


class Pacer:
    """At most `per_minute` requests a minute (evenly spaced), and one at a time.

    Business Central allows 600 OData requests a minute in production, 300 in a sandbox, and
    5 concurrent requests; a sync sends one request at a time, spaced for the stricter limit.
    """

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                time.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own back-off


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    describe: str,
    stream: str | None = None,
    timeout: float = 60.0,
    **kwargs: Any,
) -> requests.Response:
    """One request; returns a 2xx response or raises from the error tree (see the module doc)."""
    try:
        # verify given per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the
        # environment override a session's own verify setting, and ca_bundle must win.
        response = session.request(method, url, timeout=timeout, verify=session.verify, **kwargs)
    except requests.exceptions.SSLError as exc:
        raise untrusted(describe, exc, stream) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SourceUnavailable(f"{describe}: {type(exc).__name__}: {_first_line(exc)}", stream=stream) from None
    except requests.RequestException as exc:
        raise ConnectorError(f"{describe}: {type(exc).__name__}: {_first_line(exc)}", stream=stream) from None
    if response.status_code < 300:
        return response
    raise error_for(response, describe, stream)


def error_for(response: requests.Response, describe: str, stream: str | None) -> ConnectorError:
    status = response.status_code
    detail = error_text(response)
    where = f"{describe} answered HTTP {status}" + (f": {detail}" if detail else "")
    if status in TRANSIENT_STATUS:
        error = SourceUnavailable(where, stream=stream)
        error.retry_after = retry_after_seconds(response)
        return error
    if status in (401, 403):
        return AuthError(
            where,
            stream=stream,
            hint="check the credentials, and that the account or app may read this data"
            + (" (a permission set or role is missing)" if status == 403 else ""),
        )
    if status == 404:
        return QueryError(where, stream=stream, hint="check the URL, company and environment names")
    return ConnectorError(where, stream=stream)


def error_text(response: requests.Response) -> str:
    """The message of an OData error body ({"error": {"code", "message"}}), else the first line."""
    try:
        body = response.json()
    except ValueError:
        return _first_line(response.text)[:300]
    if isinstance(body, dict) and isinstance(body.get("error"), str):  # OAuth: error, error_description
        return f"{body['error']}: {_first_line(str(body.get('error_description', '')))}".rstrip(": ")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code", "")).strip()
        message = _first_line(str(error.get("message", ""))).strip()
        return f"{code}: {message}" if code and message else code or message
    return ""


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""
