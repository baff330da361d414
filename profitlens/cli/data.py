"""Commands on the ledger store: `sync` and `quarantine`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from profitlens.cli.options import config_option, load


@click.command()
@config_option
@click.option(
    "--full",
    is_flag=True,
    help="Read everything again and remove what the ERP no longer has (default: only changes since the last sync).",
)
@click.option(
    "--accept-removals",
    is_flag=True,
    help="Remove what the source no longer has even if it is more than [store] max_removed_share of a table.",
)
def sync(config_path: Path | None, full: bool, accept_removals: bool) -> None:
    """Read the source named in the configuration into the ledger store.

    After the first sync only what changed since the last one is read. The whole sync lands at
    once or not at all; an interrupted sync resumes where it stopped when run again. Rows that
    cannot be taken are quarantined with their reason and listed here; the rest lands.
    """
    from profitlens import app  # noqa: PLC0415
    from profitlens.progress import SyncProgress  # noqa: PLC0415

    config = load(config_path)
    progress = SyncProgress()
    try:
        result = app.sync(config, progress, full=full, accept_removals=accept_removals)
    finally:
        progress.close()
    print_sync(result.as_dict(), config.store_path)


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"


def print_sync(summary: dict[str, Any], store_path: Path) -> None:
    click.echo(
        f"Synced {summary['rows_read']:,} {_rows(summary['rows_read'])} from {summary['source']} into {store_path} "
        f"({summary.get('mode', 'full')}{', resumed' if summary.get('resumed') else ''}): "
        f"{summary['rows_landed']:,} landed ({summary.get('rows_changed', 0):,} of them new or changed, the rest "
        "as they were), "
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


# One run's rows ($run), or with $run NULL those of each stream's last reading run; `total` counts them all.
QUARANTINE_SQL = """
SELECT source_table, row_number, source_key, reason, count(*) OVER () AS total FROM quarantine q
WHERE (CAST($run AS VARCHAR) IS NOT NULL AND q.run_id = $run)
   OR (CAST($run AS VARCHAR) IS NULL
       AND EXISTS (SELECT 1 FROM sync_state s WHERE s.last_run_id = q.run_id AND s.stream = q.stream))
ORDER BY source_table, row_number LIMIT $limit
"""


def _print_quarantine(store_path: Path, run_id: str | None, limit: int) -> None:
    """The rows a sync quarantined (`run_id`), or, without one, every row still out: for each stream, those
    of the last sync that read it (a file synced again unchanged still has them out)."""
    from ledger.store import Store  # noqa: PLC0415

    with Store(store_path, read_only=True) as store:
        rows = store.con.execute(QUARANTINE_SQL, {"run": run_id, "limit": limit}).fetchall()
    total = int(rows[0][4]) if rows else 0
    if not rows and run_id is None:
        click.echo("No rows are in quarantine: every row of the last sync of each stream landed.", err=True)
    for table, row_number, key, reason, _ in rows:
        click.echo(f"  {table} row {row_number} ({key}): {reason}", err=True)
    if total > limit:
        click.echo(f"  … and {total - limit:,} more", err=True)


@click.command()
@config_option
@click.option("--limit", default=100, show_default=True, help="How many rows to list.")
def quarantine(config_path: Path | None, limit: int) -> None:
    """List the rows still out of the ledger, with their row numbers and reasons: for each stream, those
    the last sync that read it quarantined."""

    config = load(config_path)
    _print_quarantine(config.store_path, None, limit)
