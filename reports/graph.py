"""Mail through Microsoft Graph `sendMail` with an app registration (client credentials), for Microsoft 365
tenants that switched off SMTP authentication.

The app needs the application permission Mail.Send with admin consent (ideally limited to the sending
mailbox by an application access policy). The token is cached until shortly before it expires; a 401 with
an expired token gets one fresh token and one retry.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import requests

from common.errors import DeliveryError, DeliveryRefused

LOGIN = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
SEND = "https://graph.microsoft.com/v1.0/users/{sender}/sendMail"
SCOPE = "https://graph.microsoft.com/.default"
TRANSIENT = {408, 429, 500, 502, 503, 504}


@dataclass
class GraphMailer:
    tenant_id: str
    client_id: str
    client_secret: str
    sender: str
    timeout: int = 30
    session: requests.Session = field(default_factory=requests.Session)
    _token: str | None = field(default=None, repr=False)
    _expires: float = 0.0

    def __repr__(self) -> str:
        return f"GraphMailer(tenant={self.tenant_id}, client={self.client_id}, sender={self.sender}, secret=***)"

    def token(self, *, fresh: bool = False) -> str:
        if self._token and not fresh and time.monotonic() < self._expires:
            return self._token
        try:
            response = self.session.post(
                LOGIN.format(tenant=self.tenant_id),
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "scope": SCOPE,
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DeliveryError(f"Microsoft sign-in could not be reached: {type(exc).__name__}") from None
        if response.status_code in TRANSIENT:
            raise DeliveryError(f"Microsoft sign-in is unavailable now (HTTP {response.status_code})")
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            description = str(body.get("error_description", "")).split("\r\n")[0]
            raise DeliveryRefused(
                f"Microsoft sign-in refused the app registration: {body.get('error', response.status_code)} "
                f"{description}".strip(),
                hint="check [mail] tenant_id, client_id and the client secret (it may have expired)",
            )
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + max(0, int(body.get("expires_in", 3600)) - 120)
        return self._token

    def send(self, message: EmailMessage) -> None:
        payload = graph_message(message)
        for attempt in (1, 2):
            try:
                response = self.session.post(
                    SEND.format(sender=self.sender),
                    json=payload,
                    timeout=self.timeout,
                    headers={"Authorization": f"Bearer {self.token(fresh=attempt == 2)}"},
                )
            except requests.RequestException as exc:
                raise DeliveryError(f"Microsoft Graph could not be reached: {type(exc).__name__}") from None
            if response.status_code == 202:
                return
            error = _json(response).get("error", {})
            code = error.get("code", "") if isinstance(error, dict) else ""
            if response.status_code == 401 and attempt == 1:
                continue  # an expired or revoked token: one fresh token, one retry
            if response.status_code in TRANSIENT:
                wait = response.headers.get("Retry-After")
                raise DeliveryError(
                    f"Microsoft Graph is busy (HTTP {response.status_code}"
                    + (f", retry after {wait} s" if wait else "")
                    + ")"
                )
            hint = (
                "grant the app the Mail.Send application permission with admin consent"
                if response.status_code == 403
                else "check [mail] sender: it must be a mailbox of the tenant"
            )
            raise DeliveryRefused(
                f"Microsoft Graph refused the message: HTTP {response.status_code} {code}".strip(), hint=hint
            )
        raise DeliveryRefused("Microsoft Graph refused a fresh token", hint="check the app registration")

    def probe(self) -> None:
        self.token(fresh=True)


def graph_message(message: EmailMessage) -> dict[str, Any]:
    """The EmailMessage as Graph's sendMail body (text body, file attachments as base64)."""
    body = message.get_body(preferencelist=("plain",))
    attachments = [
        {
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": part.get_filename(),
            "contentType": part.get_content_type(),
            "contentBytes": base64.b64encode(_bytes(part)).decode("ascii"),
        }
        for part in message.iter_attachments()
    ]
    recipients = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
    return {
        "message": {
            "subject": str(message["Subject"]),
            "body": {"contentType": "Text", "content": body.get_content() if body is not None else ""},
            "toRecipients": [{"emailAddress": {"address": a}} for a in recipients],
            "attachments": attachments,
        },
        "saveToSentItems": True,
    }


def _bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
