"""Generate the sample company "Nordlicht Handel GmbH" as a GP company database in SQLite.

Deterministic from a seed: the same seed and size give the same bytes of data. Sizes:

- ``small``: 200 customers, about 1,000 invoices with 10,000 lines, 5,000 time entries.
- ``large``: 20,000 customers, about 100,000 invoices with 1,000,000 lines, about 200,000
  receivables documents and 500,000 time entries.

The data has the patterns that make a profitability report worth reading: a few whale customers,
large customers that lose money through returns and support time, chronic late payers, write-offs,
customers turning unprofitable over the last two quarters, referrals (RM00101.USERDEF1), corporate
accounts (CPRCSTNM), kit items (SOP30300 component lines), voided invoices, payments on account and
two currencies (functional EUR; Swedish customers invoiced in SEK, MC020102).

The sample's "today" is fixed at 2026-10-31 so that ageing does not change with the calendar.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from connector.sample.company import SIZES, TODAY
from connector.sample.gp_db import create_keys, create_tables
from connector.sample.labour import Labour
from connector.sample.masters import Masters
from connector.sample.transactions import Transactions

__all__ = ["SIZES", "TODAY", "Generator", "generate"]


class Generator(Masters, Transactions, Labour):
    """The whole sample company: master data, then transactions, then labour, from one random stream."""


def generate(
    path: Path | str, size: str = "small", seed: int = 7, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write the sample company to a new SQLite file at `path`; returns row counts per table. `progress`
    hears each step as it starts (the large company takes a minute or more)."""
    say = progress or (lambda _message: None)
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        create_tables(con, keys=False)  # keys after the load: one sort instead of a million index inserts
        gen = Generator(con, SIZES[size], seed)
        say("customers, salespeople, employees, items")
        gen.masters()
        say("invoices, returns, payments and their applications")
        gen.transactions()
        say("timesheets")
        gen.labour()
        gen.flush()
        say("keys and statistics")
        create_keys(con)
        # SQL Server keeps statistics by itself; SQLite's planner needs ANALYZE to join from the small side.
        con.execute("ANALYZE")
        con.commit()
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("RM00101", "RM20101", "RM30101", "RM20201", "RM30201", "SOP30200", "SOP30300", "PA30101")
        }
    finally:
        con.close()
    tmp.replace(target)  # a half-written sample never masquerades as a finished one
    return counts
