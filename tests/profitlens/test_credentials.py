"""Secrets from the keyring: stored by prompt (no echo), read by the configuration, never printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError

from common.errors import ConfigError
from profitlens.cli import cli
from profitlens.config import load_config

SECRET = "k3yr1ng-Pa55-word"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (the library's own interface) that keeps secrets in memory for the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class NoKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise NoKeyringError("No recommended backend was available.")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(
        '[source]\nkind = "files"\npath = "d"\n\n[mail]\nhost = "smtp.example.com"\nusername = "r"\n'
        'password = { keyring = "profitlens/smtp" }\nsender = "reports@example.com"\n'
    )
    return path


def test_credentials_set_prompts_twice_without_echo_and_the_config_reads_it(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    result = CliRunner().invoke(cli, ["credentials", "set", "profitlens/smtp"], input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output  # hidden input: never echoed
    assert memory_keyring.store[("profitlens", "smtp")] == SECRET
    config = load_config(config_file(tmp_path))
    assert config.settings.mail is not None and config.settings.mail.password is not None
    assert config.settings.mail.password.get_secret_value() == SECRET
    assert SECRET not in repr(config.settings) and SECRET not in str(config.settings.mail)


def test_a_missing_secret_says_how_to_store_it(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(
        ConfigError,
        match=r"`mail.password`.*no secret is stored under 'profitlens/smtp'.*"
        r"profitlens credentials set profitlens/smtp",
    ):
        load_config(config_file(tmp_path))


def test_no_keyring_on_the_machine_points_to_environment_variables(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with pytest.raises(ConfigError, match=r"the keyring cannot be read.*\$\{ENV_NAME\}"):
            load_config(config_file(tmp_path))
    finally:
        keyring.set_keyring(previous)
