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


def bc_config(tmp_path: Path) -> Path:
    from tests.connector.bc_service import COMPANY_ID, TENANT

    config = tmp_path / "bc.toml"
    config.write_text(
        f'[source]\nkind = "bc"\ntenant_id = "{TENANT}"\ncompany_id = "{COMPANY_ID}"\nclient_id = "app-1"\n'
        'client_secret = "${BC_CLIENT_SECRET}"\n'
    )
    return config


@pytest.mark.parametrize(
    ("secret", "code", "expected"),
    [
        ("s3cret-client-value", 0, "OK    source bc: signed in to Business Central production; customers readable"),
        ("an-expired-secret", 1, "FAIL  source bc: Microsoft sign-in refused the app registration"),
    ],
)
def test_business_central_sign_in_is_checked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
    code: int,
    expected: str,
) -> None:
    import responses

    from tests.connector.bc_service import FakeBusinessCentral

    monkeypatch.setenv("BC_CLIENT_SECRET", secret)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FakeBusinessCentral(rsps)
        assert main(["check", "--config", str(bc_config(tmp_path))]) == code
    out = capsys.readouterr().out
    assert expected in out
    assert secret not in out


@pytest.mark.parametrize(
    ("password", "code", "expected"),
    [
        ("gp-ws-Pa55word", 0, "OK    source gp-ws: signed in to GP Web Services at http://127.0.0.1:"),
        ("an-old-password", 1, "refused the credentials as CONTOSO\\svc (HTTP 401"),
    ],
)
def test_gp_web_services_sign_in_is_checked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password: str,
    code: int,
    expected: str,
) -> None:
    from tests.cases import common
    from tests.connector.gp_ws_service import WSDL, FakeGpWebServices

    monkeypatch.setenv("GPWS_PASSWORD", password)
    fake = FakeGpWebServices(
        common.gp_ws_company(), users={"CONTOSO\\svc": "gp-ws-Pa55word"}, users_file=tmp_path / "users"
    )
    with fake.running():
        config = tmp_path / "gp-ws.toml"
        config.write_text(
            f'[source]\nkind = "gp-ws"\nurl = "{fake.url}"\nwsdl = "{WSDL}"\ncompany_key = -1\n'
            'username = "CONTOSO\\\\svc"\npassword = "${GPWS_PASSWORD}"\n'
        )
        assert main(["check", "--config", str(config)]) == code
    out = capsys.readouterr().out
    assert expected in out
    assert password not in out


def test_check_changes_nothing_it_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A check before the first sync: the store is not created (the sync will), no logs/ folder appears.
    from tests.profitlens.test_cli import files_config

    config = files_config(tmp_path)
    store = tmp_path / "profitlens.duckdb"
    assert not store.exists()
    assert main(["check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "not created yet; the first sync creates it" in out
    assert not store.exists() and not (tmp_path / "logs").exists()
