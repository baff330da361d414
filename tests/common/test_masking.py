"""Secrets never leave the process in clear: registered values and connection-string passwords."""

from __future__ import annotations

from common.masking import mask, redact, register_secrets


def test_redact_hides_odbc_passwords() -> None:
    assert redact("SERVER=x;UID=sa;PWD=secret;DATABASE=TWO") == "SERVER=x;UID=sa;PWD=***;DATABASE=TWO"
    assert redact("Password={se;cret};X=1") == "Password=***;X=1"


def test_mask_hides_registered_secrets_longest_first_and_connection_passwords() -> None:
    register_secrets(["hunter2-long", "hunter2", "abc"])  # "abc" is too short to be told from text
    assert mask("login hunter2-long failed") == "login *** failed"  # not "***-long"
    assert mask("token hunter2 at http://svc:hunter2@host/") == "token *** at http://svc:***@host/"
    assert mask("abc;PWD=s3cr3t") == "abc;PWD=***"
