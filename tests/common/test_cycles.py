"""Python's cycle collector paused around object-heavy work (analyze, the HTML): a speed-up, nothing else."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from common.cycles import paused_cycle_collector
from profitability.model import Period
from profitlens import app
from profitlens.config import load_config
from tests.cases import alpha
from tests.profitlens.test_cli import files_config


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_and_left_as_it_was_found_also_after_a_failure(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_cycle_collector():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError, match="a failure"), paused_cycle_collector():
            raise ValueError("a failure")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_the_html_report_is_written_with_the_collector_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large sample: the accountant's HTML took 2.6 s with the collector on, 1.8 s paused (docs/performance.md).
    config = load_config(files_config(tmp_path))
    app.sync(config)
    run = app.run_analysis(config, Period.of(*alpha.PERIOD))
    seen: list[bool] = []
    write_html = app.write_html

    def watched(*args: Any, **kwargs: Any) -> Path:
        seen.append(gc.isenabled())
        return write_html(*args, **kwargs)

    monkeypatch.setattr(app, "write_html", watched)
    (path,) = app.write_reports(config, run, tmp_path / "out", ("html",))
    assert path.name == "report.html" and path.stat().st_size > 0
    assert seen == [False]
    assert gc.isenabled()
