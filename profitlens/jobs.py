"""Named report jobs: sync → analyse → reports → e-mail, one run at a time per job, recorded in the store.

`profitlens run JOB` is what cron, a systemd timer or the Windows Task Scheduler calls. A run first sends
what the outbox still holds from an earlier run, then does its own work. Two runs of the same job never
overlap: the second finds the job's lock taken and stops with a clear message (exit code 1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from common.errors import AlreadyRunning, ConfigError, MessageRefused, ProfitlensError
from common.masking import mask
from ledger.store import Store
from profitlens import app
from profitlens.config import Config
from profitlens.logs import RUN_ID
from profitlens.periods import period_for
from profitlens.settings import JobSettings
from reports import i18n
from reports.delivery import MailServer, Outbox, compose, deliver, subject_and_body
from reports.formatting import Formatter
from reports.graph import GraphMailer
from reports.render import weasyprint_html

log = logging.getLogger(__name__)


LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})  # a relay on this machine: nothing crosses a network
EXIT_MAIL_WAITING = 75  # sysexits' EX_TEMPFAIL: done, but the mail goes out with the next run


@dataclass
class JobResult:
    job: str
    run_id: str
    period: str
    files: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # subjects delivered (this run's and the outbox's)
    queued: int = 0  # messages left in the outbox for the next run
    figures: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)  # messages refused for good (set aside in outbox/failed)
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused while others got the message

    @property
    def status(self) -> str:
        """What the history shows; `exit_code` is what the scheduler sees."""
        if self.failed or self.refused:
            return "ok, mail refused"
        return "ok, mail waiting in outbox" if self.queued else "ok"

    @property
    def exit_code(self) -> int:
        """0 delivered; 75 (EX_TEMPFAIL) mail waits in the outbox for the next run; 1 mail refused for good."""
        if self.failed or self.refused:
            return 1
        return EXIT_MAIL_WAITING if self.queued else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "period": self.period,
            "files": [str(p) for p in self.files],
            "sent": self.sent,
            "queued": self.queued,
            "failed": self.failed,
            "refused": self.refused,
            "figures": self.figures,
        }


def find_job(config: Config, name: str) -> JobSettings:
    for job in config.settings.job:
        if job.name == name:
            return job
    known = ", ".join(j.name for j in config.settings.job) or "none"
    raise ConfigError(f"there is no job {name!r}", key="job.name", file=str(config.file), hint=f"jobs: {known}")


@contextlib.contextmanager
def job_lock(config: Config, name: str) -> Iterator[None]:
    """An exclusive lock per job, held by the process and released by the system even if it is killed:
    flock on POSIX, LockFileEx on Windows (filelock picks the one of the platform). Never a lock file
    whose mere presence counts (filelock's "soft" fallback): a killed run would leave it and block the
    job for ever."""
    path = config.store_path.with_name(f".{config.store_path.name}.{name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0, mode=0o600, fallback_to_soft=False)
    holder = path.with_name(path.name + ".holder")  # who holds it, for the message of whoever is refused
    try:
        lock.acquire()
    except Timeout:
        try:
            held_by = f" ({holder.read_text(encoding='utf-8').strip()})"
        except OSError:
            held_by = ""
        raise AlreadyRunning(f"the job {name!r} is already running{held_by}", hint="wait for it to finish") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot lock {path}: {exc.strerror or exc}",
            key="store.path",
            hint="put the store on a local disk or a share that supports file locks",
        ) from exc
    try:
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        with contextlib.suppress(OSError):
            holder.write_text(f"process {os.getpid()} on {socket.gethostname()}, since {started}", encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder.unlink()
        lock.release()


def mail_server(config: Config) -> MailServer | None:
    mail = config.settings.mail
    if mail is None:
        return None
    graph = None
    if mail.transport == "graph":
        assert mail.tenant_id and mail.client_id and mail.client_secret  # checked by load_config
        graph = GraphMailer(
            mail.tenant_id,
            mail.client_id,
            mail.client_secret.get_secret_value(),
            mail.sender,
            timeout=mail.timeout_seconds,
        )
    if graph is None and mail.security == "none" and mail.username and (mail.host or "") not in LOOPBACK:
        log.warning(
            '[mail] security = "none" with a username: the password crosses the network in clear to %s; '
            'use "starttls" or "ssl"',
            mail.host,
        )
    return MailServer(
        graph=graph,
        host=mail.host or "graph.microsoft.com",
        port=mail.port,
        security=mail.security,
        sender=mail.sender,
        username=mail.username,
        password=mail.password.get_secret_value() if mail.password else None,
        timeout=mail.timeout_seconds,
        max_attachment_bytes=int(mail.max_attachment_mb * 1024 * 1024),
    )


def outbox_for(config: Config) -> Outbox:
    return Outbox(config.store_path.parent / "outbox")


def run_job(config: Config, name: str, today: dt.date | None = None, out: Path | None = None) -> JobResult:
    """Run one job now. Raises AlreadyRunning when the same job runs elsewhere."""
    job = find_job(config, name)
    try:
        with job_lock(config, name):
            return _run(config, job, today or dt.date.today(), out)
    except AlreadyRunning as exc:  # only the lock raises it
        _record_refused(config, name, str(exc))
        raise


def _record_refused(config: Config, name: str, message: str) -> None:
    """Put the refused run in the history when the store can be written now (the running job holds it
    only while it syncs or analyses); the message on stderr says it in any case."""
    with contextlib.suppress(ProfitlensError), Store(config.store_path) as store:
        store.record_refused(f"job:{name}", message)


def _run(config: Config, job: JobSettings, today: dt.date, out: Path | None) -> JobResult:
    period = period_for(job.period, today)
    with Store(config.store_path) as store:
        run_id = store.start_run(f"job:{job.name}")
    result = JobResult(job.name, run_id, f"{period.start.isoformat()} – {period.end.isoformat()}")
    RUN_ID.set(run_id)
    log.info("job %s started for %s", job.name, result.period)
    server = mail_server(config)
    outbox = outbox_for(config)
    try:
        if "pdf" in job.reports:
            weasyprint_html()  # a missing PDF runtime is one clear line before the sync, not after it
        if server is not None:
            flushed = outbox.flush(server)
            result.sent, result.failed, result.refused = flushed.sent, flushed.failed, flushed.refused
            for reason in flushed.failed:
                log.error("a message in the outbox was refused for good and set aside: %s", reason)
        app.sync(config)
        run = app.run_analysis(config, period)
        company = config.settings.company
        languages = [i18n.language(x) for x in (job.languages or [company.locale])]
        folder = out or (config.store_path.parent / "reports" / job.name / run_id)
        t = run.analysis.totals
        for lang in languages:
            target = folder / lang if len(languages) > 1 else folder
            files = app.write_reports(config, run, target, tuple(job.reports), lang)
            result.files.extend(files)
            if server is None or not job.recipients:
                continue
            _ = i18n.gettext_for(lang)
            f = Formatter(lang, company.currency)
            figures = {
                "net_sales": f.money(t["net_sales"], whole=True),
                "gross_margin": f.money(t["gross_margin"], whole=True),
                "net_profit": f.money(t["net_profit"], whole=True),
                "losing": str(sum(1 for c in run.analysis.customers if c.net_profit < 0)),
                "count": str(len(run.analysis.customers)),
                "watch": str(len(run.analysis.watch_list)),
            }
            when = f"{f.date(period.start)} – {f.date(period.end)}"
            subject, body = subject_and_body(company.name, when, figures, run.analysis.reconciliation.get("ties"), _)
            if job.subject:
                subject = job.subject
            attachments = [p for p in files if p.suffix in (".pdf", ".xlsx")]
            message = compose(server, job.recipients, subject, body, attachments, _)
            try:
                delivered = deliver(server, outbox, message)
            except MessageRefused as exc:
                result.failed.append(f"{subject}: {exc}")
                log.error("%s", exc)
                continue
            if delivered.sent:
                result.sent.append(subject)
                result.refused.update(delivered.refused)
                taken = [r for r in job.recipients if r not in delivered.refused]
                log.info("sent %r to %s", subject, ", ".join(taken))
                for address, said in delivered.refused.items():
                    log.error("the mail server refused the recipient %s: %s", address, said)
            else:
                log.warning("mail server unavailable: %r kept in the outbox", subject)
        result.queued = len(outbox.pending())
        result.figures = {k: str(v) for k, v in t.items() if k in ("net_sales", "gross_margin", "net_profit")}
    except BaseException as exc:
        error_text = str(exc) if isinstance(exc, ProfitlensError) else f"{type(exc).__name__}: {exc}"
        with Store(config.store_path) as store:
            store.finish_run(run_id, "failed", result.as_dict(), error=error_text)
        raise
    with Store(config.store_path) as store:
        store.finish_run(run_id, result.status, result.as_dict())
    log.info(
        "job %s finished: %s files, %s sent, %s waiting", job.name, len(result.files), len(result.sent), result.queued
    )
    return result


def history(config: Config, limit: int = 20) -> list[dict[str, Any]]:
    import json  # noqa: PLC0415

    with Store(config.store_path, read_only=True) as store:
        rows = store.con.execute(
            "SELECT run_id, kind, started_at, finished_at, status, summary, error FROM run "
            "ORDER BY started_at DESC LIMIT ?",
            [limit],
        ).fetchall()
    return [
        {
            "run_id": r[0],
            "kind": r[1],
            "started": r[2].isoformat(timespec="seconds") if r[2] else None,
            "finished": r[3].isoformat(timespec="seconds") if r[3] else None,
            "status": r[4],
            # Masked again as they are shown: runs kept before masking moved into the store.
            "summary": json.loads(mask(r[5])) if r[5] else None,
            "error": mask(r[6]) if r[6] else None,
        }
        for r in rows
    ]
