"""Commands that set profitlens up: `config init` and `credentials set`."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("config")
def config_group() -> None:
    """The configuration file: write an annotated starting file."""


@config_group.command("init")
@click.option("--kind", type=click.Choice(["gp-sql", "gp-ws", "bc", "files"]), required=True, help="The source kind.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it. Default: the platform's configuration directory.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def config_init(kind: str, out: Path | None, force: bool) -> None:
    """Write an annotated configuration for KIND to start from (every key explained, secrets as ${ENV})."""
    from importlib import resources  # noqa: PLC0415

    from common.errors import ConfigError  # noqa: PLC0415
    from profitlens.config import default_config_path  # noqa: PLC0415
    from reports.render import write_private_file  # noqa: PLC0415

    target = out or default_config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target} exists already", key="config init", hint="give --force to replace it, or --out")
    text = resources.files("profitlens").joinpath("templates", f"{kind}.toml").read_text(encoding="utf-8")
    write_private_file(target, text.encode("utf-8"))
    click.echo(f"Wrote {target}. Edit it, then run: profitlens check --config {target}")


@click.group()
def credentials() -> None:
    """Secrets in the operating system's keyring, for `{ keyring = "service/name" }` in the configuration."""


@credentials.command("set")
@click.argument("reference")
def credentials_set(reference: str) -> None:
    """Store a secret under REFERENCE (service/name); it is asked for twice and never shown."""
    from profitlens.credentials import store_secret  # noqa: PLC0415

    value = click.prompt(f"Secret for {reference}", hide_input=True, confirmation_prompt=True)
    store_secret(reference, value)
    click.echo(f'Stored {reference} in the keyring. Use it as: {{ keyring = "{reference}" }}')
