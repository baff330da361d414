"""The mail server's name: a name that does not exist is a setting to fix, a resolver that cannot answer now
is a reason to try later (reports/delivery.py)."""

from __future__ import annotations

import smtplib
import socket
from typing import Any

import pytest

from common.errors import DeliveryError, DeliveryRefused
from reports.delivery import MailServer, probe

SERVER = MailServer(host="smtp.exampel.com", port=587, security="starttls", sender="reports@example.com")


def resolver_says(monkeypatch: pytest.MonkeyPatch, errno: int, text: str) -> None:
    # The socket boundary: what getaddrinfo raises inside smtplib's connect (glibc's EAI_* codes).
    def connect(*_args: Any, **_kwargs: Any) -> None:
        raise socket.gaierror(errno, text)

    monkeypatch.setattr(smtplib.SMTP, "__init__", connect)


def test_a_mail_host_that_does_not_exist_is_a_setting_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver_says(monkeypatch, socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(DeliveryRefused) as caught:
        probe(SERVER)
    assert "smtp.exampel.com does not exist" in str(caught.value) and "[mail] host" in str(caught.value)


def test_a_resolver_that_cannot_answer_now_is_a_reason_to_try_later(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver_says(monkeypatch, socket.EAI_AGAIN, "Temporary failure in name resolution")
    with pytest.raises(DeliveryError, match="cannot be resolved now"):
        probe(SERVER)
