"""Deliver reports by e-mail: a localized message, attachments within the server's limit, an outbox.

A message that cannot be sent now (server down, connection dropped, temporary refusal) is written to the
outbox as an .eml file and sent first on the next run; nothing is lost and nothing is sent twice (a sent
message leaves the outbox only after the server accepted it, and a message the server accepted is sent:
a failure after that, at QUIT, does not send it again). A message the server refuses for good (550 for a
recipient, 554 for its content) is moved aside to outbox/failed and reported: it would never go, and would
block every later run. Recipients refused while others accepted the message are reported too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from common.errors import DeliveryError, DeliveryRefused, MessageRefused
from reports.graph import GraphMailer
from reports.render import write_private_file

Gettext = Callable[..., str]
MIME = {
    ".pdf": ("application", "pdf"),
    ".html": ("text", "html"),
    ".csv": ("text", "csv"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    sender: str
    username: str | None = None
    password: str | None = None  # never logged; repr hides it
    timeout: int = 30
    max_attachment_bytes: int = 10 * 1024 * 1024
    graph: GraphMailer | None = None  # Microsoft Graph sendMail instead of SMTP

    def __repr__(self) -> str:
        return f"MailServer({self.host}:{self.port}, {self.security}, user={self.username!r}, password=***)"


def compose(
    server: MailServer, recipients: Sequence[str], subject: str, body: str, attachments: Sequence[Path], _: Gettext
) -> EmailMessage:
    """The message; an attachment over the size limit is left out and the body says where to find it."""
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=server.sender.split("@")[-1])
    notes: list[str] = []
    total = 0
    parts: list[Path] = []
    for path in attachments:
        size = path.stat().st_size
        if total + size > server.max_attachment_bytes:
            notes.append(
                _(
                    "The file %(file)s (%(size)s MB) is larger than the mail server accepts (%(limit)s MB); "
                    "it is saved at %(path)s.",
                    file=path.name,
                    size=f"{size / 1048576:.1f}",
                    limit=f"{server.max_attachment_bytes / 1048576:.0f}",
                    path=str(path),
                )
            )
            continue
        total += size
        parts.append(path)
    message.set_content(body + ("\n\n" + "\n".join(notes) if notes else "") + "\n")
    for path in parts:
        maintype, subtype = MIME.get(path.suffix.lower(), ("application", "octet-stream"))
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


@contextlib.contextmanager
def session(server: MailServer) -> Iterator[smtplib.SMTP]:
    """An SMTP session, secured (verified TLS) and logged in, with every failure translated:
    DeliveryError (try later) or DeliveryRefused (fix the settings)."""
    context = ssl.create_default_context()
    try:
        if server.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            if server.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise DeliveryRefused(
                        f"the mail server {server.host}:{server.port} does not offer STARTTLS",
                        hint='if it speaks TLS from the start (usually port 465) use security = "ssl"; '
                        '"none" only for a relay on a network you trust',
                    )
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            yield client
        finally:
            # Once DATA was accepted the message is the server's; a failure at QUIT changes nothing.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
            client.close()
    except smtplib.SMTPNotSupportedError:
        raise DeliveryRefused(
            f"the mail server {server.host} offers no login on this connection",
            hint='use security = "starttls" or "ssl", or leave out username for a trusted relay',
        ) from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryRefused(
            f"the mail server {server.host} refused the login of {server.username!r}",
            hint="check [mail] username and the password's environment variable",
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryRefused(
            f"the certificate of {server.host} is not trusted: {exc.verify_message}",
            hint="install the server's CA certificate in the system's trust store",
        ) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        if _temporary(exc):
            raise DeliveryError(f"the mail server {server.host} deferred the message: {_said(exc)}") from None
        raise MessageRefused(
            f"the mail server {server.host} refused the message for good: {_said(exc)}",
            hint="check the recipients (and the sender) of the job; the message is kept in outbox/failed",
        ) from None
    except socket.gaierror as exc:
        # The name does not exist (a typo in [mail] host): trying again tomorrow will not help. Only "try
        # again" from the resolver (EAI_AGAIN: no DNS for now) is temporary.
        if exc.errno == socket.EAI_AGAIN:
            raise DeliveryError(f"the mail server's name {server.host} cannot be resolved now: {exc}") from None
        raise DeliveryRefused(
            f"the mail server's name {server.host} does not exist: {exc.strerror or exc}",
            hint="check [mail] host (the SMTP server's name or address)",
        ) from None
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, dropped, timed out, 4xx
        raise DeliveryError(
            f"the mail server {server.host}:{server.port} could not take the message now: {exc or type(exc).__name__}"
        ) from None


def send(server: MailServer, message: EmailMessage) -> dict[str, str]:
    """Send one message; the recipients the server refused while it took the message for the others
    ({address: what it said}). Raises DeliveryError (try later), MessageRefused (never, as it is) or
    DeliveryRefused (fix the settings)."""
    if server.graph is not None:
        server.graph.send(message)
        return {}
    with session(server) as client:
        refused = client.send_message(message)
    return {address: f"{code} {text.decode(errors='replace')}" for address, (code, text) in refused.items()}


def _said(exc: smtplib.SMTPException) -> str:
    """What the server answered, in one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace')}" for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    return str(exc)


def probe(server: MailServer) -> None:
    """Connect, secure and log in as a send would (Graph: get a token), and send nothing."""
    if server.graph is not None:
        server.graph.probe()
        return
    with session(server) as client:
        client.noop()


def _temporary(exc: smtplib.SMTPException) -> bool:
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
    elif isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
    return bool(codes) and all(400 <= c < 500 for c in codes)


class Outbox:
    """Messages waiting to be sent, one .eml file each (readable by their owner only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, message: EmailMessage) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        write_private_file(path, message.as_bytes(policy=policy.SMTP))
        return path

    def pending(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml")) if self.folder.is_dir() else []

    def flush(self, server: MailServer) -> Flushed:
        """Send what waits, oldest first; stops at the first that cannot go now (the rest keep their order).
        A message refused for good is moved to outbox/failed and reported, and the next one is tried."""
        flushed = Flushed()
        for path in self.pending():
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            try:
                refused = send(server, message)
            except MessageRefused as exc:
                self.set_aside(path)
                flushed.failed.append(f"{message['Subject']}: {exc}")
                continue
            except DeliveryError as exc:
                flushed.waiting.append(str(exc))
                break  # the server is still away: keep the rest in order for the next run
            path.unlink()
            flushed.sent.append(str(message["Subject"]))
            flushed.refused.update(refused)
        return flushed

    def set_aside(self, path: Path) -> Path:
        """Move a message that can never be sent to outbox/failed (kept for whoever looks into it)."""
        failed = self.folder / "failed"
        failed.mkdir(parents=True, exist_ok=True)
        return path.replace(failed / path.name)


@dataclass
class Flushed:
    sent: list[str] = field(default_factory=list)  # subjects delivered
    waiting: list[str] = field(default_factory=list)  # why the rest still waits
    failed: list[str] = field(default_factory=list)  # refused for good: subject and why (set aside)
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused while others got it


@dataclass
class Delivered:
    sent: bool  # False: waiting in the outbox
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused while others got it


def deliver(server: MailServer, outbox: Outbox, message: EmailMessage) -> Delivered:
    """Send now, or keep it in the outbox for the next run. A refusal of this message for good sets it
    aside in outbox/failed and is raised; a refusal of the settings keeps it in the outbox and is raised
    (the next run after the fix sends it)."""
    try:
        return Delivered(True, send(server, message))
    except DeliveryError:
        outbox.put(message)
        return Delivered(False)
    except MessageRefused:
        outbox.set_aside(outbox.put(message))
        raise
    except DeliveryRefused:
        outbox.put(message)
        raise


def subject_and_body(
    company: str, period: str, figures: dict[str, str], reconciled: bool | None, _: Gettext
) -> tuple[str, str]:
    """The localized subject and summary of a report e-mail."""
    subject = _("Customer profitability %(period)s: %(company)s", period=period, company=company)
    lines = [
        _("Customer profitability of %(company)s for %(period)s.", company=company, period=period),
        "",
        _("Net sales %(net_sales)s, gross margin %(gross_margin)s, net profit %(net_profit)s.", **figures),
        _("%(losing)s of %(count)s customers lose money; the watch list names %(watch)s.", **figures),
        (
            _("Open receivables tie to the ERP.")
            if reconciled
            else _("Open receivables do NOT tie to the ERP; see the first page of the report.")
            if reconciled is False
            else _("Open receivables were not reconciled for this period.")
        ),
        "",
        _("The report is attached."),
    ]
    return subject, "\n".join(lines)
