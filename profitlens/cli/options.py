"""What several commands share: the --config and period options, loading the configuration, the formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PROFITLENS_CONFIG",
        default=None,
        help="The configuration file (TOML). Else PROFITLENS_CONFIG, else the platform's config directory "
        "(Linux: ~/.config/profitlens/profitlens.toml).",
    )(func)


def load(config_path: Path | None) -> Any:
    """Find and validate the configuration, and start the log file next to its store."""
    from profitlens.config import find_config, load_config  # noqa: PLC0415
    from profitlens.logs import setup_file  # noqa: PLC0415

    config = load_config(find_config(config_path))
    setup_file(config.store_path.parent / "logs")
    return config


def period_options(func: F) -> F:
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


def period(date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime | None) -> Any:
    from profitability.model import Period  # noqa: PLC0415 - keep `--help` fast

    return Period.of(date_from.date(), date_to.date(), as_of.date() if as_of else None)


def formats_of(value: str) -> tuple[str, ...]:
    from profitlens.app import REPORT_FORMATS  # noqa: PLC0415

    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown or not formats:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(REPORT_FORMATS)}", param_hint="--format"
        )
    return formats
