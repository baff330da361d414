"""The annotated examples in config/ stay valid as the settings change."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings.engine import load_mapping
from profitlens.config import load_config, redact

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "config").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_configuration_is_valid(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "example-only")
    config = load_config(path)
    load_mapping(config.settings.source.kind, config.settings.source.mapping)


def test_there_are_examples_for_each_source_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "example-only")
    kinds = {s.kind for p in EXAMPLES for s in load_config(p).sources}
    assert kinds == {"gp-sql", "files"}


def test_redact_hides_odbc_passwords() -> None:
    assert redact("SERVER=x;UID=sa;PWD=secret;DATABASE=TWO") == "SERVER=x;UID=sa;PWD=***;DATABASE=TWO"
    assert redact("Password={se;cret};X=1") == "Password=***;X=1"
