"""`profitlens check` says per item OK or what to fix, and exits 1 when anything fails."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from profitlens.cli import main
from tests.cases import alpha
from tests.profitlens.test_jobs import free_port, smtp_server


def gp_config(tmp_path: Path, port: int, drop: str | None = None) -> Path:
    db = alpha.write_gp_database(tmp_path / "gp.sqlite")
    if drop:
        con = sqlite3.connect(db)
        con.execute(f"DROP TABLE {drop}")
        con.commit()
        con.close()
    config = tmp_path / "p.toml"
    config.write_text(
        f'[source]\nkind = "gp-sql"\npath = "gp.sqlite"\n\n[mail]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "none"\nsender = "reports@alpha.example"\ntimeout_seconds = 3\n'
    )
    return config


def test_everything_reachable_is_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    config = gp_config(tmp_path, port)
    controller, _inbox = smtp_server(port)
    try:
        assert main(["check", "--config", str(config)]) == 0
    finally:
        controller.stop()
    out = capsys.readouterr().out
    assert "OK    source gp-sql · timesheets: readable" in out
    assert f"OK    mail 127.0.0.1:{port}: none" in out
    assert "FAIL" not in out


def test_a_missing_table_and_a_mail_server_that_is_down_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = gp_config(tmp_path, free_port(), drop="PA30101")  # nobody listens on the mail port
    assert main(["check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  source gp-sql · timesheets: GP database gp.sqlite (stream timesheets): no such table: PA30101" in out
    assert "OK    source gp-sql · customers: readable" in out  # the rest is still checked
    assert "FAIL  mail 127.0.0.1:" in out and "could not take the message now" in out


def test_a_password_in_the_connection_string_never_reaches_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "p.toml"
    config.write_text(
        '[source]\nkind = "gp-sql"\nconnection = "DRIVER={No Such Driver};SERVER=gp01;UID=sa;PWD=ch3ck-s3cret"\n'
    )
    assert main(["check", "--config", str(config)]) == 1
    out = capsys.readouterr()
    assert "FAIL  source gp-sql" in out.out and "ODBC driver" in out.out
    assert "ch3ck-s3cret" not in out.out + out.err
