"""Scheduled jobs end to end: a real SMTP server on loopback (aiosmtpd), the outbox, the lock, the history."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from profitlens.cli import main
from profitlens.config import load_config
from profitlens.jobs import job_lock
from tests.cases import alpha

SECRET = "s3cr3t-smtp-Pa55"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


def smtp_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def write_config(tmp_path: Path, port: int) -> Path:
    alpha.write_files(tmp_path / "data")
    config = tmp_path / "profitlens.toml"
    config.write_text(
        f"""
[company]
name = "Alpha Test AG"
currency = "EUR"

[source]
kind = "files"
path = "data"

[mail]
host = "127.0.0.1"
port = {port}
security = "none"          # a loopback relay; real servers use starttls or ssl
username = "reports"
password = "${{PROFITLENS_TEST_SMTP_PASSWORD}}"
sender = "reports@alpha.example"
timeout_seconds = 5

[[job]]
name = "monthly"
period = "previous month"
reports = ["pdf"]
languages = ["de"]
recipients = ["cfo@alpha.example"]
"""
        + alpha.CONFIG_SECTIONS
    )
    return config


@pytest.fixture(autouse=True)
def smtp_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFITLENS_TEST_SMTP_PASSWORD", SECRET)


def run_job(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "profitlens.cli",
            "run",
            "--config",
            str(config),
            "monthly",
            "--today",
            "2026-04-02",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_job_runs_end_to_end_and_mails_the_pdf(tmp_path: Path, port: int) -> None:
    config = write_config(tmp_path, port)
    # aiosmtpd offers no AUTH on a plain loopback connection: log in only where the server offers it.
    text = config.read_text().replace('username = "reports"\n', "")
    config.write_text(text)
    controller, inbox = smtp_server(port)
    try:
        result = run_job(config, "--json")
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    [message] = inbox.messages
    # Period "previous month" on 2 April 2026 is March 2026; the company's language here is German.
    assert message["Subject"] == "Kundenprofitabilität 01.03.2026 – 31.03.2026: Alpha Test AG"
    assert message["To"] == "cfo@alpha.example"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Nettoergebnis" in body and "Der Bericht liegt bei." in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    summary = json.loads(result.stdout)
    assert summary["queued"] == 0 and len(summary["sent"]) == 1
    assert SECRET not in result.stdout + result.stderr


def test_a_server_that_is_down_keeps_the_message_for_the_next_run(tmp_path: Path, port: int) -> None:
    config = write_config(tmp_path, port)
    config.write_text(config.read_text().replace('username = "reports"\n', ""))
    first = run_job(config)  # nobody listens on the port
    assert first.returncode == 75, first.stderr  # done; the mail goes out with the next run (EX_TEMPFAIL)
    assert "1 waiting in the outbox for the next run" in first.stdout
    outbox = tmp_path / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 1

    controller, inbox = smtp_server(port)
    try:
        second = run_job(config)
    finally:
        controller.stop()
    assert second.returncode == 0, second.stderr
    assert len(inbox.messages) == 2  # the kept one first, then this run's
    assert list(outbox.glob("*.eml")) == []
    history = subprocess.run(
        [sys.executable, "-m", "profitlens.cli", "history", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    runs = [r for r in json.loads(history.stdout) if r["kind"] == "job:monthly"]
    assert [r["status"] for r in runs] == ["ok", "ok, mail waiting in outbox"]  # newest first
    assert SECRET not in first.stdout + first.stderr + second.stdout + second.stderr + history.stdout


def test_a_second_run_of_the_same_job_stops_at_once(tmp_path: Path, port: int) -> None:
    config_path = write_config(tmp_path, port)
    with job_lock(load_config(config_path), "monthly"):  # as a run in progress holds it
        result = run_job(config_path)
    assert result.returncode == 1
    # Issue 20 (14): it said nothing of who held the lock, and the refused run was missing from history.
    assert f"the job 'monthly' is already running (process {os.getpid()} on " in result.stderr
    refused = main_history(config_path)[0]
    assert refused["status"] == "refused" and "already running" in refused["error"]


def test_a_recipient_that_is_not_an_address_is_refused(tmp_path: Path, port: int) -> None:
    config = write_config(tmp_path, port)
    config.write_text(config.read_text().replace("cfo@alpha.example", "cfo at alpha"))
    assert main(["run", "--config", str(config), "monthly"]) == 1


def test_an_unknown_job_names_the_known_ones(tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, port)
    assert main(["run", "--config", str(config), "weekly"]) == 1
    assert "there is no job 'weekly'" in capsys.readouterr().err


def test_a_login_the_server_does_not_offer_is_a_clear_error(tmp_path: Path, port: int) -> None:
    config = write_config(tmp_path, port)  # username set, but a plain loopback server offers no AUTH
    controller, _inbox = smtp_server(port)
    try:
        result = run_job(config)
    finally:
        controller.stop()
    assert result.returncode == 1
    assert "offers no login on this connection" in result.stderr and "starttls" in result.stderr
    assert SECRET not in result.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1  # kept for the run after the fix


def test_the_log_has_a_run_id_on_every_line_and_no_secret(tmp_path: Path, port: int) -> None:
    config = write_config(tmp_path, port)
    config.write_text(config.read_text().replace('username = "reports"\n', ""))
    controller, _inbox = smtp_server(port)
    try:
        result = run_job(config)
        verbose = subprocess.run(
            [sys.executable, "-m", "profitlens.cli", "-vv", "history", "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    log_file = tmp_path / "logs" / "profitlens.log"
    lines = log_file.read_text().splitlines()
    job_lines = [line for line in lines if "job monthly" in line]
    assert len(job_lines) == 2 and all(" run=" in line and " run=-" not in line for line in job_lines)
    assert any("sync finished" in line for line in lines)
    assert all(" run=" in line for line in lines)
    everything = log_file.read_text() + result.stdout + result.stderr + verbose.stdout + verbose.stderr
    assert SECRET not in everything
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"


def test_a_secret_inside_an_error_is_masked_in_the_run_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20 (10): a password from the environment inside a URL that an error quotes was masked on
    # the console and in the log, but kept in clear in the store's run table and shown by `history`.
    from ledger.store import Store

    config_path = write_config(tmp_path, 25)
    monkeypatch.setenv("PROFITLENS_TEST_SMTP_PASSWORD", SECRET)
    config = load_config(config_path)  # registers the secret, as every command does
    error = f"cannot reach http://svc:{SECRET}@gpws.example.com/Dynamics/GPService: refused"
    with Store(config.store_path) as store:
        run_id = store.start_run("job:monthly")
        store.finish_run(run_id, "failed", {"error": error}, error=error)
        kept = store.con.execute("SELECT summary, error FROM run WHERE run_id = ?", [run_id]).fetchone()
    assert kept is not None and SECRET not in str(kept)
    assert "http://svc:***@gpws.example.com" in kept[1]
    assert main(["history", "--config", str(config_path), "--json"]) == 0
    shown = capsys.readouterr().out
    assert "svc:***@gpws" in shown and SECRET not in shown


class Picky(Inbox):
    """Refuses one recipient for good (550), and on demand the message itself at DATA (554) or the QUIT
    after it (500). The codes as RFC 5321 defines them (section 4.2.2: 550 mailbox unavailable, 554
    transaction failed; section 4.2.1: 5yz permanent, 4yz transient — what delivery.py tells apart), with
    RFC 3463's enhanced codes (5.1.1 bad destination mailbox, 5.7.1 delivery not authorized)."""

    def __init__(self, refuse_data: bool = False, fail_quit: bool = False) -> None:
        super().__init__()
        self.refuse_data, self.fail_quit = refuse_data, fail_quit

    async def handle_RCPT(self, server: object, session: object, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 <gone@alpha.example>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refuse_data:
            return "554 5.7.1 rejected as spam"
        return await super().handle_DATA(server, session, envelope)

    async def handle_QUIT(self, server: object, session: object, envelope: object) -> str:
        return "500 5.0.0 internal error after the message" if self.fail_quit else "221 Bye"


def serve(port: int, handler: Inbox) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def plain_config(tmp_path: Path, port: int, recipients: str) -> Path:
    config = write_config(tmp_path, port)
    text = config.read_text(encoding="utf-8").replace('username = "reports"\n', "")
    config.write_text(text.replace('["cfo@alpha.example"]', recipients), encoding="utf-8")
    return config


def test_a_recipient_refused_for_good_fails_the_run_but_never_blocks_the_next(tmp_path: Path, port: int) -> None:
    # Issue 20 (6): the refused .eml stayed in outbox/ and every later run failed at the outbox.
    config = plain_config(tmp_path, port, '["gone@alpha.example"]')
    picky = Picky()
    controller = serve(port, picky)
    try:
        first = run_job(config)
        config.write_text(config.read_text(encoding="utf-8").replace("gone@", "cfo@"), encoding="utf-8")
        second = run_job(config)
    finally:
        controller.stop()
    assert first.returncode == 1
    assert "refused the message for good: gone@alpha.example: 550 5.1.1" in first.stderr
    outbox = tmp_path / "outbox"
    assert list(outbox.glob("*.eml")) == [] and len(list((outbox / "failed").glob("*.eml"))) == 1
    assert second.returncode == 0, second.stderr
    assert [m["To"] for m in picky.messages] == ["cfo@alpha.example"]


def test_one_of_two_recipients_refused_is_said_and_fails_the_run(tmp_path: Path, port: int) -> None:
    # Issue 20 (8): exit 0, "1 e-mails sent", nothing logged.
    config = plain_config(tmp_path, port, '["cfo@alpha.example", "gone@alpha.example"]')
    picky = Picky()
    controller = serve(port, picky)
    try:
        result = run_job(config)
    finally:
        controller.stop()
    assert result.returncode == 1
    assert "error: the mail server refused the recipient gone@alpha.example: 550 5.1.1" in result.stderr
    assert len(picky.messages) == 1  # the CFO has it
    history = main_history(config)
    assert history[0]["status"] == "ok, mail refused"
    assert "gone@alpha.example" in history[0]["summary"]["refused"]


def test_content_refused_at_data_is_not_retried_for_ever(tmp_path: Path, port: int) -> None:
    # Issue 20 (8): a permanent 554 at DATA exited 0 with a vague warning and stayed in the outbox.
    config = plain_config(tmp_path, port, '["cfo@alpha.example"]')
    controller = serve(port, Picky(refuse_data=True))
    try:
        result = run_job(config)
    finally:
        controller.stop()
    assert result.returncode == 1
    assert "refused the message for good: 554 5.7.1 rejected as spam" in result.stderr
    assert list((tmp_path / "outbox").glob("*.eml")) == []


def test_a_message_accepted_at_data_is_sent_once_even_if_quit_fails(tmp_path: Path, port: int) -> None:
    # Issue 20 (7): a 500 at QUIT after the message was accepted re-sent it on every later run.
    config = plain_config(tmp_path, port, '["cfo@alpha.example"]')
    picky = Picky(fail_quit=True)
    controller = serve(port, picky)
    try:
        first = run_job(config)
        second = run_job(config)
    finally:
        controller.stop()
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert len(picky.messages) == 2  # one per run, none twice
    assert list((tmp_path / "outbox").glob("*.eml")) == []


def test_starttls_not_offered_says_so(tmp_path: Path, port: int) -> None:
    # Issue 20 (9): the message said to use starttls, which was already set.
    config = plain_config(tmp_path, port, '["cfo@alpha.example"]')
    config.write_text(
        config.read_text(encoding="utf-8").replace('security = "none"', 'security = "starttls"'), encoding="utf-8"
    )
    controller = serve(port, Picky())  # a plain server: no STARTTLS in its EHLO
    try:
        result = run_job(config)
    finally:
        controller.stop()
    assert result.returncode == 1
    assert "does not offer STARTTLS" in result.stderr and 'use security = "ssl"' in result.stderr


def test_a_password_sent_without_tls_over_the_network_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 20 (9): security = "none" with a username sent the password in clear with no warning.
    from profitlens.jobs import mail_server

    config = write_config(tmp_path, 25)
    config.write_text(config.read_text(encoding="utf-8").replace("127.0.0.1", "smtp.alpha.example"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="profitlens.jobs"):
        mail_server(load_config(config))
    assert "the password crosses the network in clear to smtp.alpha.example" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="profitlens.jobs"):
        mail_server(load_config(write_config(tmp_path, 25)))  # a relay on this machine: nothing to warn of
    assert "in clear" not in caplog.text


def main_history(config: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "profitlens.cli", "history", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [r for r in json.loads(out.stdout) if r["kind"] == "job:monthly"]
