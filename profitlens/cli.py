"""The `profitlens` command. It parses arguments, loads the configuration and calls `profitlens.app`."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from common.errors import ProfitlensError
from profitlens import __version__

F = TypeVar("F", bound=Callable[..., Any])

DEMO_COMPANY = "Nordlicht Handel GmbH"
DEMO_PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))


def _config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PROFITLENS_CONFIG",
        default=None,
        help="The configuration file (TOML). Else PROFITLENS_CONFIG, else the platform's config directory "
        "(Linux: ~/.config/profitlens/profitlens.toml).",
    )(func)


def _load(config_path: Path | None) -> Any:
    """Find and validate the configuration, and start the log file next to its store."""
    from profitlens.config import find_config, load_config  # noqa: PLC0415
    from profitlens.logs import setup_file  # noqa: PLC0415

    config = load_config(find_config(config_path))
    setup_file(config.store_path.parent / "logs")
    return config


def _period_options(func: F) -> F:
    date = click.DateTime(formats=["%Y-%m-%d"])
    func = click.option(
        "--as-of",
        "as_of",
        type=date,
        default=None,
        help="Age receivables at this date (YYYY-MM-DD). Default: the end of the period.",
    )(func)
    func = click.option("--to", "date_to", type=date, required=True, help="Last day of the period (YYYY-MM-DD).")(func)
    func = click.option("--from", "date_from", type=date, required=True, help="First day of the period (YYYY-MM-DD).")(
        func
    )
    return func


def _period(date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime | None) -> Any:
    from profitability.model import Period  # noqa: PLC0415 - keep `--help` fast

    return Period.of(date_from.date(), date_to.date(), as_of.date() if as_of else None)


def _formats(value: str) -> tuple[str, ...]:
    from profitlens.app import REPORT_FORMATS  # noqa: PLC0415

    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown or not formats:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(REPORT_FORMATS)}", param_hint="--format"
        )
    return formats


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="profitlens")
@click.option("-v", "--verbose", count=True, help="More detail on the console (-v, -vv).")
def cli(verbose: int) -> None:
    """profitlens: what each customer is really worth.

    Reads invoices, receivables and time entries from Dynamics GP (or files), prices every customer
    (margin, commissions, cost to serve, overdue receivables) and writes reports.

    \b
    Start here:   profitlens demo
    Then:         profitlens sync --config profitlens.toml
                  profitlens analyze --config profitlens.toml --from 2025-01-01 --to 2025-12-31 --out results
                  profitlens report  --config profitlens.toml --from 2025-01-01 --to 2025-12-31 --out reports
    """
    from profitlens.logs import setup_console  # noqa: PLC0415

    setup_console(verbose)


@cli.command()
@_config_option
@click.option(
    "--full",
    is_flag=True,
    help="Read everything again and remove what the ERP no longer has (default: only changes since the last sync).",
)
def sync(config_path: Path | None, full: bool) -> None:
    """Read the source named in the configuration into the ledger store.

    After the first sync only what changed since the last one is read. The whole sync lands at
    once or not at all; an interrupted sync resumes where it stopped when run again. Rows that
    cannot be taken are quarantined with their reason and listed here; the rest lands.
    """
    from profitlens import app  # noqa: PLC0415
    from profitlens.progress import SyncProgress  # noqa: PLC0415

    config = _load(config_path)
    progress = SyncProgress()
    try:
        result = app.sync(config, progress, full=full)
    finally:
        progress.close()
    _print_sync(result.as_dict(), config.store_path)


def _print_sync(summary: dict[str, Any], store_path: Path) -> None:
    click.echo(
        f"Synced {summary['rows_read']:,} rows from {summary['source']} into {store_path} "
        f"({summary.get('mode', 'full')}{', resumed' if summary.get('resumed') else ''}): "
        f"{summary['rows_landed']:,} landed, {summary.get('rows_changed', 0):,} new or changed, "
        f"{summary.get('rows_removed', 0):,} removed, {summary['rows_quarantined']:,} quarantined"
        + (f", {summary['rows_skipped']:,} skipped on purpose" if summary.get("rows_skipped") else "")
        + "."
    )
    for table, n in summary["landed"].items():
        if n:
            click.echo(f"  {table:<15} {n:>10,}")
    if summary["rows_quarantined"]:
        click.echo("Quarantined rows (see `profitlens quarantine`):", err=True)
        _print_quarantine(store_path, summary["run_id"], limit=20)


def _print_quarantine(store_path: Path, run_id: str | None, limit: int) -> None:
    from ledger.store import Store  # noqa: PLC0415

    with Store(store_path, read_only=True) as store:
        if run_id is None:
            last = store.last_sync()
            run_id = last["run_id"] if last else ""
        rows = store.con.execute(
            "SELECT source_table, row_number, source_key, reason FROM quarantine WHERE run_id = ? "
            "ORDER BY source_table, row_number LIMIT ?",
            [run_id, limit + 1],
        ).fetchall()
        total_row = store.con.execute("SELECT count(*) FROM quarantine WHERE run_id = ?", [run_id]).fetchone()
    total = int(total_row[0]) if total_row else 0
    for table, row_number, key, reason in rows[:limit]:
        click.echo(f"  {table} row {row_number} ({key}): {reason}", err=True)
    if total > limit:
        click.echo(f"  … and {total - limit:,} more", err=True)


@cli.command()
@_config_option
@click.option("--limit", default=100, show_default=True, help="How many rows to list.")
def quarantine(config_path: Path | None, limit: int) -> None:
    """List the rows the last sync quarantined, with their row numbers and reasons."""

    config = _load(config_path)
    _print_quarantine(config.store_path, None, limit)


@cli.command()
@_config_option
@_period_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for customers.csv and summary.json.",
)
def analyze(
    config_path: Path | None, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime | None, out: Path
) -> None:
    """Price every customer for a period; write customers.csv and summary.json."""
    from profitlens import app  # noqa: PLC0415

    config = _load(config_path)
    run = app.run_analysis(config, _period(date_from, date_to, as_of))
    for path in app.write_outputs(config, run, out):
        click.echo(str(path))
    _print_headline(run.analysis, config.settings.company.currency)


def _print_headline(analysis: Any, currency: str) -> None:
    t = analysis.totals
    click.echo(
        f"{analysis.counts['customers']:,} customers; net sales {t['net_sales']:,.2f} {currency}, "
        f"net profit {t['net_profit']:,.2f} {currency}; {analysis.reconciliation['note']}.",
        err=True,
    )


@cli.command()
@_config_option
@_period_options
@click.option(
    "--format", "formats", default="pdf,html", show_default=True, help="Comma-separated: pdf, html, xlsx, csv."
)
@click.option(
    "--lang", default=None, help="Language of the report: en, de, es, nb, sv or fi. Default: [company] locale."
)
@click.option(
    "--statement",
    "statements",
    multiple=True,
    help="Also write a one-page statement PDF for this customer id (repeatable; COMPANY|ID for several companies).",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the reports.")
def report(
    config_path: Path | None,
    date_from: dt.datetime,
    date_to: dt.datetime,
    as_of: dt.datetime | None,
    formats: str,
    lang: str | None,
    statements: tuple[str, ...],
    out: Path,
) -> None:
    """Write the reports for a period: the executive PDF, the accountant's HTML, XLSX and CSV.

    --statement adds a one-page PDF per chosen customer for its account manager.
    """
    from profitlens import app  # noqa: PLC0415
    from reports.i18n import language  # noqa: PLC0415

    chosen = _formats(formats)
    if lang is not None:
        language(lang)
    config = _load(config_path)
    run = app.run_analysis(config, _period(date_from, date_to, as_of))
    for path in app.write_reports(config, run, out, chosen, lang, statements):
        click.echo(str(path))


@cli.command()
@_config_option
@_period_options
@click.option("--class", "customer_class", default=None, help="The prospect's customer class (as in the ERP).")
@click.option("--territory", default=None, help="The prospect's sales territory (as in the ERP).")
@click.option("--sales", "yearly_sales", type=str, required=True, help="Expected net sales per year.")
@click.option("--peers", default=10, show_default=True, help="How many similar customers to learn from.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
def estimate(
    config_path: Path | None,
    date_from: dt.datetime,
    date_to: dt.datetime,
    as_of: dt.datetime | None,
    customer_class: str | None,
    territory: str | None,
    yearly_sales: str,
    peers: int,
    as_json: bool,
) -> None:
    """Estimate a prospect's yearly net profit and lifetime value from the customers most like it."""
    from ledger.money import D, cents  # noqa: PLC0415
    from profitability.estimate import estimate as estimate_prospect  # noqa: PLC0415
    from profitlens import app  # noqa: PLC0415

    try:
        sales = D(yearly_sales)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sales") from None
    config = _load(config_path)
    settings = app.engine_settings(config)
    run = app.run_analysis(config, _period(date_from, date_to, as_of))
    discount = settings.discount_rate if settings.discount_rate is not None else settings.cost_of_capital
    result = estimate_prospect(run.analysis, customer_class, territory, sales, k=peers, discount_rate=discount)
    currency = config.settings.company.currency
    figures = {
        "expected_sales": result.expected_sales,
        "net_profit": result.net_profit,
        "net_profit_low": result.net_profit_low,
        "net_profit_high": result.net_profit_high,
        "gross_margin": result.gross_margin,
        "cost_to_serve": result.cost_to_serve,
        "lifetime_value": result.lifetime_value,
    }
    if as_json:
        out: dict[str, Any] = {k: (str(cents(v)) if v is not None else None) for k, v in figures.items()}
        out["net_margin"] = str(round(result.net_margin, 4))
        out["peers"] = [c.customer_id for c in result.peers]
        click.echo(json.dumps(out, indent=2))
        return

    def money(value: Any) -> str:
        return f"{value:,.2f} {currency}" if value is not None else "n/a (no retention history)"

    click.echo(
        f"Expected yearly net profit: {money(result.net_profit)} (net margin {result.net_margin:.1%}; "
        f"likely between {money(result.net_profit_low)} and {money(result.net_profit_high)})"
    )
    click.echo(
        f"Gross margin {money(result.gross_margin)}, cost to serve {money(result.cost_to_serve)}, "
        f"lifetime value {money(result.lifetime_value)}"
    )
    click.echo(f"From {len(result.peers)} similar customers: " + ", ".join(c.customer_id for c in result.peers))


@cli.command("run")
@_config_option
@click.argument("job")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (catch up a missed run, or rerun a past one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def run_command(config_path: Path | None, job: str, today: dt.datetime | None, as_json: bool) -> None:
    """Run the named [[job]] now: sync, analyse, write its reports and e-mail them.

    For cron, systemd timers or the Windows Task Scheduler (docs/operations.md). A second run of the
    same job while one is running stops at once with exit code 1.
    """
    from profitlens.jobs import run_job  # noqa: PLC0415

    config = _load(config_path)
    result = run_job(config, job, today.date() if today else None)
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, **result.as_dict()}, indent=2))
        return
    click.echo(
        f"Job {job} ({result.period}): {len(result.files)} files, {len(result.sent)} e-mails sent"
        + (f", {result.queued} waiting in the outbox for the next run" if result.queued else "")
        + "."
    )
    for path in result.files:
        click.echo(f"  {path}")


@cli.group("config")
def config_group() -> None:
    """The configuration file: write an annotated starting file."""


@config_group.command("init")
@click.option("--kind", type=click.Choice(["gp-sql", "gp-ws", "bc", "files"]), required=True, help="The source kind.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it. Default: the platform's configuration directory.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def config_init(kind: str, out: Path | None, force: bool) -> None:
    """Write an annotated configuration for KIND to start from (every key explained, secrets as ${ENV})."""
    from importlib import resources  # noqa: PLC0415

    from common.errors import ConfigError  # noqa: PLC0415
    from profitlens.config import default_config_path  # noqa: PLC0415
    from reports.render import write_private_file  # noqa: PLC0415

    target = out or default_config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target} exists already", key="config init", hint="give --force to replace it, or --out")
    text = resources.files("profitlens").joinpath("templates", f"{kind}.toml").read_text(encoding="utf-8")
    write_private_file(target, text.encode("utf-8"))
    click.echo(f"Wrote {target}. Edit it, then run: profitlens check --config {target}")


@cli.group()
def credentials() -> None:
    """Secrets in the operating system's keyring, for `{ keyring = "service/name" }` in the configuration."""


@credentials.command("set")
@click.argument("reference")
def credentials_set(reference: str) -> None:
    """Store a secret under REFERENCE (service/name); it is asked for twice and never shown."""
    from profitlens.credentials import store_secret  # noqa: PLC0415

    value = click.prompt(f"Secret for {reference}", hide_input=True, confirmation_prompt=True)
    store_secret(reference, value)
    click.echo(f'Stored {reference} in the keyring. Use it as: {{ keyring = "{reference}" }}')


@cli.command()
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(config_path: Path | None, as_json: bool) -> None:
    """Try every configured connection (sources, their tables, the store, the mail server).

    Says per item OK or what is wrong in words an administrator can act on; exit code 1 if anything fails.
    """
    from profitlens.check import run_checks  # noqa: PLC0415

    findings = run_checks(_load(config_path))
    if as_json:
        click.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        for f in findings:
            click.echo(f"{'OK  ' if f.ok else 'FAIL'}  {f.item}: {f.detail}")
    if not all(f.ok for f in findings):
        raise click.exceptions.Exit(1)


@cli.command()
@_config_option
@click.option("--once", is_flag=True, help="Run what is due now and exit (for testing a schedule).")
def schedule(config_path: Path | None, once: bool) -> None:
    """Run the jobs whose `cron` time has come, in the foreground, until stopped.

    After downtime each job catches up once. Run it as a service (systemd, a Windows service) or use
    `profitlens run` from your own scheduler instead.
    """
    import datetime as dt_  # noqa: PLC0415

    from profitlens import schedule as scheduler  # noqa: PLC0415

    config = _load(config_path)
    if once:
        for name, outcome in scheduler.run_due(config, dt_.datetime.now().astimezone()):
            click.echo(f"{name}: {getattr(outcome, 'period', outcome)}")
        return
    click.echo("profitlens schedule: checking every minute; Ctrl+C stops.", err=True)
    scheduler.serve(config, report=click.echo)


@cli.command()
@_config_option
@click.option("--limit", default=20, show_default=True, help="How many runs to list, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def history(config_path: Path | None, limit: int, as_json: bool) -> None:
    """List past runs (syncs and jobs): start, end, status, figures, error, e-mails sent."""
    from profitlens import jobs  # noqa: PLC0415

    runs = jobs.history(_load(config_path), limit)
    if as_json:
        click.echo(json.dumps(runs, indent=2, default=str))
        return
    for r in runs:
        summary = r["summary"] or {}
        sent = len(summary.get("sent", [])) if isinstance(summary, dict) else 0
        line = f"{r['started']}  {r['kind']:<20} {r['status']:<28}"
        if r["kind"].startswith("job:"):
            line += f" {summary.get('period', '')}  sent {sent}"
        if r["error"]:
            line += f"  error: {r['error']}"
        click.echo(line)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("profitlens-demo"),
    show_default=True,
    help="Folder for the sample company, its ledger and the reports.",
)
@click.option(
    "--size",
    type=click.Choice(["tiny", "small", "large"]),
    default="small",
    show_default=True,
    help="Sample company size: small ≈ 200 customers; large ≈ 20,000 customers and 1M invoice lines.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the sample generator (same seed, same company).")
@click.option(
    "--format", "formats", default="pdf,html,xlsx,csv", show_default=True, help="Comma-separated: pdf, html, xlsx, csv."
)
@click.option("--lang", default="en", show_default=True, help="Language of the reports: en, de, es, nb, sv or fi.")
def demo(out: Path, size: str, seed: int, formats: str, lang: str) -> None:
    """Generate the sample GP company, sync it, analyse it and write the reports.

    Prints the paths of the HTML and PDF reports. The folder also holds profitlens.toml, a working
    configuration to try `sync`, `analyze` and `report` with.
    """
    from connector.sample.generate import generate  # noqa: PLC0415
    from profitlens import app  # noqa: PLC0415
    from profitlens.config import load_config  # noqa: PLC0415
    from reports.i18n import language  # noqa: PLC0415

    chosen = _formats(formats)
    lang = language(lang)  # refuse a wrong language before the work, not after it
    out.mkdir(parents=True, exist_ok=True)
    sample = out / f"sample-gp-{size}.sqlite"
    if not sample.exists():
        click.echo(f"Generating the {size} sample company into {sample} …", err=True)
        generate(sample, size=size, seed=seed)
    config_file = out / "profitlens.toml"
    config_file.write_text(_demo_config(sample.name), encoding="utf-8")
    config = load_config(config_file)
    result = app.sync(config)
    _print_sync(result.as_dict(), config.store_path)
    from profitability.model import Period  # noqa: PLC0415

    run = app.run_analysis(config, Period.of(*DEMO_PERIOD))
    app.write_outputs(config, run, out)
    _print_headline(run.analysis, config.settings.company.currency)
    for path in app.write_reports(config, run, out, chosen, lang):
        click.echo(str(path))


def _demo_config(sample_name: str) -> str:
    return f"""# profitlens configuration for the embedded sample company (written by `profitlens demo`).
[company]
name = "{DEMO_COMPANY}"
currency = "EUR"

[source]
kind = "gp-sql"
path = "{sample_name}"        # a GP-shaped SQLite file; at your site: connection = "DRIVER=...;SERVER=...;DATABASE=..."

[source.mapping.customer]
referred_by = "USERDEF1"      # this company keeps the referring customer in RM00101.USERDEF1

[store]
path = "profitlens.duckdb"

[analysis]
ageing_buckets = [30, 60, 90, 120]   # current, 1-30, 31-60, 61-90, 91-120, over 120 days past due
cost_of_capital = 0.08               # yearly; prices the wait for payment
loss_rates = "history"               # estimated from this company's write-offs and late payments
referral_share = 0.10                # share of a referred customer's gross margin credited to the referrer

# Time-driven ABC: what each capacity pool costs a year and the practical minutes it gives a year
# (a period gets both × its days ÷ 365).
[[costing.pool]]
name = "order desk"
cost = 12000
practical_minutes = 20000

[[costing.pool]]
name = "credit control"
cost = 6000
practical_minutes = 8000

[costing.drivers]
invoice = {{ pool = "order desk", minutes = 12 }}
credit_memo = {{ pool = "order desk", minutes = 25 }}
return = {{ pool = "order desk", minutes = 45 }}
payment = {{ pool = "credit control", minutes = 4 }}
reminder = {{ pool = "credit control", minutes = 15 }}
"""


def _utf8_when_redirected() -> None:
    """Output into a file or a pipe (a scheduled task's log) in UTF-8. Windows would write it in the ANSI
    code page, which has no Ł or − and stops the run at the first path or name that holds one; a console
    gets every character either way."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream.isatty():
            continue
        if stream.encoding.lower().replace("-", "").replace("_", "") != "utf8":
            stream.reconfigure(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Entry point: user mistakes become one line on stderr and exit code 1, never a traceback."""
    _utf8_when_redirected()
    try:
        code = cli.main(args=argv, prog_name="profitlens", standalone_mode=False)
        if isinstance(code, int) and code:
            return code  # a command's own exit code (e.g. `check` when something failed)
    except ProfitlensError as exc:
        from common.masking import mask  # noqa: PLC0415

        # Into the log file; the console gets the one line below, not the same message twice.
        logging.getLogger("profitlens").error("%s", exc, extra={"file_only": True})
        click.echo(f"error: {mask(str(exc))}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted; the ledger store is as it was before this run", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
