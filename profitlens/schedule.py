"""`profitlens schedule`: run the jobs whose cron time has come, in the foreground, as a service.

Each job with a `cron` expression is due when its most recent scheduled time (at or before now) is later
than the start of its last run recorded in the store. After downtime that means exactly one catch-up run,
however many scheduled times were missed. Runs go through `jobs.run_job`, so the job's lock still keeps two
runs from overlapping (for instance a manual `profitlens run` and the scheduler).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from croniter import croniter

from common.errors import AlreadyRunning, ConfigError, ProfitlensError
from ledger.store import Store
from profitlens.config import Config
from profitlens.jobs import JobResult, run_job
from profitlens.settings import JobSettings

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


def check_cron(job: JobSettings, config: Config) -> None:
    if job.cron is not None and not croniter.is_valid(job.cron):
        raise ConfigError(
            f"{job.cron!r} is not a cron expression",
            key=f"job.{job.name}.cron",
            file=str(config.file),
            hint='five fields: minute hour day-of-month month day-of-week, e.g. "0 6 1 * *"',
        )


def last_started(config: Config, job: str) -> dt.datetime | None:
    if not config.store_path.exists():
        return None
    with Store(config.store_path, read_only=True) as store:
        row = store.con.execute(
            "SELECT max(started_at) FROM run WHERE kind = ? AND status <> 'failed'", [f"job:{job}"]
        ).fetchone()
    return row[0] if row and row[0] else None


def due_jobs(config: Config, now: dt.datetime) -> list[JobSettings]:
    """Jobs whose latest scheduled time at or before `now` (local time) has not had a run since."""
    due = []
    for job in config.settings.job:
        if job.cron is None:
            continue
        check_cron(job, config)
        scheduled = croniter(job.cron, now).get_prev(dt.datetime)
        started = last_started(config, job.name)
        if started is None or started < scheduled.astimezone(dt.UTC).replace(tzinfo=None):
            due.append(job)
    return due


def run_due(config: Config, now: dt.datetime) -> list[tuple[str, JobResult | str]]:
    """Run every due job once; a job that fails is reported and the others still run."""
    results: list[tuple[str, JobResult | str]] = []
    for job in due_jobs(config, now):
        try:
            results.append((job.name, run_job(config, job.name, now.date())))
        except AlreadyRunning as exc:
            results.append((job.name, str(exc)))
        except ProfitlensError as exc:
            log.error("job %s failed: %s", job.name, exc)
            results.append((job.name, f"failed: {exc}"))
    return results


def serve(
    config: Config,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = print,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Check every minute, on the minute, until stopped (Ctrl+C, or the service manager)."""
    clock = clock or (lambda: dt.datetime.now().astimezone())
    for job in config.settings.job:
        check_cron(job, config)
    while not stop():
        for name, outcome in run_due(config, clock()):
            report(f"{name}: {outcome.period if isinstance(outcome, JobResult) else outcome}")
        now = clock()
        sleep(60 - now.second - now.microsecond / 1e6)
