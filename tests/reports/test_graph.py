"""Delivery through Microsoft Graph sendMail, on the documented request and error shapes (HTTP mocked with
`responses` at the network boundary only)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import responses

from common.errors import DeliveryError, DeliveryRefused
from reports.delivery import MailServer, Outbox, compose, deliver
from reports.graph import LOGIN, SEND, GraphMailer

TENANT = "0b6e5f3c-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
SECRET = "graph-client-s3cret"
TOKEN_URL = LOGIN.format(tenant=TENANT)
SEND_URL = SEND.format(sender="reports@alpha.example")


def token_body(token: str) -> dict[str, object]:
    return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}


def graph_error(code: str, message: str) -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2026-11-23T10:00:00", "request-id": "5f0c…", "client-request-id": "5f0c…"},
        }
    }


@pytest.fixture
def server() -> MailServer:
    graph = GraphMailer(TENANT, "a1b2c3d4-app", SECRET, "reports@alpha.example", timeout=5)
    return MailServer(host="graph.microsoft.com", port=443, security="ssl", sender="reports@alpha.example", graph=graph)


@pytest.fixture
def message(server: MailServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    return compose(
        server,
        ["cfo@alpha.example", "controlling@alpha.example"],
        "Kundenprofitabilität März",
        "Nettoergebnis 1.234 €",
        [pdf],
        lambda m, **k: m % k if k else m,
    )


@responses.activate
def test_sendmail_carries_subject_recipients_body_and_the_pdf(server: MailServer, message) -> None:  # type: ignore[no-untyped-def]
    responses.post(TOKEN_URL, json=token_body("tok-1"))
    responses.post(SEND_URL, status=202)
    server.graph.send(message)  # type: ignore[union-attr]
    token_call, send_call = responses.calls
    assert (
        "client_credentials" in token_call.request.body and "graph.microsoft.com%2F.default" in token_call.request.body
    )
    assert send_call.request.headers["Authorization"] == "Bearer tok-1"
    sent = json.loads(send_call.request.body)["message"]
    assert sent["subject"] == "Kundenprofitabilität März"
    assert [r["emailAddress"]["address"] for r in sent["toRecipients"]] == [
        "cfo@alpha.example",
        "controlling@alpha.example",
    ]
    assert "Nettoergebnis" in sent["body"]["content"]
    [attachment] = sent["attachments"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment" and attachment["name"] == "report.pdf"
    assert base64.b64decode(attachment["contentBytes"]).startswith(b"%PDF")


@responses.activate
def test_an_expired_token_gets_one_fresh_token_and_one_retry(server: MailServer, message) -> None:  # type: ignore[no-untyped-def]
    responses.post(TOKEN_URL, json=token_body("tok-old"))
    responses.post(
        SEND_URL,
        status=401,
        json=graph_error("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    )
    responses.post(TOKEN_URL, json=token_body("tok-new"))
    responses.post(SEND_URL, status=202)
    server.graph.send(message)  # type: ignore[union-attr]
    sends = [c for c in responses.calls if c.request.url == SEND_URL]
    assert [c.request.headers["Authorization"] for c in sends] == ["Bearer tok-old", "Bearer tok-new"]


@responses.activate
def test_throttling_keeps_the_message_in_the_outbox(server: MailServer, message, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    responses.post(TOKEN_URL, json=token_body("tok-1"))
    responses.post(
        SEND_URL,
        status=429,
        headers={"Retry-After": "30"},
        json=graph_error("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    )
    outbox = Outbox(tmp_path / "outbox")
    assert deliver(server, outbox, message).sent is False
    assert len(outbox.pending()) == 1
    with pytest.raises(DeliveryError, match=r"HTTP 429, retry after 30 s"):
        server.graph.send(message)  # type: ignore[union-attr]


@responses.activate
def test_a_missing_permission_says_which_one(server: MailServer, message) -> None:  # type: ignore[no-untyped-def]
    responses.post(TOKEN_URL, json=token_body("tok-1"))
    responses.post(SEND_URL, status=403, json=graph_error("ErrorAccessDenied", "Access is denied."))
    with pytest.raises(DeliveryRefused, match=r"HTTP 403 ErrorAccessDenied.*Mail.Send application permission"):
        server.graph.send(message)  # type: ignore[union-attr]


@responses.activate
def test_a_wrong_client_secret_is_named_and_never_shown(server: MailServer, message) -> None:  # type: ignore[no-untyped-def]
    responses.post(
        TOKEN_URL,
        status=401,
        json={
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
            "request is the client secret value, not the client secret ID.\r\nTrace ID: 1a2b",
            "error_codes": [7000215],
            "timestamp": "2026-11-23 10:00:00Z",
            "trace_id": "1a2b",
            "correlation_id": "3c4d",
        },
    )
    with pytest.raises(DeliveryRefused) as caught:
        server.graph.send(message)  # type: ignore[union-attr]
    assert "invalid_client" in str(caught.value) and "AADSTS7000215" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(server)
