"""The scheduler: a job runs when its cron time has come, catches up once after downtime, never twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from common.errors import ConfigError
from profitlens.config import load_config
from profitlens.jobs import JobResult
from profitlens.schedule import due_jobs, run_due, serve
from tests.cases import alpha


def config_with(tmp_path: Path, cron: str) -> Path:
    alpha.write_files(tmp_path / "data")
    path = tmp_path / "p.toml"
    path.write_text(
        f'[source]\nkind = "files"\npath = "data"\n\n[[job]]\nname = "daily"\nperiod = "month to date"\n'
        f'reports = ["csv"]\ncron = "{cron}"\n\n[[job]]\nname = "manual"\n' + alpha.CONFIG_SECTIONS
    )
    return path


def test_a_missed_run_is_caught_up_once(tmp_path: Path) -> None:
    # Every day at midnight: today's midnight has passed and the job never ran (the service was down for
    # however long) → exactly one run now, and nothing more until the next midnight.
    config = load_config(config_with(tmp_path, "0 0 * * *"))
    now = dt.datetime.now().astimezone()
    assert [j.name for j in due_jobs(config, now)] == ["daily"]  # "manual" has no cron: never scheduled
    [(name, outcome)] = run_due(config, now)
    assert name == "daily" and isinstance(outcome, JobResult)
    assert outcome.files[0].name == "customers.csv"
    assert due_jobs(config, dt.datetime.now().astimezone()) == []
    assert run_due(config, dt.datetime.now().astimezone()) == []


def test_the_service_loop_runs_what_is_due_and_sleeps_to_the_next_minute(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, "0 0 * * *"))
    said: list[str] = []
    slept: list[float] = []
    loops = iter([False, False, True])
    serve(config, report=said.append, sleep=slept.append, stop=lambda: next(loops))
    assert len(said) == 1 and said[0].startswith("daily: ")  # ran once, not again on the second loop
    assert len(slept) == 2 and all(0 < s <= 60 for s in slept)


def test_a_wrong_cron_expression_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"`job.0.cron` in .*p.toml:9: Value error, not a cron expression"):
        load_config(config_with(tmp_path, "every monday"))
