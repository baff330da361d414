"""A small hand-worked case as the files connector reads it: write its CSV tables, sync them into a store
and analyse a period with the configuration a user would write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connector.files import FilesConnector
from ledger.store import Store
from mappings.engine import load_mapping
from profitability.analyze import analyze
from profitability.model import Analysis, Period
from profitlens.app import engine_settings
from profitlens.config import load_config
from profitlens.sync import run_sync

SOURCE = '[source]\nkind = "files"\npath = "data"\n'


def write_tables(folder: Path, tables: dict[str, str]) -> Path:
    """Each `name.csv: text` of `tables` into `folder` (made if missing), as UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def analyse_tables(
    root: Path,
    tables: dict[str, str],
    period: tuple[dt.date, dt.date],
    *,
    settings: str = "",
    as_of: dt.date | None = None,
) -> Analysis:
    """`tables` written to root/data, synced into root/l.duckdb and analysed for `period` with the
    configuration [source] + `settings` (TOML: [analysis], [costing] …)."""
    write_tables(root / "data", tables)
    (root / "profitlens.toml").write_text(SOURCE + settings, encoding="utf-8")
    method = engine_settings(load_config(root / "profitlens.toml"))
    with Store(root / "l.duckdb") as store:
        run_sync(FilesConnector(root / "data"), load_mapping("files"), store)
        return analyze(store.con, Period.of(*period, as_of), method)
