"""Commands for unattended use: `run`, `schedule`, `history` and `check`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from profitlens.cli.options import DAY, config_option, load


@click.command("run")
@config_option
@click.argument("job")
@click.option(
    "--today",
    type=DAY,
    default=None,
    help="Run as if it were this day (catch up a missed run, or rerun a past one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def run_command(config_path: Path | None, job: str, today: dt.datetime | None, as_json: bool) -> None:
    """Run the named [[job]] now: sync, analyse, write its reports and e-mail them.

    For cron, systemd timers or the Windows Task Scheduler (docs/operations.md). Exit code 0: done and
    delivered; 75: done, the mail waits in the outbox for the next run; 1: failed, or a message or
    recipient was refused for good. A second run of the same job while one runs stops at once (1).
    """
    from common.errors import ProfitlensError  # noqa: PLC0415
    from common.masking import mask  # noqa: PLC0415
    from profitlens.jobs import run_job  # noqa: PLC0415

    try:
        config = load(config_path)
        result = run_job(config, job, today.date() if today else None)
    except ProfitlensError as exc:
        if not as_json:
            raise
        # A monitor reading --json gets JSON also when the run stops: what failed, and the fix.
        failure = {"job": job, "status": "failed", "kind": type(exc).__name__, "error": mask(exc.message)}
        if exc.hint:
            failure["hint"] = mask(exc.hint)
        click.echo(json.dumps(failure, indent=2))
        raise click.exceptions.Exit(1) from exc
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, **result.as_dict()}, indent=2))
    else:
        click.echo(
            f"Job {job} ({result.period}): {len(result.files)} files, {len(result.sent)} e-mails sent"
            + (f", {result.queued} waiting in the outbox for the next run" if result.queued else "")
            + "."
        )
        for path in result.files:
            click.echo(f"  {path}")
    for reason in result.failed:
        click.echo(f"error: a message was refused for good (kept in outbox/failed): {reason}", err=True)
    for address, said in result.refused.items():
        click.echo(f"error: the mail server refused the recipient {address}: {said}", err=True)
    if result.exit_code:
        # 75: done, the mail goes out with the next run; 1: a message or recipient refused for good.
        raise click.exceptions.Exit(result.exit_code)


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(config_path: Path | None, as_json: bool) -> None:
    """Try every configured connection (sources, their tables, the store, the mail server).

    Says per item OK or what is wrong in words an administrator can act on; exit code 1 if anything fails.
    """
    from profitlens.check import run_checks  # noqa: PLC0415

    findings = run_checks(load(config_path, log=False))
    if as_json:
        click.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        for f in findings:
            click.echo(f"{'OK  ' if f.ok else 'FAIL'}  {f.item}: {f.detail}")
    if not all(f.ok for f in findings):
        raise click.exceptions.Exit(1)


@click.command()
@config_option
@click.option("--once", is_flag=True, help="Run what is due now and exit (for testing a schedule).")
def schedule(config_path: Path | None, once: bool) -> None:
    """Run the jobs whose `cron` time has come, in the foreground, until stopped.

    After downtime each job catches up once. Run it as a service (systemd, a Windows service) or use
    `profitlens run` from your own scheduler instead.
    """
    import datetime as dt_  # noqa: PLC0415

    from profitlens import schedule as scheduler  # noqa: PLC0415

    config = load(config_path)
    if once:
        ran = False
        for name, outcome in scheduler.run_due(config, dt_.datetime.now().astimezone()):
            click.echo(f"{name}: {getattr(outcome, 'period', outcome)}")
            ran = True
        if not ran:
            click.echo("No job is due now; nothing was run.", err=True)
        return
    click.echo("profitlens schedule: checking every minute; Ctrl+C stops.", err=True)
    scheduler.serve(config, report=click.echo)


@click.command()
@config_option
@click.option("--limit", default=20, show_default=True, help="How many runs to list, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def history(config_path: Path | None, limit: int, as_json: bool) -> None:
    """List past runs (syncs and jobs): start, end, status, figures, error, e-mails sent."""
    from profitlens import jobs  # noqa: PLC0415

    runs = jobs.history(load(config_path), limit)
    if as_json:
        click.echo(json.dumps(runs, indent=2, default=str))
        return
    if not runs:
        click.echo("No runs yet: `profitlens sync` or `profitlens run JOB` start the history.", err=True)
    for r in runs:
        summary = r["summary"] if isinstance(r["summary"], dict) else {}
        ended = (r["finished"] or "(not finished)").replace("T", " ")
        line = f"{r['started'].replace('T', ' ')}  to {ended:<19}  {r['kind']:<20} {r['status']:<28}"
        if r["kind"].startswith("job:"):
            files, sent = summary.get("files", []), summary.get("sent", [])
            line += f" {summary.get('period', '')}  files {len(files)}  e-mails sent {len(sent)}"
        elif "rows_read" in summary:
            line += (
                f" read {summary['rows_read']:,}, landed {summary.get('rows_landed', 0):,}, "
                f"quarantined {summary.get('rows_quarantined', 0):,}"
            )
        if r["error"]:
            line += f"  error: {r['error']}"
        click.echo(line)
