"""The `profitlens` command. It parses arguments, loads the configuration and calls `profitlens.app`.

One module per group of commands: `data` (sync, quarantine), `analysis` (analyze, report, estimate),
`operations` (run, schedule, history, check), `configuration` (config init, credentials set) and `demo`;
`options` holds what they share. Every import beyond click is made inside a command, so `--help` is fast.
"""

from __future__ import annotations

import io
import logging
import sys

import click

from common.errors import ProfitlensError
from profitlens import __version__
from profitlens.cli import analysis, configuration, data, demo, operations


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


for command in (
    data.sync,
    data.quarantine,
    analysis.analyze,
    analysis.report,
    analysis.estimate,
    operations.run_command,
    operations.check,
    operations.schedule,
    operations.history,
    configuration.config_group,
    configuration.credentials,
    demo.demo,
):
    cli.add_command(command)


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
    except click.UsageError as exc:
        # A wrong option or value is a user mistake like a wrong setting: one line naming it, exit code 1.
        where = exc.ctx.command_path if exc.ctx is not None else "profitlens"
        click.echo(f"error: {exc.format_message()} (see {where} --help)", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted; the ledger store is as it was before this run", err=True)
        return 130
    return 0
