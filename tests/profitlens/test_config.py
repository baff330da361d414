"""Mistakes in the configuration file, as a user makes them: each named with its key, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from profitlens.config import load_config


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # A misspelt table: its header's line, and the table it meant.
        (
            '[source]\nkind = "files"\npath = "data"\n\n[stor]\npath = "x.duckdb"\n',
            "`stor` in {file}:5: unknown setting (did you mean `store`?)",
        ),
        # A typo inside an inline table: the typo itself (not "`minutes` is required") and its line.
        (
            '[source]\nkind = "files"\npath = "data"\n\n[[costing.pool]]\nname = "desk"\ncost = 100\npractical_minutes = 1000\n'
            '\n[costing.drivers]\ninvoice = { pool = "desk", minuts = 12 }\n',
            "`costing.drivers.invoice.minuts` in {file}:11: unknown setting",
        ),
        # A number written in quotes in a list of numbers: refused where it stands, not guessed at.
        (
            '[source]\nkind = "files"\npath = "data"\n\n[analysis]\nageing_buckets = [30, "90"]\n',
            "`analysis.ageing_buckets.1` in {file}:6:",
        ),
    ],
)
def test_a_mistake_in_the_file_is_named_where_it_stands(tmp_path: Path, text: str, said: str) -> None:
    from common.errors import ConfigError

    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert said.format(file=path) in str(caught.value)


def test_every_unset_variable_is_named_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two secrets from the environment, neither set: both named with their keys and lines, in one go.
    from common.errors import ConfigError

    monkeypatch.delenv("GPWS_PASSWORD", raising=False)
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    path = tmp_path / "p.toml"
    path.write_text(
        '[source]\nkind = "gp-ws"\nurl = "https://gp.example/DynamicsGPWebServices/DynamicsGPService.asmx"\n'
        'username = "svc"\npassword = "${GPWS_PASSWORD}"\n\n[smtp]\nhost = "mail.example"\nusername = "r"\n'
        'password = "${SMTP_PASSWORD}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    said = str(caught.value)
    assert "2 environment variables are not set" in said
    assert "GPWS_PASSWORD (`source.password`, line 5)" in said and "SMTP_PASSWORD (`smtp.password`, line 10)" in said
