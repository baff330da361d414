"""The annotated examples in config/ stay valid as the settings change."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings.engine import load_mapping
from profitlens.config import load_config

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "config").glob("*.toml"))


# What each example is for, and where its customer mapping takes "referred by" from (None: the source has
# no such field and the example maps none).
EXAMPLE_KIND = {
    "bc.toml": ("bc", None),
    "files.toml": ("files", ["referred_by"]),
    "gp-sample.toml": ("gp-sql", ["USERDEF1"]),
    "gp-sql.toml": ("gp-sql", ["USERDEF1"]),
    "gp-ws.toml": ("gp-ws", None),
}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_configuration_is_valid(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "example-only")
    monkeypatch.setenv("BC_CLIENT_SECRET", "example-only")
    monkeypatch.setenv("GPWS_PASSWORD", "example-only")
    config = load_config(path)
    kind, referred_by = EXAMPLE_KIND[path.name]  # a new example must say here what it is for
    assert config.settings.source.kind == kind
    assert str(config.settings.store.path).endswith("profitlens.duckdb")
    mapping = load_mapping(config.settings.source.kind, config.settings.source.mapping)
    # Every example fills the ledger tables every figure needs.
    tables = {stream.table for stream in mapping.streams.values()}
    assert {"customer", "document", "application"} <= tables, sorted(tables)
    rule = mapping.streams["customers"].fields.get("referred_by")
    assert (rule.columns() if rule else None) == referred_by


def test_there_are_examples_for_each_source_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "example-only")
    monkeypatch.setenv("BC_CLIENT_SECRET", "example-only")
    monkeypatch.setenv("GPWS_PASSWORD", "example-only")
    kinds = {s.kind for p in EXAMPLES for s in load_config(p).sources}
    assert kinds == {"gp-sql", "gp-ws", "bc", "files"}


@pytest.mark.parametrize("kind", ["gp-sql", "gp-ws", "bc", "files"])
def test_config_init_writes_the_annotated_example(tmp_path: Path, kind: str) -> None:
    from profitlens.cli import main

    target = tmp_path / "profitlens.toml"
    assert main(["config", "init", "--kind", kind, "--out", str(target)]) == 0
    example = Path(__file__).resolve().parents[2] / "config" / f"{kind}.toml"
    assert target.read_text() == example.read_text()  # the shipped template is the example in config/
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert main(["config", "init", "--kind", kind, "--out", str(target)]) == 1  # never overwritten silently
    assert main(["config", "init", "--kind", kind, "--out", str(target), "--force"]) == 0


def test_a_bc_source_without_its_secret_names_the_key_and_the_fix(tmp_path: Path) -> None:
    from common.errors import ConfigError

    path = tmp_path / "p.toml"
    path.write_text('[source]\nkind = "bc"\ntenant_id = "t"\ncompany_id = "c"\nclient_id = "a"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "source.client_secret"
    assert "BC_CLIENT_SECRET" in (caught.value.hint or "")


def test_a_gp_web_services_source_without_a_password_names_the_key_and_both_fixes(tmp_path: Path) -> None:
    from common.errors import ConfigError

    path = tmp_path / "p.toml"
    path.write_text('[source]\nkind = "gp-ws"\nurl = "http://gp:48620/x.asmx"\ncompany_key = -1\nusername = "C\\\\u"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "source.password"
    assert "GPWS_PASSWORD" in (caught.value.hint or "") and 'auth = "windows"' in (caught.value.hint or "")
    # Windows integrated authentication needs no username and no password at all.
    path.write_text('[source]\nkind = "gp-ws"\nurl = "http://gp:48620/x.asmx"\ncompany_key = -1\nauth = "windows"\n')
    assert load_config(path).sources[0].password is None


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("", "SQL_CHUNK_ROWS"), ("chunk_rows = 250\n", 250)],
    ids=["connector-default", "set"],
)
def test_chunk_rows_is_the_connectors_own_unless_set(tmp_path: Path, setting: str, expected: object) -> None:
    # GP SQL maps whole chunks in one query and commits per chunk: the sync is fastest with its own
    # (large) chunk; a config that does not say otherwise must not slow it to the 5,000 rows of the others.
    from connector.base import DEFAULT_CHUNK_ROWS, SQL_CHUNK_ROWS
    from profitlens.app import make_connector

    (tmp_path / "gp.sqlite").touch()
    (tmp_path / "files").mkdir()
    for name in ("customers.csv", "documents.csv"):
        (tmp_path / "files" / name).touch()
    sql = tmp_path / "sql.toml"
    sql.write_text(f'[source]\nkind = "gp-sql"\npath = "gp.sqlite"\n{setting}')
    files = tmp_path / "files.toml"
    files.write_text(f'[source]\nkind = "files"\npath = "files"\n{setting}')
    want = SQL_CHUNK_ROWS if expected == "SQL_CHUNK_ROWS" else expected
    assert make_connector(load_config(sql)).chunk_rows == want  # type: ignore[attr-defined]
    assert make_connector(load_config(files)).chunk_rows == (DEFAULT_CHUNK_ROWS if not setting else 250)  # type: ignore[attr-defined]
    assert SQL_CHUNK_ROWS > DEFAULT_CHUNK_ROWS


def test_business_centrals_hosts_are_settings_and_https_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another cloud (or a proxy) has other hosts: base_url and login_url point there; plain http is refused
    # by name, since a token and the company's data would travel in clear.
    from common.errors import ConfigError
    from profitlens.app import make_connector

    monkeypatch.setenv("BC_CLIENT_SECRET", "s")
    base = '[source]\nkind = "bc"\ntenant_id = "t1"\ncompany_id = "c1"\nclient_id = "a"\nclient_secret = "${BC_CLIENT_SECRET}"\n'
    path = tmp_path / "p.toml"
    path.write_text(
        base + 'base_url = "https://api.businesscentral.dynamics.de/v2.0"\n'
        'login_url = "https://login.microsoftonline.de/{tenant}/oauth2/v2.0/token"\n'
    )
    connector = make_connector(load_config(path))
    assert connector.company_url.startswith("https://api.businesscentral.dynamics.de/v2.0/t1/production/")  # type: ignore[attr-defined]
    assert connector.login_url == "https://login.microsoftonline.de/t1/oauth2/v2.0/token"  # type: ignore[attr-defined]
    path.write_text(base + 'base_url = "http://bc.example/v2.0"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "source.base_url" and "https://" in caught.value.message
