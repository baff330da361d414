"""What several commands share: the --config and period options, loading the configuration, the formats."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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


def load(config_path: Path | None, *, log: bool = True) -> Any:
    """Find and validate the configuration, and start the log file next to its store (`log=False`: a
    command that changes nothing, `check`, leaves no logs/ folder behind)."""
    from profitlens.config import find_config, load_config  # noqa: PLC0415
    from profitlens.logs import setup_file  # noqa: PLC0415

    config = load_config(find_config(config_path))
    if log:
        setup_file(config.store_path.parent / "logs")
    return config


if TYPE_CHECKING:  # click's ParamType is generic since 8.2; pyproject allows 8.1
    _DayBase = click.ParamType[dt.datetime]
else:
    _DayBase = click.ParamType


class Day(_DayBase):
    """A calendar day written YYYY-MM-DD; a wrong one is named with what is wrong with it (not strptime's
    "does not match the format")."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if not match:
            self.fail(f"{text!r} is not a date written YYYY-MM-DD (e.g. 2026-01-31)", param, ctx)
        try:
            year, month, day = (int(part) for part in match.groups())
            return dt.datetime(year, month, day)
        except ValueError as exc:  # "month must be in 1..12", "day is out of range for month"
            self.fail(f"{text!r} is not a day of the calendar: {exc}", param, ctx)


DAY = Day()


def period_options(func: F) -> F:
    date = DAY
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

    if as_of is not None and as_of < date_from:
        raise click.BadParameter(
            f"{as_of.date()} is before the period starts ({date_from.date()}): receivables are aged on a day "
            "within the period or after it",
            param_hint="--as-of",
        )
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
