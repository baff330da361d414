"""Sync progress: plain lines when not in a terminal, a live display in one."""

from __future__ import annotations

import io
from pathlib import Path

from profitlens.cli import main
from profitlens.progress import SyncProgress
from tests.cases import alpha


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_per_stream_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = SyncProgress(out)
    progress("customers", 2)
    progress("documents", 5000)
    progress("documents", 1200)
    progress.close()
    assert out.getvalue().splitlines() == ["read 2 rows of customers", "read 6,200 rows of documents"]


def test_a_live_display_in_a_terminal() -> None:
    out = Terminal()
    progress = SyncProgress(out)
    progress("documents", 5000)
    progress("documents", 1200)
    progress.close()
    assert "reading documents" in out.getvalue() and "6,200 rows" in out.getvalue()


def test_sync_reports_its_streams(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    alpha.write_files(tmp_path / "data")
    config = tmp_path / "p.toml"
    config.write_text('[source]\nkind = "files"\npath = "data"\n')
    assert main(["sync", "--config", str(config)]) == 0
    err = capsys.readouterr().err
    assert "read 2 rows of customers" in err and "read 7 rows of documents" in err
